"""The snapshot a tenant's data lives in, its indexes, and the databases that hold them.

A :class:`Tables` is never changed, only replaced: a writer batches its
changes with :class:`Mutation` and publishes the new snapshot on commit.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, Protocol

import attrs
import immutables

from contactgraph.domain import (
    Account,
    AccountContactRelation,
    Case,
    Opportunity,
)
from contactgraph.errors import (
    PolicyViolationError,
    StoreUnavailableError,
    Violation,
)
from contactgraph.repos.protocol import AccountOrder

__all__ = [
    "EMPTY_TABLES",
    "NO_IDS",
    "Ids",
    "Index",
    "MemoryDatabase",
    "Mutation",
    "Part",
    "Tables",
    "Workspace",
    "duplicate",
    "ext_keys",
    "link",
    "named_database",
    "unlink",
]


Ids = immutables.Map[str, None]
Index = immutables.Map[Any, Ids]
NO_IDS: Ids = immutables.Map()
EMPTY: immutables.Map[Any, Any] = immutables.Map()


@attrs.frozen(slots=True)
class Tables:
    """One tenant's data at one moment: never changed, only replaced."""

    accounts: immutables.Map[str, Account] = EMPTY
    owner: immutables.Map[str, str] = EMPTY
    emails: Index = EMPTY
    phones: Index = EMPTY
    lines: Index = EMPTY
    """A number's line (bare E.164) to the contacts holding it, with any extension or none."""
    names: Index = EMPTY
    children: Index = EMPTY
    account_ext: Index = EMPTY
    contact_ext: Index = EMPTY
    contact_count: int = 0
    opportunities: immutables.Map[str, Opportunity] = EMPTY
    opps_by_account: Index = EMPTY
    opps_by_contact: Index = EMPTY
    opp_ext: Index = EMPTY
    cases: immutables.Map[str, Case] = EMPTY
    cases_by_account: Index = EMPTY
    cases_by_contact: Index = EMPTY
    case_ext: Index = EMPTY
    relations: immutables.Map[str, AccountContactRelation] = EMPTY
    rels_by_account: Index = EMPTY
    rels_by_contact: Index = EMPTY
    history: immutables.Map[str, Any] = EMPTY
    """Record id to its field history (a ``memory.history.Chain``)."""
    merge_records: immutables.Map[str, Any] = EMPTY
    """Merge records by id (:class:`~contactgraph.repos.merges.StoredMerge`)."""


EMPTY_TABLES = Tables()


def link(index: Any, key: Any, item_id: str) -> None:
    """Add ``item_id`` under ``key`` in a multimap being mutated."""
    index[key] = index.get(key, NO_IDS).set(item_id, None)


def unlink(index: Any, key: Any, item_id: str) -> None:
    current = index.get(key)
    if current is None or item_id not in current:
        return
    remaining = current.delete(item_id)
    if remaining:
        index[key] = remaining
    else:
        del index[key]


def ext_keys(external_ids: immutables.Map[str, str]) -> list[tuple[str, str]]:
    return list(external_ids.items())


def duplicate(message: str, entity_id: str) -> PolicyViolationError:
    return PolicyViolationError(
        [Violation("id.duplicate", message, "id", entity_id, policy="store")],
        "refused: the id is taken",
    )


class MemoryDatabase:
    """Every tenant's current snapshot, shared by the stores opened on it.

    ``open_store("memory://name")`` opens the same database from anywhere in
    the process while a store on it is open; ``open_store()`` a private one.
    """

    def __init__(self, name: str = "", lock_timeout: float = 30.0) -> None:
        self.name = name
        self.lock_timeout = lock_timeout
        self._tables: dict[str, Tables] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._owners: dict[str, int] = {}
        self._guard = threading.Lock()

    def tables(self, tenant: str) -> Tables:
        return self._tables.get(tenant, EMPTY_TABLES)

    def publish(self, tenant: str, tables: Tables) -> None:
        self._tables[tenant] = tables

    def acquire(self, tenant: str, timeout: float | None = None) -> None:
        with self._guard:
            lock = self._locks.setdefault(tenant, threading.Lock())
            if self._owners.get(tenant) == threading.get_ident():
                raise StoreUnavailableError(
                    f"tenant {tenant!r} of memory store {self.name or '(private)'} is already "
                    "in a write transaction in this thread (through another Store object); "
                    "use one Store per thread, or nest with store.transaction()"
                )
        waited = self.lock_timeout if timeout is None else timeout
        if not lock.acquire(timeout=waited):
            raise StoreUnavailableError(
                f"memory store busy: another thread held tenant {tenant!r} for more than "
                f"{waited:g} s"
            )
        self._owners[tenant] = threading.get_ident()

    def release(self, tenant: str) -> None:
        self._owners.pop(tenant, None)
        self._locks[tenant].release()


_NAMED: weakref.WeakValueDictionary[str, MemoryDatabase] = weakref.WeakValueDictionary()
_NAMED_GUARD = threading.Lock()


def named_database(name: str) -> MemoryDatabase:
    """The process-wide database called ``name`` (created on first use)."""
    with _NAMED_GUARD:
        found = _NAMED.get(name)
        if found is None:
            found = MemoryDatabase(name)
            _NAMED[name] = found
        return found


class Mutation:
    """Batch changes to some fields of :class:`Tables`, then build the new snapshot."""

    def __init__(self, tables: Tables, *fields: str) -> None:
        self._tables = tables
        self.maps: dict[str, Any] = {f: getattr(tables, f).mutate() for f in fields}

    def __getitem__(self, field: str) -> Any:
        return self.maps[field]

    def finish(self, **other: Any) -> Tables:
        changes = {f: m.finish() for f, m in self.maps.items()}
        return attrs.evolve(self._tables, **changes, **other)


class Workspace(Protocol):
    """What the storage objects read of their session: the working snapshot."""

    tables: Tables
    sorted_accounts: dict[tuple[AccountOrder, bool], tuple[Any, list[Account]]]


class Part:
    """A storage object of one session."""

    def __init__(self, session: Workspace) -> None:
        self._session = session

    @property
    def _t(self) -> Tables:
        return self._session.tables
