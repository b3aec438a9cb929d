"""Opportunities, cases and relations in memory: one table each, indexed by account and contact."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any, Generic, Protocol, Self, TypeVar

import immutables

from contactgraph.domain import (
    AccountContactRelation,
    Case,
    Opportunity,
)
from contactgraph.errors import (
    ConcurrencyError,
)
from contactgraph.repos.keys import (
    case_order_key,
    opportunity_order_key,
    relation_order_key,
    stale_against,
)
from contactgraph.repos.memory.tables import (
    NO_IDS,
    Index,
    Mutation,
    Part,
    duplicate,
    ext_keys,
    link,
    unlink,
)

__all__ = ["MemoryCases", "MemoryOpportunities", "MemoryRelations"]


V = TypeVar("V")


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
        found = set(by_account.get(account_id, NO_IDS))
    if contact_ids is not None:
        ids: set[str] = set()
        for cid in contact_ids:
            ids.update(by_contact.get(cid, NO_IDS))
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


class _Linked(Part, Generic[L]):
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

    def _mutation(self) -> Mutation:
        return Mutation(self._t, *self._fields())

    def _index(self, m: Mutation, item: L, add: bool) -> None:
        change = link if add else unlink
        change(m[self._BY_ACCOUNT], item.account_id, item.id)
        for cid in self._contact_ids(item):
            change(m[self._BY_CONTACT], cid, item.id)

    def insert(self, item: L) -> None:
        if item.id in self._items:
            raise duplicate(f"{self._NOUN} with id {item.id} exists", item.id)
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

    def _index(self, m: Mutation, item: C, add: bool) -> None:
        super()._index(m, item, add)
        change = link if add else unlink
        for pair in ext_keys(item.external_ids):
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
