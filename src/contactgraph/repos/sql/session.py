"""One transaction on one pooled connection, and the backend that opens them.

Transactions: on SQLite the driver's own transaction handling is switched off
(SQLAlchemy's recipe, see :mod:`contactgraph.repos.sql.engine`) and the
session emits ``BEGIN IMMEDIATE`` for writes (so writers in several processes
queue on the busy timeout instead of deadlocking) and ``BEGIN`` before a
read's first statement (a WAL snapshot). On PostgreSQL writes run at READ COMMITTED; an account is read
again if its version moved while its contacts were being read, so a loaded
aggregate is always consistent. Reads there run as REPEATABLE READ, READ ONLY:
one snapshot for the whole read, so nothing needs reading twice. A read
that is one statement by itself (an email or phone look-up) runs without
BEGIN and COMMIT (:meth:`SqlSession.alone`): one statement sees one snapshot
on its own, and PostgreSQL then answers in one round trip instead of three.

A read costs little more than its queries: the backend keeps a few idle read
connections checked out of the pool between reads (no pool checkout, reset
or pre-ping each time; PostgreSQL prepares repeated statements on them). A
connection that cannot even roll back (the server went away) is not kept: it
goes back to the pool, which discards it, and the next read takes a fresh
(pre-pinged) one.
"""

from __future__ import annotations

import functools
import shutil
import weakref
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, RootTransaction
from sqlalchemy.exc import SQLAlchemyError

from contactgraph.domain import Contact
from contactgraph.errors import ConcurrencyError, PolicyViolationError, StoreUnavailableError
from contactgraph.repos import schema
from contactgraph.repos.backend import chunks
from contactgraph.repos.keys import ContactQuery
from contactgraph.repos.sql import rls
from contactgraph.repos.sql.accounts import SqlAccounts, found_contacts, indexed_lookup
from contactgraph.repos.sql.errors import (
    BUSY_TIMEOUT_S,
    TransactionConflictError,
    as_unavailable,
    classify,
    driver_errors,
    translate,
)
from contactgraph.repos.sql.history import SqlHistory, scrub_sqlite
from contactgraph.repos.sql.merges import SqlMerges
from contactgraph.repos.sql.readers import IDLE_READERS, Readers
from contactgraph.repos.sql.statements import BulkSql, Precompiled
from contactgraph.repos.sql.statistics import PlannerStatistics
from contactgraph.repos.sql.storage import SqlCases, SqlOpportunities, SqlRelations

__all__ = ["IDLE_READERS", "SqlBackend", "SqlSession"]

T = TypeVar("T")

_PG_IDLE = 0
"""``psycopg.pq.TransactionStatus.IDLE``: no transaction open on the connection."""

_PG_USABLE = (0, 2)
"""``TransactionStatus`` IDLE and INTRANS: not ACTIVE (a statement still running),
INERROR (a statement failed: the transaction is aborted) nor UNKNOWN (the connection is bad)."""

_BEGIN_SNAPSHOT = b"BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
"""How a read's own transaction begins on PostgreSQL (what the read connections' settings give)."""

_GENERIC_PLANS = b"SET LOCAL plan_cache_mode = force_generic_plan"
"""Sent after :data:`_BEGIN_SNAPSHOT` in a load's own transaction: its statements
(by id, by account id: one index each) keep one plan per connection. Left to
PostgreSQL, an account's contacts were planned anew on every read: their generic
plan's estimate (the average account) is above a 100-contact account's custom one,
so the plan cache never settles on it (~100 µs of server CPU a ``get``)."""


class _SqlSavepoint:
    def __init__(self, session: SqlSession) -> None:
        self._nested = session.conn.begin_nested()

    @translate
    def release(self) -> None:
        self._nested.commit()

    @translate
    def rollback(self) -> None:
        self._nested.rollback()


