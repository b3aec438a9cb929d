"""Account hierarchy: parents and children, and never a cycle."""

from __future__ import annotations

from typing import Any

import pytest
from graphkit import SpyStore

import contactgraph as cg
from contactgraph.graph import Navigator, build_hierarchy, hierarchy_violations, set_parent


def _group(store: Any) -> dict[str, str]:
    """Holding -> (Europe -> France, Germany), (Americas)."""
    ids = {}
    for name in ("Holding", "Europe", "France", "Germany", "Americas"):
        ids[name] = store.accounts.add(cg.Account.create(name=f"ACME {name}")).id
    set_parent(store, ids["Europe"], ids["Holding"])
    set_parent(store, ids["Americas"], ids["Holding"])
    set_parent(store, ids["France"], ids["Europe"])
    set_parent(store, ids["Germany"], ids["Europe"])
    return ids


def test_parent_children_ancestors_descendants(store: Any) -> None:
    ids = _group(store)
    nav = Navigator(store)
    assert nav.parent_of(ids["France"]).id == ids["Europe"]  # type: ignore[union-attr]
    assert nav.parent_of(ids["Holding"]) is None
    assert [a.name for a in nav.children_of(ids["Holding"])] == ["ACME Americas", "ACME Europe"]
    assert nav.children_of(ids["France"]) == []
    assert [a.name for a in nav.ancestors_of(ids["Germany"])] == ["ACME Europe", "ACME Holding"]
    assert [a.name for a in nav.descendants_of(ids["Holding"])] == [
        "ACME Americas",
        "ACME Europe",
        "ACME France",
        "ACME Germany",
    ]
    tree = nav.hierarchy(ids["France"])
    assert tree.account.id == ids["Holding"]
    assert [(d, a.name) for d, a in tree.walk()] == [
        (0, "ACME Holding"),
        (1, "ACME Americas"),
        (1, "ACME Europe"),
        (2, "ACME France"),
        (2, "ACME Germany"),
    ]
    assert len(tree) == 5


@pytest.mark.parametrize(
    ("child", "parent"), [("Holding", "France"), ("Europe", "Germany"), ("France", "France")]
)
def test_a_parent_that_would_make_a_cycle_is_refused(store: Any, child: str, parent: str) -> None:
    ids = _group(store)
    before = store.accounts.get(ids[child])
    with pytest.raises(cg.PolicyViolationError) as info:
        Navigator(store).set_parent(ids[child], ids[parent])
    assert info.value.codes == {"parent_id.cycle"}
    assert f"ACME {child}" in str(info.value)
    assert store.accounts.get(ids[child]) == before


def test_detaching_and_moving_within_the_hierarchy(store: Any) -> None:
    ids = _group(store)
    set_parent(store, ids["France"], ids["Holding"])
    set_parent(store, ids["Europe"], None)
    nav = Navigator(store)
    assert nav.parent_of(ids["Europe"]) is None
    assert [a.name for a in nav.children_of(ids["Holding"])] == ["ACME Americas", "ACME France"]
    with pytest.raises(cg.NotFoundError):
        set_parent(store, ids["France"], "no-such-account")


def test_navigation_never_loops_on_a_cycle_written_by_other_means(store: Any) -> None:
    a = store.accounts.add(cg.Account.create(name="Alpha"))
    b = store.accounts.add(cg.Account.create(name="Beta", parent_id=a.id))
    # The store refuses this at commit; data written by other means (an older
    # version, a hand-edited database) may still hold a loop, so write it below the store.
    session = store.backend.session(write=True)
    session.accounts.update(a.update(parent_id=b.id))
    session.commit()
    nav = Navigator(store)
    assert [x.name for x in nav.ancestors_of(a.id)] == ["Beta"]
    assert [x.name for x in nav.descendants_of(a.id)] == ["Beta"]
    assert len(nav.hierarchy(a.id)) == 2
    accounts = {x.id: x for x in store.accounts}
    assert {v.code for v in hierarchy_violations(accounts)} == {"parent_id.cycle"}
    assert len(build_hierarchy(accounts, b.id)) == 2


def test_hierarchy_steps_cost_a_bounded_number_of_calls(store: Any) -> None:
    ids = _group(store)
    spy = SpyStore(store)
    nav = Navigator(spy)
    for step in (nav.children_of, nav.hierarchy, nav.ancestors_of, nav.descendants_of):
        spy.reset()
        step(ids["Europe"])
        assert spy.total <= 2, (step.__name__, dict(spy.calls))
