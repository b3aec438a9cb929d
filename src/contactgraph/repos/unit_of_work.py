"""The unit of work: repositories over one backend, one transaction, events after commit.

Every backend (memory, SQLite, PostgreSQL, a third party's) sits behind the
same :class:`UnitOfWork`, so the rules that are not about storage live here once:

* **Transactions.** ``with store.transaction():`` opens a transaction for the
  calling thread; blocks nest as savepoints (an exception leaving a nested
  block undoes that block's writes; leaving the outermost, everything).
  Outside a block each write is its own transaction. Inside one, each write
  is atomic on its own: a refused write leaves the transaction as it was.
  Most writes take a savepoint for that; an account's add or save on a
  backend whose session ``checks_first`` (SQL) takes none, since it raises
  every refusal before it writes (on PostgreSQL a savepoint per save costs a
  subtransaction, and MultiXacts on the account rows a long import
  re-reads). Should such a write fail once it began writing (the database
  failed, not a refusal), the transaction is *spoilt*: every later read or
  write in it raises :class:`~contactgraph.errors.StoreUnavailableError`, and
  so does the end of the block (it rolls back), unless a nested block around
  the failure is left by the exception (its savepoint takes the failure back).
  Reads take no savepoint either: a read, or any call, whose failure made the
  database undo the transaction (on PostgreSQL any failed statement does;
  SQLite may, and then ran later statements in autocommit) spoils it too,
  when the session can tell (``aborted()``, see :mod:`.backend`). So a
  block that catches such an error and goes on never ends in a silent
  rollback.
* **Events.** Pending events of every saved aggregate are published to
  subscribers after the outermost commit, in the order of the writes, and
  never for a rolled-back write. A transaction keeps events only while the
  store has subscribers: a write made when nobody is subscribed keeps none
  (so a million-row import holds no event until its commit), and a handler
  subscribed in the middle of a transaction sees only the events of the
  writes made after it subscribed.
* **Field history.** Every saved change to an account or a contact is
  appended to the store's history in the same transaction, with the actor
  who made it: ``transaction(actor=...)`` names it for the writes of its
  block (an inner block's actor wins over an outer one's), else the store's
  own ``actor`` (``open_store(url, actor=...)``), else nobody (``None``).
  Read it with ``store.history.of(record_id)``; see :mod:`contactgraph.repos.history`.
* **Referential integrity across aggregates**, checked on the final state
  just before the outermost commit (so the order of writes inside a
  transaction does not matter): see :mod:`contactgraph.repos.integrity`.
* **Closing.** A store that owns a backend holding resources (a connection
  pool, a scratch folder) and is garbage-collected without :meth:`~UnitOfWork.close`
  warns with :class:`ResourceWarning`, as open files do.

Navigation and commercial actions are not storage: the store callers open,
:class:`contactgraph.Store`, adds them on top of this class.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol, Self, TypeVar, cast

import attrs

from contactgraph.domain import Account, Contact, DomainEvent
from contactgraph.errors import (
    ConcurrencyError,
    InvalidValueError,
    PolicyViolationError,
    StoreUnavailableError,
)
from contactgraph.repos.backend import Backend, Session
from contactgraph.repos.checks import SaveCheck, SaveWarning
from contactgraph.repos.history import History, check_actor
from contactgraph.repos.integrity import Changes, integrity_violations
from contactgraph.repos.keys import ContactQuery, check_tenant, valid_id
from contactgraph.repos.merges import MergeRecords
from contactgraph.repos.protocol import EventHandler
from contactgraph.repos.repositories import Accounts, Cases, Opportunities, Relations

__all__ = ["UnitOfWork"]

log = logging.getLogger("contactgraph.store")

T = TypeVar("T")


class _ChecksFirst(Protocol):
    """A session whose account writes refuse before they write (``SqlSession``)."""

    dirty: int
    """Counts up when a write began writing, or failed in a way only a rollback undoes."""


@attrs.define
class _Transaction:
    session: Session
    levels: list[Changes]
    actors: list[str | None]
    checks_first: _ChecksFirst | None = None
    """The session, when its account writes need no savepoint (see the module docstring)."""
    aborted: Callable[[], bool] | None = None
    """The session's ``aborted()``: whether the database undid the transaction."""
    savepoints: int = 0
    """Nested blocks open (each holds a savepoint)."""
    spoilt: tuple[int, str] | None = None
    """When the transaction can only roll back: the savepoints open then, and why."""

    @property
    def changes(self) -> Changes:
        return self.levels[-1]

    def refuse_if_spoilt(self, *, ending: bool = False) -> None:
        """Raise when spoilt; ``ending``: at the end of a block, which then rolls back."""
        if self.spoilt is not None:
            then = (
                "the block was rolled back, nothing of it was written; run it again"
                if ending
                else "leave the transaction block (it rolls back) and run it again"
            )
            raise StoreUnavailableError(f"the transaction cannot go on: {self.spoilt[1]}; {then}")

    def spoil(self, why: str, exc: BaseException) -> None:
        if self.spoilt is None:
            self.spoilt = (self.savepoints, f"{why} ({type(exc).__name__}: {exc})")

    def failed(self, exc: BaseException) -> None:
        """A call in the transaction raised ``exc``: spoil it if the database undid it."""
        if self.spoilt is None and self.aborted is not None and self.aborted():
            self.spoil("the database undid it after a statement failed", exc)


