"""Unverified phones read once an account knows its region (:meth:`Account.place_phones`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contactgraph.domain.account import Account

__all__ = ["place_phones"]


def place_phones(account: Account) -> Account:
    """``account`` with its and its contacts' unverified phones (phone, mobile and
    alternates) read in its default region.

    Numbers not possible there stay unverified; each command goes through the
    account's own ``update`` / ``update_contact``, so events record the change.
    """
    region = account.default_region
    if not region:
        return account
    placed_account = account
    if account.phone is not None and not account.phone.verified:
        placed = account.phone.place(region, strict=False)
        if placed.verified:
            placed_account = placed_account.update(phone=placed)
    for contact in account.sorted_contacts():
        found: dict[str, Any] = {}
        for field in ("phone", "mobile"):
            number = getattr(contact, field)
            placed_number = number.place(region, strict=False) if number is not None else None
            if placed_number is not number:
                found[field] = placed_number
        alternates = tuple(n.place(region, strict=False) for n in contact.alternate_phones)
        if alternates != contact.alternate_phones:
            found["alternate_phones"] = alternates
        if found:
            placed_account = placed_account.update_contact(contact.id, **found)
    return placed_account
