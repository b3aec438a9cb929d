"""The store refuses, at commit, an account hierarchy with a cycle or an unknown parent."""

from __future__ import annotations

import pytest

import contactgraph as cg
from contactgraph.store import Store


def _chain(store: Store, *names: str) -> dict[str, cg.Account]:
    """Accounts added in order, each the parent of the next."""
    out: dict[str, cg.Account] = {}
    parent: str | None = None
    for name in names:
        out[name] = store.accounts.add(cg.Account.create(name, parent_id=parent))
        parent = out[name].id
    return out


def test_two_account_cycle_through_update_is_refused(store: Store) -> None:
    acc = _chain(store, "A", "B")
    a = store.accounts.get(acc["A"].id)
    with pytest.raises(cg.PolicyViolationError) as info:
        store.accounts.save(a.update(parent_id=acc["B"].id))
    assert info.value.codes == {"parent_id.cycle"}
    [v] = info.value.errors
    assert v.entity_id == acc["A"].id
    assert acc["A"].id in v.message
    assert acc["B"].id in v.message
    assert store.accounts.get(acc["A"].id).parent_id is None  # nothing written


def test_longer_cycle_written_in_one_transaction_is_refused(store: Store) -> None:
    acc = _chain(store, "A", "B", "C")
    with pytest.raises(cg.PolicyViolationError) as info, store.transaction():
        store.accounts.save(store.accounts.get(acc["A"].id).update(parent_id=acc["C"].id))
    assert info.value.codes == {"parent_id.cycle"}
    assert len(info.value.errors) == 1
    assert store.accounts.get(acc["A"].id).version == acc["A"].version


def test_self_parent_is_refused(store: Store) -> None:
    acc = _chain(store, "A")
    with pytest.raises(cg.PolicyViolationError) as info:
        store.accounts.save(store.accounts.get(acc["A"].id).update(parent_id=acc["A"].id))
    assert info.value.codes == {"parent_id.cycle"}


def test_unknown_parent_is_refused_on_add_and_on_save(store: Store) -> None:
    with pytest.raises(cg.PolicyViolationError) as info:
        store.accounts.add(cg.Account.create("Orphan", parent_id="no-such-account"))
    assert info.value.codes == {"parent_id.unknown"}
    assert "no-such-account" in info.value.errors[0].message
    assert store.accounts.count() == 0
    acc = _chain(store, "A")
    with pytest.raises(cg.PolicyViolationError) as info:
        store.accounts.save(acc["A"].update(parent_id="missing"))
    assert info.value.codes == {"parent_id.unknown"}
    assert store.accounts.get(acc["A"].id).parent_id is None


def test_parent_of_another_tenant_is_unknown(store: Store) -> None:
    other = store.for_tenant("other")
    try:
        foreign = other.accounts.add(cg.Account.create("Foreign"))
    finally:
        other.close()
    with pytest.raises(cg.PolicyViolationError) as info:
        store.accounts.add(cg.Account.create("Here", parent_id=foreign.id))
    assert info.value.codes == {"parent_id.unknown"}


def test_order_of_writes_inside_a_transaction_does_not_matter(store: Store) -> None:
    child = cg.Account.create("Child")
    parent = cg.Account.create("Parent")
    with store.transaction():  # the child names its parent before the parent exists
        store.accounts.add(child.update(parent_id=parent.id))
        store.accounts.add(parent)
    assert store.accounts.get(child.id).parent_id == parent.id


def test_a_tree_and_a_re_parenting_that_breaks_no_chain_pass(store: Store) -> None:
    acc = _chain(store, "A", "B", "C")
    c = store.accounts.save(store.accounts.get(acc["C"].id).update(parent_id=acc["A"].id))
    assert c.parent_id == acc["A"].id
    b = store.accounts.save(store.accounts.get(acc["B"].id).update(parent_id=None))
    assert b.parent_id is None


def test_removing_a_parent_account_is_refused_while_children_point_at_it(store: Store) -> None:
    acc = _chain(store, "ACME Group", "ACME SA")
    with pytest.raises(cg.PolicyViolationError) as info:
        store.accounts.remove(acc["ACME Group"].id)
    assert info.value.codes == {"account.referenced"}
    assert acc["ACME SA"].id in str(info.value)
    assert store.accounts.exists(acc["ACME Group"].id)


def test_a_parent_can_go_once_its_children_are_repointed_in_the_same_transaction(
    store: Store,
) -> None:
    acc = _chain(store, "ACME Group", "ACME SA")
    with store.transaction():
        store.accounts.save(store.accounts.get(acc["ACME SA"].id).update(parent_id=None))
        store.accounts.remove(acc["ACME Group"].id)
    assert not store.accounts.exists(acc["ACME Group"].id)
    assert store.accounts.get(acc["ACME SA"].id).parent_id is None
