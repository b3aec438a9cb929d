"""One transaction on one pooled connection, and the backend that opens them.

Transactions: on SQLite the driver's own transaction handling is switched off
(SQLAlchemy's recipe, see :mod:`contactgraph.repos.sql.engine`) and the
session emits ``BEGIN IMMEDIATE`` for writes (so writers in several processes
queue on the busy timeout instead of deadlocking) and ``BEGIN`` for reads (a
WAL snapshot). On PostgreSQL writes run at READ COMMITTED; an account is read
again if its version moved while its contacts were being read, so a loaded
aggregate is always consistent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from contactgraph.repos.sql.accounts import SqlAccounts
from contactgraph.repos.sql.errors import as_unavailable, translate
from contactgraph.repos.sql.statements import BulkSql
from contactgraph.repos.sql.storage import SqlCases, SqlOpportunities, SqlRelations

__all__ = ["SqlBackend", "SqlSession"]


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

    def __init__(self, backend: SqlBackend, write: bool) -> None:
        self.tenant = backend.tenant
        self.statements = backend.statements
        self.snapshot = backend.dialect == "sqlite"
        self._backend = backend
        try:
            conn = backend.engine.connect()
            if backend.dialect == "sqlite":
                conn = conn.execution_options(
                    contactgraph_begin="BEGIN IMMEDIATE" if write else "BEGIN"
                )
            self.conn = conn
            self._tx = conn.begin()
        except SQLAlchemyError as exc:
            raise as_unavailable(exc, backend.url) from exc
        self.accounts = SqlAccounts(self)
        self.opportunities = SqlOpportunities(self)
        self.cases = SqlCases(self)
        self.relations = SqlRelations(self)

    def savepoint(self) -> _SqlSavepoint:
        return _SqlSavepoint(self)

    def commit(self) -> None:
        try:
            self._tx.commit()
        except SQLAlchemyError as exc:
            raise as_unavailable(exc, self._backend.url) from exc
        finally:
            self._close()

    def rollback(self) -> None:
        try:
            if self._tx.is_active:
                self._tx.rollback()
        except SQLAlchemyError:
            pass  # the connection is discarded below; the server rolls back
        finally:
            self._close()

    def _close(self) -> None:
        self.conn.close()


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
    ) -> None:
        self.engine = engine
        self.tenant = tenant
        self.url = url
        self.dialect = engine.dialect.name
        self.statements = BulkSql(self.dialect)
        self._scratch = scratch
        self._owns_engine = owns_engine

    def session(self, *, write: bool) -> SqlSession:
        return SqlSession(self, write)

    def for_tenant(self, tenant: str) -> SqlBackend:
        return SqlBackend(self.engine, tenant=tenant, url=self.url, owns_engine=False)

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()
            if self._scratch is not None:
                shutil.rmtree(self._scratch, ignore_errors=True)
