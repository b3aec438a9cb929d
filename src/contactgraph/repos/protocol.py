"""The repository protocols every backend implements, and the shape of a store.

A store groups one repository per aggregate (accounts with their contacts,
opportunities, cases, account-contact relations) behind one transaction.
Every backend (memory, SQLite, PostgreSQL, or a third party's) implements
these protocols and proves it with :mod:`contactgraph.testing`.

Rules every backend keeps:

* ``add`` stores a new aggregate (``version == 0``) and returns the stored
  copy (``version == 1``, no pending events). Adding an id that exists raises
  :class:`~contactgraph.errors.PolicyViolationError` (code ``id.duplicate``).
* ``get`` raises :class:`~contactgraph.errors.NotFoundError` when the id is
  missing *in this tenant*.
* ``save`` writes a changed aggregate if the stored version equals
  ``aggregate.version``, and returns the stored copy with ``version + 1``;
  otherwise it raises :class:`~contactgraph.errors.ConcurrencyError` and
  writes nothing. Saving an aggregate with no pending events returns it as is.
* Every write is atomic; inside ``store.transaction()`` the writes of the
  block land together or not at all.
* Queries return domain objects, sorted as documented, never rows.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

from contactgraph.domain import (
    Account,
    AccountContactRelation,
    Case,
    Contact,
    DomainEvent,
    Opportunity,
)

__all__ = [
    "AccountOrder",
    "AccountRepository",
    "CaseRepository",
    "EventHandler",
    "OpportunityRepository",
    "RelationRepository",
    "StoreProtocol",
]

EventHandler = Callable[[DomainEvent], None]
"""A subscriber: called once per event, after the transaction that recorded it commits."""


class AccountOrder(enum.StrEnum):
    """How ``accounts.list`` sorts."""

    NAME = "name"
    """Case- and accent-insensitive name, then id."""
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    ID = "id"


@runtime_checkable
class AccountRepository(Protocol):
    """Accounts with their contacts: the aggregate is the unit of consistency."""

    def add(self, account: Account) -> Account:
        """Store a new account; returns the stored copy (version 1)."""
        ...

    def get(self, account_id: str) -> Account:
        """The account with its contacts. Raises NotFoundError."""
        ...

    def save(self, account: Account) -> Account:
        """Write the changes; ConcurrencyError if stale. Writes only the touched rows."""
        ...

    def remove(self, account_id: str) -> None:
        """Remove an account and its contacts. Raises NotFoundError.

        The store refuses (PolicyViolationError) while opportunities, cases
        or relations still refer to the account or its contacts.
        """
        ...

    def account_of(self, contact_id: str) -> Account:
        """The account owning ``contact_id``. Raises NotFoundError."""
        ...

    def find_contacts(
        self,
        *,
        email: str | None = None,
        phone: str | None = None,
        name: str | None = None,
        title: str | None = None,
        department: str | None = None,
        active: bool | None = None,
        account_id: str | None = None,
        limit: int | None = None,
    ) -> list[Contact]:
        """Contacts matching every given criterion, across accounts.

        ``email`` ignores case and also matches alternate addresses; ``phone``
        is parsed (national numbers need a ``+`` country code here) and
        compared in E.164 with phone, mobile and alternates; ``name`` matches
        a first, last or full name ignoring case and accents; ``title`` and
        ``department`` ignore case and accents. Sorted by last name, first
        name, id.
        """
        ...

    def search_contacts(self, text: str, *, limit: int = 50) -> list[Contact]:
        """Contacts whose name or email *contains* ``text`` (case/accent-insensitive)."""
        ...

    def list(
        self,
        *,
        order_by: AccountOrder | str = AccountOrder.NAME,
        descending: bool = False,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[Account]:
        """A page of accounts in a stable order."""
        ...

    def __iter__(self) -> Iterator[Account]:
        """Every account, by name (streamed where the backend can)."""
        ...

    def count(self) -> int:
        """Number of accounts."""
        ...

    def count_contacts(self) -> int:
        """Number of contacts across all accounts."""
        ...

    def find_by_external_id(self, system: str, value: str) -> Account | None:
        """The account with ``external_ids[system] == value``, if any."""
        ...

    def find_contact_by_external_id(self, system: str, value: str) -> Contact | None:
        """The contact with ``external_ids[system] == value``, if any."""
        ...


@runtime_checkable
class OpportunityRepository(Protocol):
    def add(self, opportunity: Opportunity) -> Opportunity: ...
    def get(self, opportunity_id: str) -> Opportunity: ...
    def save(self, opportunity: Opportunity) -> Opportunity: ...
    def remove(self, opportunity_id: str) -> None: ...

    def list(
        self,
        *,
        account_id: str | None = None,
        contact_id: str | None = None,
        open_only: bool = False,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[Opportunity]:
        """Opportunities by close date (undated last), then name, then id."""
        ...

    def count(self) -> int: ...

    def find_by_external_id(self, system: str, value: str) -> Opportunity | None: ...


@runtime_checkable
class CaseRepository(Protocol):
    def add(self, case: Case) -> Case: ...
    def get(self, case_id: str) -> Case: ...
    def save(self, case: Case) -> Case: ...
    def remove(self, case_id: str) -> None: ...

    def list(
        self,
        *,
        account_id: str | None = None,
        contact_id: str | None = None,
        open_only: bool = False,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[Case]:
        """Cases, most recently opened first, then id."""
        ...

    def count(self) -> int: ...

    def find_by_external_id(self, system: str, value: str) -> Case | None: ...


@runtime_checkable
class RelationRepository(Protocol):
    def add(self, relation: AccountContactRelation) -> AccountContactRelation: ...
    def get(self, relation_id: str) -> AccountContactRelation: ...
    def save(self, relation: AccountContactRelation) -> AccountContactRelation: ...
    def remove(self, relation_id: str) -> None: ...

    def list(
        self, *, account_id: str | None = None, contact_id: str | None = None
    ) -> list[AccountContactRelation]:
        """Relations by start date (undated first), then id."""
        ...

    def count(self) -> int: ...


class StoreProtocol(Protocol):
    """What applications hold: repositories, one transaction, event subscribers."""

    @property
    def tenant(self) -> str:
        """The tenant every read and write is confined to."""
        ...

    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def opportunities(self) -> OpportunityRepository: ...

    @property
    def cases(self) -> CaseRepository: ...

    @property
    def relations(self) -> RelationRepository: ...

    def transaction(self) -> AbstractContextManager[None]:
        """Group writes into one atomic unit; nested blocks are savepoints of the outer one.

        An exception leaving a nested block undoes that block's writes (the
        outer block may catch it and go on); an exception leaving the
        outermost block rolls every write back. Events are published to
        subscribers only after the outermost block commits.
        """
        ...

    def subscribe(self, handler: EventHandler) -> Callable[[], None]:
        """Call ``handler`` with each committed event; returns an unsubscribe function."""
        ...

    def close(self) -> None: ...