class SqlSession:
    """One transaction on one pooled connection."""

    checks_first = True
    """Account inserts and updates raise every refusal before their first write
    (:meth:`checked_write`), so the unit of work runs them inside a transaction
    without a savepoint of their own: on PostgreSQL a savepoint is a
    subtransaction, and an account row written by one subtransaction and
    key-share-locked by another (the contacts' foreign-key check) gets a
    MultiXact that every later check of that row resolves, slower and slower."""

    def __init__(self, backend: SqlBackend, write: bool) -> None:
        self.tenant = backend.tenant
        self.statements = backend.statements
        self.snapshot = backend.dialect == "sqlite" or not write
        self.busy_timeout = backend.busy_timeout
        self.row_locks = write and backend.dialect != "sqlite"
        """Whether rows must be locked for checks to hold (writers run side by side)."""
        self._backend = backend
        self._tx: RootTransaction | None = None
        self.dirty = 0
        """How many checked writes began writing, or failed in a way a savepoint would
        have to take back (see :meth:`checked_write`)."""
        self.statistics = PlannerStatistics(backend.dialect)
        """The planner's statistics, refreshed as this transaction fills the tables."""
        try:
            if write:
                self.conn = backend.writer()
                self._tx = self.conn.begin()
            else:
                # A read skips SQLAlchemy's transaction bookkeeping (events, pool
                # reset): BEGIN and its end go to the driver itself, before the
                # first statement (see begun(); a read that is one statement
                # runs without, see alone()). psycopg begins by itself, at the
                # connection's isolation level.
                self.conn = backend.reader()
            self.driver: Any = self.conn.connection.driver_connection
            rls.begin(backend, self.driver)  # the tenant for PostgreSQL row-level security
        except SQLAlchemyError as exc:
            raise as_unavailable(exc, backend.url, busy_timeout=self.busy_timeout) from exc
        except driver_errors() as exc:  # from BEGIN, sent to the driver by the begin event
            self.conn.close()
            raise as_unavailable(exc, backend.url, busy_timeout=self.busy_timeout) from exc

    def begun(self) -> Any:
        """The driver connection, inside this session's transaction (begun here if need be).

        Core statements begin by themselves (the engine's ``begin`` event);
        statements sent to the driver directly call this first.
        """
        driver = self.driver
        if self._tx is None and self._backend.dialect == "sqlite" and not driver.in_transaction:
            driver.execute("BEGIN")
        return driver

    def alone(self, run: Callable[[Any], T]) -> T:
        """``run(driver)`` for a statement that is a whole read by itself.

        Outside a transaction when this read has not begun one: a single
        statement sees one snapshot on its own, and skipping BEGIN and COMMIT
        saves two round trips on PostgreSQL. Inside the transaction otherwise
        (a write, a read already begun, or the tenant set for row-level
        security, which lasts only as long as a transaction).
        """
        driver = self.driver
        if self._tx is None:
            if self._backend.dialect == "sqlite":
                if not driver.in_transaction:
                    return run(driver)  # the driver's own autocommit mode
            elif driver.info.transaction_status == _PG_IDLE:
                driver.autocommit = True
                try:
                    return run(driver)
                finally:
                    try:
                        driver.autocommit = False
                    except driver_errors():  # broken: never reuse it for snapshot reads
                        self.conn.invalidate()
        return run(self.begun())

    def first_together(self, send: Callable[[Any], T]) -> T:
        """``send(driver)``, in this session's transaction; on PostgreSQL, when it
        holds the read's first statements, in one pipeline with the BEGIN psycopg
        sends before them (one round trip instead of two). Results are read
        after it returns (``fetchall()`` of the cursors ``send`` gives back).
        """
        driver = self.driver
        if (
            self._tx is None
            and self._backend.dialect != "sqlite"
            and driver.info.transaction_status == _PG_IDLE
            and not driver.autocommit
        ):
            with driver.pipeline():
                return send(driver)
        return send(self.begun())

    def together_alone(self, send: Callable[[Any], list[Any]]) -> list[Any] | None:
        """The cursors ``send(driver)`` returns, its statements sent in one pipeline
        between a BEGIN (a read-only snapshot) and a COMMIT of their own, for
        statements that are a whole read by themselves: one round trip on PostgreSQL.
        Their plans are the generic ones (:data:`_GENERIC_PLANS`): only index look-ups
        by key go this way.

        ``None`` (send nothing) where :meth:`alone` would run inside the
        transaction (a write, a read begun already, the tenant set for
        row-level security) and on SQLite, where nothing is saved by it.
        """
        driver = self.driver
        if (
            self._tx is not None
            or self._backend.dialect == "sqlite"
            or driver.info.transaction_status != _PG_IDLE
        ):
            return None
        driver.autocommit = True  # the pipeline's BEGIN and COMMIT are the transaction
        try:
            with driver.pipeline():
                driver.execute(_BEGIN_SNAPSHOT)
                driver.execute(_GENERIC_PLANS)
                cursors = send(driver)
                driver.execute(b"COMMIT")
        finally:
            try:
                driver.autocommit = False
            except driver_errors():  # broken (or left in a failed transaction): never reuse it
                self.conn.invalidate()
        return cursors

    @functools.cached_property
    def accounts(self) -> SqlAccounts:
        return SqlAccounts(self)

    @functools.cached_property
    def opportunities(self) -> SqlOpportunities:
        return SqlOpportunities(self)

    @functools.cached_property
    def cases(self) -> SqlCases:
        return SqlCases(self)

    @functools.cached_property
    def relations(self) -> SqlRelations:
        return SqlRelations(self)

    @functools.cached_property
    def history(self) -> SqlHistory:
        return SqlHistory(self)

    @functools.cached_property
    def merges(self) -> SqlMerges:
        return SqlMerges(self)

    @translate
    def savepoint(self) -> _SqlSavepoint:
        return _SqlSavepoint(self)

    @contextmanager
    def checked_write(self) -> Iterator[Callable[[], None]]:
        """Around a write that checks, before its first write, everything that can refuse it.

        The write calls the function yielded just before its first writing
        statement. A refusal raised before that (a
        :class:`~contactgraph.errors.PolicyViolationError` or a stale
        :class:`~contactgraph.errors.ConcurrencyError` of its own checks) leaves
        nothing to take back. Beginning to write, or any other failure (a
        driver error aborts a PostgreSQL transaction), counts in :attr:`dirty`:
        the unit of work then lets the transaction only roll back.
        """
        began = False

        def begin() -> None:
            nonlocal began
            if not began:
                began = True
                self.dirty += 1

        try:
            yield begin
        except (PolicyViolationError, ConcurrencyError) as exc:
            if not began and isinstance(exc, TransactionConflictError):
                self.dirty += 1
            raise
        except BaseException:
            if not began:
                self.dirty += 1
            raise

    @translate
    def lock_accounts(self, account_ids: Collection[str], *, shared: bool = False) -> None:
        """Lock these accounts' rows until the transaction ends, in id order.

        Always in the same order, so that two transactions locking the same
        accounts queue instead of deadlocking. ``shared`` takes ``FOR SHARE``
        (others may read and share-lock, nobody may change them), else
        ``FOR UPDATE``. SQLite needs nothing: a write transaction holds the
        whole database (``BEGIN IMMEDIATE``).
        """
        if self._backend.dialect == "sqlite" or not account_ids:
            return
        table = schema.accounts
        for batch in chunks(sorted(set(account_ids))):
            stmt = (
                sa.select(table.c.id)
                .where(table.c.tenant == self.tenant, table.c.id.in_(batch))
                .order_by(table.c.id)
                .with_for_update(read=shared)
            )
            self.conn.execute(stmt).all()

    @translate
    def lock_tenant(self, topic: str) -> None:
        """Serialise, per tenant, the transactions that check ``topic`` (until the end of this one).

        For rules that span rows no single row lock covers (the account
        hierarchy): a transaction-level advisory lock on PostgreSQL.
        """
        if self._backend.dialect == "sqlite":
            return
        self.conn.exec_driver_sql(
            "SELECT pg_advisory_xact_lock(hashtextextended(%(key)s, 0))",
            {"key": f"contactgraph:{self.tenant}:{topic}"},
        )

    def aborted(self) -> bool:
        """Whether the database undid this session's transaction: it can only roll back.

        PostgreSQL aborts a transaction at its first failed statement (it
        refuses later ones, and answers COMMIT with ROLLBACK, no error); SQLite
        keeps it after most failures but rolls it back by itself after some
        (disk full, I/O error, out of memory, busy), and then runs each later
        statement in autocommit; a lost connection loses it. Read off the
        connection's state: no round trip.
        """
        if self.conn.invalidated or self.conn.closed:
            return True
        driver = self.driver
        if self._backend.dialect == "sqlite":
            return self._tx is not None and not driver.in_transaction
        return driver.info.transaction_status not in _PG_USABLE

    def commit(self) -> None:
        if self._tx is None:  # a read: nothing to keep
            self.rollback()
            return
        if self.aborted():  # whatever caught the failure, never report a rollback as a commit
            self.rollback()
            raise StoreUnavailableError(
                f"{self._backend.url}: the transaction was not committed: the database had "
                "undone it after a statement in it failed; nothing of it was written; run it again"
            )
        healthy = False
        try:
            self._tx.commit()
            healthy = True
        except SQLAlchemyError as exc:
            raise as_unavailable(exc, self._backend.url, busy_timeout=self.busy_timeout) from exc
        finally:
            self._close(healthy)

    def rollback(self) -> None:
        healthy = False
        try:
            if self._tx is not None:
                if self._tx.is_active:
                    self._tx.rollback()
            elif self.conn.in_transaction():  # a Core statement autobegan
                self.conn.commit()
            else:
                # A read ends with COMMIT: it wrote nothing, and psycopg forgets
                # its prepared statements on ROLLBACK (and sends DEALLOCATE ALL).
                self.driver.commit()
            healthy = True
        except SQLAlchemyError:
            pass  # the connection is discarded below; the server rolls back
        except driver_errors():
            pass
        finally:
            self._close(healthy)

    def _close(self, healthy: bool) -> None:
        if healthy and self._tx is None:
            self._backend.release(self.conn, self.driver)
            return
        if not healthy and getattr(self.driver, "broken", False) and not self.conn.invalidated:
            # The server went away under a statement sent to the driver directly (SQLAlchemy
            # did not see it): discard it rather than have the pool fail to reset it.
            self.conn.invalidate()
        self.conn.close()


