"""Accounts and their contacts in memory, with the indexes that keep look-ups O(1)."""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable, Iterator
from operator import itemgetter
from typing import Any

from contactgraph.domain import (
    Account,
    Contact,
    match_key,
)
from contactgraph.errors import (
    ConcurrencyError,
    NotFoundError,
)
from contactgraph.repos.keys import (
    ContactQuery,
    SearchNeedle,
    account_order_key,
    account_search_key,
    account_search_rank,
    contact_email_keys,
    contact_lines,
    contact_phones,
    contact_search_key,
    contact_search_rank,
    sort_contacts,
    stale_against,
)
from contactgraph.repos.memory.tables import (
    NO_IDS,
    Mutation,
    Part,
    duplicate,
    ext_keys,
    link,
    unlink,
)
from contactgraph.repos.protocol import AccountOrder

__all__ = ["MemoryAccounts"]


def _contact_keys(contact: Contact) -> Iterator[tuple[str, Any]]:
    """Each index a contact is filed in, with its key there."""
    for key in contact_email_keys(contact):
        yield "emails", key
    for number in contact_phones(contact):
        yield "phones", number
    for line in contact_lines(contact):
        yield "lines", line
    for key in contact.name.match_keys:
        yield "names", key
    for pair in ext_keys(contact.external_ids):
        yield "contact_ext", pair


def _index_contact(t: dict[str, Any], contact: Contact) -> None:
    for index, key in _contact_keys(contact):
        link(t[index], key, contact.id)


def _unindex_contact(t: dict[str, Any], contact: Contact) -> None:
    for index, key in _contact_keys(contact):
        unlink(t[index], key, contact.id)


ACCOUNT_FIELDS = (
    "accounts",
    "owner",
    "emails",
    "phones",
    "lines",
    "names",
    "children",
    "account_ext",
    "contact_ext",
)


