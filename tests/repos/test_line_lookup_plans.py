"""A number's line is found by index seeks, on SQLite and PostgreSQL (no schema change).

``accounts.find_contacts_on_line`` asks phone, mobile and alternates for the bare
number ``v`` and for the range ``[v + ";", v + "<")`` (every ``v;ext=…``): text
compared by code point (BINARY on SQLite, the "C" collation on PostgreSQL), so each
is one seek in the column's existing index, never a scan of the table.
"""

from __future__ import annotations

import random
import uuid

import pytest
import sqlalchemy as sa

import contactgraph as cg
from contactgraph.repos.sql import statements as q

LINE = f"+3319{random.Random().randrange(10**7):07d}"
"""A number no other test stores: the PostgreSQL database is shared by the suite, and a
number many tenants hold (``+33144274427``) makes the planner join the alternates'
equality arm by hashing a scan of the contacts (as ``find_contacts(phone=…)`` would)."""


def _fill(store: cg.Store, accounts: int = 20, contacts: int = 100) -> None:
    """Contacts on many lines: phone, mobile, alternates, with and without extensions."""
    with store.transaction():
        for a in range(accounts):
            account = cg.Account.create(name=f"Acme {a}")
            for i in range(contacts):
                n = a * contacts + i
                account, _ = account.add_contact(
                    last_name=f"Name{n}",
                    phone=f"+331{n:08d}",
                    mobile=f"+336{n:08d};ext={n % 7}",
                    alternate_phones=[f"+332{n:08d};ext={n % 5}", f"+333{n:08d}"],
                )
            store.accounts.add(account)
    first = cg.Account.create(name="Sorbonne")
    first, _ = first.add_contact(last_name="Curie", alternate_phones=[LINE + ";ext=9"])
    store.accounts.add(first)


def _compiled(conn: sa.Connection, tenant: str) -> tuple[str, dict[str, str]]:
    compiled = q.FIND_BY_LINE.compile(dialect=conn.dialect)
    params = compiled.construct_params({"t": tenant, **q.line_params(LINE)})
    return compiled.string, params


def test_sqlite_seeks_each_index_for_the_number_and_its_extensions(tmp_path: object) -> None:
    with cg.open_store(f"sqlite:///{tmp_path}/crm.db") as store:
        _fill(store)
        engine: sa.Engine = store.backend.engine  # type: ignore[attr-defined]
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            text, params = _compiled(conn, "default")
            compiled = q.FIND_BY_LINE.compile(dialect=conn.dialect)
            plan = [
                str(step[-1])
                for step in conn.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {text}",
                    tuple(params[n] for n in compiled.positiontup or ()),
                )
            ]
        searches = [s for s in plan if s.startswith("SEARCH ")]
        assert not [s for s in plan if s.startswith("SCAN ")], plan
        for index in ("ix_contacts_phone", "ix_contacts_mobile"):
            assert any(f"{index} (tenant=? AND " in s and "=?)" in s for s in searches), plan
            assert any(f"{index} (tenant=? AND " in s and ">? AND" in s for s in searches), plan
        alternates = [s for s in searches if "ix_contact_alternates_value" in s]
        assert len(alternates) == 2, plan  # the number, and its range of extensions
        assert any("value>? AND value<?" in s for s in alternates), plan
        assert [c.last_name for c in store.accounts.find_contacts_on_line(LINE)] == ["Curie"]


@pytest.mark.postgres
def test_postgres_seeks_each_index_for_the_number_and_its_extensions(postgres_url: str) -> None:
    tenant = f"t{uuid.uuid4().hex}"
    with cg.open_store(postgres_url, tenant=tenant) as store:
        _fill(store)
        engine: sa.Engine = store.backend.engine  # type: ignore[attr-defined]
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE contacts")
            conn.exec_driver_sql("ANALYZE contact_alternates")
            text, params = _compiled(conn, tenant)
            plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {text}", params))
        assert "Seq Scan" not in plan, plan
        for index in ("ix_contacts_phone", "ix_contacts_mobile", "ix_contact_alternates_value"):
            assert index in plan, plan
        ranges = [line for line in plan.splitlines() if "Index Cond" in line and ">= " in line]
        assert len(ranges) == 3, plan  # phone, mobile, alternates: the range in the index
        assert [c.last_name for c in store.accounts.find_contacts_on_line(LINE)] == ["Curie"]
