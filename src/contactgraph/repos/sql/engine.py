"""Opening a store: the SQLite and PostgreSQL engines, and the schema check on first use."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from contactgraph.errors import (
    ContactGraphError,
    SchemaVersionError,
    StoreConfigurationError,
    StoreUnavailableError,
)
from contactgraph.repos import schema
from contactgraph.repos.sql import migrations, rls
from contactgraph.repos.sql.errors import (
    BUSY_TIMEOUT_S,
    as_unavailable,
    driver_errors,
    sqlite_busy,
)
from contactgraph.repos.sql.session import SqlBackend

__all__ = ["BUSY_TIMEOUT_S", "open_sql_backend"]


def _timeout(url: sa.URL, shown: str, given: float | None) -> tuple[sa.URL, float | None]:
    """The URL without its ``?timeout=SECONDS``, and the timeout (``None`` when not given).

    How long a writer waits for a lock another one holds: SQLite's busy
    timeout (default :data:`BUSY_TIMEOUT_S`), PostgreSQL's ``lock_timeout``
    (default: no limit; the server breaks deadlocks itself). ``given``: the
    ``timeout=`` keyword of ``open_store`` (checked already); the URL may say
    the same, not something else.
    """
    raw = url.query.get("timeout")
    if raw is None:
        return url, given
    text = raw if isinstance(raw, str) else raw[-1]
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 86_400:
        raise StoreConfigurationError(
            f"{shown}: timeout={text!r} is not a number of seconds between 0 and 86400 "
            "(how long a writer waits for another one, e.g. ?timeout=5)"
        )
    if given is not None and given != seconds:
        raise StoreConfigurationError(
            f"{shown}: two timeouts, ?timeout={text} in the URL and timeout={given:g}; give one"
        )
    return url.difference_update_query(["timeout"]), seconds


def _sqlite_engine(url: sa.URL, shown: str, timeout: float) -> tuple[Engine, Path | None]:
    """The engine, and the temporary directory to delete on close for ``sqlite://``."""
    database = url.database or ""
    scratch = None
    if database in ("", ":memory:"):
        # A throwaway file rather than :memory:, so that threads get separate
        # connections and WAL snapshots exactly as with a real file.
        scratch = Path(tempfile.mkdtemp(prefix="contactgraph-"))
        url = url.set(database=str(scratch / "crm.db"))
    else:
        path = Path(database).expanduser()
        if path.is_dir():
            raise StoreConfigurationError(
                f"{shown}: {path} is a directory; give a file path such as sqlite:///{path / 'crm.db'}"
            )
        parent = path.absolute().parent
        if not parent.is_dir():
            raise StoreConfigurationError(
                f"{shown}: the directory {parent} does not exist; create it or fix the path "
                "(sqlite:///relative/path.db, sqlite:////absolute/path.db)"
            )
        if path.exists() and not os.access(path, os.R_OK | os.W_OK):
            raise StoreUnavailableError(f"{shown}: no permission to read and write {path}")
        if not path.exists() and not os.access(parent, os.W_OK):
            raise StoreUnavailableError(f"{shown}: no permission to create a file in {parent}")
    engine = sa.create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": timeout},
        pool_size=8,
        max_overflow=24,
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Straight to the driver. A read session has begun already (on the
        # driver, see SqlSession) when a Core statement of it autobegins.
        driver = conn.connection.driver_connection
        if not driver.in_transaction:  # type: ignore[union-attr]
            begin = conn.get_execution_options().get("contactgraph_begin", "BEGIN")
            driver.execute(begin)  # type: ignore[union-attr]

    return engine, scratch


def _postgres_engine(url: sa.URL, shown: str, lock_timeout: float | None = None) -> Engine:
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise StoreConfigurationError(
            f"{shown}: PostgreSQL needs psycopg 3; install it with "
            "pip install 'contactgraph[postgres]'"
        ) from exc
    return sa.create_engine(
        url.set(drivername="postgresql+psycopg"),
        pool_pre_ping=True,
        pool_size=8,
        max_overflow=24,
        connect_args={
            "connect_timeout": 10,
            **(
                {}
                if lock_timeout is None
                else {"options": f"-c lock_timeout={max(1, round(lock_timeout * 1000))}"}
            ),
        },
    )


def _schema_current(conn: Connection) -> bool:
    """Whether the store already holds this version's schema (read without a write lock)."""
    if "meta" not in set(sa.inspect(conn).get_table_names()):
        return False
    value = conn.execute(
        select(schema.meta.c.value).where(
            schema.meta.c.tenant == "", schema.meta.c.key == "schema_version"
        )
    ).scalar()
    return value == str(schema.SCHEMA_VERSION)


def _ensure_schema(conn: Connection, shown: str) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7272002)")
    present = set(sa.inspect(conn).get_table_names())
    ours = {t.name for t in schema.metadata.sorted_tables}
    if "meta" not in present:
        if present & ours:
            raise SchemaVersionError(
                f"{shown} holds tables named like contactgraph's ({sorted(present & ours)}) but "
                "no meta table: it is not a contactgraph store, or it is damaged"
            )
        migrations.create(conn)
        return
    value = conn.execute(
        select(schema.meta.c.value).where(
            schema.meta.c.tenant == "", schema.meta.c.key == "schema_version"
        )
    ).scalar()
    if value is None or not str(value).isdigit():
        raise SchemaVersionError(
            f"{shown}: the schema version is missing or unreadable ({value!r})"
        )
    version = int(value)
    if version > schema.SCHEMA_VERSION:
        raise SchemaVersionError(
            f"{shown} was written by a newer contactgraph (schema version {version}); this "
            f"version reads schema version {schema.SCHEMA_VERSION} and older: upgrade "
            "contactgraph to open it"
        )
    if version < schema.SCHEMA_VERSION:
        _refuse_unless_owner(conn, shown, version)
        with rls.unforced(conn):  # as the owner, every tenant's rows (row-level security)
            migrations.upgrade(conn, version, shown)


