"""What callers hold: the store protocol and the repository protocols, caller-facing.

A store groups one repository per aggregate (accounts with their contacts,
opportunities, cases, account-contact relations) behind one transaction.
Applications, :mod:`contactgraph.graph` and :mod:`contactgraph.interop` are
written against these protocols. A backend does *not* implement them: it
implements the smaller storage protocols of :mod:`contactgraph.repos.backend`,
and the unit of work (:mod:`contactgraph.repos.unit_of_work`) builds these
repositories over it, so the rules below hold for every backend alike; the
contract suite of :mod:`contactgraph.testing` proves them per backend.

Rules every store keeps:

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
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Final, Protocol, TypedDict, TypeVar, Unpack, runtime_checkable

import attrs

from contactgraph.domain import (
    Account,
    AccountContactRelation,
    Case,
    Contact,
    DomainEvent,
    Opportunity,
)
from contactgraph.repos.checks import SaveWarning

__all__ = [
    "AccountLinkedRepository",
    "AccountOrder",
    "AccountRepository",
    "AggregateRepository",
    "CaseRepository",
    "ContactCriteria",
    "EventHandler",
    "OpportunityRepository",
    "RelationRepository",
    "SearchResult",
    "StoreProtocol",
]

A = TypeVar("A")

EventHandler = Callable[[DomainEvent], None]
"""A subscriber: called once per event, after the transaction that recorded it commits."""


class AccountOrder(enum.StrEnum):
    """How ``accounts.list`` sorts."""

    NAME = "name"
    """Case- and accent-insensitive name, then id."""
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    ID = "id"


class ContactCriteria(TypedDict, total=False):
    """The keywords of ``accounts.find_contacts``, declared once.

    The repositories, :class:`~contactgraph.repos.keys.ContactQuery` (which
    normalises them) and the backends all take their list from here. Each
    criterion given narrows the answer; ``None`` is the same as leaving it out.

    Attributes:
        email: An address, main or alternate, ignoring case.
        phone: A number (with a ``+`` country code) compared in E.164 with
            phone, mobile and alternates; national text (no country code)
            finds the numbers kept unverified as that same text.
        name: A first, last or full name, ignoring case and accents.
        title: The whole title, ignoring case and accents.
        department: The whole department, ignoring case and accents.
        active: Only active (``True``) or inactive (``False``) contacts.
        account_id: Only the contacts of this account.
        limit: At most this many contacts.
    """

    email: str | None
    phone: str | None
    name: str | None
    title: str | None
    department: str | None
    active: bool | None
    account_id: str | None
    limit: int | None


SEARCH_COUNT_LIMIT: Final = 1000
"""How far a search counts its matches by default (the search's ``count_up_to``; at least its
``limit`` + 1): past it, ``SearchResult.total`` is this bound and ``total_is_exact`` is
false, so that a broad needle costs what the bound costs, not what the whole store does."""


@attrs.frozen(slots=True)
class SearchResult:
    """A page of search hits, best first, and how many there were in all.

    Attributes:
        contacts: The contacts found (a contact search), best first.
        accounts: The accounts found (an account search), best first.
        total: How many records match in all; more than were returned when
            the results were cut at the limit. Counting stops at a bound
            (the search's ``count_up_to``, by default
            :data:`~contactgraph.repos.keys.SEARCH_COUNT_LIMIT`, or ``limit`` + 1
            when larger): past it, ``total`` is that bound, a lower bound.
        total_is_exact: Whether ``total`` is the exact count (false: at least
            ``total`` match, "1,000+").
    """

    contacts: tuple[Contact, ...] = ()
    accounts: tuple[Account, ...] = ()
    total: int = 0
    total_is_exact: bool = True

    @property
    def truncated(self) -> bool:
        """Whether more records match than were returned."""
        return self.total > len(self.contacts) + len(self.accounts)


class AggregateRepository(Protocol[A]):
    """What every repository does with one kind of aggregate, by id."""

    def add(self, aggregate: A, /) -> A:
        """Store a new aggregate; returns the stored copy (version 1)."""
        ...

    def get(self, aggregate_id: str, /) -> A:
        """The stored aggregate. Raises NotFoundError."""
        ...

    def save(self, aggregate: A, /) -> A:
        """Write the changes; ConcurrencyError if stale."""
        ...

    def remove(self, aggregate_id: str, /) -> None:
        """Remove the aggregate. Raises NotFoundError."""
        ...

    def count(self) -> int:
        """Number of stored aggregates."""
        ...


@runtime_checkable
class AccountRepository(AggregateRepository[Account], Protocol):
    """Accounts with their contacts: the aggregate is the unit of consistency.

    ``save`` writes only the touched rows; ``remove`` also removes the
    account's contacts, and the store refuses it (PolicyViolationError) while
    opportunities, cases or relations still refer to the account or its contacts.
    """

    def get_many(self, account_ids: Iterable[str]) -> list[Account]:
        """The accounts that exist among ``account_ids``, in that order, without repeats.

        One query for many accounts (navigation relies on it); missing ids are left out.
        """
        ...

    def account_of(self, contact_id: str) -> Account:
        """The account owning ``contact_id``. Raises NotFoundError."""
        ...

    def contacts_by_id(self, contact_ids: Iterable[str]) -> dict[str, Contact]:
        """The contacts that exist among ``contact_ids``, by id, wherever they belong.

        One query for many contacts, without loading their accounts' other contacts.
        """
        ...

    def children_of(self, account_id: str) -> list[Account]:
        """Accounts whose ``parent_id`` is ``account_id``, by name (empty when none)."""
        ...

    def find_contacts(self, **criteria: Unpack[ContactCriteria]) -> list[Contact]:
        """Contacts matching every given criterion, across accounts.

        ``email`` ignores case and also matches alternate addresses; ``phone``
        is parsed (national numbers need a ``+`` country code here) and
        compared in E.164 with phone, mobile and alternates; ``name`` matches
        a first, last or full name ignoring case and accents; ``title`` and
        ``department`` ignore case and accents. Sorted by last name, first
        name, id.
        """
        ...

    def find_contacts_on_line(self, phone: str, *, limit: int | None = None) -> list[Contact]:
        """Contacts on ``phone``'s line: whose phone, mobile or an alternate is that
        number, bare or with any extension (``+33 1 44 27 44 27`` finds a contact whose
        alternate is ``+33144274427;ext=9``, and so does ``+33 1 44 27 44 27;ext=12``).

        ``phone`` is read as ``find_contacts(phone=…)`` reads it; text kept unverified
        (no calling code) has no line and finds none. Sorted as :meth:`find_contacts`,
        at most ``limit``. Whether two numbers of one line are the same number (two
        extensions are two numbers) is for the caller: ``Phone.same_number``.
        """
        ...

    def search_contacts(self, text: str, *, limit: int = 50) -> list[Contact]:
        """The best ``limit`` contacts of :meth:`search`, for a type-ahead box: it counts
        no match past ``limit`` + 1 (``count_up_to=0``), so its cost follows the
        results asked for, however many match."""
        ...

    def search(
        self, text: str, *, limit: int = 50, count_up_to: int = SEARCH_COUNT_LIMIT
    ) -> SearchResult:
        """Contacts whose name, email or phone digits hold ``text``, best first, with the total.

        Case-, accent- and width-insensitive (:func:`~contactgraph.domain.match_key`);
        a phone-like text (``"+33 6 12"``) also matches by its digits. Ranked:
        an exact email or phone, then last names starting with the text, then
        full names starting with it, then the text anywhere; within a rank by
        last, first and middle name, then id. A text of one or two characters
        (after folding) matches only the start of a last name, first name or
        email. Indexed on SQL stores (trigrams), so the cost follows the
        number of matches rather than the size of the store.

        ``total`` counts the matches exactly up to ``count_up_to`` (and always up to
        ``limit`` + 1, enough to tell whether results were cut); past it, it is
        that bound and ``total_is_exact`` is false. Counting costs in proportion
        to the matches counted: ``count_up_to=0`` (what :meth:`search_contacts`
        does) makes a search cost what its ``limit`` costs, however many match.
        """
        ...

    def search_accounts(
        self, text: str, *, limit: int = 50, count_up_to: int = SEARCH_COUNT_LIMIT
    ) -> SearchResult:
        """Accounts whose name, website domain or phone digits hold ``text``, best first.

        Ranked: an exact domain or phone, then names starting with the text,
        then the text anywhere; within a rank by name, then id. One or two
        characters match the start of a name only. ``total`` and ``count_up_to``
        as in :meth:`search`.
        """
        ...

    def find_by_name(self, name: str) -> list[Account]:
        """Accounts with this name, case and accents ignored, by id. 1 call (an index)."""
        ...

    def list(
        self,
        *,
        order_by: AccountOrder | str = AccountOrder.NAME,
        descending: bool = False,
        offset: int = 0,
        limit: int | None = None,
        parent_id: str | None = None,
        after: str | None = None,
    ) -> list[Account]:
        """A page of accounts in a stable order; ``parent_id`` keeps the children of one.

        ``after`` (an account id) pages by keyset: the page starts after that
        account, at the cost of the first page however far it is.
        """
        ...

    def __iter__(self) -> Iterator[Account]:
        """Every account, by name (streamed where the backend can)."""
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


class AccountLinkedRepository(AggregateRepository[A], Protocol[A]):
    """Aggregates that refer to one account and some contacts: opportunities and cases."""

    def list(
        self,
        *,
        account_id: str | None = None,
        contact_id: str | None = None,
        open_only: bool = False,
        offset: int = 0,
        limit: int | None = None,
        contact_ids: Iterable[str] | None = None,
    ) -> list[A]:
        """A page of those under ``account_id``, in the repository's order.

        ``contact_id`` and ``contact_ids`` select those involving *any* of these
        contacts; ``contact_ids`` does it in one query for many contacts (an
        empty collection on its own selects nothing).
        """
        ...

    def find_by_external_id(self, system: str, value: str) -> A | None:
        """The aggregate with ``external_ids[system] == value``, if any."""
        ...


@runtime_checkable
class OpportunityRepository(AccountLinkedRepository[Opportunity], Protocol):
    """Opportunities and their contact roles; ``list`` sorts by close date (undated
    last), then name, then id."""


@runtime_checkable
class CaseRepository(AccountLinkedRepository[Case], Protocol):
    """Support cases; ``list`` sorts the most recently opened first, then by id."""


@runtime_checkable
class RelationRepository(AggregateRepository[AccountContactRelation], Protocol):
    """A contact's relations to accounts other than its own."""

    def list(
        self,
        *,
        account_id: str | None = None,
        contact_id: str | None = None,
        contact_ids: Iterable[str] | None = None,
    ) -> list[AccountContactRelation]:
        """Relations by start date (undated first), then id.

        ``contact_id`` and ``contact_ids`` select the relations of *any* of
        these contacts; ``contact_ids`` does it in one query for many contacts
        (an empty collection on its own selects nothing).
        """
        ...


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

    def lock_accounts(self, account_ids: Iterable[str]) -> None:
        """Inside ``transaction()``: hold these accounts for writing until it ends (id order)."""
        ...

    def collect_warnings(self) -> AbstractContextManager[list[SaveWarning]]:
        """Inside the block, the save checks' warnings (a duplicate rule's alerts) go to the
        list yielded instead of :func:`warnings.warn`; see :mod:`contactgraph.repos.checks`."""
        ...

    def close(self) -> None: ...
