"""A save's rows reach PostgreSQL through ``COPY`` exactly as through ``INSERT``.

The save's hot writers hand ``COPY`` tuples made straight from the values
(``rows.contact_row``, ``rows.external_id_rows``, the history's rows), and the
taken-id check and history's last-``seq`` look-up send their ids as the text of
a ``text[]`` (``sql.arrays.text_array``). The general path is the ``INSERT``
each writer falls back to (dicts keyed by column name) and the id list psycopg
dumps itself: the properties here hold the fast paths to them, row for row and
value for value (and to the rows each writer's reference derivation gives), and
the look-ups' plans to the same index seeks.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_contact_row import reference_values

import contactgraph as cg
from contactgraph.repos.history import Entry, account_entries
from contactgraph.repos.keys import to_micros
from contactgraph.repos.sql import copy as copy_module
from contactgraph.repos.sql.accounts import _TAKEN_PG
from contactgraph.repos.sql.arrays import text_array
from contactgraph.repos.sql.history import _LAST_PG
from contactgraph.testing.strategies import contact_fields, emails, phones

pytestmark = pytest.mark.postgres

_OURS = "(SELECT id FROM contacts WHERE tenant = %(t)s AND account_id = %(a)s)"
_TABLES = {
    "accounts": ("id = %(a)s", "id"),
    "contacts": ("account_id = %(a)s", "id"),
    "contact_alternates": (f"contact_id IN {_OURS}", "contact_id, kind, value"),
    "external_ids": (f"(owner_id = %(a)s OR owner_id IN {_OURS})", "kind, owner_id, system"),
    "field_history": (f"(record_id = %(a)s OR record_id IN {_OURS})", "record_id, seq"),
}
"""The tables a save writes: which rows are the account's, and an order that lists
each tenant's rows alike."""


@pytest.fixture(scope="module")
def two_stores(postgres_url: str) -> Iterator[tuple[cg.Store, cg.Store]]:
    """Two tenants of one database: one written through ``COPY``, one through ``INSERT``."""
    with (
        cg.open_store(postgres_url, tenant=f"c{uuid.uuid4().hex}") as copied,
        cg.open_store(postgres_url, tenant=f"i{uuid.uuid4().hex}") as inserted,
    ):
        yield copied, inserted


def _stored(store: cg.Store, account_id: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tenant's tables that belongs to the account, tenant column left out."""
    engine: sa.Engine = store.backend.engine  # type: ignore[attr-defined]
    tenant = store.tenant  # type: ignore[attr-defined]
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table, (where, order) in _TABLES.items():
            found = conn.exec_driver_sql(
                f"SELECT * FROM {table} WHERE tenant = %(t)s AND {where} ORDER BY {order}",
                {"t": tenant, "a": account_id},
            )
            names = list(found.keys())
            at = names.index("tenant")
            out[table] = [tuple(v for i, v in enumerate(r) if i != at) for r in found]
    return out


_TEXT = st.text('aZ0 -"\\,{}/é€😀\n\t', max_size=6)
_CONTACT = st.tuples(
    contact_fields(),
    st.dictionaries(st.sampled_from(["salesforce", "hübspot"]), _TEXT.filter(bool), max_size=2),
    st.dictionaries(st.sampled_from(["Score__c", 'Fl"ag__c']), _TEXT | st.integers(), max_size=2),
    st.lists(emails(), max_size=2),
    st.lists(phones("FR"), max_size=2),
).map(
    lambda p: {**p[0], "external_ids": p[1], "extra": p[2], "alternate_emails": p[3],
               "alternate_phones": p[4]}
)  # fmt: skip


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(_CONTACT, min_size=1, max_size=6),
    st.lists(_CONTACT, max_size=4),
    st.lists(st.tuples(st.integers(0, 9), contact_fields()), max_size=3),
)
def test_a_save_through_copy_stores_what_insert_stores(
    two_stores: tuple[cg.Store, cg.Store],
    first: list[dict[str, Any]],
    more: list[dict[str, Any]],
    updates: list[tuple[int, dict[str, Any]]],
) -> None:
    """The same account, its first save (``add``) and a later one (new contacts, changed
    ones), written into one tenant through ``COPY`` and into the other through ``INSERT``."""
    copied, inserted = two_stores
    account = cg.Account.create("ACME SA", billing_address={"country": "France"})
    account, _ = account.add_contacts(first)
    later, _ = account.committed(1).add_contacts(more)
    ids = sorted(later.contacts)
    for pick, fields in updates if ids else ():  # a batch may refuse every row
        later = later.update_contact(ids[pick % len(ids)], **fields)
    for store, copies in ((copied, True), (inserted, False)):
        with mock.patch.object(copy_module, "copies", lambda conn, on=copies: on):
            store.accounts.add(account)
            store.accounts.save(later)
    stored = _stored(copied, account.id)
    assert stored == _stored(inserted, account.id)
    expected = [tuple(reference_values("-", c).values())[1:] for c in later.contacts.values()]
    assert stored["contacts"] == sorted(expected)
    assert stored["external_ids"] == sorted(
        ("contact", c.id, system, value)
        for c in later.contacts.values()
        for system, value in c.external_ids.items()
    )
    assert stored["field_history"] == _history_rows(
        [*account_entries(account, None), *account_entries(later, None)]
    )


