"""PostgreSQL row-level security: the database itself keeps each tenant's rows apart.

Defence in depth behind the ``tenant = :t`` every statement carries. Once the
schema owner has run :func:`enable_row_level_security`, every tenant table
(every table whose primary key leads with ``tenant``, see
:mod:`contactgraph.repos.schema`) has:

- ``ENABLE`` and ``FORCE ROW LEVEL SECURITY``. PostgreSQL applies policies to
  every role but the table's owner, superusers and roles with ``BYPASSRLS``;
  ``FORCE`` subjects the owner too, so an application that connects as the
  owner is held to its tenant as well. Superusers and ``BYPASSRLS`` roles
  always bypass it: the application should connect as a role that is neither
  (``app_role`` below), and never as a superuser.
- a policy ``contactgraph_tenant``: a row is seen, updated, deleted and
  written only when its ``tenant`` equals the setting ``contactgraph.tenant``
  of the transaction. An unset (or empty) setting matches no row: raw SQL that
  forgot the tenant sees nothing, and an insert for another tenant is refused
  (``WITH CHECK``).
- on ``meta`` only, a second policy ``contactgraph_store_wide``: the store-wide
  rows (tenant ``''``: the schema version) are readable by everyone, so that
  opening a store works before any tenant is set. Nobody writes them under
  RLS: see :func:`unforced`.

The store sets ``contactgraph.tenant`` with ``set_config(…, true)`` (a ``SET
LOCAL``: it ends with the transaction, so a pooled connection never carries it
to the next one) at the start of each transaction it opens, through
:func:`begin`, called by :class:`~contactgraph.repos.sql.session.SqlSession`.
It does so only on an engine where row-level security is active for the
connecting role (``row_security_active``, asked once per engine, on its first
transaction): a store without RLS pays nothing. Enable RLS before the
application opens its store (or reopen it afterwards).

Everything here is idempotent and may run again after any migration: policies
are dropped and created again, tables created since are covered, grants are
repeated. Run from the command line (``--sql`` prints the script instead)::

    python -m contactgraph.repos.sql.rls_setup postgresql+psycopg://owner@host/crm --app-role crm_app
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import weakref
from collections.abc import Iterator, Sequence
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from contactgraph.errors import StoreConfigurationError, StoreUnavailableError
from contactgraph.repos import schema

__all__ = [
    "POLICY",
    "STORE_WIDE_POLICY",
    "TENANT_SETTING",
    "begin",
    "disable_row_level_security",
    "enable_row_level_security",
    "holds",
    "row_level_security_sql",
    "tenant_tables",
    "unforced",
]

TENANT_SETTING: Final = "contactgraph.tenant"
"""The transaction-local setting the policies compare each row's tenant with."""

POLICY: Final = "contactgraph_tenant"
STORE_WIDE_POLICY: Final = "contactgraph_store_wide"

_CURRENT: Final = f"nullif(current_setting('{TENANT_SETTING}', true), '')"
"""The transaction's tenant, NULL when unset or empty (NULL matches no row)."""

_SET_TENANT: Final = f"SELECT set_config('{TENANT_SETTING}', %s, true)"
_ACTIVE: Final = "SELECT coalesce(row_security_active(to_regclass('accounts')), false)"

_active: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()
"""Per engine: whether RLS holds its connecting role (asked on its first transaction)."""


def tenant_tables(metadata: sa.MetaData | None = None) -> list[sa.Table]:
    """The tables whose primary key leads with ``tenant`` (by default: the schema's)."""
    found = []
    for table in (metadata or schema.metadata).sorted_tables:
        key = list(table.primary_key.columns)
        if key and key[0].name == "tenant":
            found.append(table)
    return found


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table_sql(table: str, app_role: str | None) -> list[str]:
    t = _quote(table)
    statements = [
        f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY} ON {t}",
        f"CREATE POLICY {POLICY} ON {t} USING (tenant = {_CURRENT}) "
        f"WITH CHECK (tenant = {_CURRENT})",
    ]
    if table == schema.meta.name:
        statements += [
            f"DROP POLICY IF EXISTS {STORE_WIDE_POLICY} ON {t}",
            f"CREATE POLICY {STORE_WIDE_POLICY} ON {t} FOR SELECT USING (tenant = '')",
        ]
    if app_role is not None:
        statements.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {t} TO {_quote(app_role)}")
    return statements


