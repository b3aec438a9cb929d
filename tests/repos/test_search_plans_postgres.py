"""PostgreSQL reads a name range through its own index, whatever it guesses of its width.

Asked for the first rows of a full-name range in name order, the planner
walked the name index and filtered ("olaf s" at a million contacts: 7.8 s),
because it guessed the range wide. The range is now read in a subquery it keeps
apart (``OFFSET 0``), then sorted: the plan must not walk the name index.

A text holding a ``+`` ("+33", typing an international number) is asked of
``ix_contacts_plus`` (schema version 7): ``pg_trgm`` drops the ``+`` and asked
for every word starting with 33, every phone line (727 ms at a million).

An account's rank 0 (its website domain or phone is the text) is asked for the
text as a whole line: ``pg_trgm`` reads a line break as a word's edge, so the
index gives the keys holding the text's words whole, not every key holding the
text ("cme": every "Acme", read and dropped).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

import contactgraph as cg
from contactgraph.repos.keys import search_needle
from contactgraph.repos.schema import accounts as A
from contactgraph.repos.schema import contacts as C
from contactgraph.repos.sql import search as search_module
from contactgraph.repos.sql import search_statements, search_tiers
from pgdump import restored_v010

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


def _removed(
    store: cg.Store, query: tuple[Any, dict[str, Any]], *, indexed: bool = False
) -> tuple[str, int]:
    """``EXPLAIN ANALYZE`` of ``query``: the plan, and how many rows its scans read
    and dropped (index rechecks and filters); ``indexed``: no sequential scan (a
    small table is cheaper to scan: the test is of what the index is asked)."""
    stmt, params = query
    engine = store.backend.engine  # type: ignore[attr-defined]
    with engine.begin() as conn:
        if indexed:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        compiled = stmt.compile(dialect=conn.dialect)
        rows = conn.exec_driver_sql(
            f"EXPLAIN ANALYZE {compiled.string}", compiled.construct_params(params)
        )
        plan = "\n".join(r[0] for r in rows)
    return plan, sum(int(n) for n in re.findall(r"Rows Removed by [A-Za-z ]+: (\d+)", plan))


def test_a_plus_in_the_text_is_asked_of_the_keys_holding_one(postgres_url: str) -> None:
    # 1,000 contacts with a Paris number (33 1…: every key has a word starting with
    # 33), one email holding "+33", one holding a "+" elsewhere: "+33" reads the two
    # keys holding a "+", not the 1,000 phone lines (the old plan dropped 1,000 rows).
    tenant = f"t{uuid.uuid4().hex}"
    with cg.open_store(postgres_url, tenant=tenant) as store:
        with store.transaction():
            for n in range(2):
                account = cg.Account.create(name=f"Acme {n}")
                for i in range(500):
                    phone = cg.Phone.trusted(f"+331{40_000_000 + 500 * n + i:08d}")
                    account, _ = account.add_contact(last_name=f"Ab{n}{i:03d}", phone=phone)
                store.accounts.add(account)
            account = cg.Account.create(name="Zeta")
            account, plus = account.add_contact(last_name="Zed", email="zed+33@acme.fr")
            account, other = account.add_contact(last_name="Zoe", email="zoe+crm@acme.fr")
            store.accounts.add(account)
        engine = store.backend.engine  # type: ignore[attr-defined]
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE contacts"))
        needle = search_needle("+33")
        assert needle is not None
        with engine.connect() as conn:
            match = search_module._match(conn, needle)
        counted, _ = search_statements.count_matches("postgresql", tenant, match, 22, 20)
        plan, removed = _removed(store, counted)
        assert "ix_contacts_plus" in plan, plan
        assert removed <= 1, plan  # "zoe+crm": holds a "+", not "+33"
        assert store.accounts.search_contacts("+33", limit=5) == [plus]
        assert list(store.accounts.search("+33", limit=5).contacts) == [plus]
        assert store.accounts.search_contacts("e+c", limit=5) == [other]


def test_a_migrated_store_has_the_index_of_the_keys_holding_a_plus(postgres_url: str) -> None:
    with restored_v010(postgres_url, "v010plus") as url:
        with cg.open_store(url, tenant="acme") as store:
            engine = store.backend.engine  # type: ignore[attr-defined]
            with engine.connect() as conn:
                found = conn.execute(
                    sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_contacts_plus'")
                ).scalar_one()
                kept = conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_statistic_ext WHERE stxname = 'st_contacts_plus'"
                    )
                ).scalar_one()
        assert "WHERE (strpos(search_key, '+'::text) > 0)" in found, found
        assert kept == 1


_LETTERS = "bdfghjklnpqrstvwxyz"


def _letters(n: int) -> str:
    """``n`` (below 19**3) in three letters, none of "cme": a name word sharing no
    trigram with the texts looked for, and no digit."""
    return "".join(_LETTERS[n // 19**k % 19] for k in (2, 1, 0))


@contextmanager
def _own_database(postgres_url: str) -> Iterator[str]:
    """A new, empty database (one tenant's rows only: the plans of a store alone), dropped after."""
    url = sa.make_url(postgres_url)
    name = f"accounts_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_an_account_rank_0_reads_the_keys_holding_the_text_as_a_line(postgres_url: str) -> None:
    # 6,000 accounts named "Acme …" with a Paris number (every key holds "cme" and a
    # word starting with 33), one whose domain is "cme", one whose name starts with it.
    # The old rank 0 read every key holding "cme" and dropped 6,000 rows; for "+33",
    # every key with a word starting with 33.
    tenant = "acme"
    with _own_database(postgres_url) as url, cg.open_store(url, tenant=tenant) as store:
        with store.transaction():
            for i in range(6000):  # numbers ending in 0: no phone line ends with 33
                phone = f"+33 1 {40_000_000 + 10 * i:08d}"
                store.accounts.add(cg.Account.create(name=f"Acme {_letters(i)} SA", phone=phone))
            by_domain = store.accounts.add(cg.Account.create(name="Zulu SA", website="cme"))
            by_name = store.accounts.add(cg.Account.create(name="Cmeco SA"))
        engine = store.backend.engine  # type: ignore[attr-defined]
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE accounts"))
        # 33140007070 holds every trigram of the number's line, not the line.
        for text, kept in (("cme", 0), ("+33", 0), ("33140000070", 1)):
            needle = search_needle(text)
            assert needle is not None
            exact = search_tiers._account_exact("postgresql", tenant, needle)
            # The store is one tenant's: what the search key's conditions ask of the
            # trigram index, the tenant's index aside (a planner may prefer it for
            # 6,000 rows: reading them all, the very cost looked for).
            asked = [c for c in exact.whereclause.clauses if A.c.tenant not in c.get_children()]
            counted = sa.select(sa.func.count()).select_from(A).where(*asked)
            plan, removed = _removed(store, (counted, {}), indexed=True)
            assert "ix_accounts_search" in plan, plan
            assert removed <= kept, (text, plan)  # the old rank 0: 6,001 for "cme"
        found = store.accounts.search_accounts("cme", limit=3, count_up_to=0)
        assert [a.id for a in found.accounts][:2] == [by_domain.id, by_name.id]
        assert (found.total, found.total_is_exact) == (4, False)
        by_phone = store.accounts.search_accounts("+33 1 40 00 00 70", limit=1)
        assert [a.name for a in by_phone.accounts] == [f"Acme {_letters(7)} SA"]
