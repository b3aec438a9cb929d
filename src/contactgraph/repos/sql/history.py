"""Field history in SQL: the append-only ``field_history`` table (see :mod:`contactgraph.repos.history`).

An append reads each record's last ``seq`` through the primary key (one
seek per record: on PostgreSQL all the records' ids in one array parameter, on
SQLite 100 to a query) and inserts the rows in one statement (``COPY`` on
PostgreSQL where it may), so its cost does not grow with the history already
kept. Reading a record's history is one range scan of the same key.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from contactgraph.repos.backend import chunks
from contactgraph.repos.history import Entry
from contactgraph.repos.keys import from_micros, to_micros
from contactgraph.repos.schema import field_history as H
from contactgraph.repos.sql.arrays import text_array
from contactgraph.repos.sql.copy import insert_rows
from contactgraph.repos.sql.errors import translated
from contactgraph.repos.sql.storage import Part

__all__ = ["SqlHistory", "scrub_sqlite"]

_COLUMNS = [c.name for c in H.columns]

_LAST_BATCH = 100
_OF = (
    sa.select(
        H.c.record_id,
        H.c.kind,
        H.c.action,
        H.c.field,
        H.c.old_value,
        H.c.new_value,
        H.c.at,
        H.c.actor,
        H.c.seq,
        H.c.redacted,
    )
    .where(H.c.tenant == sa.bindparam("t"), H.c.record_id == sa.bindparam("id"))
    .order_by(H.c.seq)
)
_REWRITE = (
    sa.update(H)
    .where(
        H.c.tenant == sa.bindparam("t"),
        H.c.record_id == sa.bindparam("id"),
        H.c.seq == sa.bindparam("s"),
    )
    .values(old_value=sa.bindparam("o"), new_value=sa.bindparam("n"), redacted=sa.bindparam("r"))
)


@functools.lru_cache(maxsize=2 * _LAST_BATCH)
def _last_sql(dialect: str, count: int) -> str:
    """One row: the last ``seq`` of each of ``count`` records (``NULL`` for none).

    One subquery per record, each a single seek at the end of the record's
    range of the primary key. Spelled ``ORDER BY seq DESC LIMIT 1``: a
    ``max(seq)`` is planned so by PostgreSQL only once the table has
    statistics (before, it read all 50,000 rows of a record: 6.4x slower
    saves), and ``GROUP BY`` over several records reads every row of each.
    """

    def mark(name: str) -> str:
        return f":{name}" if dialect == "sqlite" else f"%({name})s"

    parts = [
        f'(SELECT "seq" FROM "{H.name}" WHERE "tenant" = {mark("t")} '
        f'AND "record_id" = {mark(f"r{i}")} ORDER BY "seq" DESC LIMIT 1)'
        for i in range(count)
    ]
    return "SELECT " + ", ".join(parts)


_LAST_PG = (
    "SELECT r.id, h.seq FROM unnest(%(ids)s::text[]) AS r(id) CROSS JOIN LATERAL "
    f'(SELECT "seq" FROM "{H.name}" WHERE "tenant" = %(t)s AND "record_id" = r.id '
    'ORDER BY "seq" DESC LIMIT 1) AS h'
)
"""PostgreSQL: the last ``seq`` of each record that has one, the ids as one array
parameter written as the array's text (the same seek per id as :func:`_last_sql`).
One short statement, whatever the number of records: the 100-subquery text cost PostgreSQL a plan per record at
each call and the client a parse of ~10 KB of SQL (too long for psycopg's cache);
a save of 2,000 new contacts took 20 of them."""

_LAST_PG_BATCH = 10_000


def _insert_sql(dialect: str) -> str:
    marks = ", ".join(f":{n}" if dialect == "sqlite" else f"%({n})s" for n in _COLUMNS)
    names = ", ".join(f'"{n}"' for n in _COLUMNS)
    return f'INSERT INTO "{H.name}" ({names}) VALUES ({marks})'


_INSERTS = {dialect: _insert_sql(dialect) for dialect in ("sqlite", "postgresql")}


@translated
class SqlHistory(Part):
    """History entries of one tenant, by record."""

    def append(self, entries: Sequence[Entry]) -> None:
        if not entries:
            return
        ids = list(dict.fromkeys(e.record_id for e in entries))
        dialect = self._conn.dialect.name
        last = self._last_pg(ids) if dialect == "postgresql" else self._last(dialect, ids)
        tenant = self._tenant
        values: list[tuple[Any, ...]] = []
        at, micros = None, 0
        for e in entries:
            rid = e.record_id
            seq = last.get(rid, 0) + 1
            last[rid] = seq
            if e.at is not at:  # a save's entries mostly share their events' few moments
                at = e.at
                micros = to_micros(at)
            values.append(
                (tenant, rid, seq, e.kind, e.action, e.field, e.old, e.new, micros, e.actor,
                 e.redacted)
            )  # fmt: skip
        insert_rows(self._conn, H, _INSERTS[dialect], values)

    def _last(self, dialect: str, ids: list[str]) -> dict[str, int]:
        """Record id -> its last ``seq``, for the ids that have history (100 to a query)."""
        last: dict[str, int] = {}
        for batch in chunks(ids, _LAST_BATCH):
            params = self._p(**{f"r{i}": rid for i, rid in enumerate(batch)})
            found = self._conn.exec_driver_sql(_last_sql(dialect, len(batch)), params).one()
            last.update((rid, int(seq)) for rid, seq in zip(batch, found, strict=True) if seq)
        return last

    def _last_pg(self, ids: list[str]) -> dict[str, int]:
        """:meth:`_last` on PostgreSQL: one statement of :data:`_LAST_PG` per 10,000 ids."""
        last: dict[str, int] = {}
        for batch in chunks(ids, _LAST_PG_BATCH):
            found = self._conn.exec_driver_sql(_LAST_PG, self._p(ids=text_array(batch)))
            last.update((str(rid), int(seq)) for rid, seq in found if seq)
        return last

    def of(self, record_id: str, field: str | None) -> list[Entry]:
        found = [
            Entry(rid, kind, action, fld, old, new, from_micros(at), actor, int(seq), bool(red))
            for rid, kind, action, fld, old, new, at, actor, seq, red in self._conn.execute(
                _OF, self._p(id=record_id)
            )
        ]
        if field is None:
            return found
        return [e for e in found if e.field is None or e.field == field]

    def rewrite(self, record_id: str, entries: Sequence[Entry]) -> None:
        if entries:
            self._conn.execute(
                _REWRITE,
                [self._p(id=record_id, s=e.seq, o=e.old, n=e.new, r=e.redacted) for e in entries],
            )


_FTS_TABLES = ("contacts_fts", "accounts_fts")


def scrub_sqlite(engine: Engine) -> bool:
    """Leave nothing deleted or overwritten in an SQLite store's files (see ``SqlBackend.scrub``).

    Runs outside any transaction, on the driver: an FTS5 ``optimize`` merges
    each search index into one segment (dropping the entries of deleted
    rows, which otherwise stay in older segments), ``VACUUM`` writes a new
    database from the live rows, and ``wal_checkpoint(TRUNCATE)`` copies it
    back and empties the write-ahead log. Returns whether the log was emptied.
    """
    with engine.connect() as conn:
        driver: Any = conn.connection.driver_connection
        for fts in _FTS_TABLES:
            driver.execute(f"INSERT INTO {fts} ({fts}) VALUES ('optimize')")
        driver.execute("VACUUM")
        busy, _log, _done = driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return bool(busy == 0)
