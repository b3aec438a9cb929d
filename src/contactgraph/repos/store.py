"""The Store: repositories over one backend, one transaction, events after commit.

Every backend (memory, SQLite, PostgreSQL, a third party's) sits behind the
same :class:`Store`, so the rules that are not about storage live here once:

* **Transactions.** ``with store.transaction():`` opens a transaction for the
  calling thread; blocks nest as savepoints (an exception leaving a nested
  block undoes that block's writes; leaving the outermost, everything).
  Outside a block each write is its own transaction.
* **Events.** Pending events of every saved aggregate are published to
  subscribers after the outermost commit, in the order of the writes, and
  never for a rolled-back write. A transaction keeps events only while the
  store has subscribers: a write made when nobody is subscribed keeps none
  (so a million-row import holds no event until its commit), and a handler
  subscribed in the middle of a transaction sees only the events of the
  writes made after it subscribed.
* **Referential integrity across aggregates**, checked on the final state
  just before the outermost commit (so the order of writes inside a
  transaction does not matter): see :func:`integrity_violations`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import attrs

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
from contactgraph.errors import (
    InvalidValueError,
    NotFoundError,
    PolicyViolationError,
    StoreUnavailableError,
    Violation,
)
from contactgraph.repos.backend import AccountLinkedStorage, Backend, Session
from contactgraph.repos.keys import (
    ContactQuery,
    case_links_changed,
    check_limit,
    first_role_change,
    is_storable,
    search_needle,
    valid_id,
)
from contactgraph.repos.protocol import AccountOrder, EventHandler

if TYPE_CHECKING:
    from contactgraph.graph import Navigator

__all__ = ["Store", "integrity_violations"]

log = logging.getLogger("contactgraph.store")

T = TypeVar("T")


# ------------------------------------------------------------- transactions


@attrs.define
class _Changes:
    """What one transaction level wrote: its events and what integrity must re-check."""

    events: list[DomainEvent] = attrs.Factory(list)
    opportunities: dict[str, set[str] | None] = attrs.Factory(dict)
    cases: set[str] = attrs.Factory(set)
    relations: set[str] = attrs.Factory(set)
    removed_contacts: dict[str, str] = attrs.Factory(dict)
    removed_accounts: dict[str, list[str]] = attrs.Factory(dict)
    parents: set[str] = attrs.Factory(set)
    """Accounts written with a new parent (the hierarchy is checked from them)."""

    def check_roles(self, opportunity_id: str, contact_ids: set[str] | None) -> None:
        if opportunity_id in self.opportunities:
            known = self.opportunities[opportunity_id]
            merged = None if known is None or contact_ids is None else known | contact_ids
            self.opportunities[opportunity_id] = merged
        else:
            self.opportunities[opportunity_id] = contact_ids

    def merge(self, inner: _Changes) -> None:
        self.events.extend(inner.events)
        for oid, ids in inner.opportunities.items():
            self.check_roles(oid, ids)
        self.cases |= inner.cases
        self.relations |= inner.relations
        self.removed_contacts.update(inner.removed_contacts)
        self.removed_accounts.update(inner.removed_accounts)
        self.parents |= inner.parents


@attrs.define
class _Transaction:
    session: Session
    levels: list[_Changes]

    @property
    def changes(self) -> _Changes:
        return self.levels[-1]


def _listing(ids: Iterable[str], limit: int = 5) -> str:
    items = list(ids)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def integrity_violations(
    session: Session, changes: _Changes, *, allow_foreign_contact_roles: bool
) -> list[Violation]:
    """Referential integrity across aggregates, on the state a transaction is about to commit.

    * An account may only be removed when no opportunity, case or relation
      refers to it or to one of its contacts (``account.referenced``).
    * A contact may only be removed from its account when it is not the
      primary contact of an open opportunity (``contact.primary_on_open_opportunity``),
      has no open case (``contact.has_open_cases``) and no active relation
      (``contact.has_active_relations``), unless these are reassigned in the
      same transaction. Closed cases, closed opportunities, ended relations
      and non-primary roles keep the id as history.
    * An opportunity, case or relation refers to an account that exists
      (``account_id.unknown``).
    * A new role's contact exists (``contact_roles.unknown_contact``) and,
      unless the store allows foreign contact roles, belongs to the
      opportunity's account (``contact_roles.foreign_contact``).
    * A case's contact, when it is set or changed, is a contact of the
      case's account (``contact_id.not_of_account``).
    * A relation's contact exists (``contact_id.unknown``).
    * An account written with a new parent names an account of the tenant
      (``parent_id.unknown``) and its parent chain never comes back to it
      (``parent_id.cycle``), whatever the order of the writes.

    Contacts that moved to another account still exist: a move is not a removal.
    """
    out: list[Violation] = []
    _removed_accounts(session, changes, out)
    _removed_contacts(session, changes, out)
    _written_opportunities(session, changes, out, allow_foreign_contact_roles)
    _written_cases(session, changes, out)
    _written_relations(session, changes, out)
    _written_parents(session, changes, out)
    return out


def _v(out: list[Violation], code: str, message: str, field: str, entity_id: str) -> None:
    out.append(Violation(code, message, field, entity_id, policy="referential_integrity"))


def _removed_accounts(session: Session, changes: _Changes, out: list[Violation]) -> None:
    accounts, opps, cases, rels = (
        session.accounts,
        session.opportunities,
        session.cases,
        session.relations,
    )
    for account_id, contact_ids in changes.removed_accounts.items():
        if accounts.exists(account_id):
            continue
        alive = accounts.owners_of(contact_ids)
        gone = [c for c in contact_ids if c not in alive]
        refs: dict[str, set[str]] = {
            "opportunities": {o.id for o in opps.list(account_id, None, False, 0, None)},
            "cases": {c.id for c in cases.list(account_id, None, False, 0, None)},
            "relations": {r.id for r in rels.list(account_id, None)},
        }
        children = accounts.list(AccountOrder.NAME, False, 0, None, account_id)
        if children:
            refs["child accounts"] = {c.id for c in children}
        if gone:
            refs["opportunities"].update(o.id for o in opps.list(None, gone, False, 0, None))
            refs["cases"].update(c.id for c in cases.list(None, gone, False, 0, None))
            refs["relations"].update(r.id for r in rels.list(None, gone))
        said = [f"{len(ids)} {kind} ({_listing(sorted(ids))})" for kind, ids in refs.items() if ids]
        if said:
            _v(
                out,
                "account.referenced",
                f"account {account_id} cannot be removed: {'; '.join(said)} still refer to it "
                "or to its contacts; remove or re-point them in the same transaction",
                "id",
                account_id,
            )


def _removed_contacts(session: Session, changes: _Changes, out: list[Violation]) -> None:
    removed = {
        cid: label
        for cid, label in changes.removed_contacts.items()
        if not any(cid in ids for ids in changes.removed_accounts.values())
    }
    if not removed:
        return
    alive = session.accounts.owners_of(list(removed))
    gone = [c for c in removed if c not in alive]
    if not gone:
        return
    gone_set = set(gone)
    for opp in session.opportunities.list(None, gone, True, 0, None):
        primary = opp.primary_contact_id
        if primary is not None and primary in gone_set:
            _v(
                out,
                "contact.primary_on_open_opportunity",
                f"{removed[primary]} cannot be removed: primary contact of open "
                f"opportunity {opp.name!r} ({opp.id}); set another primary contact "
                "in the same transaction",
                "contact_roles",
                primary,
            )
    for case in session.cases.list(None, gone, True, 0, None):
        if case.contact_id is not None:
            _v(
                out,
                "contact.has_open_cases",
                f"{removed[case.contact_id]} cannot be removed: raised open case "
                f"{case.subject!r} ({case.id}); close it or re-point its contact "
                "in the same transaction",
                "contact_id",
                case.contact_id,
            )
    for rel in session.relations.list(None, gone):
        if rel.is_active:
            _v(
                out,
                "contact.has_active_relations",
                f"{removed[rel.contact_id]} cannot be removed: active relation "
                f"{rel.id} to account {rel.account_id}; end or remove it in the "
                "same transaction",
                "contact_id",
                rel.contact_id,
            )


def _written_opportunities(
    session: Session, changes: _Changes, out: list[Violation], allow_foreign: bool
) -> None:
    accounts = session.accounts
    for opp_id, to_check in changes.opportunities.items():
        opp = session.opportunities.load(opp_id)
        if opp is None:
            continue
        if not accounts.exists(opp.account_id):
            _v(
                out,
                "account_id.unknown",
                f"opportunity {opp.name!r} refers to account {opp.account_id}, which does "
                "not exist",
                "account_id",
                opp.id,
            )
            continue
        ids = [c for c in opp.contact_ids if to_check is None or c in to_check]
        owners = accounts.owners_of(ids)
        for cid in ids:
            holder = owners.get(cid)
            if holder is None:
                _v(
                    out,
                    "contact_roles.unknown_contact",
                    f"opportunity {opp.name!r} gives a role to contact {cid}, which does not exist",
                    "contact_roles",
                    cid,
                )
            elif holder != opp.account_id and not allow_foreign:
                _v(
                    out,
                    "contact_roles.foreign_contact",
                    f"contact {cid} belongs to account {holder}, not to the opportunity's "
                    f"account {opp.account_id}; open the store with "
                    "allow_foreign_contact_roles=True to allow it",
                    "contact_roles",
                    cid,
                )


def _written_cases(session: Session, changes: _Changes, out: list[Violation]) -> None:
    accounts = session.accounts
    for case_id in sorted(changes.cases):
        case = session.cases.load(case_id)
        if case is None:
            continue
        if not accounts.exists(case.account_id):
            _v(
                out,
                "account_id.unknown",
                f"case {case.subject!r} refers to account {case.account_id}, which does not exist",
                "account_id",
                case.id,
            )
        elif case.contact_id is not None:
            holder = accounts.owner_of(case.contact_id)
            if holder != case.account_id:
                where = "does not exist" if holder is None else f"belongs to account {holder}"
                _v(
                    out,
                    "contact_id.not_of_account",
                    f"case {case.subject!r}: contact {case.contact_id} {where}, not to the "
                    f"case's account {case.account_id}",
                    "contact_id",
                    case.id,
                )


def _written_relations(session: Session, changes: _Changes, out: list[Violation]) -> None:
    accounts = session.accounts
    for rel_id in sorted(changes.relations):
        rel = session.relations.load(rel_id)
        if rel is None:
            continue
        if not accounts.exists(rel.account_id):
            _v(
                out,
                "account_id.unknown",
                f"relation {rel.id} refers to account {rel.account_id}, which does not exist",
                "account_id",
                rel.id,
            )
        if accounts.owner_of(rel.contact_id) is None:
            _v(
                out,
                "contact_id.unknown",
                f"relation {rel.id} refers to contact {rel.contact_id}, which does not exist",
                "contact_id",
                rel.id,
            )


def _written_parents(session: Session, changes: _Changes, out: list[Violation]) -> None:
    if not changes.parents:
        return
    parent = session.accounts.parents_of(sorted(changes.parents))
    todo = {p for p in parent.values() if p is not None and p not in parent}
    while todo:  # read the chains above the written accounts, one query per level
        found = session.accounts.parents_of(sorted(todo))
        parent.update(found)
        todo = {p for p in found.values() if p is not None and p not in parent}
    reported: set[frozenset[str]] = set()
    for account_id in sorted(changes.parents):
        if account_id not in parent:
            continue  # removed later in the same transaction
        first = parent[account_id]
        if first is None:
            continue
        if first not in parent:
            _v(
                out,
                "parent_id.unknown",
                f"account {account_id} names parent account {first}, which does not exist",
                "parent_id",
                account_id,
            )
            continue
        chain = [account_id]
        current: str | None = first
        while current is not None and current in parent and current not in chain:
            chain.append(current)
            current = parent[current]
        if current is None or current not in chain:
            continue
        loop = chain[chain.index(current) :]
        if frozenset(loop) in reported:
            continue
        reported.add(frozenset(loop))
        _v(
            out,
            "parent_id.cycle",
            f"account {account_id}'s parent chain loops: {' -> '.join([*loop, current])}; "
            "an account cannot be its own ancestor",
            "parent_id",
            account_id,
        )


# ----------------------------------------------------------------- checks


def _refuse_ids(kind: str, ids: Iterable[tuple[str, object]]) -> None:
    bad = [
        Violation(
            "id.invalid",
            f"{field} must be text of 1 to 64 printable characters without surrounding spaces",
            field,
            value if isinstance(value, str) and is_storable(value) else None,
            policy="store",
        )
        for field, value in ids
        if not valid_id(value)
    ]
    if bad:
        raise PolicyViolationError(bad, f"{kind} refused")


def _parent_changed(account: Account) -> bool:
    return any(
        isinstance(e, AccountUpdated) and any(c.field == "parent_id" for c in e.changes)
        for e in account.pending_events
    )


def _known(key: object) -> bool:
    """Whether ``key`` could be a stored id (else it cannot exist anywhere)."""
    return isinstance(key, str) and is_storable(key)


def _expect(value: object, kind: type[T], label: str) -> T:
    if not isinstance(value, kind):
        raise InvalidValueError(f"must be {kind.__name__}", field=label, value=type(value).__name__)
    return value


def _system_value(system: object, value: object) -> bool:
    for label, item in (("system", system), ("value", value)):
        if not isinstance(item, str):
            raise InvalidValueError("an external id is text", field=label, value=item)
    return is_storable(str(system)) and is_storable(str(value))


def _contact_ids(contact_id: str | None, contact_ids: Iterable[str] | None) -> list[str] | None:
    if contact_id is None and contact_ids is None:
        return None
    ids = [] if contact_ids is None else list(contact_ids)
    if contact_id is not None:
        ids.append(contact_id)
    for item in ids:
        if not isinstance(item, str):
            raise InvalidValueError("a contact id is text", field="contact_id", value=item)
    return [i for i in dict.fromkeys(ids) if is_storable(i)]


def _account_filter(account_id: str | None) -> tuple[str | None, bool]:
    """The account id to filter on, and whether the filter can match anything."""
    if account_id is None:
        return None, True
    if not isinstance(account_id, str):
        raise InvalidValueError("an account id is text", field="account_id", value=account_id)
    return account_id, is_storable(account_id)


# ------------------------------------------------------------- repositories


class _Repository:
    def __init__(self, store: Store) -> None:
        self._store = store


class Accounts(_Repository):
    """Accounts with their contacts (see :class:`~contactgraph.repos.protocol.AccountRepository`)."""

    def add(self, account: Account) -> Account:
        account = _expect(account, Account, "account")
        _refuse_ids(
            "account",
            [("id", account.id), *(("contact id", c) for c in account.contacts)],
        )
        with self._store._writing() as (session, changes):
            session.accounts.insert(account)
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
        ids = [i for i in dict.fromkeys(account_ids) if _known(i)]
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
        with self._store._writing() as (session, changes):
            gone = [c for c, existed in touched.items() if existed and c not in account.contacts]
            labels = {c.id: f"{c.full_name} ({c.id})" for c in session.accounts.load_contacts(gone)}
            session.accounts.update(account)
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
            self._store._record(
                changes, [AccountRemoved(aggregate_id=account_id, occurred_at=utcnow())]
            )

    def account_of(self, contact_id: str) -> Account:
        def find(s: Session) -> Account | None:
            owner = s.accounts.owner_of(contact_id) if _known(contact_id) else None
            return None if owner is None else s.accounts.load(owner)

        found = self._store._read(find)
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
        found = self.contacts_by_id([contact_id])
        if contact_id not in found:
            raise NotFoundError("Contact", contact_id)
        return found[contact_id]

    def contacts_by_id(self, contact_ids: Iterable[str]) -> dict[str, Contact]:
        """The contacts that exist among ``contact_ids``, wherever they belong (one query)."""
        ids = [i for i in dict.fromkeys(contact_ids) if _known(i)]
        if not ids:
            return {}
        found = self._store._read(lambda s: s.accounts.load_contacts(ids))
        return {c.id: c for c in found}

    def children_of(self, account_id: str) -> list[Account]:
        """Accounts whose ``parent_id`` is ``account_id``, by name."""
        return self.list(parent_id=account_id)

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
        query = ContactQuery.build(
            email=email,
            phone=phone,
            name=name,
            title=title,
            department=department,
            active=active,
            account_id=account_id,
            limit=limit,
        )
        if query.impossible:
            return []
        return self._store._read(lambda s: s.accounts.find_contacts(query))

    def search_contacts(self, text: str, *, limit: int = 50) -> list[Contact]:
        check_limit(limit)
        needle = search_needle(text)
        if needle is None or limit == 0:
            return []
        return self._store._read(lambda s: s.accounts.search_contacts(needle, limit))

    def list(
        self,
        *,
        order_by: AccountOrder | str = AccountOrder.NAME,
        descending: bool = False,
        offset: int = 0,
        limit: int | None = None,
        parent_id: str | None = None,
    ) -> list[Account]:
        try:
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
            lambda s: s.accounts.list(order, bool(descending), offset, limit, parent)
        )

    def __iter__(self) -> Iterator[Account]:
        """Every account by name, in pages of 500 from one snapshot where the backend has one."""
        return self._store._stream(
            lambda s, offset: s.accounts.list(AccountOrder.NAME, False, offset, 500, None)
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

    def _note(self, changes: _Changes, item: A, *, added: bool) -> None:
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

    def _list(
        self,
        *,
        account_id: str | None,
        contact_id: str | None,
        contact_ids: Iterable[str] | None,
        open_only: bool,
        offset: int,
        limit: int | None,
    ) -> list[A]:
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
    """Opportunities and their contact roles."""

    _kind = "Opportunity"
    _type = Opportunity

    def _storage(self, session: Session) -> AccountLinkedStorage[Opportunity]:
        return session.opportunities

    def _refs(self, item: Opportunity) -> list[tuple[str, object]]:
        refs: list[tuple[str, object]] = [("account_id", item.account_id)]
        return refs + [("contact id", c) for c in item.contact_ids]

    def _note(self, changes: _Changes, item: Opportunity, *, added: bool) -> None:
        changes.check_roles(item.id, None if added else first_role_change(item))

    def list(
        self,
        *,
        account_id: str | None = None,
        contact_id: str | None = None,
        open_only: bool = False,
        offset: int = 0,
        limit: int | None = None,
        contact_ids: Iterable[str] | None = None,
    ) -> list[Opportunity]:
        """Opportunities by close date (undated last), name, id.

        ``contact_ids`` selects those giving a role to any of these contacts
        (one query for many contacts).
        """
        return self._list(
            account_id=account_id,
            contact_id=contact_id,
            contact_ids=contact_ids,
            open_only=open_only,
            offset=offset,
            limit=limit,
        )


class Cases(_Linked[Case]):
    """Support cases."""

    _kind = "Case"
    _type = Case

    def _storage(self, session: Session) -> AccountLinkedStorage[Case]:
        return session.cases

    def _refs(self, item: Case) -> list[tuple[str, object]]:
        refs: list[tuple[str, object]] = [("account_id", item.account_id)]
        if item.contact_id is not None:
            refs.append(("contact_id", item.contact_id))
        return refs

    def _note(self, changes: _Changes, item: Case, *, added: bool) -> None:
        if added or case_links_changed(item):
            changes.cases.add(item.id)

    def list(
        self,
        *,
        account_id: str | None = None,
        contact_id: str | None = None,
        open_only: bool = False,
        offset: int = 0,
        limit: int | None = None,
        contact_ids: Iterable[str] | None = None,
    ) -> list[Case]:
        """Cases, most recently opened first, then id; ``contact_ids`` as for opportunities."""
        return self._list(
            account_id=account_id,
            contact_id=contact_id,
            contact_ids=contact_ids,
            open_only=open_only,
            offset=offset,
            limit=limit,
        )


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


# -------------------------------------------------------------------- store


class Store:
    """Repositories over one backend and one tenant, with transactions and events.

    Open one with :func:`contactgraph.open_store`. A Store may be shared by
    threads: each thread has its own transaction.

    Attributes:
        accounts: Accounts and their contacts.
        opportunities: Opportunities.
        cases: Cases.
        relations: Account-contact relations.
        allow_foreign_contact_roles: Whether an opportunity may give a role
            to a contact of another account (Salesforce allows it; off by default).
    """

    def __init__(
        self,
        backend: Backend,
        *,
        allow_foreign_contact_roles: bool = False,
        _owns_backend: bool = True,
    ) -> None:
        self._backend = backend
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

    def for_tenant(self, tenant: str) -> Store:
        """The same database seen as ``tenant``; closing it leaves this store open."""
        from contactgraph.repos.open import check_tenant

        return Store(
            self._backend.for_tenant(check_tenant(tenant)),
            allow_foreign_contact_roles=self.allow_foreign_contact_roles,
            _owns_backend=False,
        )

    def __repr__(self) -> str:
        return f"<Store {self.url} tenant={self.tenant!r}>"

    # -------------------------------------------------------- transactions

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes into one atomic unit (see the module docstring).

        Raises:
            PolicyViolationError: at the end of the outermost block, when the
                writes would break referential integrity; nothing is written.
        """
        self._check_open()
        tx = self._current.get()
        if tx is not None:
            savepoint = tx.session.savepoint()
            tx.levels.append(_Changes())
            try:
                yield
            except BaseException:
                tx.levels.pop()
                savepoint.rollback()
                raise
            inner = tx.levels.pop()
            savepoint.release()
            tx.changes.merge(inner)
            return
        session = self._backend.session(write=True)
        tx = _Transaction(session, [_Changes()])
        token = self._current.set(tx)
        try:
            try:
                yield
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

    @property
    def in_transaction(self) -> bool:
        """Whether the calling thread is inside ``transaction()``."""
        return self._current.get() is not None

    @contextmanager
    def _writing(self) -> Iterator[tuple[Session, _Changes]]:
        """One write: atomic on its own (a savepoint inside a transaction)."""
        with self.transaction():
            tx = self._current.get()
            assert tx is not None
            yield tx.session, tx.changes

    def _read(self, fn: Callable[[Session], T]) -> T:
        self._check_open()
        tx = self._current.get()
        if tx is not None:
            return fn(tx.session)
        session = self._backend.session(write=False)
        try:
            return fn(session)
        finally:
            session.rollback()

    def _stream(self, page: Callable[[Session, int], list[T]]) -> Iterator[T]:
        self._check_open()
        tx = self._current.get()
        session = tx.session if tx is not None else self._backend.session(write=False)
        try:
            offset = 0
            while True:
                items = page(session, offset)
                yield from items
                if len(items) < 500:
                    return
                offset += len(items)
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

    def _record(self, changes: _Changes, events: Iterable[DomainEvent]) -> None:
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

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------- navigation and actions

    @property
    def graph(self) -> Navigator:
        """Navigation across accounts, contacts, opportunities and cases."""
        from contactgraph.graph import Navigator

        return Navigator(self)

    def move_contact(self, contact_id: str, to_account: Any, on: date | None = None) -> Any:
        """Move a contact to another account (see :func:`contactgraph.graph.moves.move_contact`)."""
        from contactgraph.graph.moves import move_contact

        return move_contact(self, contact_id, to_account, on)

    def start_campaign(self, targets: Any) -> Any:
        """Recipients of a campaign (see :func:`contactgraph.graph.commercial.start_campaign`)."""
        from contactgraph.graph.commercial import start_campaign

        return start_campaign(self, targets)

    def send_contract(self, opportunity: Any) -> Any:
        """Recipients of a contract (see :func:`contactgraph.graph.commercial.send_contract`)."""
        from contactgraph.graph.commercial import send_contract

        return send_contract(self, opportunity)

    def follow_up(self, opportunity: Any) -> Any:
        """Recipients of a follow-up (see :func:`contactgraph.graph.commercial.follow_up`)."""
        from contactgraph.graph.commercial import follow_up

        return follow_up(self, opportunity)
