"""The design's lines (`store.merge`, `store.unmerge`) and the cross-account role rule."""

from __future__ import annotations

from typing import Any, get_type_hints

import pytest

import contactgraph as cg
from contactgraph.merging import MergePlan, MergeRecord
from contactgraph.testing.contracts.merges import observable


def _two_companies(store: cg.Store) -> tuple[str, str, str, str]:
    acme = cg.Account.create(name="ACME SA")
    acme, alice = acme.add_contact(last_name="Martin", first_name="Alice")
    store.accounts.add(acme)
    sub = cg.Account.create(name="Acme Inc.")
    sub, twin = sub.add_contact(last_name="Martin", first_name="A.")
    store.accounts.add(sub)
    deal = cg.Opportunity.create("Inc. renewal", sub.id).add_contact_role(twin.id, primary=True)
    store.opportunities.add(deal)
    return acme.id, sub.id, alice.id, twin.id


def test_store_merge_picks_contacts_or_accounts_by_the_survivor() -> None:
    store = cg.open_store()
    acme, sub, alice, twin = _two_companies(store)
    plan = store.merge(acme, [sub], dry_run=True)
    assert isinstance(plan, MergePlan)
    assert plan.kind == "accounts"
    assert store.accounts.exists(sub)
    merge = store.merge(acme, [sub])
    assert isinstance(merge, MergeRecord)
    assert not store.accounts.exists(sub)
    store.unmerge(merge.id)
    assert store.accounts.exists(sub)
    contacts = store.merge(alice, [twin], dry_run=True)
    assert contacts.kind == "contacts"


def test_a_role_on_another_accounts_deal_needs_foreign_roles_allowed() -> None:
    store = cg.open_store()
    _acme, sub, alice, twin = _two_companies(store)
    plan = store.merge_contacts(alice, [twin], dry_run=True)
    role = next(m for m in plan.moves if m.kind == "opportunity_role")
    assert sub in role.note
    before = observable(store)
    with pytest.raises(cg.PolicyViolationError) as refused:
        store.merge_contacts(alice, [twin])
    assert "contact_roles.foreign_contact" in {v.code for v in refused.value.violations}
    assert observable(store) == before
    assert store.merges.count() == 0


def test_with_foreign_roles_allowed_the_role_follows_the_person_and_comes_back() -> None:
    store = cg.open_store(allow_foreign_contact_roles=True)
    _acme, _sub, alice, twin = _two_companies(store)
    before = observable(store)
    merge = store.merge_contacts(alice, [twin])
    assert store.opportunities.list()[0].primary_contact_id == alice
    store.unmerge(merge.id)
    assert observable(store) == before


def test_the_merge_methods_are_typed_without_any() -> None:
    for name in ("merge_contacts", "merge_accounts", "merge", "unmerge"):
        hints = get_type_hints(getattr(cg.Store, name))
        assert Any not in hints.values(), name
    assert get_type_hints(cg.Store.unmerge)["return"] is MergeRecord


def test_forgetting_a_person_scrubs_the_merge_records_that_hold_them() -> None:
    store = cg.open_store()
    acme = cg.Account.create(name="ACME SA")
    acme, alice = acme.add_contact(last_name="Martin", first_name="Alice", email="alice@acme.fr")
    acme, twin = acme.add_contact(last_name="Martin", first_name="A.", email="a.martin@acme.fr")
    store.accounts.add(acme)
    merge = store.merge_contacts(alice.id, [twin.id])
    exported = store.personal_data(alice.id)
    assert [m["id"] for m in exported["merges"]] == [merge.id]
    assert "a.martin@acme.fr" in store.merges.get(merge.id).body

    done = store.forget(alice.id)

    assert "merges" in done.holders
    body = store.merges.get(merge.id).body
    assert "a.martin@acme.fr" not in body
    assert "alice@acme.fr" not in body
    assert "Alice" not in body
    with pytest.raises(cg.PolicyViolationError):
        store.unmerge(merge.id)


def test_a_merge_is_made_by_the_stores_actor_unless_the_call_names_one() -> None:
    store = cg.open_store(actor="alice")
    acme = cg.Account.create(name="ACME SA")
    acme, one = acme.add_contact(last_name="Martin", email="m1@acme.fr")
    acme, two = acme.add_contact(last_name="Martin", email="m2@acme.fr")
    acme, three = acme.add_contact(last_name="Martin", email="m3@acme.fr")
    store.accounts.add(acme)
    by_store = store.merge_contacts(one.id, [two.id])
    assert by_store.actor == "alice"
    assert {c.actor for c in store.history.of(one.id) if c.action != "created"} == {"alice"}
    by_call = store.merge_contacts(one.id, [three.id], actor="bob")
    assert by_call.actor == "bob"
    assert store.history.of(three.id)[-1].actor == "bob"


