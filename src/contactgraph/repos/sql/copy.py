"""Bulk inserts through PostgreSQL's ``COPY … FROM STDIN`` (psycopg 3).

An import writes contacts by the thousand. ``INSERT`` through
``executemany`` costs PostgreSQL one statement per row; ``COPY`` streams the
rows in one. :func:`insert_rows` sends them through the raw psycopg
connection under the session's SQLAlchemy connection, so they land in the
very transaction of the rest of the save (a failure rolls all of it back, as
with ``INSERT``), and driver errors are translated by the callers as before.
Everywhere else (SQLite, another PostgreSQL driver) it runs the ``INSERT``
it is given. Everything but this bulk path stays SQLAlchemy Core.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from contactgraph.repos.sql import rls

__all__ = ["copies", "copy_statement", "insert_rows"]


@lru_cache(maxsize=32)
def copy_statement(table: sa.Table) -> str:
    """``COPY "table" ("col", …) FROM STDIN``, the columns in the table's order."""
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    return f'COPY "{table.name}" ({names}) FROM STDIN'


def copies(conn: Connection) -> bool:
    """Whether rows written on ``conn`` go through ``COPY`` (PostgreSQL through psycopg 3).

    Not where row-level security holds the role: PostgreSQL refuses ``COPY …
    FROM`` on such tables, so those rows go through ``INSERT``.
    """
    return (
        conn.dialect.name == "postgresql"
        and conn.dialect.driver == "psycopg"
        and not rls.applies(conn.engine)
    )


def insert_rows(
    conn: Connection,
    table: sa.Table,
    insert: str,
    rows: Sequence[Mapping[str, Any]] | Sequence[tuple[Any, ...]],
) -> None:
    """Insert ``rows`` into ``table`` in this transaction.

    ``rows`` are dicts keyed by column name, or tuples of the values in the
    table's column order (the hot writers' rows: ``COPY`` sends them as they
    are, with no dict built and read again). ``insert`` is the ``INSERT``
    statement for drivers that do not copy (tuples are keyed for it).
    """
    if not rows:
        return
    as_tuples = type(rows[0]) is tuple
    if not copies(conn):
        if as_tuples:
            names = _names(table)
            rows = [dict(zip(names, row, strict=True)) for row in rows]
        conn.exec_driver_sql(insert, rows)
        return
    raw: Any = conn.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(copy_statement(table)) as copy:
        write = copy.write_row
        if as_tuples:
            for row in rows:
                write(row)
        else:
            cells = _cells(table)
            for mapping in cast("Sequence[Mapping[str, Any]]", rows):
                write(cells(mapping))


@lru_cache(maxsize=32)
def _names(table: sa.Table) -> tuple[str, ...]:
    """The table's column names, in its order."""
    return tuple(c.name for c in table.columns)


@lru_cache(maxsize=32)
def _cells(table: sa.Table) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """A row's values in the table's column order, as a tuple (``operator.itemgetter``:
    the per-row list comprehension it replaces cost a few µs a contact)."""
    get = itemgetter(*(c.name for c in table.columns))
    if len(table.columns) == 1:
        return lambda row: (get(row),)
    return get
