"""The in-memory backend: the default store, and the reference the others are held to.

Each tenant's data is one immutable snapshot (:class:`Tables`, a handful of
``immutables.Map``): readers take the current snapshot without locking, a
writer works on its own copy under the tenant's lock and publishes it on
commit (an atomic reference swap). Rollback, and a savepoint, keep an old
reference: O(1), whatever was written. Indexes (email, phone, name keys,
contact to account, external ids) keep look-ups O(1) among a million contacts.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

import attrs
import immutables

from contactgraph.domain import (
    Account,
    AccountContactRelation,
    Case,
    Contact,
    Opportunity,
)
from contactgraph.errors import (
    ConcurrencyError,
    PolicyViolationError,
    StoreUnavailableError,
    Violation,
)
from contactgraph.repos.keys import (
    ContactQuery,
    account_order_key,
    case_order_key,
    contact_email_keys,
    contact_phones,
    opportunity_order_key,
    relation_order_key,
    search_matches,
    sort_contacts,
    stale_against,
)
from contactgraph.repos.protocol import AccountOrder

__all__ = ["MemoryBackend", "MemoryDatabase", "Tables"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Ids = immutables.Map[str, None]
Index = immutables.Map[Any, Ids]
_NO_IDS: Ids = immutables.Map()
_EMPTY: immutables.Map[Any, Any] = immutables.Map()


@attrs.frozen(slots=True)
class Tables:
    """One tenant's data at one moment: never changed, only replaced."""

    accounts: immutables.Map[str, Account] = _EMPTY
    owner: immutables.Map[str, str] = _EMPTY
    emails: Index = _EMPTY
    phones: Index = _EMPTY
    names: Index = _EMPTY
    children: Index = _EMPTY
    account_ext: Index = _EMPTY
    contact_ext: Index = _EMPTY
    contact_count: int = 0
    opportunities: immutables.Map[str, Opportunity] = _EMPTY
    opps_by_account: Index = _EMPTY
    opps_by_contact: Index = _EMPTY
    opp_ext: Index = _EMPTY
    cases: immutables.Map[str, Case] = _EMPTY
    cases_by_account: Index = _EMPTY
    cases_by_contact: Index = _EMPTY
    case_ext: Index = _EMPTY
    relations: immutables.Map[str, AccountContactRelation] = _EMPTY
    rels_by_account: Index = _EMPTY
    rels_by_contact: Index = _EMPTY


EMPTY_TABLES = Tables()


def _link(index: Any, key: Any, item_id: str) -> None:
    """Add ``item_id`` under ``key`` in a multimap being mutated."""
    index[key] = index.get(key, _NO_IDS).set(item_id, None)


def _unlink(index: Any, key: Any, item_id: str) -> None:
    current = index.get(key)
    if current is None or item_id not in current:
        return
    remaining = current.delete(item_id)
    if remaining:
        index[key] = remaining
    else:
        del index[key]


def _ext_keys(external_ids: immutables.Map[str, str]) -> list[tuple[str, str]]:
    return list(external_ids.items())


