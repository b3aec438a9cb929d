"""A long import keeps PostgreSQL's planner statistics true as it fills the tables.

The import is one transaction, so autovacuum never sees its rows: plans made
for the tables as they were before (often empty) stayed, and at a million
contacts the delete of a changed contact's external ids scanned every row of
the tenant (17 ms a call, growing to 230 ms), the contacts' foreign-key check
cost ~140 µs a row. :class:`~contactgraph.repos.sql.statistics.PlannerStatistics`
runs ``ANALYZE`` inside the transaction as the contact rows it wrote grow,
without ever waiting for another transaction's lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from test_import_savepoints import _write_csvs, own_database  # noqa: F401 - a fixture

import contactgraph as cg
from contactgraph.interop import ImportOptions, import_csv
from contactgraph.repos.sql import statistics

pytestmark = pytest.mark.postgres

_RELTUPLES = "SELECT reltuples FROM pg_class WHERE oid = 'contacts'::regclass"


def _watcher(url: str) -> Any:
    import psycopg

    given = sa.make_url(url)
    return psycopg.connect(
        host=given.host, port=given.port, user=given.username, dbname=given.database
    )


@pytest.fixture(autouse=True)
def _analyze_early(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first ``ANALYZE`` after 100 contact rows, not 5,000: small imports show it."""
    monkeypatch.setattr(statistics, "FIRST", 100)


def test_statistics_follow_the_rows_an_open_import_writes(
    own_database: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    files = _write_csvs(tmp_path, accounts=10, contacts=1200)
    seen: list[tuple[int, float]] = []
    with _watcher(own_database) as watcher, cg.open_store(own_database) as store:
        watcher.autocommit = True

        def look(done: int, total: int | None) -> None:
            # pg_class's figures are written in place: seen before the import commits
            row = watcher.execute(_RELTUPLES).fetchone()
            assert row is not None
            seen.append((done, float(row[0])))

        report = import_csv(
            store, files, options=ImportOptions(default_region="FR", batch_size=100), progress=look
        )
        assert report.ok, report.errors[:3]
        assert store.accounts.count_contacts() == 1200
    during = [tuples for done, tuples in seen if done < 1210]
    assert during, seen
    # ANALYZE ran at 100 and 400 contact rows: the planner knew hundreds of rows
    # while the transaction was still open (-1, "never analyzed", without it)
    assert max(during) >= 400, seen


def test_an_import_never_waits_for_another_transactions_analyze(
    own_database: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    files = _write_csvs(tmp_path, accounts=5, contacts=400)
    with _watcher(own_database) as holder, cg.open_store(own_database) as store:
        # another transaction analyzes contacts and stays open: it holds the lock ANALYZE
        # takes until it ends; were the import to wait for it, the holder's session would
        # be ended by its idle timeout and the last check below would fail
        holder.execute("SET idle_in_transaction_session_timeout = '60s'")
        holder.execute("ANALYZE contacts")
        report = import_csv(
            store, files, options=ImportOptions(default_region="FR", batch_size=100)
        )
        assert report.ok, report.errors[:3]
        assert store.accounts.count_contacts() == 400
        assert holder.execute("SELECT 1").fetchone() == (1,)
        holder.rollback()
