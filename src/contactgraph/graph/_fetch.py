"""Batch look-ups over a store, so that a navigation step costs a bounded number of calls.

Each is one call to a batch method of the repository protocol
(``accounts.get_many``, ``accounts.contacts_by_id``, ``accounts.children_of``,
``relations.list(contact_ids=...)``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from contactgraph.domain import Account, AccountContactRelation, Contact
from contactgraph.repos.protocol import StoreProtocol

__all__ = [
    "accounts_by_id",
    "child_accounts",
    "contacts_by_id",
    "joined_on",
    "parent_map",
    "relations_of_contacts",
]


def accounts_by_id(store: StoreProtocol, ids: Iterable[str]) -> dict[str, Account]:
    """The accounts with these ids that exist (missing ids are left out)."""
    return {a.id: a for a in store.accounts.get_many(ids)}


def contacts_by_id(store: StoreProtocol, ids: Iterable[str]) -> dict[str, Contact]:
    """The contacts with these ids that exist, wherever they belong."""
    return store.accounts.contacts_by_id(ids)


def relations_of_contacts(
    store: StoreProtocol, contact_ids: Iterable[str]
) -> list[AccountContactRelation]:
    """Every relation of these contacts, in one call."""
    return store.relations.list(contact_ids=contact_ids)


def child_accounts(store: StoreProtocol, account_id: str) -> list[Account]:
    """Accounts whose parent is ``account_id``, in the repository's order."""
    return store.accounts.children_of(account_id)


def parent_map(store: StoreProtocol) -> dict[str, Account]:
    """Every account by id, in one pass (for hierarchies)."""
    return {a.id: a for a in iter(store.accounts)}


def joined_on(contact: Contact, relations: Iterable[AccountContactRelation]) -> date:
    """The day ``contact`` joined its current account, as far as the store can tell.

    A move leaves an ended relation on the old account; the latest such end
    date is the day the contact arrived. Without one, the day it was created.
    """
    created = contact.created_at.date()
    ends = [
        r.end_date
        for r in relations
        if r.contact_id == contact.id
        and r.account_id != contact.account_id
        and not r.is_active
        and r.end_date is not None
        and r.end_date >= created
    ]
    return max(ends, default=created)
