"""Properties: navigation agrees both ways, and the account hierarchy never cycles."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import contactgraph as cg
from contactgraph.graph import Navigator, hierarchy_violations, set_parent
from contactgraph.testing import strategies as cgst

URLS = ["memory://", "sqlite://"]


@contextmanager
def _store(url: str) -> Iterator[Any]:
    store = cg.open_store(url)
    try:
        yield store
    finally:
        store.close()


def _ids(contacts: Any) -> list[str]:
    return [c.id for c in contacts]


@pytest.mark.parametrize("url", URLS)
@settings(max_examples=25)
@given(accounts=st.lists(cgst.accounts(max_contacts=8, max_commands=6), min_size=1, max_size=3))
def test_navigation_agrees_both_ways(url: str, accounts: list[cg.Account]) -> None:
    with _store(url) as store:
        seen: set[str] = set()
        for account in accounts:
            if account.id in seen or seen & set(account.contacts):
                continue
            seen |= {account.id, *account.contacts}
            store.accounts.add(account)
        nav = Navigator(store)
        for account in store.accounts.list():  # not the stream: reads nest inside the loop
            contacts = nav.contacts_of(account.id)
            assert sorted(_ids(contacts)) == sorted(account.contacts)
            for contact in contacts:
                assert nav.account_of(contact.id).id == account.id
                manager = nav.manager_of(contact.id)
                reports = nav.reports_of(contact.id)
                for report in reports:
                    assert nav.manager_of(report.id).id == contact.id  # type: ignore[union-attr]
                if manager is not None:
                    assert contact.id in _ids(nav.reports_of(manager.id))
                    assert manager.account_id == account.id
                everyone_below = _ids(nav.all_reports_of(contact.id))
                assert contact.id not in everyone_below
                assert len(everyone_below) == len(set(everyone_below))
                assert set(_ids(reports)) <= set(everyone_below)
                chain = _ids(nav.reporting_chain(contact.id))
                assert contact.id not in chain
                assert len(chain) == len(set(chain))
            charted = [c.id for n in nav.org_chart(account.id) for _, c in n.walk()]
            assert sorted(charted) == sorted(account.contacts)


@pytest.mark.parametrize("url", URLS)
@settings(max_examples=25)
@given(
    links=st.lists(
        st.tuples(st.integers(0, 5), st.one_of(st.none(), st.integers(0, 5))), max_size=15
    )
)
def test_account_hierarchy_never_cycles(url: str, links: list[tuple[int, int | None]]) -> None:
    with _store(url) as store:
        ids = [store.accounts.add(cg.Account.create(name=f"Branch {i}")).id for i in range(6)]
        model: dict[str, str | None] = dict.fromkeys(ids)
        refused: list[frozenset[str]] = []
        for child, parent in links:
            child_id, parent_id = ids[child], None if parent is None else ids[parent]
            loops = False
            current = parent_id
            while current is not None:
                if current == child_id:
                    loops = True
                    break
                current = model[current]
            try:
                set_parent(store, child_id, parent_id)
            except cg.PolicyViolationError as exc:
                refused.append(exc.codes)
                assert loops
            else:
                assert not loops
                model[child_id] = parent_id
        assert all(codes == {"parent_id.cycle"} for codes in refused)
        assert {a.id: a.parent_id for a in store.accounts.list()} == model
        accounts = {a.id: a for a in store.accounts.list()}
        assert hierarchy_violations(accounts) == []
        nav = Navigator(store)
        for account_id in ids:
            ancestors = _ids(nav.ancestors_of(account_id))
            assert account_id not in ancestors
            descendants = _ids(nav.descendants_of(account_id))
            assert account_id not in descendants
            assert not set(ancestors) & set(descendants)
            for child in nav.children_of(account_id):
                assert nav.parent_of(child.id).id == account_id  # type: ignore[union-attr]
            tree = nav.hierarchy(account_id)
            assert account_id in _ids(a for _, a in tree.walk())
