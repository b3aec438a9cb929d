"""Tenants: one database shared by several tenants that never see each other."""

from __future__ import annotations

import pytest

from contactgraph.domain import Case
from contactgraph.errors import NotFoundError
from contactgraph.store import Store
from contactgraph.testing.contracts.base import ContractBase, acme, acme_deal


class TenantContract(ContractBase):
    def test_nothing_of_another_tenant_is_read_or_written(
        self, store: Store, other_tenant: Store
    ) -> None:
        account, people = acme()
        store.accounts.add(account)
        store.opportunities.add(acme_deal(account, people))
        store.cases.add(Case.create("Help", account.id, people["bob"].id))
        assert other_tenant.tenant != store.tenant
        assert other_tenant.accounts.count() == 0
        assert other_tenant.accounts.count_contacts() == 0
        assert other_tenant.accounts.list() == []
        assert list(other_tenant.accounts) == []
        assert other_tenant.accounts.find_contacts(email="alice.martin@acme.fr") == []
        assert other_tenant.accounts.search_contacts("martin") == []
        assert other_tenant.accounts.find_by_external_id("salesforce", "001ACME") is None
        assert other_tenant.opportunities.list() == []
        assert other_tenant.cases.count() == 0
        with pytest.raises(NotFoundError):
            other_tenant.accounts.get(account.id)
        with pytest.raises(NotFoundError):
            other_tenant.accounts.account_of(people["alice"].id)
        with pytest.raises(NotFoundError):
            other_tenant.accounts.remove(account.id)

    def test_the_same_ids_live_in_two_tenants(self, store: Store, other_tenant: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        twin = other_tenant.accounts.add(account)
        other_tenant.accounts.save(twin.update(name="ACME Twin"))
        assert store.accounts.get(account.id).name == "ACME SA"
        assert other_tenant.accounts.get(account.id).name == "ACME Twin"
        store.accounts.remove(account.id)
        assert other_tenant.accounts.account_of(people["bob"].id).name == "ACME Twin"
