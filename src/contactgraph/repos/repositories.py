"""The repositories a store hands out: Accounts, Opportunities, Cases, Relations.

They check the caller's arguments (types, ids, pagination), then read or
write through the backend's storage objects inside their unit of work: each
write runs in :meth:`~contactgraph.repos.unit_of_work.UnitOfWork.transaction`
and tells it what referential integrity must re-check
(:class:`~contactgraph.repos.integrity.Changes`) and which events to publish
after the commit. They implement the protocols of :mod:`contactgraph.repos.protocol`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any, ClassVar, Generic, Protocol, TypeVar, Unpack

from contactgraph.domain import (
    Account,
    AccountContactRelation,
    Case,
    Contact,
    DomainEvent,
    Opportunity,
)
from contactgraph.domain.common import utcnow
from contactgraph.domain.events import AccountRemoved, AccountUpdated
from contactgraph.domain.lookup import phone_keys
from contactgraph.errors import InvalidValueError, NotFoundError
from contactgraph.repos.arguments import (
    account_filter as _account_filter,
)
from contactgraph.repos.arguments import (
    contact_ids as _contact_ids,
)
from contactgraph.repos.arguments import (
    expect as _expect,
)
from contactgraph.repos.arguments import (
    id_list as _id_list,
)
from contactgraph.repos.arguments import (
    known as _known,
)
from contactgraph.repos.arguments import (
    refuse_ids as _refuse_ids,
)
from contactgraph.repos.arguments import (
    system_value as _system_value,
)
from contactgraph.repos.backend import AccountLinkedStorage, Session
from contactgraph.repos.history import account_entries, removal_entries
from contactgraph.repos.integrity import Changes
from contactgraph.repos.keys import (
    SEARCH_COUNT_LIMIT,
    ContactQuery,
    check_count_up_to,
    check_limit,
    is_storable,
    key,
    phone_line,
    search_count_bound,
    search_needle,
    sort_contacts,
    valid_id,
)
from contactgraph.repos.protocol import AccountOrder, ContactCriteria, SearchResult

__all__ = ["Accounts", "Cases", "Opportunities", "Relations", "UnitOfWorkAccess"]

T = TypeVar("T")


class UnitOfWorkAccess(Protocol):
    """What a repository needs from the unit of work it belongs to."""

    def _writing(self, *, checked: bool = False) -> AbstractContextManager[tuple[Session, Changes]]:
        """One write: atomic on its own (a savepoint inside a transaction, unless
        ``checked``: an account write whose storage refuses before writing)."""
        ...

    def _read(self, fn: Callable[[Session], T]) -> T:
        """``fn`` on the current transaction's session, or on a read-only one."""
        ...

    def _find_contacts(self, query: ContactQuery) -> list[Contact]:
        """The backend's ``find_contacts(query)``, on the current transaction or alone."""
        ...

    def _stream(self, page: Callable[[Session, T | None], list[T]]) -> Iterator[T]:
        """Every item of ``page(session, last item seen)``, page after page, from one session."""
        ...

    def _record(self, changes: Changes, events: Iterable[DomainEvent]) -> None:
        """Keep a write's events for publication after the commit."""
        ...

    def _actor(self) -> str | None:
        """Who the current write is made by, for field history."""
        ...

    def _check_write(self, account: Account, *, added: bool) -> None:
        """Run the installed save check (see :mod:`contactgraph.repos.checks`)."""
        ...


# ----------------------------------------------------------------- checks


def _search_result(
    limit: int | None,
    count_up_to: int,
    total: int,
    *,
    contacts: tuple[Contact, ...] = (),
    accounts: tuple[Account, ...] = (),
) -> SearchResult:
    """The page found and its total: past the count's bound (a backend may count on),
    the bound, marked inexact."""
    bound = search_count_bound(limit, count_up_to)
    if bound is None or total <= bound:
        return SearchResult(contacts=contacts, accounts=accounts, total=total)
    return SearchResult(contacts=contacts, accounts=accounts, total=bound, total_is_exact=False)


