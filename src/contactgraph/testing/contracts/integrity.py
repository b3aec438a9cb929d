"""Referential integrity across aggregates, enforced at commit by every store."""

from __future__ import annotations

import pytest

from contactgraph.domain import AccountContactRelation, Case, Opportunity
from contactgraph.errors import PolicyViolationError
from contactgraph.store import Store
from contactgraph.testing.contracts.base import ContractBase, acme, acme_deal, globex


class IntegrityContract(ContractBase):
    """Referential integrity across aggregates, enforced at commit by every store."""

    def test_a_case_contact_must_belong_to_the_case_account(self, store: Store) -> None:
        account, _ = acme()
        store.accounts.add(account)
        g, hank = globex()
        store.accounts.add(g)
        with pytest.raises(PolicyViolationError) as caught:
            store.cases.add(Case.create("Wrong", account.id, hank.id))
        assert "contact_id.not_of_account" in caught.value.codes
        with pytest.raises(PolicyViolationError) as caught:
            store.cases.add(Case.create("Nowhere", "ghost-account", None))
        assert "account_id.unknown" in caught.value.codes
        assert store.cases.count() == 0

    def test_roles_must_be_contacts_of_the_account_unless_relaxed(self, store: Store) -> None:
        account, _ = acme()
        store.accounts.add(account)
        g, hank = globex()
        store.accounts.add(g)
        foreign = Opportunity.create("Cross", account.id).add_contact_role(hank.id, "Influencer")
        with pytest.raises(PolicyViolationError) as caught:
            store.opportunities.add(foreign)
        assert "contact_roles.foreign_contact" in caught.value.codes
        ghost = Opportunity.create("Ghost", account.id).add_contact_role("ghost", "Influencer")
        with pytest.raises(PolicyViolationError) as caught:
            store.opportunities.add(ghost)
        assert "contact_roles.unknown_contact" in caught.value.codes
        store.allow_foreign_contact_roles = True
        assert store.opportunities.add(foreign).version == 1
        with pytest.raises(PolicyViolationError):
            store.opportunities.add(ghost)

    def test_a_role_left_behind_by_a_move_does_not_block_other_changes(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        g, _ = globex()
        store.accounts.add(g)
        deal = store.opportunities.add(acme_deal(account, people))
        source = store.accounts.get(account.id)
        released, moved, _cut = source.release_contact(people["helene"].id, g.id)
        with store.transaction():
            store.accounts.save(released)
            store.accounts.save(store.accounts.get(g.id).receive_contact(moved, account.id))
        assert store.opportunities.save(deal.update(stage="Qualification")).version == 2

    def test_removing_the_primary_contact_of_an_open_deal_is_refused(self, store: Store) -> None:
        account, people = acme()
        stored = store.accounts.add(account)
        deal = store.opportunities.add(acme_deal(account, people))
        with pytest.raises(PolicyViolationError) as caught:
            store.accounts.save(stored.remove_contact(people["alice"].id, reassign_reports_to=None))
        assert "contact.primary_on_open_opportunity" in caught.value.codes
        assert "Alice Martin" in str(caught.value)
        assert "ACME renewal" in str(caught.value)
        assert store.accounts.get(account.id) == stored
        with store.transaction():
            store.accounts.save(stored.remove_contact(people["alice"].id, reassign_reports_to=None))
            store.opportunities.save(deal.set_primary(people["helene"].id))
        assert store.accounts.count_contacts() == 3

    def test_removing_a_contact_with_an_open_case_is_refused(self, store: Store) -> None:
        account, people = acme()
        stored = store.accounts.add(account)
        ticket = store.cases.add(Case.create("Invoice error", account.id, people["bob"].id))
        with pytest.raises(PolicyViolationError) as caught:
            store.accounts.save(stored.remove_contact(people["bob"].id))
        assert "contact.has_open_cases" in caught.value.codes
        assert "Invoice error" in str(caught.value)
        store.cases.save(ticket.close())
        assert store.accounts.save(stored.remove_contact(people["bob"].id)).version == 2

    def test_a_non_primary_role_does_not_block_a_removal(self, store: Store) -> None:
        account, people = acme()
        stored = store.accounts.add(account)
        store.opportunities.add(acme_deal(account, people))
        store.accounts.save(stored.remove_contact(people["helene"].id))

    def test_removing_a_referenced_account_is_refused_and_says_why(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        deal = store.opportunities.add(acme_deal(account, people))
        with pytest.raises(PolicyViolationError) as caught:
            store.accounts.remove(account.id)
        assert "account.referenced" in caught.value.codes
        assert deal.id in str(caught.value)
        assert store.accounts.exists(account.id)
        with store.transaction():
            store.accounts.remove(account.id)
            store.opportunities.remove(deal.id)
        assert not store.accounts.exists(account.id)

    def test_an_account_whose_contact_has_a_relation_elsewhere_is_refused(
        self, store: Store
    ) -> None:
        account, people = acme()
        store.accounts.add(account)
        g, _ = globex()
        store.accounts.add(g)
        store.relations.add(AccountContactRelation.create(g.id, people["bob"].id))
        with pytest.raises(PolicyViolationError) as caught:
            store.accounts.remove(account.id)
        assert "account.referenced" in caught.value.codes

    def test_a_relation_needs_an_existing_account_and_contact(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        with pytest.raises(PolicyViolationError) as caught:
            store.relations.add(AccountContactRelation.create("ghost", people["bob"].id))
        assert "account_id.unknown" in caught.value.codes
        with pytest.raises(PolicyViolationError) as caught:
            store.relations.add(AccountContactRelation.create(account.id, "ghost"))
        assert "contact_id.unknown" in caught.value.codes

    def test_order_inside_a_transaction_does_not_matter(self, store: Store) -> None:
        account, people = acme()
        with store.transaction():
            store.cases.add(Case.create("Early", account.id, people["bob"].id))
            store.opportunities.add(acme_deal(account, people))
            store.accounts.add(account)
        assert store.cases.count() == 1
