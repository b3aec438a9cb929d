"""PostgreSQL reads a name range through its own index, whatever it guesses of its width.

Asked for the first rows of a full-name range in name order, the planner
walked the name index and filtered ("olaf s" at a million contacts: 7.8 s),
because it guessed the range wide. The range is now read in a subquery it keeps
apart (``OFFSET 0``), then sorted: the plan must not walk the name index.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa

import contactgraph as cg
from contactgraph.repos.keys import search_needle
from contactgraph.repos.schema import contacts as C
from contactgraph.repos.sql import search as search_module
from contactgraph.repos.sql import search_tiers

pytestmark = pytest.mark.postgres


def _plan(store: cg.Store, query: tuple[Any, dict[str, Any]]) -> str:
    stmt, params = query
    engine = store.backend.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        compiled = stmt.compile(dialect=conn.dialect)
        rows = conn.exec_driver_sql(f"EXPLAIN {compiled.string}", compiled.construct_params(params))
        return "\n".join(r[0] for r in rows)


def test_a_full_name_range_is_read_through_its_index_then_sorted(postgres_url: str) -> None:
    tenant = f"t{uuid.uuid4().hex}"
    with cg.open_store(postgres_url, tenant=tenant) as store:
        with store.transaction():
            for n in range(6):
                account = cg.Account.create(name=f"Acme {n}")
                for i in range(500):
                    first, last = ("Olaf", f"Sv{n}{i:03d}") if n == 5 else ("Ann", f"Ab{n}{i:03d}")
                    account, _ = account.add_contact(last_name=last, first_name=first)
                store.accounts.add(account)
        engine = store.backend.engine  # type: ignore[attr-defined]
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE contacts"))
        query = search_tiers._first_in_name_order(tenant, C.c.full_key, "olaf s", 5)
        plan = _plan(store, query)
        assert "ix_contacts_full" in plan, plan
        assert "ix_contacts_last" not in plan, plan
        found = store.accounts.search("olaf s", limit=5)
        assert [c.last_name for c in found.contacts] == [f"Sv5{i:03d}" for i in range(5)]
        # The matches anywhere: through the trigram index too, then sorted.
        needle = search_needle("f sv5")
        assert needle is not None
        with engine.connect() as conn:
            match = search_module._match(conn, needle)
        anywhere = search_tiers._anywhere("postgresql", tenant, match, 5, wide=False)
        assert isinstance(anywhere, tuple)
        plan = _plan(store, anywhere)
        assert "ix_contacts_last" not in plan, plan
        found = store.accounts.search("f sv5", limit=5, count_up_to=0)
        assert [c.last_name for c in found.contacts] == [f"Sv5{i:03d}" for i in range(5)]