def _parent_changed(account: Account) -> bool:
    return any(
        isinstance(e, AccountUpdated) and any(c.field == "parent_id" for c in e.changes)
        for e in account.pending_events
    )


# ------------------------------------------------------------- repositories


class _Repository:
    def __init__(self, store: UnitOfWorkAccess) -> None:
        self._store = store


class Accounts(_Repository):
    """Accounts with their contacts (see :class:`~contactgraph.repos.protocol.AccountRepository`)."""

    def add(self, account: Account) -> Account:
        account = _expect(account, Account, "account")
        _refuse_ids(
            "account",
            [("id", account.id), *(("contact id", c) for c in account.contacts)],
        )
        self._store._check_write(account, added=True)
        with self._store._writing(checked=True) as (session, changes):
            session.accounts.insert(account)
            session.history.append(account_entries(account, self._store._actor()))
            if account.parent_id is not None:
                changes.parents.add(account.id)
            self._store._record(changes, account.pending_events)
        return account.committed(1)

    def get(self, account_id: str) -> Account:
        found = self._store._read(
            lambda s: s.accounts.load(account_id) if _known(account_id) else None
        )
        if found is None:
            raise NotFoundError("Account", account_id)
        return found

    def get_many(self, account_ids: Iterable[str]) -> list[Account]:
        """The accounts that exist among ``account_ids``, in that order (one query)."""
        ids = [i for i in dict.fromkeys(_id_list(account_ids, "account_ids")) if _known(i)]
        if not ids:
            return []
        found = {a.id: a for a in self._store._read(lambda s: s.accounts.load_many(ids))}
        return [found[i] for i in ids if i in found]

    def exists(self, account_id: str) -> bool:
        """Whether the account exists (without loading its contacts)."""
        return _known(account_id) and self._store._read(lambda s: s.accounts.exists(account_id))

    def save(self, account: Account) -> Account:
        account = _expect(account, Account, "account")
        if not account.pending_events:
            return account
        if account.version == 0:
            raise NotFoundError("Account", account.id)
        touched = account.touched_contacts()
        _refuse_ids("account", [("contact id", c) for c in touched if c in account.contacts])
        self._store._check_write(account, added=False)
        with self._store._writing(checked=True) as (session, changes):
            gone = [c for c, existed in touched.items() if existed and c not in account.contacts]
            labels = {c.id: f"{c.full_name} ({c.id})" for c in session.accounts.load_contacts(gone)}
            session.accounts.update(account)
            session.history.append(account_entries(account, self._store._actor()))
            if _parent_changed(account):
                changes.parents.add(account.id)
            for cid in gone:
                changes.removed_contacts[cid] = labels.get(cid, f"contact {cid}")
            self._store._record(changes, account.pending_events)
        return account.committed(account.version + 1)

    def remove(self, account_id: str) -> None:
        """Remove an account and its contacts. Raises NotFoundError.

        Refused (:class:`PolicyViolationError`, code ``account.referenced``,
        naming what refers to it) while opportunities, cases or relations
        refer to the account or to one of its contacts; remove or re-point
        them first, or in the same transaction.
        """
        with self._store._writing() as (session, changes):
            removed = session.accounts.delete(account_id) if _known(account_id) else None
            if removed is None:
                raise NotFoundError("Account", account_id)
            changes.removed_accounts[account_id] = removed
            now = utcnow()
            session.history.append(removal_entries(account_id, removed, now, self._store._actor()))
            self._store._record(changes, [AccountRemoved(aggregate_id=account_id, occurred_at=now)])

    def account_of(self, contact_id: str) -> Account:
        found = (
            self._store._read(lambda s: s.accounts.load_owner_of(contact_id))
            if _known(contact_id)
            else None
        )
        if found is None:
            raise NotFoundError("Contact", contact_id)
        return found

    def account_id_of(self, contact_id: str) -> str:
        """The id of the account owning ``contact_id`` (one index look-up). Raises NotFoundError."""
        found = self._store._read(
            lambda s: s.accounts.owner_of(contact_id) if _known(contact_id) else None
        )
        if found is None:
            raise NotFoundError("Contact", contact_id)
        return found

    def get_contact(self, contact_id: str) -> Contact:
        """One contact, without loading its account's other contacts. Raises NotFoundError."""
        if not isinstance(contact_id, str):
            raise NotFoundError("Contact", contact_id)
        found = self.contacts_by_id([contact_id])
        if contact_id not in found:
            raise NotFoundError("Contact", contact_id)
        return found[contact_id]

    def contacts_by_id(self, contact_ids: Iterable[str]) -> dict[str, Contact]:
        """The contacts that exist among ``contact_ids``, wherever they belong (one query)."""
        ids = [i for i in dict.fromkeys(_id_list(contact_ids, "contact_ids")) if _known(i)]
        if not ids:
            return {}
        found = self._store._read(lambda s: s.accounts.load_contacts(ids))
        return {c.id: c for c in found}

    def children_of(self, account_id: str) -> list[Account]:
        """Accounts whose ``parent_id`` is ``account_id``, by name."""
        return self.list(parent_id=account_id)

    def find_contacts(self, **criteria: Unpack[ContactCriteria]) -> list[Contact]:
        query = ContactQuery.build(**criteria)
        if query.impossible:
            return []
        return self._store._find_contacts(query)

    def find_contacts_on_line(self, phone: str, *, limit: int | None = None) -> list[Contact]:
        if not isinstance(phone, str):
            raise InvalidValueError("a phone number is text", field="phone", value=phone)
        check_limit(limit)
        if limit == 0 or not is_storable(phone):
            return []
        lines = dict.fromkeys(x for x in map(phone_line, phone_keys(phone)) if x is not None)
        found: dict[str, Contact] = {}
        for line in lines:  # two when libphonenumber reads the text as another number
            query = ContactQuery(line=line, limit=limit)
            found.update((c.id, c) for c in self._store._find_contacts(query))
        contacts = sort_contacts(found.values()) if len(lines) > 1 else list(found.values())
        return contacts if limit is None else contacts[:limit]

    def search_contacts(self, text: str, *, limit: int = 50) -> list[Contact]:
        return list(self.search(text, limit=limit, count_up_to=0).contacts)

    def search(
        self, text: str, *, limit: int = 50, count_up_to: int = SEARCH_COUNT_LIMIT
    ) -> SearchResult:
        check_limit(limit)
        check_count_up_to(count_up_to)
        needle = search_needle(text)
        if needle is None:
            return SearchResult()
        found, total = self._store._read(
            lambda s: s.accounts.search_contacts(needle, limit, count_up_to)
        )
        return _search_result(limit, count_up_to, total, contacts=tuple(found))

    def search_accounts(
        self, text: str, *, limit: int = 50, count_up_to: int = SEARCH_COUNT_LIMIT
    ) -> SearchResult:
        check_limit(limit)
        check_count_up_to(count_up_to)
        needle = search_needle(text)
        if needle is None:
            return SearchResult()
        found, total = self._store._read(
            lambda s: s.accounts.search_accounts(needle, limit, count_up_to)
        )
        return _search_result(limit, count_up_to, total, accounts=tuple(found))

    def find_by_name(self, name: str) -> list[Account]:
        """Accounts named ``name``, case and accents ignored ("acme sa" finds "ACME SA"), by id.

        1 call, through the store's index of names.
        """
        if not isinstance(name, str):
            raise InvalidValueError("a name is text", field="name", value=name)
        if not name.strip() or not is_storable(name):
            return []
        wanted = key(name)
        return self._store._read(lambda s: s.accounts.by_name_key(wanted))

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
        """A page of accounts; ``after`` (an account id) starts it after that account.

        ``after`` pages by keyset: the store seeks to the row instead of
        counting the ones before it, so the last page of a million accounts
        costs what the first does, and rows added or removed on earlier pages
        shift nothing. In ``order_by="id"`` the id need not exist any more; in
        another order an unknown ``after`` raises :class:`NotFoundError`.
        """
        if after is not None and not valid_id(after):
            raise InvalidValueError("after must be an account id", field="after", value=after)
        try:
            if not isinstance(order_by, str):  # Enum's own message would repr() it
                raise ValueError(order_by)
            order = AccountOrder(order_by)
        except ValueError:
            allowed = ", ".join(o.value for o in AccountOrder)
            raise InvalidValueError(
                f"unknown order; use one of {allowed}", field="order_by", value=order_by
            ) from None
        check_limit(limit, offset)
        parent, possible = _account_filter(parent_id)
        if limit == 0 or not possible:
            return []
        return self._store._read(
            lambda s: s.accounts.list(order, bool(descending), offset, limit, parent, after=after)
        )

    def __iter__(self) -> Iterator[Account]:
        """Every account by name, in pages of 500 from one snapshot where the backend has one."""
        return self._store._stream(
            lambda s, last: s.accounts.list(
                AccountOrder.NAME, False, 0, 500, None, after=None if last is None else last.id
            )
        )

    def count(self) -> int:
        return self._store._read(lambda s: s.accounts.count())

    def count_contacts(self) -> int:
        return self._store._read(lambda s: s.accounts.count_contacts())

    def find_by_external_id(self, system: str, value: str) -> Account | None:
        if not _system_value(system, value):
            return None
        return self._store._read(lambda s: s.accounts.by_external_id(system, value))

    def find_contact_by_external_id(self, system: str, value: str) -> Contact | None:
        if not _system_value(system, value):
            return None
        return self._store._read(lambda s: s.accounts.contact_by_external_id(system, value))


