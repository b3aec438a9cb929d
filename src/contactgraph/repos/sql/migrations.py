"""Schema migrations: an ordered list of versioned steps, run in the transaction that opens the store.

A store records its schema version in the ``meta`` row ``('', 'schema_version')``.
Opening a store at version *n* below :data:`~contactgraph.repos.schema.SCHEMA_VERSION`
runs the steps *n + 1* … in order, then records the new version, all inside
the one transaction that checks the schema (``BEGIN IMMEDIATE`` on SQLite, an
advisory lock on PostgreSQL): a migration lands whole or not at all, and two
processes opening an old store at once migrate it once. A store newer than the
library is refused before anything is written.

Why not Alembic: our steps are mostly *data* migrations that need the
domain's own Python (the email key is computed by
:func:`contactgraph.domain.email_key`, not by SQL) and engine-specific DDL that
autogenerate cannot express (FTS5 virtual tables, triggers, ``pg_trgm``
indexes); the store already keeps its version per store in ``meta``; and
Alembic would add a second version table, a script directory to ship inside
the wheel and a dependency, for a linear history that this list holds in a
few lines. Each step is written against the schema *as it was* at its
version (lightweight ``sa.table`` declarations), never against today's
:mod:`~contactgraph.repos.schema`, so later changes cannot alter what an old
step does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from contactgraph.domain import email_key
from contactgraph.errors import SchemaVersionError
from contactgraph.repos import schema

__all__ = ["MIGRATIONS", "create", "upgrade"]

Step = Callable[[Connection], None]

_BATCH: Final = 1000


# ------------------------------------------------ 1 -> 2: email keys


def _new_key(address: str) -> str:
    return email_key(address) or address


def _email_keys(conn: Connection) -> None:
    """Recompute email keys: 0.1.0 case-folded them (``élodie@acme.fr``); the key now
    lower-cases ASCII letters only (``Élodie@acme.fr``), so look-ups by the old key miss.

    Only addresses with non-ASCII characters can have changed (for ASCII text,
    ``casefold`` and lower-casing agree): the main address's ``email_key``, and
    the ``contact_alternates`` rows of kind ``'email'``, rebuilt from the
    ``alternate_emails`` JSON that keeps the addresses themselves.
    """
    contacts = sa.table(
        "contacts",
        sa.column("tenant"),
        sa.column("id"),
        sa.column("email"),
        sa.column("email_key"),
        sa.column("alternate_emails"),
    )
    alternates = sa.table(
        "contact_alternates",
        sa.column("tenant"),
        sa.column("contact_id"),
        sa.column("kind"),
        sa.column("value"),
    )
    keys: list[dict[str, Any]] = []
    rebuilt: list[tuple[str, str, list[str]]] = []
    found = conn.execute(
        sa.select(
            contacts.c.tenant,
            contacts.c.id,
            contacts.c.email,
            contacts.c.email_key,
            contacts.c.alternate_emails,
        )
    )
    for tenant, contact_id, email, old_key, alternate_json in found:
        if email is not None and not email.isascii():
            new = _new_key(email)
            if new != old_key:
                keys.append({"t": tenant, "i": contact_id, "k": new})
        addresses = json.loads(alternate_json) if alternate_json is not None else []
        if not all(a.isascii() for a in addresses):  # the JSON itself is ASCII (escapes)
            rebuilt.append((tenant, contact_id, list(dict.fromkeys(map(_new_key, addresses)))))
    if keys:
        stmt = (
            sa.update(contacts)
            .where(contacts.c.tenant == sa.bindparam("t"), contacts.c.id == sa.bindparam("i"))
            .values(email_key=sa.bindparam("k"))
        )
        for batch in _batches(keys):
            conn.execute(stmt, batch)
    for tenant, contact_id, new_keys in rebuilt:
        conn.execute(
            sa.delete(alternates).where(
                alternates.c.tenant == tenant,
                alternates.c.contact_id == contact_id,
                alternates.c.kind == "email",
            )
        )
        conn.execute(
            sa.insert(alternates),
            [
                {"tenant": tenant, "contact_id": contact_id, "kind": "email", "value": k}
                for k in new_keys
            ],
        )


def _batches(items: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


# ------------------------------------------------------------ the list

MIGRATIONS: Final[dict[int, tuple[str, Step]]] = {
    2: ("email keys lower-case ASCII letters only (no case folding)", _email_keys),
}
"""Step *n* takes a store from schema version *n - 1* to *n*; version 1 is release 0.1.0."""

_FRESH: Final[tuple[Step, ...]] = ()
"""What a new store needs beyond ``metadata.create_all`` (what SQLAlchemy cannot declare)."""


def _set_version(conn: Connection, version: int) -> None:
    meta = schema.meta
    conn.execute(
        sa.update(meta)
        .where(meta.c.tenant == "", meta.c.key == "schema_version")
        .values(value=str(version))
    )


def create(conn: Connection) -> None:
    """Create today's schema in an empty database and record its version."""
    schema.metadata.create_all(conn)
    for step in _FRESH:
        step(conn)
    conn.execute(
        sa.insert(schema.meta),
        {"tenant": "", "key": "schema_version", "value": str(schema.SCHEMA_VERSION)},
    )


def upgrade(conn: Connection, found: int, shown: str) -> None:
    """Bring a store at schema version ``found`` to today's, in the caller's transaction."""
    if found < 1:
        raise SchemaVersionError(f"{shown}: schema version {found} is not one contactgraph wrote")
    for version in range(found + 1, schema.SCHEMA_VERSION + 1):
        if version not in MIGRATIONS:  # pragma: no cover - guarded by a test over MIGRATIONS
            raise SchemaVersionError(f"{shown}: schema version {version - 1} has no migration")
        MIGRATIONS[version][1](conn)
    _set_version(conn, schema.SCHEMA_VERSION)
