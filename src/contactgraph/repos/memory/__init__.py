"""The in-memory backend: the default store, and the reference the others are held to.

Each tenant's data is one immutable snapshot (:class:`Tables`, a handful of
``immutables.Map``): readers take the current snapshot without locking, a
writer works on its own copy under the tenant's lock and publishes it on
commit (an atomic reference swap). Rollback, and a savepoint, keep an old
reference: O(1), whatever was written. Indexes (email, phone, name keys,
contact to account, external ids) keep look-ups O(1) among a million contacts.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, ClassVar

from contactgraph.domain import Account
from contactgraph.repos.memory.accounts import MemoryAccounts
from contactgraph.repos.memory.history import MemoryHistory
from contactgraph.repos.memory.linked import MemoryCases, MemoryOpportunities, MemoryRelations
from contactgraph.repos.memory.merges import MemoryMerges
from contactgraph.repos.memory.tables import MemoryDatabase, Tables, named_database
from contactgraph.repos.protocol import AccountOrder

__all__ = ["MemoryBackend", "MemoryDatabase", "MemorySession", "Tables", "named_database"]


class MemoryBackend:
    """Keeps every tenant's data in this process (lost when the last store closes)."""

    holds_resources: ClassVar[bool] = False
    """Nothing to release: a store on it that is never closed does not warn."""

    def __init__(
        self,
        database: MemoryDatabase | None = None,
        *,
        tenant: str = "default",
        url: str = "",
        lock_timeout: float | None = None,
    ) -> None:
        self.database = database if database is not None else MemoryDatabase()
        self.tenant = tenant
        self.lock_timeout = lock_timeout
        """How long a writer waits for another thread's write (``None``: the database's)."""
        name = self.database.name
        self.url = url or (f"memory://{name}" if name else "memory://")

    def session(self, *, write: bool) -> MemorySession:
        return MemorySession(self.database, self.tenant, write, self.lock_timeout)

    def for_tenant(self, tenant: str) -> MemoryBackend:
        return MemoryBackend(
            self.database, tenant=tenant, url=self.url, lock_timeout=self.lock_timeout
        )

    def close(self) -> None:
        """Nothing to release: the data lives as long as a store refers to it."""

    def scrub(self) -> bool:
        """Nothing on disk: an erased value is gone once no snapshot refers to it."""
        return True


class _MemorySavepoint:
    def __init__(self, session: MemorySession) -> None:
        self._session = session
        self._tables = session.tables

    def release(self) -> None:
        pass

    def rollback(self) -> None:
        self._session.tables = self._tables


class MemorySession:
    """A transaction: a private working snapshot, published on commit."""

    def __init__(
        self, database: MemoryDatabase, tenant: str, write: bool, lock_timeout: float | None = None
    ) -> None:
        self._database = database
        self._tenant = tenant
        self._write = write
        if write:
            database.acquire(tenant, lock_timeout)
        self._open = True
        self.tables = database.tables(tenant)
        self.sorted_accounts: dict[tuple[AccountOrder, bool], tuple[Any, list[Account]]] = {}
        self.accounts = MemoryAccounts(self)
        self.opportunities = MemoryOpportunities(self)
        self.cases = MemoryCases(self)
        self.relations = MemoryRelations(self)
        self.history = MemoryHistory(self)
        self.merges = MemoryMerges(self)

    def savepoint(self) -> _MemorySavepoint:
        return _MemorySavepoint(self)

    def commit(self) -> None:
        if self._write and self._open:
            self._database.publish(self._tenant, self.tables)
        self._end()

    def rollback(self) -> None:
        self._end()

    row_locks = False

    def lock_accounts(self, account_ids: Collection[str], *, shared: bool = False) -> None:
        """Nothing to hold: one writer at a time per tenant."""

    def lock_tenant(self, topic: str) -> None:
        """Nothing to hold: one writer at a time per tenant."""

    def _end(self) -> None:
        if self._open:
            self._open = False
            if self._write:
                self._database.release(self._tenant)
