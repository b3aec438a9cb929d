"""The planner's statistics, kept true while one long write transaction fills the tables.

PostgreSQL plans a statement from the statistics ``ANALYZE`` last gathered. A
large import is one transaction: tables that held a few hundred rows when it
began hold a million before it commits, and autovacuum cannot gather what it
cannot see. Plans made for the small tables stay: measured on a 1,000,000
contact import, the delete of a changed contact's external ids went through
the ``(tenant, kind, …)`` prefix of ``ix_external_ids_value`` and filtered
every contact's row (17 ms a call at the start, 230 ms nine minutes later),
and the foreign-key check of each inserted contact cost ~140 µs a row.

:class:`PlannerStatistics` counts the contact rows a transaction writes and
runs ``ANALYZE`` on the tables an account write fills at :data:`FIRST` rows,
then each time that count grows :data:`GROWTH` times (4 times for a million
rows: 5,000, 20,000, 80,000 and 320,000). ``ANALYZE`` inside the transaction
samples its own uncommitted rows, and the new figures make PostgreSQL plan its
statements, its foreign-key checks included, anew. Between two, the planner
scales its row counts with the tables' pages, so figures a quarter of the
rows old still pick the same index seeks; each ``ANALYZE`` of a large
``contacts`` costs ~0.6 s of server, and doubling (8 for a million rows) spent
twice the time for no other plan (measured in ``benchmarks/README.md``).

``ANALYZE`` holds a lock on each table until the transaction ends that
another ``ANALYZE``, ``VACUUM`` or schema change also takes. So it is tried
under a short ``lock_timeout``, in a savepoint: when another transaction holds
the lock (two imports side by side), this one goes on without fresh figures
rather than wait, and certainly rather than deadlock. A role that does not own
the tables (row-level security setups) gets PostgreSQL's warning and no new
figures; nothing fails. SQLite needs none of this.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

__all__ = ["FIRST", "GROWTH", "TABLES", "PlannerStatistics"]

FIRST: Final = 5_000
"""Contact rows written in one transaction before its first ``ANALYZE``."""

GROWTH: Final = 4
"""The next ``ANALYZE`` comes when the contact rows written have grown this many times."""

TABLES: Final = ("accounts", "contacts", "contact_alternates", "external_ids", "field_history")
"""The tables an account write fills."""

_WAIT: Final = "100ms"


class PlannerStatistics:
    """Counts the contact rows one transaction writes; refreshes the statistics as they grow."""

    def __init__(self, dialect: str) -> None:
        self._on = dialect == "postgresql"
        self.written = 0
        """Contact rows written so far in this transaction."""
        self.refreshed = 0
        """How many times the statistics were gathered in this transaction."""
        self._next = FIRST

    def grew(self, conn: Connection, rows: int) -> None:
        """Note ``rows`` more contact rows written through ``conn``; ``ANALYZE`` when due."""
        if not self._on:
            return
        self.written += rows
        if self.written < self._next:
            return
        self._next = self.written * GROWTH
        self._analyze(conn)

    def _analyze(self, conn: Connection) -> None:
        driver = conn.connection.driver_connection
        assert driver is not None
        waited = driver.execute("SELECT current_setting('lock_timeout')").fetchone()
        driver.execute(f"SET LOCAL lock_timeout = '{_WAIT}'")
        try:
            with conn.begin_nested():
                conn.exec_driver_sql("ANALYZE " + ", ".join(TABLES))
        except OperationalError as exc:  # the lock is held by another transaction: go on
            if getattr(exc.orig, "sqlstate", None) != "55P03":
                raise
        else:
            self.refreshed += 1
        finally:
            previous = waited[0] if waited else "0"
            driver.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