A = TypeVar("A", Opportunity, Case)


class _Linked(_Repository, Generic[A]):
    """What opportunities and cases share: an aggregate that refers to an account by id."""

    _kind: ClassVar[str]
    _type: ClassVar[type[Any]]

    def _storage(self, session: Session) -> AccountLinkedStorage[A]:
        raise NotImplementedError

    def _refs(self, item: A) -> list[tuple[str, object]]:
        """The ids the aggregate refers to (checked before any write)."""
        raise NotImplementedError

    def _note(self, changes: Changes, item: A, *, added: bool) -> None:
        """Tell the transaction what integrity must re-check after this write."""
        raise NotImplementedError

    def add(self, item: A) -> A:
        item = _expect(item, self._type, self._kind.lower())
        _refuse_ids(self._kind.lower(), [("id", item.id), *self._refs(item)])
        with self._store._writing() as (session, changes):
            self._storage(session).insert(item)
            self._note(changes, item, added=True)
            self._store._record(changes, item.pending_events)
        return item.committed(1)

    def get(self, item_id: str) -> A:
        found = self._store._read(
            lambda s: self._storage(s).load(item_id) if _known(item_id) else None
        )
        if found is None:
            raise NotFoundError(self._kind, item_id)
        return found

    def save(self, item: A) -> A:
        item = _expect(item, self._type, self._kind.lower())
        if not item.pending_events:
            return item
        if item.version == 0:
            raise NotFoundError(self._kind, item.id)
        _refuse_ids(self._kind.lower(), self._refs(item))
        with self._store._writing() as (session, changes):
            self._storage(session).update(item)
            self._note(changes, item, added=False)
            self._store._record(changes, item.pending_events)
        return item.committed(item.version + 1)

    def remove(self, item_id: str) -> None:
        with self._store._writing() as (session, _changes):
            if not (_known(item_id) and self._storage(session).delete(item_id)):
                raise NotFoundError(self._kind, item_id)

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
        """A page of those under ``account_id``, in the repository's order (see the class).

        ``contact_id`` and ``contact_ids`` select those involving any of these
        contacts (one query for many contacts).
        """
        check_limit(limit, offset)
        account, possible = _account_filter(account_id)
        ids = _contact_ids(contact_id, contact_ids)
        if limit == 0 or not possible or ids == []:
            return []
        return self._store._read(
            lambda s: self._storage(s).list(account, ids, bool(open_only), offset, limit)
        )

    def count(self) -> int:
        return self._store._read(lambda s: self._storage(s).count())

    def find_by_external_id(self, system: str, value: str) -> A | None:
        if not _system_value(system, value):
            return None
        return self._store._read(lambda s: self._storage(s).by_external_id(system, value))