class MemoryAccounts(Part):
    def insert(self, account: Account) -> None:
        t = self._t
        if account.id in t.accounts:
            raise duplicate(f"an account with id {account.id} exists", account.id)
        for cid in account.contacts:
            holder = t.owner.get(cid)
            if holder is not None:
                raise duplicate(f"contact id {cid} is taken by account {holder}", cid)
        m = Mutation(t, *ACCOUNT_FIELDS)
        m["accounts"][account.id] = account.committed(1)
        for contact in account.contacts.values():
            m["owner"][contact.id] = account.id
            _index_contact(m.maps, contact)
        if account.parent_id is not None:
            link(m["children"], account.parent_id, account.id)
        for pair in ext_keys(account.external_ids):
            link(m["account_ext"], pair, account.id)
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
                    raise duplicate(f"contact id {cid} is taken by account {holder}", cid)
        m = Mutation(t, *ACCOUNT_FIELDS)
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
                unlink(m["children"], stored.parent_id, account.id)
            if account.parent_id is not None:
                link(m["children"], account.parent_id, account.id)
        if stored.external_ids != account.external_ids:
            for pair in ext_keys(stored.external_ids):
                unlink(m["account_ext"], pair, account.id)
            for pair in ext_keys(account.external_ids):
                link(m["account_ext"], pair, account.id)
        m["accounts"][account.id] = account.committed(account.version + 1)
        self._session.tables = m.finish(contact_count=count)

    def delete(self, account_id: str) -> list[str] | None:
        t = self._t
        stored = t.accounts.get(account_id)
        if stored is None:
            return None
        m = Mutation(t, *ACCOUNT_FIELDS)
        for contact in stored.contacts.values():
            _unindex_contact(m.maps, contact)
            del m["owner"][contact.id]
        if stored.parent_id is not None:
            unlink(m["children"], stored.parent_id, account_id)
        for pair in ext_keys(stored.external_ids):
            unlink(m["account_ext"], pair, account_id)
        del m["accounts"][account_id]
        self._session.tables = m.finish(contact_count=t.contact_count - len(stored.contacts))
        return list(stored.contacts)

    def exists(self, account_id: str) -> bool:
        return account_id in self._t.accounts

    def owner_of(self, contact_id: str) -> str | None:
        return self._t.owner.get(contact_id)

    def load_owner_of(self, contact_id: str) -> Account | None:
        owner = self.owner_of(contact_id)
        return None if owner is None else self.load(owner)

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
            candidates = self.load_contacts(list(t.emails.get(query.email, NO_IDS)))
        elif query.phone is not None:
            ids = list(t.phones.get(query.phone, NO_IDS))
            if query.phone_also is not None:
                ids = list(dict.fromkeys([*ids, *t.phones.get(query.phone_also, NO_IDS)]))
            candidates = self.load_contacts(ids)
        elif query.line is not None:
            candidates = self.load_contacts(list(t.lines.get(query.line, NO_IDS)))
        elif query.name is not None:
            candidates = self.load_contacts(list(t.names.get(query.name, NO_IDS)))
        elif query.account_id is not None:
            account = t.accounts.get(query.account_id)
            candidates = account.contacts.values() if account is not None else ()
        else:
            candidates = self._all_contacts()
        found = sort_contacts(c for c in candidates if query.matches(c))
        return found if query.limit is None else found[: query.limit]

    def search_contacts(
        self, needle: SearchNeedle, limit: int, count_up_to: int
    ) -> tuple[list[Contact], int]:
        ranked = []
        for c in self._all_contacts():
            last, first, middle = c.name.sort_key
            rank = contact_search_rank(needle, contact_search_key(c), last, first)
            if rank is not None:
                ranked.append(((rank, last, first, middle, c.id), c))
        ranked.sort(key=itemgetter(0))
        return [c for _, c in ranked[:limit]], len(ranked)

    def search_accounts(
        self, needle: SearchNeedle, limit: int, count_up_to: int
    ) -> tuple[list[Account], int]:
        ranked = []
        for a in self._t.accounts.values():
            rank = account_search_rank(needle, account_search_key(a))
            if rank is not None:
                ranked.append(((rank, match_key(a.name), a.id), a))
        ranked.sort(key=itemgetter(0))
        return [a for _, a in ranked[:limit]], len(ranked)

    def _ordered(self, order_by: AccountOrder, descending: bool) -> list[Account]:
        """Every account in this order; pages of one snapshot (iteration) sort once."""
        t = self._t
        cached = self._session.sorted_accounts.get((order_by, descending))
        if cached is not None and cached[0] is t.accounts:
            return cached[1]
        ordered = sorted(
            t.accounts.values(), key=lambda a: account_order_key(order_by, a), reverse=descending
        )
        self._session.sorted_accounts[order_by, descending] = (t.accounts, ordered)
        return ordered

    def by_name_key(self, name_key: str) -> list[Account]:
        """A pass over the names (no contact is copied)."""
        found = [a for a in self._t.accounts.values() if match_key(a.name) == name_key]
        return sorted(found, key=lambda a: a.id)

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
        t = self._t

        def sort_key(account: Account) -> tuple[Any, ...]:
            return account_order_key(order_by, account)

        if parent_id is not None:
            children = self.load_many(list(t.children.get(parent_id, NO_IDS)))
            ascending = sorted(children, key=sort_key)
        else:
            ascending = self._ordered(order_by, False)
        start, stop = 0, len(ascending)
        if after is not None:
            if order_by is AccountOrder.ID:
                cursor: tuple[Any, ...] = (after,)
            else:
                found = t.accounts.get(after)
                if found is None:
                    raise NotFoundError("Account", after)
                cursor = sort_key(found)
            if descending:
                stop = bisect.bisect_left(ascending, cursor, key=sort_key)
            else:
                start = bisect.bisect_right(ascending, cursor, key=sort_key)
        if descending:  # walk down from ``stop``
            high = stop - offset
            low = 0 if limit is None else max(0, high - limit)
            return ascending[low : max(high, 0)][::-1] if high > 0 else []
        first = start + offset
        return ascending[first:] if limit is None else ascending[first : first + limit]

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
