"""The composition root: the store callers open, storage wired with navigation and actions.

:mod:`contactgraph.repos` keeps storage only (the unit of work, the
repositories, the backends); :mod:`contactgraph.graph` navigates and acts
through the store protocol. This module, at the top of the house, puts them
together: :class:`Store` is the :class:`~contactgraph.repos.UnitOfWork` plus
``graph`` and the moves and commercial actions, and :func:`open_store` opens
a backend from a URL and wraps it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, Self, overload

from contactgraph import merging
from contactgraph.domain import Account, Contact, Opportunity
from contactgraph.errors import InvalidValueError, MissingDependencyError
from contactgraph.graph.commercial import (
    CallList,
    Recipients,
    Target,
    call_list,
    follow_up,
    send_contract,
    start_campaign,
)
from contactgraph.graph.moves import MoveResult, move_contact
from contactgraph.graph.navigator import Navigator
from contactgraph.merging import MergePlan, MergeRecord
from contactgraph.merging.holder import MERGE_RECORDS
from contactgraph.policies import PolicySet
from contactgraph.privacy import (
    FORGOTTEN_NAME,
    Forgotten,
    PersonalDataHolder,
    forget,
    personal_data,
)
from contactgraph.repos.backend import Backend
from contactgraph.repos.history import check_actor
from contactgraph.repos.open import open_backend
from contactgraph.repos.unit_of_work import UnitOfWork
from contactgraph.rules import DuplicateCheck, DuplicateRule, DuplicateRules

if TYPE_CHECKING:
    from contactgraph.matching import AccountCluster, ContactCluster, LookAlike

__all__ = ["Store", "open_store"]


class _Merge(Protocol):
    """:meth:`Store.merge_contacts` and :meth:`Store.merge_accounts`: a record, or with
    ``dry_run=True`` the plan."""

    @overload
    def __call__(
        self,
        survivor_id: str,
        loser_ids: Sequence[str],
        *,
        take: Mapping[str, object] | None = ...,
        dry_run: Literal[False] = ...,
        actor: str | None = ...,
    ) -> MergeRecord: ...

    @overload
    def __call__(
        self,
        survivor_id: str,
        loser_ids: Sequence[str],
        *,
        take: Mapping[str, object] | None = ...,
        dry_run: Literal[True],
        actor: str | None = ...,
    ) -> MergePlan: ...


def _merger(kind: str, doc: str) -> _Merge:
    """The ``merge_<kind>`` method of :class:`Store` (one body, typed by :class:`_Merge`)."""

    def merge(
        self: Store,
        survivor_id: str,
        loser_ids: Sequence[str],
        *,
        take: Mapping[str, object] | None = None,
        dry_run: bool = False,
        actor: str | None = None,
    ) -> MergeRecord | MergePlan:
        return self._merge(kind, survivor_id, loser_ids, take=take, dry_run=dry_run, actor=actor)

    merge.__name__ = f"merge_{kind}"
    merge.__qualname__ = f"Store.merge_{kind}"
    merge.__doc__ = doc
    return merge  # type: ignore[return-value]  # _Merge's overloads type this one body


class Store(UnitOfWork):
    """Repositories over one backend and one tenant, with navigation and commercial actions.

    Open one with :func:`open_store`, or wrap a backend of your own as
    ``Store(backend)``. The repositories, transactions, events, integrity and
    closing are the :class:`~contactgraph.repos.UnitOfWork`'s (its attributes
    are this class's); this class adds what is written above storage, against
    the store protocol.

    Args:
        duplicates: The duplicate rules (see :attr:`duplicate_rules`).
    """

    personal_data_holders: ClassVar[tuple[PersonalDataHolder, ...]] = (MERGE_RECORDS,)
    """Other holders of personal data (merge records…) that :meth:`personal_data`
    reads and :meth:`forget` erases (see :mod:`contactgraph.privacy`)."""

    def __init__(
        self,
        backend: Backend,
        *,
        allow_foreign_contact_roles: bool = False,
        actor: str | None = None,
        duplicates: DuplicateRules | DuplicateRule | str | None = None,
        _owns_backend: bool = True,
    ) -> None:
        rules = DuplicateRules.of(duplicates)
        check = DuplicateCheck(rules) if rules.checks_anything else None
        super().__init__(
            backend,
            allow_foreign_contact_roles=allow_foreign_contact_roles,
            actor=actor,
            _owns_backend=_owns_backend,
        )
        self._duplicate_rules = rules
        self.install_save_check(check)

    @property
    def duplicate_rules(self) -> DuplicateRules:
        """What a write that creates a likely duplicate does (see :mod:`contactgraph.rules`)."""
        return self._duplicate_rules

    def for_tenant(self, tenant: str) -> Self:
        """The same database seen as ``tenant``, with the same duplicate rules."""
        other = super().for_tenant(tenant)
        other._duplicate_rules = self._duplicate_rules
        other.install_save_check(self._save_check)
        return other

    @property
    def graph(self) -> Navigator:
        """Navigation across accounts, contacts, opportunities and cases."""
        return Navigator(self)

    def move_contact(
        self,
        contact_id: str,
        to_account: str | Account,
        on: date | None = None,
        *,
        rules: PolicySet[Account] | None = None,
    ) -> MoveResult:
        """Move a contact to another account (see :func:`contactgraph.graph.move_contact`)."""
        return move_contact(self, contact_id, to_account, on, rules=rules)

    def start_campaign(self, targets: Iterable[Target]) -> Recipients:
        """Recipients of a campaign (see :func:`contactgraph.graph.start_campaign`)."""
        return start_campaign(self, targets)

    def call_list(self, targets: Iterable[Target]) -> CallList:
        """Contacts to call, never one who asked not to be (see :func:`contactgraph.graph.call_list`)."""
        return call_list(self, targets)

    def send_contract(self, opportunity: Opportunity | str) -> Recipients:
        """Recipients of a contract (see :func:`contactgraph.graph.send_contract`)."""
        return send_contract(self, opportunity)

    def follow_up(self, opportunity: Opportunity | str) -> Recipients:
        """Recipients of a follow-up (see :func:`contactgraph.graph.follow_up`)."""
        return follow_up(self, opportunity)

    merge_contacts = _merger(
        "contacts",
        """Merge contacts into ``survivor_id`` (see :mod:`contactgraph.merging` and
        docs/howto/merge.md); ``dry_run=True`` returns the plan and writes nothing.

        ``take`` chooses per field: ``{"email": loser_id}`` or ``{"title": "CFO"}``.
        """,
    )

    merge_accounts = _merger(
        "accounts",
        """Merge accounts into ``survivor_id``, with their contacts, deals, cases and
        children; ``dry_run=True`` returns the plan and writes nothing.""",
    )

    def merge(
        self,
        survivor_id: str,
        loser_ids: Sequence[str],
        *,
        take: Mapping[str, object] | None = None,
        dry_run: bool = False,
        actor: str | None = None,
    ) -> MergeRecord | MergePlan:
        """:meth:`merge_accounts` when ``survivor_id`` is an account, else :meth:`merge_contacts`."""
        kind = "accounts" if self.accounts.exists(survivor_id) else "contacts"
        return self._merge(kind, survivor_id, loser_ids, take=take, dry_run=dry_run, actor=actor)

    def _merge(
        self,
        kind: str,
        survivor_id: str,
        loser_ids: Sequence[str],
        *,
        take: Mapping[str, object] | None,
        dry_run: bool,
        actor: str | None,
    ) -> MergeRecord | MergePlan:
        if dry_run:
            plan = merging.plan_accounts if kind == "accounts" else merging.plan_contacts
            return plan(self, survivor_id, loser_ids, take)
        run = merging.merge_accounts if kind == "accounts" else merging.merge_contacts
        with self.transaction(actor=check_actor(actor)):  # history rows name the merger too
            return run(self, survivor_id, loser_ids, take, actor=self._actor())

    def unmerge(self, merge_id: str) -> MergeRecord:
        """Undo a merge from its record (see :func:`contactgraph.merging.unmerge`)."""
        return merging.unmerge(self, merge_id)

    @overload
    def duplicates(
        self, kind: Literal["contacts"] = "contacts", *, threshold: float = ...
    ) -> list[ContactCluster]: ...

    @overload
    def duplicates(
        self, kind: Literal["accounts"], *, threshold: float = ...
    ) -> list[AccountCluster]: ...

    def duplicates(
        self, kind: str = "contacts", *, threshold: float = 0.99
    ) -> list[ContactCluster] | list[AccountCluster]:
        """Clusters of likely duplicate contacts (or ``kind="accounts"``), strongest first.

        Each cluster has its ``contact_ids`` (``account_ids``), a ``score`` and
        the ``reasons``; see :mod:`contactgraph.matching`. Reads every account
        of the tenant once; needs the ``contactgraph[duplicates]`` extra.
        """
        try:
            from contactgraph.matching import find_account_duplicates, find_contact_duplicates
        except ImportError as exc:
            raise _missing(exc) from exc
        if kind == "contacts":
            return find_contact_duplicates(
                self.accounts, threshold=threshold, include=_not_forgotten
            )
        if kind == "accounts":
            return find_account_duplicates(self.accounts, threshold=threshold)
        raise InvalidValueError("kind must be 'contacts' or 'accounts'", field="kind", value=kind)

    def lookalikes(self) -> list[LookAlike]:
        """Pairs of distinct emails, and of distinct names, that look the same.

        A Cyrillic "а" for a Latin "a", full-width letters, a Kelvin sign: such
        values are different, and are reported here instead of being matched.
        """
        try:
            from contactgraph.matching import lookalikes
        except ImportError as exc:
            raise _missing(exc) from exc
        emails: list[tuple[str, str]] = []
        names: list[tuple[str, str]] = []
        for account in self.accounts:
            names.append((account.id, account.name))
            for contact in account.contacts.values():
                names.append((contact.id, contact.name.full))
                for email in (contact.email, *contact.alternate_emails):
                    if email is not None:
                        emails.append((contact.id, email.address))
        return lookalikes(emails) + lookalikes(names)

    def personal_data(self, contact_id: str) -> dict[str, Any]:
        """Everything held about one person, as one JSON-ready document
        (see :func:`contactgraph.privacy.personal_data`)."""
        return personal_data(self, contact_id, holders=self.personal_data_holders)

    def forget(self, contact_id: str, *, scrub: bool = True, actor: str | None = None) -> Forgotten:
        """Erase a person's personal data everywhere, keeping the non-personal facts
        (see :func:`contactgraph.privacy.forget`)."""
        return forget(
            self, contact_id, holders=self.personal_data_holders, scrub=scrub, actor=actor
        )


def _not_forgotten(contact: Contact) -> bool:
    """Whether a contact is a person, not the placeholder a forget leaves."""
    return contact.active or contact.last_name != FORGOTTEN_NAME


def _missing(exc: ImportError) -> MissingDependencyError:
    return MissingDependencyError(
        f"duplicate detection needs the 'duplicates' extra ({exc.name} is missing): "
        "pip install 'contactgraph[duplicates]'"
    )


def open_store(
    url: str | None = None,
    *,
    tenant: str = "default",
    allow_foreign_contact_roles: bool = False,
    actor: str | None = None,
    duplicates: DuplicateRules | DuplicateRule | str | None = None,
    timeout: float | None = None,
) -> Store:
    """Open a store.

    Args:
        url: ``None`` reads ``CONTACTGRAPH_STORE_URL`` and falls back to
            ``memory://``. ``memory://`` is a private in-memory store and
            ``memory://name`` one shared in this process while a store on it
            is open; ``sqlite:///path/crm.db`` an SQLite file (``sqlite://``:
            an in-memory SQLite database); ``postgresql+psycopg://user@host/db``
            (or ``postgresql://``) PostgreSQL through psycopg 3, the
            ``contactgraph[postgres]`` extra. The schemes are those of
            :data:`contactgraph.repos.open.FACTORIES`.
        tenant: The tenant every read and write is confined to.
        allow_foreign_contact_roles: Let opportunities give roles to contacts
            of other accounts (off by default).
        actor: Who this store's writes are made by, in field history
            (``store.transaction(actor=...)`` names another for one block).
        duplicates: Duplicate rules on create, update and import: ``"allow"``
            (the default), ``"alert"`` or ``"block"`` for contacts and accounts
            alike, or a :class:`~contactgraph.rules.DuplicateRules`.
        timeout: Seconds a writer waits for another writer's lock, the same
            as ``?timeout=`` in the URL: SQLite's busy timeout (default 30 s,
            then :class:`StoreUnavailableError`), PostgreSQL's
            ``lock_timeout`` (default none, then a retryable
            :class:`ConcurrencyError`), another thread's write in memory
            (default 30 s). 0 to 86400.

    A store over SQL holds a connection pool: close it (or use ``with``);
    one garbage-collected open warns with :class:`ResourceWarning`.

    Raises:
        StoreConfigurationError: unknown scheme, bad path, missing driver.
        StoreUnavailableError: the server or file cannot be reached.
        SchemaVersionError: the store was written by a newer contactgraph.
        MissingDependencyError: scored duplicate rules without the
            ``contactgraph[duplicates]`` extra (checked before connecting).
        InvalidValueError: ``duplicates`` is not a rule.
    """
    check_actor(actor)  # before a backend is opened
    rules = DuplicateRules.of(duplicates)
    if rules.checks_anything:
        DuplicateCheck(rules)  # refuses a missing extra before any connection is made
    backend = open_backend(url, tenant=tenant, timeout=timeout)
    try:
        return Store(
            backend,
            allow_foreign_contact_roles=allow_foreign_contact_roles,
            actor=actor,
            duplicates=rules,
        )
    except BaseException:
        backend.close()
        raise
