"""A save leaves a changed contact's alternates and external ids rows alone when no event
changed them (``keyed_rows_kept``), and the rows stay exactly what a full rewrite writes.

An import linking managers updates ``reports_to`` alone: the SQL stores rewrite those
contacts' rows but not their ``contact_alternates`` and ``external_ids`` rows. The
property runs random updates (keyed fields or not), moves between active states,
removals and additions through saves, and compares the stored rows with the rows
:mod:`contactgraph.repos.rows` makes of the account's contacts, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import contactgraph as cg
from contactgraph.repos import rows
from contactgraph.repos.sql.accounts import keyed_rows_kept

_update = st.fixed_dictionaries(
    {},
    optional={
        "title": st.sampled_from(["CFO", "CEO", None]),
        "alternate_emails": st.lists(
            st.sampled_from(["a@x.example", "B@y.example", "c@z.example"]), max_size=2
        ),
        "alternate_phones": st.lists(st.sampled_from(["+33144274427", "+14155550100"]), max_size=2),
        "external_ids": st.dictionaries(
            st.sampled_from(["crm", "erp"]), st.sampled_from(["1", "2"]), max_size=2
        ),
    },
)
_KINDS = ["update"] * 4 + ["manager"] * 2 + ["deactivate", "remove", "add", "save"]
_command = st.tuples(st.sampled_from(_KINDS), st.integers(0, 3), _update, st.integers(0, 3))
"""(what, which contact, fields of an update or an addition, the manager of a link)."""


def _apply(
    account: cg.Account, kind: str, at: int, fields: dict[str, Any], manager: int
) -> cg.Account:
    ids = sorted(account.contacts)
    if kind == "add" or not ids:
        return account.add_contact(last_name=f"N{at}", **fields)[0]
    target = ids[at % len(ids)]
    try:
        if kind == "update":
            return account.update_contact(target, **fields)
        if kind == "manager":
            return account.update_contact(target, reports_to=ids[manager % len(ids)])
        if kind == "deactivate":
            return account.deactivate_contact(target)
        return account.remove_contact(target, reassign_reports_to=None)
    except cg.PolicyViolationError:  # a manager closing a cycle: refused, nothing changed
        return account


def _stored(store: Any, seen: set[str]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The stored rows of the contacts ``seen`` (the store is shared by the examples)."""

    def read(s: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        alternates = s.conn.exec_driver_sql(
            "SELECT contact_id, kind, value FROM contact_alternates WHERE tenant = %(t)s"
            if s.conn.dialect.name == "postgresql"
            else "SELECT contact_id, kind, value FROM contact_alternates WHERE tenant = :t",
            {"t": s.tenant},
        ).all()
        externals = s.conn.exec_driver_sql(
            "SELECT owner_id, system, value FROM external_ids WHERE tenant = %(t)s "
            "AND kind = 'contact'"
            if s.conn.dialect.name == "postgresql"
            else "SELECT owner_id, system, value FROM external_ids WHERE tenant = :t "
            "AND kind = 'contact'",
            {"t": s.tenant},
        ).all()
        return (
            sorted(tuple(r) for r in alternates if r[0] in seen),
            sorted(tuple(r) for r in externals if r[0] in seen),
        )

    found: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]] = store._read(read)
    return found


def _expected(account: cg.Account) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    contacts = list(account.contacts.values())
    alternates = sorted(
        (r["contact_id"], r["kind"], r["value"]) for r in rows.alternate_values("-", contacts)
    )
    externals = sorted(
        (r["owner_id"], r["system"], r["value"])
        for r in rows.external_id_values("-", "contact", ((c.id, c.external_ids) for c in contacts))
    )
    return alternates, externals


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "sqlite":
        with cg.open_store(f"sqlite:///{tmp_path / 'kept.db'}") as store:
            yield store
        return
    url = request.getfixturevalue("postgres_url")
    with cg.open_store(url, tenant=f"t{uuid.uuid4().hex}") as store:
        yield store


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(commands=st.lists(_command, min_size=1, max_size=20))
def test_stored_keyed_rows_are_what_the_contacts_make(
    sql_store: Any, commands: list[tuple[str, int, dict[str, Any], int]]
) -> None:
    account = cg.Account.create(name=f"ACME {uuid.uuid4().hex}")
    for i in range(3):
        account, _ = account.add_contact(last_name=f"M{i}", external_ids={"crm": f"c{i}"})
    account = sql_store.accounts.add(account)
    seen = set(account.contacts)
    for kind, at, fields, manager in [*commands, ("save", 0, {}, 0)]:
        if kind != "save":
            account = _apply(account, kind, at, fields, manager)
            seen.update(account.contacts)
            continue
        kept = keyed_rows_kept(account)
        changed = {
            c.field
            for e in account.pending_events
            if getattr(e, "contact_id", None) in kept
            for c in getattr(e, "changes", ())
        }
        assert not changed & {"alternate_emails", "alternate_phones", "external_ids"}
        account = sql_store.accounts.save(account)
        assert _stored(sql_store, seen) == _expected(account)


def test_a_manager_link_keeps_the_rows_and_an_alternate_change_does_not() -> None:
    account = cg.Account.create(name="ACME")
    account, boss = account.add_contact(last_name="Boss")
    account, alice = account.add_contact(last_name="Martin")
    account = account.committed(1)
    linked = account.update_contact(alice.id, reports_to=boss.id)
    assert keyed_rows_kept(linked) == {alice.id}
    both = linked.update_contact(alice.id, alternate_emails=["a@x.example"])
    assert keyed_rows_kept(both) == set()
    assert keyed_rows_kept(linked.deactivate_contact(boss.id)) == {alice.id}