def row_level_security_sql(
    app_role: str | None = None, tables: Sequence[str] = (), *, in_schema: str = "public"
) -> str:
    """The SQL :func:`enable_row_level_security` runs, as one script (one transaction).

    ``tables``: the tenant tables to cover, by default all of the schema's;
    ``in_schema``: the PostgreSQL schema holding them. With ``app_role``, the
    tables the owner creates later (a migration's) are granted to it too.
    """
    names = list(tables) or [t.name for t in tenant_tables()]
    lines = ["BEGIN;"]
    if app_role is not None:
        role, where = _quote(app_role), _quote(in_schema)
        lines.append(f"GRANT USAGE ON SCHEMA {where} TO {role};")
        lines.append(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {where} "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role};"
        )
    for name in names:
        lines.extend(f"{sql};" for sql in _table_sql(name, app_role))
    lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


def _present(conn: Connection) -> list[str]:
    """The schema's tenant tables that exist in the database (a migration may add some)."""
    existing = set(sa.inspect(conn).get_table_names())
    return [t.name for t in tenant_tables() if t.name in existing]


def _check_role(conn: Connection, app_role: str) -> None:
    row = conn.execute(
        sa.text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"), {"r": app_role}
    ).first()
    if row is None:
        raise StoreConfigurationError(
            f"app_role {app_role!r}: no such role; create it first "
            f"(CREATE ROLE {_quote(app_role)} LOGIN PASSWORD '…')"
        )
    if row[0] or row[1]:
        raise StoreConfigurationError(
            f"app_role {app_role!r} is a superuser or has BYPASSRLS: row-level security "
            "would not hold it; use a plain login role"
        )
    owner = conn.execute(
        sa.text("SELECT tableowner FROM pg_tables WHERE tablename = 'accounts'")
    ).scalar()
    if owner == app_role:
        raise StoreConfigurationError(
            f"app_role {app_role!r} owns the tables: it could switch row-level security off; "
            "connect the application as another role"
        )


def _as_owner(apply: Any, conn: Connection) -> None:
    """``apply(conn)``, a refusal for lack of rights told as such."""
    try:
        apply(conn)
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == "42501":  # insufficient_privilege
            raise StoreConfigurationError(
                f"row-level security: {str(exc.orig).strip()}; run the setup as the role that "
                "owns the tables"
            ) from exc
        raise


def _on_connection(target: str | Connection, apply: Any) -> None:
    if isinstance(target, Connection):
        if target.dialect.name != "postgresql":
            raise StoreConfigurationError(
                f"row-level security needs PostgreSQL, not {target.dialect.name}"
            )
        _as_owner(apply, target)
        return
    try:
        url = sa.make_url(target)
    except ArgumentError as exc:
        raise StoreConfigurationError(f"{target!r} is not a valid database URL: {exc}") from exc
    if url.get_backend_name() not in ("postgresql", "postgres"):
        raise StoreConfigurationError(
            f"row-level security needs PostgreSQL, not {url.get_backend_name()}"
        )
    shown = url.render_as_string(hide_password=True)
    engine = sa.create_engine(url.set(drivername="postgresql+psycopg"), poolclass=sa.NullPool)
    try:
        with engine.begin() as conn:
            _as_owner(apply, conn)
    except SQLAlchemyError as exc:
        raise StoreUnavailableError(f"{shown}: {exc}") from exc
    finally:
        engine.dispose()


def enable_row_level_security(target: str | Connection, *, app_role: str | None = None) -> None:
    """Force RLS and the tenant policies on every tenant table; run as the schema owner.

    ``target``: a PostgreSQL URL (one transaction of its own) or a
    :class:`~sqlalchemy.engine.Connection` inside a transaction (a migration's:
    the change commits with it). ``app_role``: the role the application
    connects as, granted what the store needs; refused when it is a superuser,
    has ``BYPASSRLS`` or owns the tables. Idempotent: run it again after any
    migration; tables created since are covered.
    """

    def apply(conn: Connection) -> None:
        tables = _present(conn)
        if not tables:
            raise StoreConfigurationError(
                "no contactgraph tables here: open the store once (as the owner) to create them"
            )
        if app_role is not None:
            _check_role(conn, app_role)
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK})")
        where = str(conn.exec_driver_sql("SELECT current_schema()").scalar())
        script = row_level_security_sql(app_role, tables, in_schema=where)
        for sql in script.splitlines()[1:-1]:
            conn.exec_driver_sql(sql.rstrip(";"))

    _on_connection(target, apply)


