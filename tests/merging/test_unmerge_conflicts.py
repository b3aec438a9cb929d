"""Undoing an account merge after a later contact merge joined people across the two accounts.

The sequence is the one the stateful machine (test_merge_machine.py) found with
--hypothesis-seed=338370883487166108062290288453580151808: before the fix the
undo sent ``glob-martin`` back to Globex while ACME's deal and case, re-pointed
to it by the later contact merge, stayed with ACME, so the store held a role
and a case naming a contact of another account, and the next write touching
them was refused.
"""

from __future__ import annotations

import pytest
from test_merge_machine import MergeMachine

import contactgraph as cg
from contactgraph.errors import PolicyViolationError

_LOSERS = ["glob-petit", "acme-martin", "acme-petit", "glob-durand"]


def _after_contact_merge(case_of: str | None = None, **options: bool) -> tuple[cg.Store, str, str]:
    """The machine's fixture: ACME absorbs Globex, is undone, absorbs it again, then
    ``glob-martin`` absorbs two ACME and two Globex people (ACME's deal now names it;
    so does ACME's case when it was about ``case_of``, a loser)."""
    store = MergeMachine(**options).store
    if case_of is not None:
        store.cases.save(store.cases.get("acme-case").update(contact_id=case_of))
    store.unmerge(store.merge_accounts("acme", ["glob"]).id)
    accounts = store.merge_accounts("acme", ["glob"]).id
    contacts = store.merge_contacts("glob-martin", _LOSERS).id
    return store, accounts, contacts


def _consistent_cases(store: cg.Store) -> dict[str, str]:
    """Every case names a contact of its own account; the owner of each contact."""
    owner = {c.id: a.id for a in store.accounts for c in a.contacts.values()}
    for case in store.cases.list():
        assert case.contact_id is None or owner[case.contact_id] == case.account_id, case
    return owner


def _consistent(store: cg.Store) -> None:
    """Every case and role names a contact of its own account."""
    owner = _consistent_cases(store)
    for opp in store.opportunities.list():
        assert all(owner[c] == opp.account_id for c in opp.contact_ids), opp


def test_undoing_the_account_merge_under_a_later_contact_merge_is_refused() -> None:
    store, accounts, _contacts = _after_contact_merge()
    before = {opp.id: opp for opp in store.opportunities.list()}
    with pytest.raises(PolicyViolationError) as refused:
        store.unmerge(accounts)
    (violation,) = refused.value.violations
    assert violation.code == "merge.contact_linked"
    assert "glob-martin" in violation.message
    assert "acme-deal" in violation.message
    assert "acme-case" in violation.message
    assert violation.entity_id == accounts
    assert store.merges.get(accounts).unmerged_at is None  # nothing written
    assert "glob" not in {a.id for a in store.accounts}
    assert {opp.id: opp for opp in store.opportunities.list()} == before
    store.merge_contacts("glob-martin", ["glob-leroy"])  # the store is still whole
    _consistent(store)


def test_undoing_the_contact_merge_first_lets_the_account_merge_be_undone() -> None:
    store, accounts, contacts = _after_contact_merge()
    store.unmerge(contacts)
    store.unmerge(accounts)
    _consistent(store)
    assert set(store.accounts.get("glob").contacts) == {
        "glob-martin",
        "glob-durand",
        "glob-petit",
        "glob-leroy",
    }
    store.merge_contacts("glob-leroy", ["glob-martin"])  # the machine's next step
    _consistent(store)


def test_with_foreign_roles_allowed_the_role_may_stay_but_a_case_may_not() -> None:
    store, accounts, _contacts = _after_contact_merge(allow_foreign_contact_roles=True)
    with pytest.raises(PolicyViolationError) as refused:
        store.unmerge(accounts)
    (violation,) = refused.value.violations
    assert violation.code == "merge.contact_linked"
    assert "acme-case" in violation.message
    assert "acme-deal" not in violation.message
    case = store.cases.get("acme-case")
    assert case.contact_id == "glob-martin"
    store.cases.save(case.update(contact_id="acme-leroy"))  # re-assigned: nothing conflicts
    store.unmerge(accounts)
    assert store.accounts.get_contact("glob-martin").account_id == "glob"
    assert "glob-martin" in store.opportunities.get("acme-deal").contact_ids  # allowed here
    _consistent_cases(store)
