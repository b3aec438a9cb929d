"""Merge and unmerge: the same promises on every backend, records included."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import attrs
import pytest

from contactgraph.domain import Account, AccountContactRelation, Case, Opportunity
from contactgraph.errors import ContactGraphError, NotFoundError, PolicyViolationError
from contactgraph.interop.json import unstructure
from contactgraph.store import Store
from contactgraph.testing.contracts.base import Boom, ContractBase, acme, acme_deal, globex

__all__ = ["MergeContract", "observable"]

_STAMPS = ("version", "updated_at")


def _strip(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in _STAMPS}


def observable(store: Store) -> dict[str, Any]:
    """Every record and link of the store, as callers see them (versions and
    ``updated_at`` left out: a merge and its undo are writes). Roles are keyed by contact."""
    accounts = {}
    for account in store.accounts:
        data = _strip(unstructure(account))
        data["contacts"] = {c["id"]: _strip(c) for c in data["contacts"]}
        accounts[account.id] = data
    opportunities = {}
    for opp in store.opportunities.list():
        data = _strip(unstructure(opp))
        data["contact_roles"] = {r["contact_id"]: r for r in data["contact_roles"]}
        opportunities[opp.id] = data
    return {
        "accounts": accounts,
        "opportunities": opportunities,
        "cases": {c.id: _strip(unstructure(c)) for c in store.cases.list()},
        "relations": {r.id: _strip(unstructure(r)) for r in store.relations.list()},
    }


def _duplicate_of_alice(store: Store) -> tuple[Any, dict[str, Any], str]:
    """ACME with a second Alice (her own case, a report, a relation to Globex) beside the first."""
    account, people = acme()
    account, twin = account.add_contact(
        last_name="Martin",
        first_name="Alice",
        email="alice.m@gmail.com",
        alternate_emails=["alice.martin@acme.fr"],  # her main address, spelt otherwise
        mobile="+33 6 11 22 33 44",
        birthdate="1985-04-01",
        email_opt_out=True,
    )
    account = account.update_contact(people["bob"].id, reports_to=twin.id)
    account = store.accounts.add(account)
    other, _hank = globex()
    store.accounts.add(other)
    store.opportunities.add(acme_deal(account, people))
    store.cases.add(Case.create("Invoice error", account.id, twin.id))
    store.relations.add(AccountContactRelation.create(other.id, twin.id, title="Advisor"))
    return account, people, twin.id


def _bob_moved_to_globex(store: Store) -> tuple[Account, Account, str]:
    """ACME's deal gives Bob a role and his case stays with ACME; then Bob moves to Globex
    (the deal and the case keep naming him: they are ACME's history). A third account."""
    account, people = acme()
    account = store.accounts.add(account)
    other, _hank = globex()
    other = store.accounts.add(other)
    bob = people["bob"].id
    store.opportunities.add(acme_deal(account, people).add_contact_role(bob, "Influencer"))
    store.cases.add(Case.create("Expense report", account.id, bob))
    store.move_contact(bob, other.id, on=date(2030, 1, 1))
    holding = store.accounts.add(Account.create("ACME Holding"))
    return account, holding, bob


def _bob_twice(store: Store) -> tuple[Account, str, str]:
    """:func:`_bob_moved_to_globex`, and Globex, not knowing him, adds Bob again."""
    account, _holding, bob = _bob_moved_to_globex(store)
    globex_now = store.accounts.account_of(bob)
    globex_now, twin = globex_now.add_contact(
        last_name="Durand", first_name="Bob", email="bob.durand@globex.example"
    )
    store.accounts.save(globex_now)
    return account, bob, twin.id


class MergeContract(ContractBase):
    """``store.merge_contacts``, ``merge_accounts``, ``unmerge`` and ``store.merges``."""

    def test_a_contact_merge_repoints_everything_and_its_undo_restores_the_store(
        self, store: Store
    ) -> None:
        account, people, twin = _duplicate_of_alice(store)
        alice = people["alice"].id
        deal = store.opportunities.list()[0]
        store.opportunities.save(deal.add_contact_role(twin, "Influencer"))
        before = observable(store)
        plan = store.merge_contacts(alice, [twin], dry_run=True)
        assert observable(store) == before  # a dry run writes nothing
        kinds = {(m.kind, m.from_id) for m in plan.moves}
        assert kinds == {
            ("case", twin),
            ("relation", twin),
            ("reports_to", twin),
            ("opportunity_role", twin),
        }
        record = store.merge_contacts(alice, [twin], actor="ops@acme")
        merged = store.accounts.get_contact(alice)
        assert twin not in store.accounts.get(account.id)
        assert merged.email is not None
        assert merged.email.address == "Alice.Martin@acme.fr"
        assert [e.address for e in merged.alternate_emails] == ["alice.m@gmail.com"]
        assert merged.mobile is not None
        assert merged.mobile.e164 == "+33611223344"
        assert merged.alternate_phones == ()
        assert merged.email_opt_out is True  # an opt-out is never lost
        assert str(merged.birthdate) == "1985-04-01"  # the survivor had none
        assert store.accounts.get_contact(people["bob"].id).reports_to == alice
        assert [c.contact_id for c in store.cases.list()] == [alice]
        assert [r.contact_id for r in store.relations.list()] == [alice]
        assert store.opportunities.get(deal.id).contact_ids.count(alice) == 1
        stored = store.merges.get(record.id)
        assert (stored.survivor_id, stored.loser_ids, stored.actor) == (alice, (twin,), "ops@acme")
        store.unmerge(record.id)
        assert observable(store) == before
        assert store.merges.get(record.id).unmerged_at is not None
        with pytest.raises(PolicyViolationError, match="undone already"):
            store.unmerge(record.id)

    def test_unmerge_keeps_later_changes_and_closed_cases_go_back_closed(
        self, store: Store
    ) -> None:
        account, people, twin = _duplicate_of_alice(store)
        alice = people["alice"].id
        record = store.merge_contacts(alice, [twin])
        home = store.accounts.get(account.id)
        store.accounts.save(home.update_contact(alice, title="CEO"))
        case = store.cases.list()[0]
        store.cases.save(case.close())
        store.unmerge(record.id)
        assert store.accounts.get_contact(alice).title == "CEO"
        assert store.accounts.get_contact(alice).alternate_emails == ()
        back = store.cases.get(case.id)
        assert (back.contact_id, back.is_closed) == (twin, True)
        assert store.accounts.get_contact(twin).birthdate is not None

    def test_chosen_values_win_and_bad_ones_change_nothing(self, store: Store) -> None:
        _account, people, twin = _duplicate_of_alice(store)
        alice = people["alice"].id
        before = observable(store)
        with pytest.raises(ContactGraphError) as caught:
            store.merge_contacts(alice, [twin], take={"email": "not an email"})
        assert "email" in str(caught.value)
        with pytest.raises(ContactGraphError, match="take"):
            store.merge_contacts(alice, [twin], take={"id": twin})
        with pytest.raises(NotFoundError):
            store.merge_contacts(alice, ["nobody"])
        assert observable(store) == before
        assert store.merges.count() == 0
        store.merge_contacts(alice, [twin], take={"email": twin, "title": "Group CFO"})
        merged = store.accounts.get_contact(alice)
        assert merged.email is not None
        assert merged.email.address == "alice.m@gmail.com"
        assert merged.title == "Group CFO"
        assert "Alice.Martin@acme.fr" in [e.address for e in merged.alternate_emails]

    def test_a_failure_inside_the_merge_leaves_the_store_as_it_was(
        self, store: Store, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _account, people, twin = _duplicate_of_alice(store)
        before = observable(store)

        def fail(_merge: object, **_noted: object) -> None:
            raise Boom("the record could not be written")

        monkeypatch.setattr(store.merges, "add", fail)
        with pytest.raises(Boom):
            store.merge_contacts(people["alice"].id, [twin])
        assert observable(store) == before
        assert store.merges.count() == 0

    def test_contacts_of_two_accounts_merge_into_the_survivors_account(self, store: Store) -> None:
        account, people, twin = _duplicate_of_alice(store)
        other = next(a for a in store.accounts if a.id != account.id)
        hank = next(iter(other.contacts))
        store.accounts.save(store.accounts.get(account.id).update_contact(twin, reports_to=None))
        before = observable(store)
        plan = store.merge_contacts(hank, [twin], dry_run=True)
        assert any("survivor's account" in note for note in plan.notes)
        assert any(m.kind == "reports_to" and m.to_id is None for m in plan.moves)
        (ending,) = [m for m in plan.moves if m.kind == "relation"]
        assert ending.note.startswith("ends: ")  # twin advised Globex: now Hank's own account
        record = store.merge_contacts(hank, [twin])
        case = store.cases.list()[0]
        assert (case.contact_id, case.account_id) == (hank, other.id)
        assert store.accounts.get_contact(people["bob"].id).reports_to is None
        (relation,) = store.relations.list(contact_id=hank)
        assert (relation.account_id, relation.is_active) == (other.id, False)
        assert relation.end_date is not None
        store.unmerge(record.id)
        assert observable(store) == before

    def test_an_account_merge_moves_everything_and_its_undo_restores_the_store(
        self, store: Store
    ) -> None:
        account, people, _twin = _duplicate_of_alice(store)
        other = next(a for a in store.accounts if a.id != account.id)
        child = store.accounts.add(Account.create("Globex Lab", parent_id=other.id))
        store.accounts.save(store.accounts.get(account.id).update(parent_id=other.id))
        store.opportunities.add(Opportunity.create("Globex deal", other.id))
        before = observable(store)
        plan = store.merge_accounts(account.id, [other.id], dry_run=True)
        assert plan.field("parent_id").value is None  # a loser cannot be the parent
        assert {m.kind for m in plan.moves} >= {"contact", "opportunity", "child_account"}
        record = store.merge_accounts(account.id, [other.id])
        assert not store.accounts.exists(other.id)
        assert store.accounts.get(child.id).parent_id == account.id
        assert len(store.accounts.get(account.id).contacts) == len(people) + 2
        assert {o.account_id for o in store.opportunities.list()} == {account.id}
        store.unmerge(record.id)
        assert observable(store) == before

    def test_merge_records_are_listed_and_forget_scrubs_a_person(self, store: Store) -> None:
        _account, people, twin = _duplicate_of_alice(store)
        alice = people["alice"].id
        record = store.merge_contacts(alice, [twin])
        assert [m.id for m in store.merges.list(record_id=twin)] == [record.id]
        assert [m.id for m in store.merges.list(record_id=alice)] == [record.id]
        assert store.merges.list(record_id="nobody") == []
        assert store.merges.forget(twin) == 1
        stored = store.merges.get(record.id)
        assert "alice.m@gmail.com" not in stored.body
        assert json.loads(stored.body)["people"][twin] == {"forgotten": True}
        assert stored.people == ()
        assert store.merges.forget(twin) == 0
        with pytest.raises(PolicyViolationError, match="forgotten"):
            store.unmerge(record.id)
        with pytest.raises(NotFoundError):
            store.unmerge("no-such-merge")
        assert attrs.has(type(stored))

    def test_another_tenant_sees_no_merge_record(self, store: Store, other_tenant: Store) -> None:
        _account, people, twin = _duplicate_of_alice(store)
        record = store.merge_contacts(people["alice"].id, [twin])
        assert other_tenant.merges.count() == 0
        assert other_tenant.merges.list() == []
        with pytest.raises(NotFoundError):
            other_tenant.unmerge(record.id)
        assert other_tenant.merges.forget(people["alice"].id) == 0
        assert store.merges.get(record.id).people == (people["alice"].id, twin)

    def test_an_account_merge_carries_the_history_a_move_left_and_its_undo_restores_it(
        self, store: Store
    ) -> None:
        account, holding, bob = _bob_moved_to_globex(store)
        globex_id = store.accounts.account_id_of(bob)
        before = observable(store)
        record = store.merge_accounts(holding.id, [account.id])
        case = store.cases.list(contact_id=bob)[0]
        deal = store.opportunities.list(contact_id=bob)[0]
        assert (case.account_id, deal.account_id) == (holding.id, holding.id)
        assert case.contact_id == bob  # still the history
        assert bob in deal.contact_ids
        assert store.accounts.account_id_of(bob) == globex_id
        (history,) = store.relations.list(contact_id=bob)
        assert (history.account_id, history.is_active) == (holding.id, False)
        store.unmerge(record.id)
        assert observable(store) == before

    def test_an_account_merge_into_the_new_account_of_a_moved_contact(self, store: Store) -> None:
        account, _holding, bob = _bob_moved_to_globex(store)
        globex_id = store.accounts.account_id_of(bob)
        before = observable(store)
        record = store.merge_accounts(globex_id, [account.id])
        assert {c.account_id for c in store.cases.list(contact_id=bob)} == {globex_id}
        store.unmerge(record.id)
        assert observable(store) == before

    def test_a_contact_merge_after_a_move_leaves_the_old_accounts_history_where_it_is(
        self, store: Store
    ) -> None:
        account, bob, twin = _bob_twice(store)
        globex_id = store.accounts.account_id_of(bob)
        before = observable(store)
        plan = store.merge_contacts(twin, [bob], dry_run=True)
        notes = {m.kind: m.note for m in plan.moves}
        assert notes["case"] == f"stays with account {account.id}: {bob} had left it"
        assert notes["opportunity_role"] == f"opportunity of account {account.id}"
        assert observable(store) == before
        record = store.merge_contacts(twin, [bob])
        (case,) = store.cases.list()
        assert (case.contact_id, case.account_id) == (twin, account.id)  # ACME's history
        (deal,) = store.opportunities.list()
        assert (deal.account_id, deal.role_of(twin) is not None) == (account.id, True)
        assert bob not in deal.contact_ids
        (history,) = store.relations.list()
        assert (history.contact_id, history.account_id, history.is_active) == (
            twin,
            account.id,
            False,
        )
        assert store.accounts.account_id_of(twin) == globex_id
        store.unmerge(record.id)
        assert observable(store) == before

    def test_a_moved_contact_merged_into_a_duplicate_at_its_old_account(self, store: Store) -> None:
        account, bob, twin = _bob_twice(store)
        store.merge_contacts(bob, [twin])  # Globex's two Bobs first: nothing to re-point
        home = store.accounts.get(account.id)
        home, again = home.add_contact(last_name="Durand", first_name="Bob")
        store.accounts.save(home)
        before = observable(store)
        record = store.merge_contacts(again.id, [bob])
        (case,) = store.cases.list()
        assert (case.contact_id, case.account_id) == (again.id, account.id)
        (history,) = store.relations.list()
        assert (history.contact_id, history.is_active) == (again.id, False)
        store.unmerge(record.id)
        assert observable(store) == before

    def test_a_move_and_a_contact_merge_in_one_transaction(self, store: Store) -> None:
        account, people = acme()
        account = store.accounts.add(account)
        other, _hank = globex()
        other, twin = other.add_contact(last_name="Durand", first_name="Bob")
        other = store.accounts.add(other)
        bob = people["bob"].id
        store.opportunities.add(acme_deal(account, people).add_contact_role(bob, "Influencer"))
        store.cases.add(Case.create("Expense report", account.id, bob))
        with store.transaction():
            store.move_contact(bob, other.id, on=date(2030, 1, 1))
            after_move = observable(store)
            record = store.merge_contacts(twin.id, [bob])
        (case,) = store.cases.list()
        assert (case.contact_id, case.account_id) == (twin.id, account.id)
        assert twin.id in store.opportunities.list()[0].contact_ids
        store.unmerge(record.id)
        assert observable(store) == after_move

    def test_only_the_merged_persons_history_may_name_someone_of_another_account(
        self, store: Store
    ) -> None:
        account, bob, twin = _bob_twice(store)
        alice = next(c.id for c in account.contacts.values() if c.first_name == "Alice")
        login = store.cases.add(Case.create("Login", account.id, alice))
        other_deal = store.opportunities.add(Opportunity.create("ACME extension", account.id))
        before = observable(store)

        def merged_and(then: Callable[[], object]) -> None:
            with store.transaction():
                store.merge_contacts(twin, [bob])
                then()

        def hand_over_the_case() -> None:
            store.cases.save(store.cases.get(login.id).update(contact_id=twin))

        def give_a_role() -> None:
            deal = store.opportunities.get(other_deal.id)
            store.opportunities.save(deal.add_contact_role(twin, "Influencer"))

        with pytest.raises(PolicyViolationError) as caught:
            merged_and(hand_over_the_case)
        assert caught.value.codes == {"contact_id.not_of_account"}
        assert login.id in str(caught.value)
        with pytest.raises(PolicyViolationError) as caught:
            merged_and(give_a_role)
        assert caught.value.codes == {"contact_roles.foreign_contact"}
        assert twin in str(caught.value)
        assert observable(store) == before

    def test_repointing_a_record_still_may_not_part_it_from_a_contact_of_its_account(
        self, store: Store
    ) -> None:
        account, holding, _bob = _bob_moved_to_globex(store)
        alice = next(c.id for c in account.contacts.values() if c.first_name == "Alice")
        case = store.cases.add(Case.create("Login", account.id, alice))
        with pytest.raises(PolicyViolationError) as caught:
            store.cases.save(case.update(account_id=holding.id))
        assert "contact_id.not_of_account" in caught.value.codes
        deal = next(o for o in store.opportunities.list() if alice in o.contact_ids)
        with pytest.raises(PolicyViolationError) as caught:
            store.opportunities.save(deal.update(account_id=holding.id))
        assert "contact_roles.foreign_contact" in caught.value.codes

    def test_an_account_merge_ends_relations_of_contacts_to_their_own_account(
        self, store: Store
    ) -> None:
        account, people = acme()
        account = store.accounts.add(account)
        other, hank = globex()
        other = store.accounts.add(other)
        alice = people["alice"].id
        to_globex = store.relations.add(
            AccountContactRelation.create(other.id, alice, title="Advisor")
        )
        to_acme = store.relations.add(
            AccountContactRelation.create(account.id, hank.id, start_date=date(2020, 1, 1))
        )
        past = store.relations.add(
            AccountContactRelation.create(
                account.id, hank.id, is_active=False, end_date=date(2019, 1, 1)
            )
        )
        before = observable(store)
        plan = store.merge_accounts(other.id, [account.id], dry_run=True)
        ending = {m.record_id for m in plan.moves if m.kind == "relation" and "ends" in m.note}
        assert ending == {to_globex.id, to_acme.id}
        record = store.merge_accounts(other.id, [account.id])
        for rel in store.relations.list():
            assert rel.account_id == other.id
            assert not rel.is_active  # nobody keeps an active relation to their own account
        assert store.relations.get(past.id).end_date == date(2019, 1, 1)
        assert store.relations.get(to_acme.id).end_date is not None
        store.unmerge(record.id)
        assert observable(store) == before

    def test_undoing_an_account_merge_keeps_what_a_move_before_it_left(self, store: Store) -> None:
        account, people = acme()
        account = store.accounts.add(account)
        other, _hank = globex()
        other = store.accounts.add(other)
        alice = people["alice"].id
        store.opportunities.add(acme_deal(account, people))
        store.cases.add(Case.create("Invoice error", account.id, alice))
        store.move_contact(alice, other.id, on=date(2030, 1, 1))  # her case and role stay at ACME
        before = observable(store)
        record = store.merge_accounts(account.id, [other.id])
        assert store.accounts.account_id_of(alice) == account.id
        store.unmerge(record.id)
        assert observable(store) == before

    def test_an_undo_never_reopens_a_relation_now_to_its_contacts_own_account(
        self, store: Store
    ) -> None:
        account, people = acme()
        account = store.accounts.add(account)
        other, hank = globex()
        other = store.accounts.add(other)
        advises = store.relations.add(AccountContactRelation.create(account.id, hank.id))
        accounts = store.merge_accounts(account.id, [other.id])  # ends it: Hank joins ACME
        store.merge_contacts(people["alice"].id, [hank.id])  # now Alice's, at her own ACME
        store.unmerge(accounts.id)
        relation = store.relations.get(advises.id)
        assert (relation.contact_id, relation.is_active) == (people["alice"].id, False)

    def test_undoing_a_contact_merge_keeps_a_case_whose_old_account_was_merged_away(
        self, store: Store
    ) -> None:
        account, people = acme()
        account = store.accounts.add(account)
        other, hank = globex()
        other = store.accounts.add(other)
        case = store.cases.add(Case.create("Help", other.id, hank.id))
        store.move_contact(hank.id, account.id, on=date(2030, 1, 1))  # his case stays at Globex
        contacts = store.merge_contacts(people["alice"].id, [hank.id])  # it follows Alice
        store.merge_accounts(account.id, [other.id])
        store.unmerge(contacts.id)
        back = store.cases.get(case.id)
        assert (back.contact_id, back.account_id) == (hank.id, account.id)