def _duplicate(message: str, entity_id: str) -> PolicyViolationError:
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

    def acquire(self, tenant: str) -> None:
        with self._guard:
            lock = self._locks.setdefault(tenant, threading.Lock())
            if self._owners.get(tenant) == threading.get_ident():
                raise StoreUnavailableError(
                    f"tenant {tenant!r} of memory store {self.name or '(private)'} is already "
                    "in a write transaction in this thread (through another Store object); "
                    "use one Store per thread, or nest with store.transaction()"
                )
        if not lock.acquire(timeout=self.lock_timeout):
            raise StoreUnavailableError(
                f"memory store busy: another thread held tenant {tenant!r} for more than "
                f"{self.lock_timeout:g} s"
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


class MemoryBackend:
    """Keeps every tenant's data in this process (lost when the last store closes)."""

    holds_resources: ClassVar[bool] = False
    """Nothing to release: a store on it that is never closed does not warn."""

    def __init__(
        self, database: MemoryDatabase | None = None, *, tenant: str = "default", url: str = ""
    ) -> None:
        self.database = database if database is not None else MemoryDatabase()
        self.tenant = tenant
        name = self.database.name
        self.url = url or (f"memory://{name}" if name else "memory://")

    def session(self, *, write: bool) -> MemorySession:
        return MemorySession(self.database, self.tenant, write)

    def for_tenant(self, tenant: str) -> MemoryBackend:
        return MemoryBackend(self.database, tenant=tenant, url=self.url)

    def close(self) -> None:
        """Nothing to release: the data lives as long as a store refers to it."""


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

    def __init__(self, database: MemoryDatabase, tenant: str, write: bool) -> None:
        self._database = database
        self._tenant = tenant
        self._write = write
        if write:
            database.acquire(tenant)
        self._open = True
        self.tables = database.tables(tenant)
        self.sorted_accounts: dict[tuple[AccountOrder, bool], tuple[Any, list[Account]]] = {}
        self.accounts = MemoryAccounts(self)
        self.opportunities = MemoryOpportunities(self)
        self.cases = MemoryCases(self)
        self.relations = MemoryRelations(self)

    def savepoint(self) -> _MemorySavepoint:
        return _MemorySavepoint(self)

    def commit(self) -> None:
        if self._write and self._open:
            self._database.publish(self._tenant, self.tables)
        self._end()

    def rollback(self) -> None:
        self._end()

    def _end(self) -> None:
        if self._open:
            self._open = False
            if self._write:
                self._database.release(self._tenant)


# ------------------------------------------------------------------ accounts


def _index_contact(t: dict[str, Any], contact: Contact) -> None:
    for key in contact_email_keys(contact):
        _link(t["emails"], key, contact.id)
    for number in contact_phones(contact):
        _link(t["phones"], number, contact.id)
    for key in contact.name.match_keys:
        _link(t["names"], key, contact.id)
    for pair in _ext_keys(contact.external_ids):
        _link(t["contact_ext"], pair, contact.id)


def _unindex_contact(t: dict[str, Any], contact: Contact) -> None:
    for key in contact_email_keys(contact):
        _unlink(t["emails"], key, contact.id)
    for number in contact_phones(contact):
        _unlink(t["phones"], number, contact.id)
    for key in contact.name.match_keys:
        _unlink(t["names"], key, contact.id)
    for pair in _ext_keys(contact.external_ids):
        _unlink(t["contact_ext"], pair, contact.id)


class _Mutation:
    """Batch changes to some fields of :class:`Tables`, then build the new snapshot."""

    def __init__(self, tables: Tables, *fields: str) -> None:
        self._tables = tables
        self.maps: dict[str, Any] = {f: getattr(tables, f).mutate() for f in fields}

    def __getitem__(self, field: str) -> Any:
        return self.maps[field]

    def finish(self, **other: Any) -> Tables:
        changes = {f: m.finish() for f, m in self.maps.items()}
        return attrs.evolve(self._tables, **changes, **other)


_ACCOUNT_FIELDS = (
    "accounts",
    "owner",
    "emails",
    "phones",
    "names",
    "children",
    "account_ext",
    "contact_ext",
)


class _Part:
    def __init__(self, session: MemorySession) -> None:
        self._session = session

    @property
    def _t(self) -> Tables:
        return self._session.tables


class MemoryAccounts(_Part):
    def insert(self, account: Account) -> None:
        t = self._t
        if account.id in t.accounts:
            raise _duplicate(f"an account with id {account.id} exists", account.id)
        for cid in account.contacts:
            holder = t.owner.get(cid)
            if holder is not None:
                raise _duplicate(f"contact id {cid} is taken by account {holder}", cid)
        m = _Mutation(t, *_ACCOUNT_FIELDS)
        m["accounts"][account.id] = account.committed(1)
        for contact in account.contacts.values():
            m["owner"][contact.id] = account.id
            _index_contact(m.maps, contact)
        if account.parent_id is not None:
            _link(m["children"], account.parent_id, account.id)
        for pair in _ext_keys(account.external_ids):
            _link(m["account_ext"], pair, account.id)
        self._session.tables = m.finish(contact_count=t.contact_count + len(account.contacts))

    def load(self, account_id: str) -> Account | None:
        return self._t.accounts.get(account_id)

    def load_many(self, account_ids: Collection[str]) -> list[Account]:
        accounts = self._t.accounts
        return [a for a in (accounts.get(i) for i in account_ids) if a is not None]

    def update(self, account: Account) -> None:
        t = self._t
        stored = t.accounts.get(account.id)
        stale, actual = stale_against(stored, account)
        if stale or stored is None:
            raise ConcurrencyError("Account", account.id, account.version, actual)
        touched = account.touched_contact_ids()
        for cid in touched:
            if cid in account.contacts and cid not in stored.contacts:
                holder = t.owner.get(cid)
                if holder is not None:
                    raise _duplicate(f"contact id {cid} is taken by account {holder}", cid)
        m = _Mutation(t, *_ACCOUNT_FIELDS)
        count = t.contact_count
        for cid in touched:
            old = stored.contacts.get(cid)
            new = account.contacts.get(cid)
            if old is not None:
                _unindex_contact(m.maps, old)
                if new is None:
                    del m["owner"][cid]
                    count -= 1
            if new is not None:
                _index_contact(m.maps, new)
                if old is None:
                    m["owner"][cid] = account.id
                    count += 1
        if stored.parent_id != account.parent_id:
            if stored.parent_id is not None:
                _unlink(m["children"], stored.parent_id, account.id)
            if account.parent_id is not None:
                _link(m["children"], account.parent_id, account.id)
        if stored.external_ids != account.external_ids:
            for pair in _ext_keys(stored.external_ids):
                _unlink(m["account_ext"], pair, account.id)
            for pair in _ext_keys(account.external_ids):
                _link(m["account_ext"], pair, account.id)
        m["accounts"][account.id] = account.committed(account.version + 1)
        self._session.tables = m.finish(contact_count=count)

    def delete(self, account_id: str) -> list[str] | None:
        t = self._t
        stored = t.accounts.get(account_id)
        if stored is None:
            return None
        m = _Mutation(t, *_ACCOUNT_FIELDS)
        for contact in stored.contacts.values():
            _unindex_contact(m.maps, contact)
            del m["owner"][contact.id]
        if stored.parent_id is not None:
            _unlink(m["children"], stored.parent_id, account_id)
        for pair in _ext_keys(stored.external_ids):
            _unlink(m["account_ext"], pair, account_id)
        del m["accounts"][account_id]
        self._session.tables = m.finish(contact_count=t.contact_count - len(stored.contacts))
        return list(stored.contacts)

    def exists(self, account_id: str) -> bool:
        return account_id in self._t.accounts

    def owner_of(self, contact_id: str) -> str | None:
        return self._t.owner.get(contact_id)

    def parents_of(self, account_ids: Collection[str]) -> dict[str, str | None]:
        return {a.id: a.parent_id for a in self.load_many(account_ids)}

    def owners_of(self, contact_ids: Collection[str]) -> dict[str, str]:
        owner = self._t.owner
        return {cid: owner[cid] for cid in contact_ids if cid in owner}

    def load_contacts(self, contact_ids: Collection[str]) -> list[Contact]:
        t = self._t
        out = []
        for cid in contact_ids:
            holder = t.owner.get(cid)
            if holder is not None:
                out.append(t.accounts[holder].contacts[cid])
        return out

    def _all_contacts(self) -> Iterator[Contact]:
        for account in self._t.accounts.values():
            yield from account.contacts.values()

    def find_contacts(self, query: ContactQuery) -> list[Contact]:
        t = self._t
        candidates: Iterable[Contact]
        if query.email is not None:
            candidates = self.load_contacts(list(t.emails.get(query.email, _NO_IDS)))
        elif query.phone is not None:
            candidates = self.load_contacts(list(t.phones.get(query.phone, _NO_IDS)))
        elif query.name is not None:
            candidates = self.load_contacts(list(t.names.get(query.name, _NO_IDS)))
        elif query.account_id is not None:
            account = t.accounts.get(query.account_id)
            candidates = account.contacts.values() if account is not None else ()
        else:
            candidates = self._all_contacts()
        found = sort_contacts(c for c in candidates if query.matches(c))
        return found if query.limit is None else found[: query.limit]

    def search_contacts(self, needle: str, limit: int) -> list[Contact]:
        found = sort_contacts(c for c in self._all_contacts() if search_matches(needle, c))
        return found[:limit]

    def list(
        self,
        order_by: AccountOrder,
        descending: bool,
        offset: int,
        limit: int | None,
        parent_id: str | None,
    ) -> list[Account]:
        t = self._t
        accounts: Iterable[Account]
        if parent_id is not None:
            accounts = self.load_many(list(t.children.get(parent_id, _NO_IDS)))
            ordered = sorted(
                accounts, key=lambda a: account_order_key(order_by, a), reverse=descending
            )
        else:
            # pages of one snapshot (iteration) sort once
            cached = self._session.sorted_accounts.get((order_by, descending))
            if cached is not None and cached[0] is t.accounts:
                ordered = cached[1]
            else:
                ordered = sorted(
                    t.accounts.values(),
                    key=lambda a: account_order_key(order_by, a),
                    reverse=descending,
                )
                self._session.sorted_accounts[order_by, descending] = (t.accounts, ordered)
        end = None if limit is None else offset + limit
        return ordered[offset:end]

    def count(self) -> int:
        return len(self._t.accounts)

    def count_contacts(self) -> int:
        return self._t.contact_count

    def by_external_id(self, system: str, value: str) -> Account | None:
        ids = self._t.account_ext.get((system, value))
        return self._t.accounts[min(ids)] if ids else None

    def contact_by_external_id(self, system: str, value: str) -> Contact | None:
        ids = self._t.contact_ext.get((system, value))
        if not ids:
            return None
        return self.load_contacts([min(ids)])[0]


# ------------------------------------------------- opportunities, cases, relations


def _page(items: list[V], offset: int, limit: int | None) -> list[V]:
    end = None if limit is None else offset + limit
    return items[offset:end]


def _candidates(
    by_account: Index,
    by_contact: Index,
    account_id: str | None,
    contact_ids: Collection[str] | None,
) -> set[str] | None:
    """Ids under ``account_id`` and any of ``contact_ids``; ``None`` means every id."""
    found: set[str] | None = None
    if account_id is not None:
        found = set(by_account.get(account_id, _NO_IDS))
    if contact_ids is not None:
        ids: set[str] = set()
        for cid in contact_ids:
            ids.update(by_contact.get(cid, _NO_IDS))
        found = ids if found is None else found & ids
    return found


class _Filed(Protocol):
    """What this backend needs of an aggregate filed under an account."""

    @property
    def id(self) -> str: ...
    @property
    def account_id(self) -> str: ...
    @property
    def version(self) -> int: ...
    def committed(self, version: int) -> Self: ...


class _Closable(_Filed, Protocol):
    """An opportunity or a case: open or closed, with ids in other systems."""

    @property
    def is_closed(self) -> bool: ...
    @property
    def external_ids(self) -> immutables.Map[str, str]: ...


L = TypeVar("L", bound=_Filed)
C = TypeVar("C", bound=_Closable)


class _Linked(_Part, Generic[L]):
    """Aggregates filed under one account and some of its contacts: one table, an
    index by account and one by contact."""

    _KIND: str
    _NOUN: str
    _TABLE: str
    _BY_ACCOUNT: str
    _BY_CONTACT: str

    @staticmethod
    def _contact_ids(item: L) -> Iterable[str]:
        raise NotImplementedError

    @property
    def _items(self) -> immutables.Map[str, L]:
        items: immutables.Map[str, L] = getattr(self._t, self._TABLE)
        return items

    def _fields(self) -> tuple[str, ...]:
        return (self._TABLE, self._BY_ACCOUNT, self._BY_CONTACT)

    def _mutation(self) -> _Mutation:
        return _Mutation(self._t, *self._fields())

    def _index(self, m: _Mutation, item: L, add: bool) -> None:
        change = _link if add else _unlink
        change(m[self._BY_ACCOUNT], item.account_id, item.id)
        for cid in self._contact_ids(item):
            change(m[self._BY_CONTACT], cid, item.id)

    def insert(self, item: L) -> None:
        if item.id in self._items:
            raise _duplicate(f"{self._NOUN} with id {item.id} exists", item.id)
        m = self._mutation()
        m[self._TABLE][item.id] = item.committed(1)
        self._index(m, item, True)
        self._session.tables = m.finish()

    def load(self, item_id: str) -> L | None:
        return self._items.get(item_id)

    def update(self, item: L) -> None:
        stored = self._items.get(item.id)
        stale, actual = stale_against(stored, item)
        if stale or stored is None:
            raise ConcurrencyError(self._KIND, item.id, item.version, actual)
        m = self._mutation()
        self._index(m, stored, False)
        m[self._TABLE][item.id] = item.committed(item.version + 1)
        self._index(m, item, True)
        self._session.tables = m.finish()

    def delete(self, item_id: str) -> bool:
        stored = self._items.get(item_id)
        if stored is None:
            return False
        m = self._mutation()
        self._index(m, stored, False)
        del m[self._TABLE][item_id]
        self._session.tables = m.finish()
        return True

    def _select(self, account_id: str | None, contact_ids: Collection[str] | None) -> Iterable[L]:
        t, items = self._t, self._items
        by_account, by_contact = getattr(t, self._BY_ACCOUNT), getattr(t, self._BY_CONTACT)
        ids = _candidates(by_account, by_contact, account_id, contact_ids)
        return items.values() if ids is None else (items[i] for i in ids)

    def count(self) -> int:
        return len(self._items)


class _LinkedClosable(_Linked[C]):
    """Opportunities and cases: also indexed by external id, listed in pages,
    optionally only the open ones."""

    _BY_EXTERNAL_ID: str
    _ORDER: Callable[[C], Any]

    def _fields(self) -> tuple[str, ...]:
        return (*super()._fields(), self._BY_EXTERNAL_ID)

    def _index(self, m: _Mutation, item: C, add: bool) -> None:
        super()._index(m, item, add)
        change = _link if add else _unlink
        for pair in _ext_keys(item.external_ids):
            change(m[self._BY_EXTERNAL_ID], pair, item.id)

    def list(
        self,
        account_id: str | None,
        contact_ids: Collection[str] | None,
        open_only: bool,
        offset: int,
        limit: int | None,
    ) -> list[C]:
        chosen = [
            x for x in self._select(account_id, contact_ids) if not (open_only and x.is_closed)
        ]
        return _page(sorted(chosen, key=type(self)._ORDER), offset, limit)

    def by_external_id(self, system: str, value: str) -> C | None:
        ids = getattr(self._t, self._BY_EXTERNAL_ID).get((system, value))
        return self._items[min(ids)] if ids else None


class MemoryOpportunities(_LinkedClosable[Opportunity]):
    _KIND, _NOUN, _TABLE = "Opportunity", "an opportunity", "opportunities"
    _BY_ACCOUNT, _BY_CONTACT, _BY_EXTERNAL_ID = "opps_by_account", "opps_by_contact", "opp_ext"
    _ORDER = staticmethod(opportunity_order_key)

    @staticmethod
    def _contact_ids(item: Opportunity) -> Iterable[str]:
        return item.contact_ids


class MemoryCases(_LinkedClosable[Case]):
    _KIND, _NOUN, _TABLE = "Case", "a case", "cases"
    _BY_ACCOUNT, _BY_CONTACT, _BY_EXTERNAL_ID = "cases_by_account", "cases_by_contact", "case_ext"
    _ORDER = staticmethod(case_order_key)

    @staticmethod
    def _contact_ids(item: Case) -> Iterable[str]:
        return () if item.contact_id is None else (item.contact_id,)


class MemoryRelations(_Linked[AccountContactRelation]):
    _KIND, _NOUN, _TABLE = "AccountContactRelation", "a relation", "relations"
    _BY_ACCOUNT, _BY_CONTACT = "rels_by_account", "rels_by_contact"

    @staticmethod
    def _contact_ids(item: AccountContactRelation) -> Iterable[str]:
        return (item.contact_id,)

    def list(
        self, account_id: str | None, contact_ids: Collection[str] | None
    ) -> list[AccountContactRelation]:
        return sorted(self._select(account_id, contact_ids), key=relation_order_key)