def disable_row_level_security(target: str | Connection) -> None:
    """Undo :func:`enable_row_level_security`: policies dropped, RLS off (grants stay)."""

    def apply(conn: Connection) -> None:
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK})")
        for name in _present(conn):
            t = _quote(name)
            conn.exec_driver_sql(f"DROP POLICY IF EXISTS {POLICY} ON {t}")
            conn.exec_driver_sql(f"DROP POLICY IF EXISTS {STORE_WIDE_POLICY} ON {t}")
            conn.exec_driver_sql(f"ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY")
            conn.exec_driver_sql(f"ALTER TABLE {t} DISABLE ROW LEVEL SECURITY")

    _on_connection(target, apply)


_LOCK: Final = 7272013
"""The advisory lock taken while policies change, so two setups never interleave."""


def _forced(conn: Connection) -> list[str]:
    """The tenant tables on which RLS is forced now."""
    forced = set(
        conn.execute(
            sa.text(
                "SELECT c.relname FROM pg_class c WHERE c.relforcerowsecurity "
                "AND c.relkind = 'r' AND c.relnamespace = to_regnamespace(current_schema())"
            )
        ).scalars()
    )
    return [name for name in _present(conn) if name in forced]


@contextlib.contextmanager
def unforced(conn: Connection) -> Iterator[bool]:
    """For a migration, as the owner, inside its transaction: the owner sees every tenant.

    While the block runs, ``NO FORCE ROW LEVEL SECURITY``: the owner bypasses
    the policies (other roles stay held; the change is part of the
    transaction, so nobody else ever sees it). At the end, when RLS was on at
    the start, :func:`enable_row_level_security` runs again, covering tables
    the migration created. Yields whether RLS was on. On PostgreSQL only; a
    no-op elsewhere.
    """
    if conn.dialect.name != "postgresql":
        yield False
        return
    forced = _forced(conn)
    for name in forced:
        conn.exec_driver_sql(f"ALTER TABLE {_quote(name)} NO FORCE ROW LEVEL SECURITY")
    yield bool(forced)
    if forced:
        enable_row_level_security(conn)


def holds(conn: Connection) -> bool:
    """Whether RLS holds this connection's role on the store's tables (PostgreSQL).

    Where it does, the tenant must be set in each transaction (the store does)
    and ``COPY … FROM`` is refused by PostgreSQL ("not supported with
    row-level security"): write with ``INSERT`` instead.
    """
    if conn.dialect.name != "postgresql":
        return False
    return bool(conn.exec_driver_sql(_ACTIVE).scalar())


def applies(engine: Any) -> bool:
    """Whether RLS was found to hold the role ``engine`` connects as (known once it began)."""
    return bool(_active.get(engine))


def known_absent(engine: Any) -> bool:
    """Whether RLS was found *not* to hold ``engine``'s role (``False`` until a transaction asked)."""
    return _active.get(engine) is False


def begin(backend: Any, driver: Any) -> None:
    """Set the tenant for the transaction just begun on ``driver``, where RLS needs it.

    The hook :class:`~contactgraph.repos.sql.session.SqlSession` calls as each
    transaction starts (``backend``: its SqlBackend). Only on an engine whose
    connecting role RLS holds: elsewhere it costs nothing.
    """
    if backend.dialect != "postgresql":
        return
    engine = backend.engine
    active = _active.get(engine)
    if active is None:
        active = bool(driver.execute(_ACTIVE).fetchone()[0])
        _active[engine] = active
    if active:
        driver.execute(_SET_TENANT, (backend.tenant,))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m contactgraph.repos.sql.rls_setup",
        description="Force PostgreSQL row-level security on a contactgraph store (as its owner).",
    )
    parser.add_argument("url", nargs="?", help="postgresql+psycopg://owner@host/db")
    parser.add_argument("--app-role", help="the role the application connects as")
    parser.add_argument("--sql", action="store_true", help="print the SQL instead of running it")
    parser.add_argument("--disable", action="store_true", help="drop the policies, RLS off")
    args = parser.parse_args(argv)
    if args.sql:
        sys.stdout.write(row_level_security_sql(args.app_role))
        return 0
    if not args.url:
        parser.error("a URL is needed unless --sql")
    try:
        if args.disable:
            disable_row_level_security(args.url)
        else:
            enable_row_level_security(args.url, app_role=args.app_role)
    except (StoreConfigurationError, StoreUnavailableError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
