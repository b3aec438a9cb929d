"""Every public method of the store, its repositories, history, merge records and navigator,
called with hostile values.

Found by introspection (a method added tomorrow is called too), on memory,
SQLite and PostgreSQL: only library errors escape, and the store still holds
what it held. A second walk mixes the ids the store holds into the hostile
values, so merges, unmerges, forgets and call lists act on real records,
each inside a transaction that is then rolled back. Random examples:
``--hypothesis-seed=N`` gives another draw.
"""

from __future__ import annotations

import contextlib
import inspect
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import contactgraph as cg
from contactgraph.repos.protocol import ContactCriteria
from contactgraph.store import Store
from contactgraph.testing.hostile import call_hostile

# Not a caller boundary for values: they manage the store itself.
SKIPPED = {"close", "transaction", "subscribe", "for_tenant", "in_transaction", "backend"}


def _seed(store: Store) -> None:
    acme, alice = cg.Account.create(name="ACME SA", id="acme").add_contact(
        last_name="Martin", id="alice", email="alice@acme.fr"
    )
    acme, _ = acme.add_contact(last_name="Durand", id="bob", reports_to="alice")
    store.accounts.add(acme)
    store.accounts.add(cg.Account.create(name="Globex", id="globex"))
    deal = cg.Opportunity.create(name="Renewal", account_id="acme", id="deal")
    store.opportunities.add(deal.add_contact_role(alice.id, "Economic Buyer", primary=True))
    store.cases.add(cg.Case.create(subject="Invoice", account_id="acme", id="ticket"))
    acme, _ = store.accounts.get("acme").add_contact(
        last_name="Martin", id="alice2", email="alice@acme.fr"
    )
    store.accounts.save(acme)
    MERGE_IDS.append(store.merge("alice", ["alice2"]).id)


MERGE_IDS: list[str] = []
"""The id of the merge each seeded store holds (one per backend, ids are random)."""

KNOWN = ("acme", "globex", "alice", "alice2", "bob", "deal", "ticket")
"""The ids a seeded store holds (or held: alice2 was merged into alice)."""


def _targets(store: Store) -> dict[str, Callable[..., Any]]:
    owners: dict[str, Any] = {
        "store": store,
        "accounts": store.accounts,
        "opportunities": store.opportunities,
        "cases": store.cases,
        "relations": store.relations,
        "history": store.history,
        "merges": store.merges,
        "graph": store.graph,
    }
    found: dict[str, Callable[..., Any]] = {}
    for owner_name, owner in owners.items():
        for name, member in inspect.getmembers(type(owner)):
            if name.startswith("_") or name in SKIPPED or isinstance(member, property):
                continue
            if callable(member) and not inspect.isclass(member):
                found[f"{owner_name}.{name}"] = getattr(owner, name)
    return found


@pytest.fixture(
    params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
    scope="module",
)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    if request.param == "memory":
        url = "memory://"
    elif request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('h') / 'crm.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    with cg.open_store(url, tenant=f"hostile{uuid.uuid4().hex}") as store:
        _seed(store)
        yield store


def test_the_walk_finds_the_calls_callers_make(seeded: Store) -> None:
    names = _targets(seeded)
    for expected in ("accounts.get", "accounts.find_contacts", "accounts.list", "graph.manager_of",
                     "store.move_contact", "store.start_campaign", "opportunities.list",
                     "history.of", "merges.get", "merges.list", "merges.forget", "store.merge",
                     "store.merge_contacts", "store.merge_accounts", "store.unmerge",
                     "store.personal_data", "store.forget", "store.call_list"):  # fmt: skip
        assert expected in names
    assert len(names) > 40


def _snapshot(store: Store) -> Any:
    return (
        sorted((a.id, a.version) for a in store.accounts),
        sorted((o.id, o.version) for o in store.opportunities.list()),
        sorted((c.id, c.version) for c in store.cases.list()),
        sorted((m.id, m.unmerged_at, m.body) for m in store.merges.list()),
        [(c.field, c.old, c.new) for record in KNOWN for c in store.history.of(record)],
    )


NAMES = sorted(_targets(cg.open_store()))


class _RolledBack(Exception):
    """Leaves the transaction a call on real records ran in, undoing what it wrote."""


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("on_records", [False, True], ids=["hostile", "on-records"])
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_only_library_errors_escape_and_nothing_changes(
    seeded: Store, name: str, on_records: bool, data: st.DataObject
) -> None:
    """``on_records``: the ids the store holds are drawn too, and the call runs in a
    transaction rolled back after it (a merge or a forget of real records changes them)."""
    before = _snapshot(seeded)
    target = _targets(seeded)[name]
    if not on_records:
        call_hostile(target, data, ContactCriteria.__annotations__)
        if not name.startswith(("store.move", "store.lock")):
            assert _snapshot(seeded) == before
        return
    with contextlib.suppress(_RolledBack), seeded.transaction():
        call_hostile(target, data, ContactCriteria.__annotations__, (*KNOWN, *MERGE_IDS))
        raise _RolledBack
    assert _snapshot(seeded) == before


@pytest.mark.parametrize(
    ("name", "args", "field"),
    [
        ("store.lock_accounts", {"account_ids": None}, "account_ids"),
        ("store.lock_accounts", {"account_ids": [["acme"]]}, "account_ids"),
        ("graph.buying_committee", {"subject": "acme", "roles": False}, "roles"),
        ("graph.people_at", {"account_id": "acme", "on": True}, "on"),
        ("history.of", {"record_id": "", "field": []}, "field"),
    ],
)
def test_what_the_walk_on_real_records_found_is_refused_naming_the_argument(
    seeded: Store, name: str, args: dict[str, Any], field: str
) -> None:
    with seeded.transaction(), pytest.raises(cg.InvalidValueError) as refused:
        _targets(seeded)[name](**args)
    assert refused.value.field == field


@pytest.mark.parametrize("owner", ["accounts", "opportunities", "cases"])
def test_pages_up_to_2_62_are_read_and_past_it_the_argument_is_named(
    seeded: Store, owner: str
) -> None:
    """Every SQL engine keeps LIMIT/OFFSET in 64 bits: 2**62 is the bound on every backend."""
    listing = getattr(seeded, owner).list
    assert listing(limit=2**62, offset=2**62) == []
    assert len(listing(limit=2**62)) >= 1
    for field in ("limit", "offset"):
        for value in (2**62 + 1, 2**70):
            with pytest.raises(cg.InvalidValueError) as refused:
                listing(**{field: value})
            assert refused.value.field == field
