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
from contactgraph.repos.keys import account_search_text, contact_search_text
from contactgraph.repos.sql.trigrams import DIGIT_WINDOW

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


# ------------------------------------------------ 2 -> 3: search


def _sqlite_search(conn: Connection, table: str, mapping: str, owner: str) -> None:
    """An FTS5 trigram table over ``table.search_key``, kept by triggers on ``table``.

    FTS rows are addressed by an integer: ``mapping`` gives each row of
    ``table`` a stable one (an INTEGER PRIMARY KEY, which VACUUM keeps,
    unlike the implicit rowid of a table keyed by text).
    """
    fts = f"{table}_fts"
    seq = f"(SELECT seq FROM {mapping} WHERE tenant = old.tenant AND {owner} = old.id)"
    for ddl in (
        f"CREATE TABLE {mapping} (seq INTEGER PRIMARY KEY, tenant TEXT NOT NULL, "
        f"{owner} TEXT NOT NULL, UNIQUE (tenant, {owner}))",
        f"CREATE VIRTUAL TABLE {fts} USING fts5(search_key, tokenize = 'trigram')",
        f"INSERT INTO {mapping} (tenant, {owner}) SELECT tenant, id FROM {table}",
        f"INSERT INTO {fts} (rowid, search_key) SELECT m.seq, t.search_key FROM {mapping} m "
        f"JOIN {table} t ON t.tenant = m.tenant AND t.id = m.{owner}",
        f"CREATE TRIGGER {table}_search_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {mapping} (tenant, {owner}) VALUES (new.tenant, new.id); "
        f"INSERT INTO {fts} (rowid, search_key) VALUES ((SELECT seq FROM {mapping} "
        f"WHERE tenant = new.tenant AND {owner} = new.id), new.search_key); END",
        f"CREATE TRIGGER {table}_search_delete AFTER DELETE ON {table} BEGIN "
        f"DELETE FROM {fts} WHERE rowid = {seq}; "
        f"DELETE FROM {mapping} WHERE tenant = old.tenant AND {owner} = old.id; END",
        f"CREATE TRIGGER {table}_search_update AFTER UPDATE OF tenant, id, search_key ON {table} "
        "WHEN old.search_key IS NOT new.search_key OR old.id IS NOT new.id "
        "OR old.tenant IS NOT new.tenant BEGIN "
        f"UPDATE {fts} SET search_key = new.search_key WHERE rowid = {seq}; "
        f"UPDATE {mapping} SET tenant = new.tenant, {owner} = new.id "
        f"WHERE tenant = old.tenant AND {owner} = old.id; END",
    ):
        conn.exec_driver_sql(ddl)


def _search_indexes(conn: Connection) -> None:
    """The trigram indexes over ``search_key``: FTS5 on SQLite, ``pg_trgm`` GIN on PostgreSQL."""
    if conn.dialect.name == "sqlite":
        _sqlite_search(conn, "contacts", "contact_search", "contact_id")
        _sqlite_search(conn, "accounts", "account_search", "account_id")
        return
    conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table in ("contacts", "accounts"):
        conn.exec_driver_sql(
            f"CREATE INDEX ix_{table}_search ON {table} USING gin (search_key gin_trgm_ops)"
        )