def _refuse_unless_owner(conn: Connection, shown: str, version: int) -> None:
    """On PostgreSQL, a clear refusal when the connecting role cannot migrate the store.

    Only the role owning the tables (or a member of it) may alter them; an
    application role under row-level security owns nothing, by design. Told
    before any statement of the upgrade runs, so nothing changes.
    """
    if conn.dialect.name != "postgresql":
        return
    row = conn.exec_driver_sql(
        "SELECT current_user, tableowner, pg_has_role(current_user, tableowner, 'USAGE') "
        "FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'meta'"
    ).first()
    if row is None or row[2]:
        return
    user, owner = row[0], row[1]
    raise SchemaVersionError(
        f"{shown} holds schema version {version}, older than this contactgraph's "
        f"{schema.SCHEMA_VERSION}, and the role {user!r} cannot upgrade it: the tables belong "
        f"to {owner!r}. Upgrade it as the owner: open the store once as {owner!r} "
        f"(contactgraph.open_store('postgresql+psycopg://{owner}@…/…'), or any contactgraph "
        "command with --store set to that URL), which migrates it in one transaction and keeps "
        "row-level security on; then open it again as the application. Nothing was changed"
    )


def _discard(engine: Engine, scratch: Path | None) -> None:
    engine.dispose()
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)


def open_sql_backend(url: str, *, tenant: str, timeout: float | None = None) -> SqlBackend:
    """Open (and create on first use) an SQLite or PostgreSQL store.

    ``timeout``: seconds a writer waits for a lock, as ``?timeout=`` (see
    :func:`contactgraph.repos.open.open_backend`).
    """
    try:
        parsed = sa.make_url(url)
    except ArgumentError as exc:
        raise StoreConfigurationError(f"{url!r} is not a valid database URL: {exc}") from exc
    shown = parsed.render_as_string(hide_password=True)
    driver = parsed.drivername
    scratch = None
    busy = BUSY_TIMEOUT_S
    if driver in ("sqlite", "sqlite+pysqlite"):
        parsed, given = _timeout(parsed, shown, timeout)
        busy = BUSY_TIMEOUT_S if given is None else given
        engine, scratch = _sqlite_engine(parsed, shown, busy)
    elif driver in ("postgresql", "postgres", "postgresql+psycopg"):
        parsed, lock_timeout = _timeout(parsed, shown, timeout)
        engine = _postgres_engine(parsed, shown, lock_timeout)
    elif driver.startswith(("postgresql+", "postgres+")):
        raise StoreConfigurationError(
            f"{shown}: driver {driver.split('+', 1)[1]!r} is not supported; use "
            "postgresql+psycopg:// (psycopg 3)"
        )
    else:
        raise StoreConfigurationError(
            f"{shown}: unsupported SQL URL; use sqlite:///path/crm.db or "
            "postgresql+psycopg://user@host/db"
        )
    try:
        if engine.dialect.name != "sqlite" or not _read_schema_current(engine):
            with engine.connect() as conn:
                if engine.dialect.name == "sqlite":
                    conn.execution_options(contactgraph_begin="BEGIN IMMEDIATE")
                with conn.begin():
                    _ensure_schema(conn, shown)
    except ContactGraphError:
        _discard(engine, scratch)
        raise
    except driver_errors() as exc:  # BEGIN IMMEDIATE, sent to the driver by the begin event
        _discard(engine, scratch)
        raise as_unavailable(exc, f"cannot open {shown}", busy_timeout=busy) from exc
    except DBAPIError as exc:
        _discard(engine, scratch)
        if sqlite_busy(exc):
            raise as_unavailable(exc, f"cannot open {shown}", busy_timeout=busy) from exc
        text = str(exc.orig)
        if "file is not a database" in text:
            raise StoreConfigurationError(f"{shown}: the file is not an SQLite database") from exc
        hint = (
            "check that the server runs and accepts connections at this address, and that "
            "the user, password and database in the URL exist"
            if engine.dialect.name == "postgresql"
            else "check the path and its permissions"
        )
        raise StoreUnavailableError(f"cannot open {shown}: {text.strip()}; {hint}") from exc
    except SQLAlchemyError as exc:
        _discard(engine, scratch)
        raise StoreUnavailableError(f"cannot open {shown}: {exc}") from exc
    return SqlBackend(engine, tenant=tenant, url=shown, scratch=scratch, busy_timeout=busy)


def _read_schema_current(engine: Engine) -> bool:
    """On SQLite, whether the schema is there already, read in a WAL snapshot.

    Opening a store that is already set up then takes no write lock, so it
    opens while another process writes (a long import, say).
    """
    with engine.connect() as conn, conn.begin():
        return _schema_current(conn)