class Opportunities(_Linked[Opportunity]):
    """Opportunities and their contact roles; ``list`` sorts by close date (undated last),
    name, id, and its ``contact_ids`` selects those giving a role to any of these contacts."""

    _kind = "Opportunity"
    _type = Opportunity

    def _storage(self, session: Session) -> AccountLinkedStorage[Opportunity]:
        return session.opportunities

    def _refs(self, item: Opportunity) -> list[tuple[str, object]]:
        refs: list[tuple[str, object]] = [("account_id", item.account_id)]
        return refs + [("contact id", c) for c in item.contact_ids]

    def _note(self, changes: Changes, item: Opportunity, *, added: bool) -> None:
        changes.note_opportunity(item, added=added)


class Cases(_Linked[Case]):
    """Support cases; ``list`` sorts the most recently opened first, then by id."""

    _kind = "Case"
    _type = Case

    def _storage(self, session: Session) -> AccountLinkedStorage[Case]:
        return session.cases

    def _refs(self, item: Case) -> list[tuple[str, object]]:
        refs: list[tuple[str, object]] = [("account_id", item.account_id)]
        if item.contact_id is not None:
            refs.append(("contact_id", item.contact_id))
        return refs

    def _note(self, changes: Changes, item: Case, *, added: bool) -> None:
        changes.note_case(item, added=added)


