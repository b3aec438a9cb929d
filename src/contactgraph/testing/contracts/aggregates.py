"""The aggregates linked to accounts by id: opportunities and cases."""

from __future__ import annotations

from datetime import date

import pytest

from contactgraph.domain import Case, Opportunity
from contactgraph.errors import ConcurrencyError, NotFoundError, PolicyViolationError
from contactgraph.repos.protocol import CaseRepository, OpportunityRepository
from contactgraph.store import Store
from contactgraph.testing.contracts.base import ContractBase, acme, acme_deal, globex


class OpportunityRepositoryContract(ContractBase):
    def test_opportunities_keep_the_repository_protocol(self, store: Store) -> None:
        assert isinstance(store.opportunities, OpportunityRepository)

    def test_opportunity_add_get_save_remove(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        deal = acme_deal(account, people)
        stored = store.opportunities.add(deal)
        assert stored.version == 1
        loaded = store.opportunities.get(deal.id)
        assert loaded == stored
        assert loaded.contact_roles == deal.contact_roles
        assert loaded.amount is not None
        assert str(loaded.amount.amount) == "12000.00"
        saved = store.opportunities.save(loaded.update(stage="Negotiation/Review"))
        assert saved.version == 2
        assert store.opportunities.get(deal.id).stage.value == "Negotiation/Review"
        with pytest.raises(ConcurrencyError):
            store.opportunities.save(loaded.update(name="Stale"))
        assert store.opportunities.find_by_external_id("salesforce", "006DEAL") == saved
        store.opportunities.remove(deal.id)
        with pytest.raises(NotFoundError):
            store.opportunities.get(deal.id)
        with pytest.raises(NotFoundError):
            store.opportunities.remove(deal.id)
        assert store.opportunities.count() == 0

    def test_duplicate_id_is_refused(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        deal = store.opportunities.add(acme_deal(account, people))
        with pytest.raises(PolicyViolationError) as caught:
            store.opportunities.add(Opportunity.create("Other", account.id, id=deal.id))
        assert "id.duplicate" in caught.value.codes

    def test_list_filters_and_orders(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        g, hank = globex()
        store.accounts.add(g)
        late = store.opportunities.add(
            acme_deal(account, people, name="b late", close_date=date(2028, 1, 1))
        )
        undated = store.opportunities.add(
            acme_deal(account, people, name="a undated", close_date=None)
        )
        soon = store.opportunities.add(
            acme_deal(account, people, name="z soon", close_date=date(2027, 1, 1))
        )
        tie = store.opportunities.add(
            acme_deal(account, people, name="Y soon", close_date=date(2027, 1, 1))
        )
        won = store.opportunities.add(acme_deal(account, people, name="won", stage="Closed Won"))
        other = store.opportunities.add(
            Opportunity.create("Globex deal", g.id).add_contact_role(hank.id, primary=True)
        )
        ids = [o.id for o in store.opportunities.list(account_id=account.id)]
        assert ids == [tie.id, soon.id, won.id, late.id, undated.id]
        assert [o.id for o in store.opportunities.list(account_id=account.id, open_only=True)] == [
            tie.id,
            soon.id,
            late.id,
            undated.id,
        ]
        assert [o.id for o in store.opportunities.list(contact_id=hank.id)] == [other.id]
        both = store.opportunities.list(
            contact_ids=[hank.id, people["helene"].id], limit=2, offset=1
        )
        assert [o.id for o in both] == [soon.id, won.id]
        assert store.opportunities.list(contact_id="ghost") == []
        assert store.opportunities.list(contact_ids=[]) == []
        assert store.opportunities.count() == 6


class CaseRepositoryContract(ContractBase):
    def test_cases_keep_the_repository_protocol(self, store: Store) -> None:
        assert isinstance(store.cases, CaseRepository)

    def test_case_add_get_save_remove(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        ticket = Case.create(
            "Invoice error",
            account.id,
            people["bob"].id,
            priority="High",
            origin="Email",
            description="Line 1\nLine 2",
            external_ids={"salesforce": "500X"},
        )
        stored = store.cases.add(ticket)
        assert store.cases.get(ticket.id) == stored
        closed = store.cases.save(stored.close())
        loaded = store.cases.get(ticket.id)
        assert loaded == closed
        assert loaded.closed_at is not None
        assert store.cases.find_by_external_id("salesforce", "500X") == closed
        with pytest.raises(ConcurrencyError):
            store.cases.save(stored.update(subject="Stale"))
        store.cases.remove(ticket.id)
        with pytest.raises(NotFoundError):
            store.cases.get(ticket.id)
        assert store.cases.count() == 0

    def test_list_most_recent_first(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        first = store.cases.add(Case.create("First", account.id, people["bob"].id))
        second = store.cases.add(Case.create("Second", account.id, people["alice"].id))
        third = store.cases.add(Case.create("Third", account.id, None, status="Closed"))
        assert [c.id for c in store.cases.list()] == [third.id, second.id, first.id]
        assert [c.id for c in store.cases.list(open_only=True)] == [second.id, first.id]
        assert [c.id for c in store.cases.list(contact_id=people["bob"].id)] == [first.id]
        assert [c.id for c in store.cases.list(account_id=account.id, offset=2)] == [first.id]
        anyone = store.cases.list(contact_ids=[people["bob"].id, people["alice"].id, "ghost"])
        assert [c.id for c in anyone] == [second.id, first.id]
        assert store.cases.list(contact_ids=[]) == []