class UnitOfWork:
    """Repositories over one backend and one tenant, with transactions and events.

    Callers open a :class:`contactgraph.Store` (this class with navigation
    and actions) with :func:`contactgraph.open_store`; a third-party backend
    is wrapped as ``contactgraph.Store(backend)``. A store may be shared by
    threads: each thread has its own transaction.

    Attributes:
        accounts: Accounts and their contacts.
        opportunities: Opportunities.
        cases: Cases.
        relations: Account-contact relations.
        history: Field history of accounts and contacts (``store.history.of(id)``).
        merges: Merge records (see :meth:`contactgraph.Store.merge_contacts`).
        allow_foreign_contact_roles: Whether an opportunity may give a role
            to a contact of another account (Salesforce allows it; off by default).
    """

    def __init__(
        self,
        backend: Backend,
        *,
        allow_foreign_contact_roles: bool = False,
        actor: str | None = None,
        _owns_backend: bool = True,
    ) -> None:
        self._actor_name = check_actor(actor)
        self._backend = backend
        self._alone: Callable[[ContactQuery], list[Contact] | None] | None = getattr(
            backend, "find_contacts_alone", None
        )
        self._owns_backend = _owns_backend
        self.allow_foreign_contact_roles = allow_foreign_contact_roles
        self._current: ContextVar[_Transaction | None] = ContextVar(
            f"contactgraph_tx_{id(self)}", default=None
        )
        self._handlers: list[EventHandler] = []
        self._handlers_lock = threading.Lock()
        self._closed = False
        self.accounts = Accounts(self)
        self.opportunities = Opportunities(self)
        self.cases = Cases(self)
        self.relations = Relations(self)
        self.history = History(self)
        self._save_check: SaveCheck | None = None
        self._collectors: ContextVar[list[SaveWarning] | None] = ContextVar(
            f"contactgraph_warnings_{id(self)}", default=None
        )
        self.merges = MergeRecords(self)

    # ------------------------------------------------------------ identity

    @property
    def tenant(self) -> str:
        """The tenant every read and write of this store is confined to."""
        return self._backend.tenant

    @property
    def url(self) -> str:
        """Where the data lives (passwords hidden)."""
        return self._backend.url

    @property
    def backend(self) -> Backend:
        return self._backend

    @property
    def actor(self) -> str | None:
        """Who this store's writes are made by, in field history, unless a transaction says."""
        return self._actor_name

    def for_tenant(self, tenant: str) -> Self:
        """The same database seen as ``tenant``, a store of the same class.

        It shares this store's connections: closing it leaves this store open.
        """
        return type(self)(
            self._backend.for_tenant(check_tenant(tenant)),
            allow_foreign_contact_roles=self.allow_foreign_contact_roles,
            actor=self._actor_name,
            _owns_backend=False,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url} tenant={self.tenant!r}>"

    # -------------------------------------------------------- transactions

    @contextmanager
    def transaction(self, *, actor: str | None = None) -> Iterator[None]:
        """Group writes into one atomic unit (see the module docstring).

        ``actor`` names who makes the block's writes in field history (it wins
        over the store's ``actor``; an inner block's wins over an outer one's).

        Raises:
            InvalidValueError: ``actor`` is not ``None`` nor 1 to 256 characters.
            PolicyViolationError: at the end of the outermost block, when the
                writes would break referential integrity; nothing is written.
        """
        self._check_open()
        actor = check_actor(actor)
        tx = self._current.get()
        if tx is not None:
            tx.refuse_if_spoilt()
            try:
                savepoint = tx.session.savepoint()
            except BaseException as exc:
                tx.failed(exc)
                raise
            tx.levels.append(Changes())
            tx.actors.append(actor)
            tx.savepoints += 1
            depth = tx.savepoints
            try:
                yield
                tx.refuse_if_spoilt(ending=True)  # a failure caught inside: never a silent end
            except BaseException as exc:
                tx.levels.pop()
                tx.actors.pop()
                tx.savepoints -= 1
                try:
                    savepoint.rollback()
                    if tx.spoilt is not None and tx.spoilt[0] >= depth:
                        tx.spoilt = None  # the savepoint took the failure back
                finally:
                    tx.failed(exc)  # unless the database undid more than the savepoint
                raise
            inner = tx.levels.pop()
            tx.actors.pop()
            tx.savepoints -= 1
            try:
                savepoint.release()
            except BaseException as exc:
                tx.failed(exc)
                raise
            tx.changes.merge(inner)
            return
        session = self._backend.session(write=True)
        checks_first = (
            cast(_ChecksFirst, session) if getattr(session, "checks_first", False) else None
        )
        tx = _Transaction(
            session, [Changes()], [actor], checks_first, getattr(session, "aborted", None)
        )
        token = self._current.set(tx)
        try:
            try:
                yield
                tx.refuse_if_spoilt(ending=True)
                violations = integrity_violations(
                    session,
                    tx.changes,
                    allow_foreign_contact_roles=self.allow_foreign_contact_roles,
                )
                if violations:
                    raise PolicyViolationError(
                        violations, "transaction refused, nothing was written"
                    )
                session.commit()
            except BaseException:
                session.rollback()
                raise
        finally:
            self._current.reset(token)
        self._publish(tx.changes.events)

    def lock_accounts(self, account_ids: Iterable[str]) -> None:
        """Inside ``transaction()``: hold these accounts for writing until it ends.

        Taken in id order, so transactions that lock the same accounts queue
        instead of deadlocking, and a change that locks its accounts before
        reading them cannot lose the race to save them (no ConcurrencyError
        from a concurrent save once the lock is held). A backend that runs
        one writer at a time (memory, SQLite) needs nothing and does nothing;
        outside a transaction there is nothing to hold.

        Raises:
            InvalidValueError: ``account_ids`` is not a collection of ids (an
                id that cannot exist locks nothing).
        """
        self._check_open()
        if isinstance(account_ids, str) or not isinstance(account_ids, Iterable):
            raise InvalidValueError(
                "a collection of account ids", field="account_ids", value=account_ids
            )
        ids = list(account_ids)
        if not all(isinstance(i, str) for i in ids):
            raise InvalidValueError("an account id is text", field="account_ids", value=ids)
        tx = self._current.get()
        if tx is not None:
            tx.refuse_if_spoilt()
            try:
                tx.session.lock_accounts(sorted({i for i in ids if valid_id(i)}))
            except BaseException as exc:
                tx.failed(exc)
                raise

    def _actor(self) -> str | None:
        """Who the current write is made by: the innermost block's actor, else the store's."""
        tx = self._current.get()
        if tx is not None:
            for actor in reversed(tx.actors):
                if actor is not None:
                    return actor
        return self._actor_name

    @property
    def in_transaction(self) -> bool:
        """Whether the calling thread is inside ``transaction()``."""
        return self._current.get() is not None

    @contextmanager
    def _writing(self, *, checked: bool = False) -> Iterator[tuple[Session, Changes]]:
        """One write: atomic on its own (a savepoint inside a transaction).

        ``checked``: the write is an account's add or save, whose storage raises
        every refusal before it writes; inside a transaction on a session that
        ``checks_first`` it runs without a savepoint (see the module docstring).
        """
        tx = self._current.get()
        watched = tx.checks_first if checked and tx is not None else None
        if tx is None or watched is None:
            with self.transaction():
                tx = self._current.get()
                assert tx is not None
                yield tx.session, tx.changes
            return
        self._check_open()
        tx.refuse_if_spoilt()
        dirty = watched.dirty
        changes = Changes()
        tx.levels.append(changes)
        try:
            yield tx.session, changes
        except BaseException as exc:
            refused = isinstance(exc, PolicyViolationError | ConcurrencyError)
            if watched.dirty != dirty or not refused:  # not a refusal raised before writing
                tx.spoil("a write failed after it began writing", exc)
            tx.failed(exc)
            raise
        finally:
            tx.levels.pop()
        tx.changes.merge(changes)

    def _read(self, fn: Callable[[Session], T]) -> T:
        self._check_open()
        tx = self._current.get()
        if tx is not None:
            tx.refuse_if_spoilt()
            try:
                return fn(tx.session)
            except BaseException as exc:
                tx.failed(exc)  # no savepoint: the database may have undone the transaction
                raise
        session = self._backend.session(write=False)
        try:
            return fn(session)
        finally:
            session.rollback()

    def _find_contacts(self, query: ContactQuery) -> list[Contact]:
        """``find_contacts`` of the backend; outside a transaction, an indexed look-up
        goes to the backend's one-statement path when it has one (``find_contacts_alone``,
        see :class:`~contactgraph.repos.sql.SqlBackend`), with no session around it."""
        alone = self._alone
        if alone is not None and self._current.get() is None and not self._closed:
            found = alone(query)
            if found is not None:
                return found
        return self._read(lambda s: s.accounts.find_contacts(query))

    def _stream(self, page: Callable[[Session, T | None], list[T]]) -> Iterator[T]:
        """Every item of ``page(session, last item seen)`` (pages of 500, keyset), one session."""
        self._check_open()
        tx = self._current.get()
        if tx is not None:
            tx.refuse_if_spoilt()
        session = tx.session if tx is not None else self._backend.session(write=False)
        try:
            last: T | None = None
            while True:
                try:
                    items = page(session, last)
                except BaseException as exc:
                    if tx is not None:
                        tx.failed(exc)
                    raise
                yield from items
                if len(items) < 500:
                    return
                last = items[-1]
        finally:
            if tx is None:
                session.rollback()

    # -------------------------------------------------------------- events

    def subscribe(self, handler: EventHandler) -> Callable[[], None]:
        """Call ``handler(event)`` for each event of each committed write.

        Handlers run in the committing thread, after the commit; an exception
        in a handler is logged (logger ``contactgraph.store``) and never undoes
        the commit nor stops other handlers.

        Returns:
            A function that unsubscribes the handler (calling it twice is harmless).
        """
        if not callable(handler):
            raise InvalidValueError("must be callable", field="handler", value=handler)
        with self._handlers_lock:
            self._handlers.append(handler)

        def unsubscribe() -> None:
            with self._handlers_lock:
                if handler in self._handlers:
                    self._handlers.remove(handler)

        return unsubscribe

    def _record(self, changes: Changes, events: Iterable[DomainEvent]) -> None:
        """Keep a write's events for publication after commit, when anyone listens."""
        if self._handlers:
            changes.events.extend(events)

    def _publish(self, events: list[DomainEvent]) -> None:
        if not events:
            return
        with self._handlers_lock:
            handlers = list(self._handlers)
        for event in events:
            for handler in handlers:
                try:
                    handler(event)
                except Exception:
                    log.exception("event handler %r failed on %s", handler, event.name)

    # --------------------------------------------------------- save checks

    def install_save_check(self, check: SaveCheck | None) -> None:
        """Run ``check`` before every account write (``None``: none); see :mod:`.checks`."""
        if check is not None and not callable(check):
            raise InvalidValueError("must be callable or None", field="check", value=check)
        self._save_check = check

    @property
    def save_check(self) -> SaveCheck | None:
        """The check every account write runs (``None``: none is installed)."""
        return self._save_check

    @contextmanager
    def collect_warnings(self) -> Iterator[list[SaveWarning]]:
        """Inside the block, the save checks' warnings go to the list yielded, not to ``warnings``.

        Per thread (and task): another thread's writes still warn as usual.
        """
        found: list[SaveWarning] = []
        token = self._collectors.set(found)
        try:
            yield found
        finally:
            self._collectors.reset(token)

    def _check_write(self, account: Account, *, added: bool) -> None:
        """Run the installed save check on ``account`` before it is written."""
        check = self._save_check
        if check is None:
            return
        remarks = check(self, account, added=added)
        sink = self._collectors.get()
        for remark in remarks:
            if sink is not None:
                sink.append(remark)
            else:
                warnings.warn(remark, stacklevel=4)

    # ----------------------------------------------------------- lifecycle

    def close(self) -> None:
        """Release connections; the store cannot be used afterwards."""
        if not self._closed:
            self._closed = True
            if self._owns_backend:
                self._backend.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise StoreUnavailableError(f"store {self.url} is closed; open a new one")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        """Warn (ResourceWarning) when a store owning a resourceful backend was never closed.

        The backend is left as it is (a store of another tenant may share its
        connections): the warning is there to find the missing ``close()``.
        """
        if getattr(self, "_closed", True) or not getattr(self, "_owns_backend", False):
            return
        if getattr(self._backend, "holds_resources", True):
            warnings.warn(
                f"store {self.url} was never closed; call close() or open it in a `with` block",
                ResourceWarning,
                stacklevel=2,
                source=self,
            )