def _search(conn: Connection) -> None:
    """Indexed search: a folded ``search_key`` on contacts and accounts, filled here for the
    rows that exist and by the row writers afterwards, with a trigram index over it."""
    collate = ' COLLATE "C"' if conn.dialect.name == "postgresql" else ""
    for table in ("contacts", "accounts"):
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN search_key TEXT{collate}")
    conn.exec_driver_sql("CREATE INDEX ix_contacts_email_search ON contacts (tenant, email_search)")
    c = sa.table(
        "contacts",
        *(
            sa.column(n)
            for n in (
                "tenant",
                "id",
                "first_name",
                "middle_name",
                "last_name",
                "suffix",
                "email",
                "phone",
                "mobile",
                "search_key",
            )
        ),
    )
    found = conn.execute(
        sa.select(
            c.c.tenant,
            c.c.id,
            c.c.first_name,
            c.c.middle_name,
            c.c.last_name,
            c.c.suffix,
            c.c.email,
            c.c.phone,
            c.c.mobile,
        )
    )
    keys = [
        {
            "t": t,
            "i": i,
            "k": contact_search_text(
                " ".join(p for p in (first, middle, last, suffix) if p), email, (phone, mobile)
            ),
        }
        for t, i, first, middle, last, suffix, email, phone, mobile in found
    ]
    _fill(conn, c, keys)
    a = sa.table(
        "accounts",
        *(sa.column(n) for n in ("tenant", "id", "name", "website", "phone", "search_key")),
    )
    listed = conn.execute(sa.select(a.c.tenant, a.c.id, a.c.name, a.c.website, a.c.phone))
    _fill(
        conn,
        a,
        [
            {"t": t, "i": i, "k": account_search_text(name, website, phone)}
            for t, i, name, website, phone in listed
        ],
    )
    _search_indexes(conn)


def _fill(conn: Connection, table: sa.TableClause, keys: list[dict[str, Any]]) -> None:
    stmt = (
        sa.update(table)
        .where(table.c.tenant == sa.bindparam("t"), table.c.id == sa.bindparam("i"))
        .values(search_key=sa.bindparam("k"))
    )
    for batch in _batches(keys):
        conn.execute(stmt, batch)


# ------------------------------------------------ 3 -> 4: field history


