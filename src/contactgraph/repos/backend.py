"""What a backend implements: sessions and storage objects, backend-facing.

Callers never see these protocols; they hold the repositories of
:mod:`contactgraph.repos.protocol`. The unit of work
(:class:`~contactgraph.repos.unit_of_work.UnitOfWork`, and the
:class:`contactgraph.Store` built on it) owns the rules every backend shares
(transactions and savepoints, events, referential integrity across
aggregates, argument checks); a backend only stores and finds. A
third-party backend implements :class:`Backend` and its :class:`Session`,
is wrapped as ``contactgraph.Store(backend)``, and proves itself by
subclassing :class:`contactgraph.testing.contract.StoreContract`.

A backend that holds resources (connections, files) releases them in
``close``; one that holds none may say so with a class attribute
``holds_resources = False``, so that a store left unclosed on it does not
warn with :class:`ResourceWarning`.

Rules for storage objects (they see one tenant, inside one session):

* ``insert`` stores a new aggregate as version 1; an id that exists (the
  aggregate's, or a contact id anywhere in the tenant) raises
  :class:`~contactgraph.errors.PolicyViolationError` with code ``id.duplicate``.
* ``update`` writes ``aggregate`` as ``aggregate.version + 1`` if the stored
  version is ``aggregate.version``, else raises
  :class:`~contactgraph.errors.ConcurrencyError` (``actual=None`` when it is
  gone). Accounts write only the contacts in ``touched_contact_ids()``.
* ``load`` returns the stored copy (no pending events) or ``None``.
* Lists are sorted as :mod:`contactgraph.repos.protocol` documents.
* A failed write may leave partial changes: the unit of work wraps every
  write in a savepoint and rolls it back. A session whose class says
  ``checks_first = True`` promises that its accounts' ``insert`` and
  ``update`` raise every refusal before they write, and counts in its
  ``dirty`` attribute each such write that began writing or failed otherwise:
  the unit of work then runs them without a savepoint (see
  :class:`~contactgraph.repos.sql.session.SqlSession`).
* Reads run without a savepoint. A session that may lose its transaction to a
  failed statement (PostgreSQL aborts it) says so with a method
  ``aborted() -> bool``, asked after a call inside a transaction raised:
  ``True`` spoils the transaction (every later call, and its end, raise
  :class:`~contactgraph.errors.StoreUnavailableError`). Its ``commit`` must
  never report a transaction the database undid as committed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Protocol, TypeVar

from contactgraph.domain import Account, AccountContactRelation, Case, Contact, Opportunity
from contactgraph.repos.history import Entry
from contactgraph.repos.keys import ContactQuery, SearchNeedle
from contactgraph.repos.merges import MergeStorage
from contactgraph.repos.protocol import AccountOrder

__all__ = [
    "AccountLinkedStorage",
    "AccountStorage",
    "AggregateStorage",
    "Backend",
    "CaseStorage",
    "HistoryStorage",
    "OpportunityStorage",
    "RelationStorage",
    "Savepoint",
    "Session",
]

A = TypeVar("A")


class AccountStorage(Protocol):
    def insert(self, account: Account) -> None: ...
    def load(self, account_id: str) -> Account | None: ...
    def load_many(self, account_ids: Collection[str]) -> list[Account]:
        """The accounts that exist among ``account_ids``, in no particular order."""
        ...

    def update(self, account: Account) -> None: ...
    def delete(self, account_id: str) -> list[str] | None:
        """Delete an account and its contacts; the removed contact ids, ``None`` if missing."""
        ...

    def exists(self, account_id: str) -> bool: ...
    def owner_of(self, contact_id: str) -> str | None:
        """The id of the account that owns ``contact_id``, if any."""
        ...

    def load_owner_of(self, contact_id: str) -> Account | None:
        """The account that owns ``contact_id``, if any: ``load(owner_of(contact_id))``
        in one go (``account_of``; a backend may read both in one round trip)."""
        ...

    def owners_of(self, contact_ids: Collection[str]) -> dict[str, str]:
        """Contact id to owning account id, for the contacts that exist."""
        ...

    def parents_of(self, account_ids: Collection[str]) -> dict[str, str | None]:
        """Account id to its parent id, for the accounts that exist (reads no contact)."""
        ...

    def load_contacts(self, contact_ids: Collection[str]) -> list[Contact]: ...
    def find_contacts(self, query: ContactQuery) -> list[Contact]:
        """Contacts meeting ``query`` (never ``impossible``), sorted, at most ``query.limit``."""
        ...

    def search_contacts(
        self, needle: SearchNeedle, limit: int, count_up_to: int
    ) -> tuple[list[Contact], int]:
        """The best ``limit`` contacts for ``needle`` (see ``keys.contact_search_rank``), and
        how many match in all; the count may stop past
        ``keys.search_count_bound(limit, count_up_to)``."""
        ...

    def search_accounts(
        self, needle: SearchNeedle, limit: int, count_up_to: int
    ) -> tuple[list[Account], int]:
        """The best ``limit`` accounts for ``needle`` (``keys.account_search_rank``), and the
        total; the count may stop past ``keys.search_count_bound(limit, count_up_to)``."""
        ...

    def by_name_key(self, name_key: str) -> list[Account]:
        """Accounts whose name's ``match_key`` is ``name_key``, by id."""
        ...

    def list(
        self,
        order_by: AccountOrder,
        descending: bool,
        offset: int,
        limit: int | None,
        parent_id: str | None,
        *,
        after: str | None = None,
    ) -> list[Account]:
        """A page in ``order_by``; ``after``: only the accounts that come after that id.

        ``after`` is a keyset: the page starts after the row with that id
        without counting the rows before it (an id that no longer exists still
        works in id order; in another order it raises ``NotFoundError``).
        """
        ...

    def count(self) -> int: ...
    def count_contacts(self) -> int: ...
    def by_external_id(self, system: str, value: str) -> Account | None: ...
    def contact_by_external_id(self, system: str, value: str) -> Contact | None: ...


