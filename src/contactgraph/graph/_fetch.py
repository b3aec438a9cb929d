"""Batch look-ups over a store, so that a navigation step costs a bounded number of calls.

The repository protocol reads one aggregate at a time. Where a backend offers
a batch method (``accounts.get_many``, ``accounts.contacts_by_id``,
``accounts.children_of``) it is used; otherwise the fallback is one streamed
pass over the accounts, which is still a single repository call.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from datetime import date
from typing import Any

from contactgraph.domain import Account, AccountContactRelation, Contact
from contactgraph.errors import NotFoundError
from contactgraph.repos.protocol import StoreProtocol

__all__ = [
    "accounts_by_id",
    "child_accounts",
    "contacts_by_id",
    "joined_on",
    "parent_map",
    "relations_of_contacts",
]


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def accounts_by_id(store: StoreProtocol, ids: Iterable[str]) -> dict[str, Account]:
    """The accounts with these ids that exist (missing ids are left out)."""
    wanted = _unique(ids)
    if not wanted:
        return {}
    get_many: Any = getattr(store.accounts, "get_many", None)
    if callable(get_many):
        return {a.id: a for a in get_many(wanted)}
    if len(wanted) == 1:
        try:
            return {wanted[0]: store.accounts.get(wanted[0])}
        except NotFoundError:
            return {}
    keep = set(wanted)
    return {a.id: a for a in iter(store.accounts) if a.id in keep}


def contacts_by_id(store: StoreProtocol, ids: Iterable[str]) -> dict[str, Contact]:
    """The contacts with these ids that exist, wherever they belong."""
    wanted = _unique(ids)
    if not wanted:
        return {}
    batch: Any = getattr(store.accounts, "contacts_by_id", None)
    if callable(batch):
        found: dict[str, Contact] = dict(batch(wanted))
        return found
    if len(wanted) == 1:
        try:
            return {wanted[0]: store.accounts.account_of(wanted[0]).contacts[wanted[0]]}
        except NotFoundError:
            return {}
    keep = set(wanted)
    out: dict[str, Contact] = {}
    for account in iter(store.accounts):
        for cid in keep.intersection(account.contacts):
            out[cid] = account.contacts[cid]
    return out


def relations_of_contacts(
    store: StoreProtocol, contact_ids: Iterable[str]
) -> list[AccountContactRelation]:
    """Every relation of these contacts, in one call (``relations.list(contact_ids=...)``
    where the repository has it, else one pass over the relations)."""
    wanted = _unique(contact_ids)
    if not wanted:
        return []
    lister: Any = store.relations.list
    try:
        batch = "contact_ids" in inspect.signature(lister).parameters
    except (TypeError, ValueError):
        batch = False
    if batch:
        return list(lister(contact_ids=wanted))
    if len(wanted) == 1:
        return store.relations.list(contact_id=wanted[0])
    keep = set(wanted)
    return [r for r in store.relations.list() if r.contact_id in keep]


def child_accounts(store: StoreProtocol, account_id: str) -> list[Account]:
    """Accounts whose parent is ``account_id``, in the repository's order."""
    children_of: Any = getattr(store.accounts, "children_of", None)
    if callable(children_of):
        return list(children_of(account_id))
    return [a for a in iter(store.accounts) if a.parent_id == account_id]


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