class Relations(_Repository):
    """A contact's relations to accounts other than its own."""

    def add(self, relation: AccountContactRelation) -> AccountContactRelation:
        rel = _expect(relation, AccountContactRelation, "relation")
        _refuse_ids(
            "relation",
            [("id", rel.id), ("account_id", rel.account_id), ("contact_id", rel.contact_id)],
        )
        with self._store._writing() as (session, changes):
            session.relations.insert(rel)
            changes.relations.add(rel.id)
        return rel.committed(1)

    def get(self, relation_id: str) -> AccountContactRelation:
        found = self._store._read(
            lambda s: s.relations.load(relation_id) if _known(relation_id) else None
        )
        if found is None:
            raise NotFoundError("AccountContactRelation", relation_id)
        return found

    def save(self, relation: AccountContactRelation) -> AccountContactRelation:
        """Write the relation (it records no events, so it is always written)."""
        rel = _expect(relation, AccountContactRelation, "relation")
        if rel.version == 0:
            raise NotFoundError("AccountContactRelation", rel.id)
        _refuse_ids("relation", [("account_id", rel.account_id), ("contact_id", rel.contact_id)])
        with self._store._writing() as (session, changes):
            session.relations.update(rel)
            changes.relations.add(rel.id)
        return rel.committed(rel.version + 1)

    def remove(self, relation_id: str) -> None:
        with self._store._writing() as (session, _changes):
            if not (_known(relation_id) and session.relations.delete(relation_id)):
                raise NotFoundError("AccountContactRelation", relation_id)

    def list(
        self,
        *,
        account_id: str | None = None,
        contact_id: str | None = None,
        contact_ids: Iterable[str] | None = None,
    ) -> list[AccountContactRelation]:
        """Relations by start date (undated first), then id."""
        account, possible = _account_filter(account_id)
        ids = _contact_ids(contact_id, contact_ids)
        if not possible or ids == []:
            return []
        return self._store._read(lambda s: s.relations.list(account, ids))

    def count(self) -> int:
        return self._store._read(lambda s: s.relations.count())