def _history_rows(entries: list[Entry]) -> list[tuple[Any, ...]]:
    """The ``field_history`` rows of ``entries`` appended in order, numbered per record."""
    seqs: dict[str, int] = {}
    out = []
    for e in entries:
        seqs[e.record_id] = seq = seqs.get(e.record_id, 0) + 1
        out.append(
            (e.record_id, seq, e.kind, e.action, e.field, e.old, e.new, to_micros(e.at),
             e.actor, e.redacted)
        )  # fmt: skip
    return sorted(out, key=lambda r: (r[0], r[1]))


_ID = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=8)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ID, max_size=6) | st.lists(st.sampled_from(['a"b', "a\\b", "NULL", "", "{,}"])))
def test_the_array_text_is_read_back_as_the_list(values: list[str]) -> None:
    """``%(a)s::text[]`` given :func:`text_array` is the array psycopg makes of the list."""
    with _engine().connect() as conn:
        as_text = conn.exec_driver_sql("SELECT %(a)s::text[]", {"a": text_array(values)})
        as_list = conn.exec_driver_sql("SELECT %(a)s::text[]", {"a": values})
        assert as_text.scalar_one() == as_list.scalar_one() == values


_ENGINES: list[sa.Engine] = []


@pytest.fixture(scope="module", autouse=True)
def _shared_engine(postgres_url: str) -> Iterator[None]:
    _ENGINES.append(sa.create_engine(postgres_url))
    yield
    _ENGINES.pop().dispose()


def _engine() -> sa.Engine:
    return _ENGINES[-1]


def test_the_look_ups_plan_the_same_seeks_with_the_array_text(
    two_stores: tuple[cg.Store, cg.Store],
) -> None:
    """After ``ANALYZE`` on 2,000 contacts, the taken-id check and the last-``seq``
    look-up are planned alike given the list or its text: a primary-key seek per id."""
    store, _ = two_stores
    account = cg.Account.create("Globex SA")
    account, _ = account.add_contacts([{"last_name": f"Martin{i}"} for i in range(2000)])
    store.accounts.add(account)
    tenant = store.tenant  # type: ignore[attr-defined]
    ids = [*sorted(account.contacts)[:50], str(uuid.uuid4())]
    with _engine().begin() as conn:
        conn.exec_driver_sql("ANALYZE contacts, field_history")
        for sql, params in (
            (_TAKEN_PG, {"tenant": tenant}),
            (_LAST_PG, {"t": tenant}),
        ):
            plans = [
                "\n".join(
                    r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}", {**params, "ids": ids_})
                )
                for ids_ in (ids, text_array(ids))
            ]
            assert plans[0] == plans[1]
            assert "Seq Scan" not in plans[1], plans[1]
            assert "Index" in plans[1], plans[1]
            assert "_pkey" in plans[1], plans[1]
