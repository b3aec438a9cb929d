"""A contact moved to another account is checked by the duplicate rules like a new one;
the contacts a merge or its undo moves are not."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import contactgraph as cg
from contactgraph.graph import move_contact
from contactgraph.rules import DuplicateBlockedError, DuplicateRules
from contactgraph.serialization import unstructure
from contactgraph.store import Store
from storekit import BACKENDS


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return "memory://" if request.param == "memory" else f"sqlite:///{tmp_path}/crm.db"


def _rules(rule: str) -> DuplicateRules:
    # exact: the same full name counts only inside one account, so only the move makes a pair
    return DuplicateRules(contacts=rule, accounts="allow", matcher="exact")  # type: ignore[arg-type]


@pytest.fixture
def seeded(url: str) -> Iterator[tuple[Store, str, str, str]]:
    """Alice Martin at ACME, another Alice Martin at Globex: namesakes, no alert."""
    store = cg.open_store(url, duplicates=_rules("alert"))
    acme = cg.Account.create(name="ACME SA")
    acme, _alice = acme.add_contact(last_name="Martin", first_name="Alice", email="alice@acme.fr")
    globex = cg.Account.create(name="Globex")
    globex, other = globex.add_contact(
        last_name="Martin", first_name="Alice", email="alice.martin@gmail.com"
    )
    with store.collect_warnings() as found:
        store.accounts.add(acme)
        store.accounts.add(globex)
    assert found == []
    try:
        yield store, acme.id, globex.id, other.id
    finally:
        store.close()


def _with_rule(store: Store, rule: str) -> Store:
    return Store(store.backend, duplicates=_rules(rule), _owns_backend=False)


def _held(store: Store) -> Any:
    return (
        [unstructure(a) for a in store.accounts],
        [unstructure(r) for r in store.relations.list()],
    )


@pytest.mark.parametrize("how", ["store", "graph"])
def test_a_move_next_to_a_namesake_alerts_and_lands(
    seeded: tuple[Store, str, str, str], how: str
) -> None:
    store, acme, _globex, other = seeded
    with store.collect_warnings() as found:
        if how == "store":
            store.move_contact(other, to_account=acme)
        else:  # what the CLI's `move` calls
            move_contact(store, other, acme)
    [alert] = found
    assert alert.record_id == other
    assert "name: same full name in the same account" in alert.candidates[0].reasons
    assert store.accounts.account_of(other).id == acme


@pytest.mark.parametrize("how", ["store", "graph"])
def test_a_blocked_move_is_refused_and_writes_nothing(
    seeded: tuple[Store, str, str, str], how: str
) -> None:
    store, acme, globex, other = seeded
    strict = _with_rule(store, "block")
    before = _held(strict)
    move = strict.move_contact if how == "store" else partial(move_contact, strict)
    with pytest.raises(DuplicateBlockedError) as refused:
        move(other, acme)
    assert refused.value.codes == {"duplicate.contact"}
    assert [a.record_id for a in refused.value.alerts] == [other]
    assert _held(strict) == before
    assert strict.accounts.account_of(other).id == globex


def test_a_move_away_from_namesakes_is_not_alerted(seeded: tuple[Store, str, str, str]) -> None:
    store, _acme, _globex, other = seeded
    initech = store.accounts.add(cg.Account.create(name="Initech"))
    with store.collect_warnings() as found:
        store.move_contact(other, to_account=initech.id)
    assert found == []


def test_a_merge_and_its_undo_move_contacts_without_being_refused(
    seeded: tuple[Store, str, str, str],
) -> None:
    store, acme, globex, other = seeded
    strict = _with_rule(store, "block")
    merge = strict.merge(acme, [globex])  # Globex's Alice Martin joins ACME's: not refused
    assert strict.accounts.account_of(other).id == acme
    strict.unmerge(merge.id)
    assert strict.accounts.account_of(other).id == globex