class AggregateStorage(Protocol[A]):
    """Storage of one kind of aggregate other than accounts, by id."""

    def insert(self, aggregate: A, /) -> None: ...
    def load(self, aggregate_id: str, /) -> A | None: ...
    def update(self, aggregate: A, /) -> None: ...
    def delete(self, aggregate_id: str, /) -> bool:
        """Delete the aggregate; ``False`` if it was missing."""
        ...

    def count(self) -> int: ...


class AccountLinkedStorage(AggregateStorage[A], Protocol[A]):
    """Opportunities or cases: filed under an account, open or closed, with external ids."""

    def list(
        self,
        account_id: str | None,
        contact_ids: Collection[str] | None,
        open_only: bool,
        offset: int,
        limit: int | None,
    ) -> list[A]: ...
    def by_external_id(self, system: str, value: str) -> A | None: ...


class OpportunityStorage(AccountLinkedStorage[Opportunity], Protocol):
    """Opportunities with their contact roles."""


class CaseStorage(AccountLinkedStorage[Case], Protocol):
    """Support cases."""


class RelationStorage(AggregateStorage[AccountContactRelation], Protocol):
    """Account-contact relations."""

    def list(
        self, account_id: str | None, contact_ids: Collection[str] | None
    ) -> list[AccountContactRelation]: ...


class HistoryStorage(Protocol):
    """Field history (see :mod:`contactgraph.repos.history`): appended, read per record."""

    def append(self, entries: Sequence[Entry]) -> None:
        """Store ``entries`` in order, numbering each record's ``seq`` on from its last one."""
        ...

    def of(self, record_id: str, field: str | None) -> list[Entry]:
        """The record's entries by ``seq``; with ``field``, those of that field and those
        of the whole record (no field)."""
        ...

    def rewrite(self, record_id: str, entries: Sequence[Entry]) -> None:
        """Replace ``old``, ``new`` and ``redacted`` of the record's stored entries with
        these entries' (matched by ``seq``): how a forgotten person's values are erased."""
        ...


class Savepoint(Protocol):
    def release(self) -> None: ...
    def rollback(self) -> None: ...


class Session(Protocol):
    """One transaction on one tenant."""

    row_locks: bool
    """Whether :meth:`lock_accounts` and :meth:`lock_tenant` hold anything: writers
    run side by side (PostgreSQL), not one at a time (memory, SQLite)."""

    @property
    def accounts(self) -> AccountStorage: ...

    @property
    def opportunities(self) -> OpportunityStorage: ...

    @property
    def cases(self) -> CaseStorage: ...

    @property
    def relations(self) -> RelationStorage: ...

    @property
    def history(self) -> HistoryStorage: ...

    @property
    def merges(self) -> MergeStorage:
        """Merge records (:mod:`contactgraph.repos.merges`)."""
        ...

    def savepoint(self) -> Savepoint: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def lock_accounts(self, account_ids: Collection[str], *, shared: bool = False) -> None:
        """Hold these accounts' rows until the transaction ends, taken in id order.

        A backend that runs one writer at a time (memory, SQLite) does nothing.
        """
        ...

    def lock_tenant(self, topic: str) -> None:
        """Serialise, per tenant, the transactions that check ``topic``, until this one ends."""
        ...


class Backend(Protocol):
    """A place to keep data: opens sessions for one tenant."""

    @property
    def url(self) -> str: ...

    @property
    def tenant(self) -> str: ...

    def session(self, *, write: bool) -> Session:
        """Begin a transaction; ``write=False`` promises only reads (a snapshot where possible)."""
        ...

    def for_tenant(self, tenant: str) -> Backend:
        """The same database seen as another tenant (sharing connections)."""
        ...

    def scrub(self) -> bool:
        """Remove deleted and overwritten values from the files the data lives in.

        What ``forget`` calls after erasing a person: an SQLite backend merges
        its search index, rebuilds its file and empties its write-ahead log; a
        backend with nothing on disk does nothing and returns ``True``. Returns
        whether the files are clean (``False``: not possible here, or not now).
        """
        ...

    def close(self) -> None: ...


def chunks(items: Iterable[str], size: int = 500) -> Iterable[list[str]]:
    """``items`` in lists of at most ``size`` (bound-parameter limits)."""
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