def _lookup_sql(fast: Precompiled, tenant: str) -> tuple[str, Callable[[str], Any]]:
    """A look-up's SQL, and its driver arguments for a key (parameter ``v``) in ``tenant``."""
    values = {**fast.defaults, "t": tenant, "v": None}
    template = fast.args(values)
    if isinstance(template, dict):
        return fast.sql, lambda key: {**template, "v": key}
    keys = [i for i, name in enumerate(fast.names) if name == "v"]
    base = list(template)

    def args(key: str) -> tuple[Any, ...]:
        given = base.copy()
        for i in keys:
            given[i] = key
        return tuple(given)

    return fast.sql, args


class SqlBackend:
    """An SQLAlchemy engine seen as one tenant."""

    def __init__(
        self,
        engine: Engine,
        *,
        tenant: str,
        url: str,
        scratch: Path | None = None,
        owns_engine: bool = True,
        readers: Readers | None = None,
        busy_timeout: float = BUSY_TIMEOUT_S,
    ) -> None:
        self.engine = engine
        self.busy_timeout = busy_timeout
        self.tenant = tenant
        self.url = url
        self.dialect = engine.dialect.name
        self.statements = BulkSql(self.dialect)
        self._scratch = scratch
        self._owns_engine = owns_engine
        self._readers = readers if readers is not None else Readers(engine)
        self._lookups: dict[Any, tuple[str, Callable[[str], Any]]] = {}
        if owns_engine:  # a backend never closed still checks its idle readers in
            weakref.finalize(self, self._readers.close)
            sa.event.listen(engine, "handle_error", self._readers.on_error)

    def session(self, *, write: bool) -> SqlSession:
        return SqlSession(self, write)

    def writer(self) -> Connection:
        """A connection from the pool for one write transaction."""
        conn = self.engine.connect()
        if self.dialect == "sqlite":
            conn.execution_options(contactgraph_begin="BEGIN IMMEDIATE")
        return conn

    def reader(self) -> Connection:
        """A connection for one read transaction: an idle one when there is one."""
        return self._readers.take()

    def release(self, conn: Connection, driver: Any = None) -> None:
        """Give back a read connection whose transaction ended well (``driver``: its
        driver connection, when known)."""
        self._readers.give_back(conn, driver)

    def find_contacts_alone(self, query: ContactQuery) -> list[Contact] | None:
        """The answer to an indexed look-up (one email or one phone) outside any
        transaction, else ``None`` (the caller takes the general path).

        One statement on an idle read connection, with no session around it:
        one snapshot by itself, so no BEGIN nor COMMIT (autocommit on
        PostgreSQL: one round trip), and one place where driver errors become
        ours. Not where row-level security holds the role (or is not known
        yet to hold it not): the tenant setting needs a transaction there.
        """
        lookup = indexed_lookup(query)
        if lookup is None:
            return None
        postgres = self.dialect != "sqlite"
        if postgres and not rls.known_absent(self.engine):
            return None
        stmt, key = lookup
        found_sql = self._lookups.get(stmt)
        if found_sql is None:
            found_sql = self._lookups[stmt] = _lookup_sql(
                self.statements.precompiled(stmt, self.engine.dialect), self.tenant
            )
        sql, args = found_sql
        readers = self._readers
        try:
            conn, driver = readers.take_with_driver()
        except SQLAlchemyError as exc:
            raise as_unavailable(exc, self.url, busy_timeout=self.busy_timeout) from exc
        try:
            if postgres:
                driver.autocommit = True
                try:
                    found = driver.execute(sql, args(key)).fetchall()
                finally:
                    driver.autocommit = False
            else:
                if driver.in_transaction:  # never left so by a read; end it rather than read in it
                    driver.commit()
                found = driver.execute(sql, args(key)).fetchall()
        except driver_errors() as exc:
            conn.invalidate()
            raise classify(exc, busy_timeout=self.busy_timeout) from exc
        except BaseException:
            conn.close()
            raise
        readers.give_back(conn, driver)
        return found_contacts(found, query.limit)

    def for_tenant(self, tenant: str) -> SqlBackend:
        return SqlBackend(
            self.engine,
            tenant=tenant,
            url=self.url,
            owns_engine=False,
            readers=self._readers,
            busy_timeout=self.busy_timeout,
        )

    def scrub(self) -> bool:
        """SQLite: merge the FTS5 indexes (dropping deleted entries), ``VACUUM`` (a
        new file from the live rows only) and truncate the write-ahead log, so
        the raw files no longer hold erased values even where SQLite is built
        without secure deletion. ``False`` when a reader in another process
        kept the log from being emptied, and on PostgreSQL (docs/howto/history-and-privacy.md).
        """
        if self.dialect != "sqlite":
            return False
        try:
            return scrub_sqlite(self.engine)
        except driver_errors() as exc:
            raise as_unavailable(exc, self.url, busy_timeout=self.busy_timeout) from exc

    def close(self) -> None:
        if self._owns_engine:
            self._readers.close()
            self.engine.dispose()
            if self._scratch is not None:
                shutil.rmtree(self._scratch, ignore_errors=True)