def _field_history(conn: Connection) -> None:
    """The append-only ``field_history`` table, as version 4 declares it.

    Records stored before the upgrade have no creation entry: their history
    starts with their first change after it. Row-level security covers the new
    table when the migration ends (``rls.unforced``).
    """
    text = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
    table = sa.Table(
        "field_history",
        sa.MetaData(),
        sa.Column("tenant", text, primary_key=True),
        sa.Column("record_id", text, primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", text, nullable=False),
        sa.Column("action", text, nullable=False),
        sa.Column("field", text),
        sa.Column("old_value", text),
        sa.Column("new_value", text),
        sa.Column("at", sa.BigInteger, nullable=False),
        sa.Column("actor", text),
        sa.Column("redacted", sa.Boolean, nullable=False),
        comment="Field history of contacts and accounts, appended (see contactgraph.repos.history); "
        "the key (tenant, record_id, seq) reads one record's changes in order.",
    )
    table.create(conn)


# ------------------------------------------------ 4 -> 5: merge records


def _merge_records(conn: Connection) -> None:
    """The ``merges`` table (merge and unmerge of contacts and accounts), with its indexes.

    Declared here as it is at version 5, not taken from today's schema. Made
    with ``checkfirst``, so a store whose table already exists (built by a
    branch that numbered this step otherwise) is left as it is.
    """
    text = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
    table = sa.Table(
        "merges",
        sa.MetaData(),
        sa.Column("tenant", text, primary_key=True),
        sa.Column("id", text, primary_key=True),
        sa.Column("kind", text, nullable=False),
        sa.Column("survivor_id", text, nullable=False),
        sa.Column("loser_ids", text, nullable=False),
        sa.Column("people", text, nullable=False),
        sa.Column("merged_at", sa.BigInteger, nullable=False),
        sa.Column("actor", text),
        sa.Column("unmerged_at", sa.BigInteger),
        sa.Column("body", text, nullable=False),
        sa.Index("ix_merges_survivor", "tenant", "survivor_id"),
        sa.Index("ix_merges_merged_at", "tenant", "merged_at", "id"),
        comment="Merge records (repos/merges.py): loser_ids and people are JSON lists, body JSON.",
    )
    table.create(conn, checkfirst=True)


# ------------------------------------------------ 5 -> 6: search at a million contacts


def _name_order(conn: Connection) -> None:
    """SQLite: the full-name index carries the name order (last, first, middle, id).

    A search ranks the contacts whose full name starts with the needle by
    name: with ``(tenant, full_key)`` alone, each row of that range was read
    from the table to be sorted (a needle like ``alice duro`` holds 239 of
    them at a million contacts, ~1.5 ms of random reads). This index answers
    the range and its order by itself; only the ``limit`` rows kept are read.
    It serves every look-up the old index did (``full_key`` leads it), which
    is dropped. PostgreSQL keeps ``(tenant, full_key)``: its B-tree entries
    are limited to ~2.7 kB, which four name keys of long non-Latin names
    would pass, and its search time at a million is elsewhere (the trigram index).
    """
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("DROP INDEX IF EXISTS ix_contacts_full")
    conn.exec_driver_sql(
        "CREATE INDEX ix_contacts_name_order "
        "ON contacts (tenant, full_key, last_key, first_key, middle_key, id)"
    )


_POSITIONS: Final = 65536
"""Positions in ``search_positions``: longer than any search key a contact can have."""

_WINDOWS_OF = (
    "SELECT DISTINCT substr({key}, p.n, {w}) AS gram FROM search_positions p "
    "WHERE p.n <= length({key}) - {w} + 1 AND substr({key}, p.n, {w}) GLOB '{glob}'"
)


def _windows_of(key: str) -> str:
    """SQL: the distinct runs of :data:`DIGIT_WINDOW` ASCII digits in ``key`` (an expression)."""
    return _WINDOWS_OF.format(key=key, w=DIGIT_WINDOW, glob="[0-9]" * DIGIT_WINDOW)


def _digit_windows(conn: Connection) -> None:
    """SQLite: every run of six ASCII digits in a contact's search key, indexed.

    A phone needle's digits (``4710780``) are found by FTS5 through three
    digit trigrams, and every digit trigram is in 1-2 % of the keys (stored
    phones are 11-digit random numbers): at a million contacts each list holds
    ~10,700 entries, read whole, 1.0-1.5 ms a search. Six digits in a row are
    in ~6 keys each: the contacts holding a phrase of six digits or more are
    among those holding both its first and its last six (0.04 ms at a
    million, the same matches). ``contact_digits (gram, seq)`` is kept by the
    contacts' search triggers, ``seq`` being the contact's FTS row
    (``contact_search``); ``search_positions`` lists the positions a window
    may start at, for the triggers to cut the key in SQL.
    """
    if conn.dialect.name != "sqlite":
        return
    ddl = (
        "CREATE TABLE search_positions (n INTEGER PRIMARY KEY)",
        "WITH RECURSIVE p(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM p "
        f"WHERE n < {_POSITIONS}) INSERT INTO search_positions (n) SELECT n FROM p",
        "CREATE TABLE contact_digits (gram TEXT NOT NULL, seq INTEGER NOT NULL, "
        "PRIMARY KEY (gram, seq)) WITHOUT ROWID",
        "INSERT OR IGNORE INTO contact_digits (gram, seq) "
        f"SELECT substr(f.search_key, p.n, {DIGIT_WINDOW}), f.rowid FROM contacts_fts f "
        f"JOIN search_positions p ON p.n <= length(f.search_key) - {DIGIT_WINDOW - 1} "
        f"WHERE substr(f.search_key, p.n, {DIGIT_WINDOW}) GLOB '{'[0-9]' * DIGIT_WINDOW}' "
        "ORDER BY 1, 2",
        "DROP TRIGGER contacts_search_insert",
        "DROP TRIGGER contacts_search_delete",
        "DROP TRIGGER contacts_search_update",
    )
    for statement in ddl:
        conn.exec_driver_sql(statement)
    new_seq = "(SELECT seq FROM contact_search WHERE tenant = new.tenant AND contact_id = new.id)"
    old_seq = "(SELECT seq FROM contact_search WHERE tenant = old.tenant AND contact_id = old.id)"
    add = (
        f"INSERT OR IGNORE INTO contact_digits (gram, seq) SELECT gram, {new_seq} "
        f"FROM ({_windows_of('new.search_key')}); "
    )
    drop = (
        f"DELETE FROM contact_digits WHERE seq = {old_seq} "
        f"AND gram IN ({_windows_of('old.search_key')}); "
    )
    for trigger in (
        "CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN "
        "INSERT INTO contact_search (tenant, contact_id) VALUES (new.tenant, new.id); "
        f"INSERT INTO contacts_fts (rowid, search_key) VALUES ({new_seq}, new.search_key); "
        f"{add}END",
        "CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN "
        f"{drop}DELETE FROM contacts_fts WHERE rowid = {old_seq}; "
        "DELETE FROM contact_search WHERE tenant = old.tenant AND contact_id = old.id; END",
        "CREATE TRIGGER contacts_search_update AFTER UPDATE OF tenant, id, search_key ON contacts "
        "WHEN old.search_key IS NOT new.search_key OR old.id IS NOT new.id "
        "OR old.tenant IS NOT new.tenant BEGIN "
        f"{drop}UPDATE contacts_fts SET search_key = new.search_key WHERE rowid = {old_seq}; "
        "UPDATE contact_search SET tenant = new.tenant, contact_id = new.id "
        f"WHERE tenant = old.tenant AND contact_id = old.id; {add}END",
    ):
        conn.exec_driver_sql(trigger)


def _search_at_scale(conn: Connection) -> None:
    """Step 6: what search needs at a million contacts (see each part)."""
    _name_order(conn)
    _digit_windows(conn)


# ------------------------------------------------ 6 -> 7: a "+" in a search text on PostgreSQL


def _plus_keys(conn: Connection) -> None:
    """PostgreSQL: the contacts whose search key holds a ``+``, indexed apart.

    ``pg_trgm`` makes its trigrams of letters and digits only: for a text like
    ``+33`` (typing an international number) it asks the trigram index for
    every word starting with 33, which every stored phone line of a French
    number is (digits only, ``33…``): 727 ms at a million contacts, for no
    match. A phone line never holds a ``+``; only a name or an email can, and
    few do. A phrase holding a ``+`` is also asked of this partial index (the
    planner proves its condition from the query's, :func:`~contactgraph.repos.sql.search_statements.postgres_anywhere`),
    so it costs what the keys holding a ``+`` cost. It is written only for
    those keys. SQLite's FTS5 trigrams hold the ``+``: nothing to do there.

    With statistics of ``strpos(search_key, '+')`` (``st_contacts_plus``), the
    planner sees how few keys hold a ``+``; without them it guessed that
    ``pg_trgm`` returns one row for ``LIKE '%+33%'`` and read every key through
    the trigram index at 10,000 contacts. The table is analysed for them here
    (a sample of rows; a new store's are gathered by autovacuum as it fills).
    """
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql(
        "CREATE INDEX IF NOT EXISTS ix_contacts_plus ON contacts (tenant, id) "
        "WHERE strpos(search_key, '+') > 0"
    )
    conn.exec_driver_sql(
        "CREATE STATISTICS IF NOT EXISTS st_contacts_plus ON (strpos(search_key, '+')) "
        "FROM contacts"
    )
    conn.exec_driver_sql("ANALYZE contacts")


# ------------------------------------------------------------ the list

MIGRATIONS: Final[dict[int, tuple[str, Step]]] = {
    2: ("email keys lower-case ASCII letters only (no case folding)", _email_keys),
    3: ("indexed search: search_key on contacts and accounts, trigram indexes", _search),
    4: ("field history: the field_history table", _field_history),
    5: ("merge records: the merges table", _merge_records),
    6: (
        "search at scale: SQLite's full-name index in name order, its index of digit runs",
        _search_at_scale,
    ),
    7: ("search: PostgreSQL's index of the contacts whose search key holds a '+'", _plus_keys),
}
"""Step *n* takes a store from schema version *n - 1* to *n*; version 1 is release 0.1.0."""

_FRESH: Final[tuple[Step, ...]] = (_search_indexes, _search_at_scale, _plus_keys)
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