def _bob_left_acme(store: cg.Store) -> tuple[str, str, str, str]:
    """Bob, with a role on ACME's deal and an ACME case, moves to Globex, where two more
    records of him exist (ids: ACME, Bob, the two Globex twins)."""
    acme = cg.Account.create(name="ACME SA")
    acme, bob = acme.add_contact(last_name="Durand", first_name="Bob")
    store.accounts.add(acme)
    globex = cg.Account.create(name="Globex")
    globex, first = globex.add_contact(last_name="Durand", first_name="B.")
    globex, second = globex.add_contact(last_name="Durand", first_name="Robert")
    store.accounts.add(globex)
    store.opportunities.add(cg.Opportunity.create("Renewal", acme.id).add_contact_role(bob.id))
    store.cases.add(cg.Case.create("Expense report", acme.id, bob.id))
    store.move_contact(bob.id, globex.id)
    return acme.id, bob.id, first.id, second.id


def test_merges_chained_in_one_transaction_hand_the_history_along() -> None:
    store = cg.open_store()
    acme, bob, first, second = _bob_left_acme(store)
    before = observable(store)
    with store.transaction():
        one = store.merge_contacts(first, [bob])
        two = store.merge_contacts(second, [first])
    (case,) = store.cases.list()
    assert (case.contact_id, case.account_id) == (second, acme)
    assert store.opportunities.list()[0].contact_ids == (second,)
    with store.transaction():
        store.unmerge(two.id)
        store.unmerge(one.id)
    assert observable(store) == before


def test_a_merge_and_its_undo_in_one_transaction_leave_the_history_as_it_was() -> None:
    store = cg.open_store()
    _acme, bob, first, _second = _bob_left_acme(store)
    before = observable(store)
    with store.transaction():
        store.unmerge(store.merge_contacts(first, [bob]).id)
    assert observable(store) == before


def test_integrity_judges_the_final_state_not_the_way_there() -> None:
    """A role or case taken away from a moved person and given back in one transaction
    is what it was before (history), not a new link to someone of another account."""
    store = cg.open_store()
    acme, bob, _first, _second = _bob_left_acme(store)
    alice = store.accounts.save(store.accounts.get(acme).add_contact(last_name="Martin")[0])
    alice_id = next(c.id for c in alice.contacts.values() if c.last_name == "Martin")
    before = observable(store)
    with store.transaction():
        deal = store.opportunities.list()[0]
        deal = store.opportunities.save(deal.remove_contact_role(bob))
        store.opportunities.save(deal.add_contact_role(bob))
        case = store.cases.save(store.cases.list()[0].update(contact_id=alice_id))
        store.cases.save(case.update(contact_id=bob))
    assert observable(store) == before
    store.opportunities.save(store.opportunities.list()[0].remove_contact_role(bob))
    with pytest.raises(cg.PolicyViolationError) as refused:  # in another transaction: new
        store.opportunities.save(store.opportunities.list()[0].add_contact_role(bob))
    assert refused.value.codes == {"contact_roles.foreign_contact"}


def test_undoing_a_merge_that_joined_two_leavers_roles_splits_them_again() -> None:
    """Carol and Bob left ACME for Globex, each keeping a role on ACME's deal, and each
    was merged into Globex's record of one of them: undoing Bob's merge gives ACME's deal
    its two roles back (the stateful machine found this refused)."""
    store = cg.open_store()
    acme = cg.Account.create(name="ACME SA")
    acme, bob = acme.add_contact(last_name="Durand", first_name="Bob")
    acme, carol = acme.add_contact(last_name="Petit", first_name="Carol")
    store.accounts.add(acme)
    globex, kept = cg.Account.create(name="Globex").add_contact(last_name="Durand")
    store.accounts.add(globex)
    deal = cg.Opportunity.create("Renewal", acme.id).add_contact_role(bob.id, primary=True)
    store.opportunities.add(deal.add_contact_role(carol.id, "Influencer"))
    store.move_contact(carol.id, globex.id)
    store.merge_contacts(kept.id, [carol.id])
    store.move_contact(bob.id, globex.id)
    before = observable(store)
    joined = store.merge_contacts(kept.id, [bob.id])
    assert store.opportunities.list()[0].contact_ids == (kept.id,)
    store.unmerge(joined.id)
    assert observable(store) == before
