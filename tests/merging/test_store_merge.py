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
