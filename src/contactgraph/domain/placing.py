"""Unverified phones read once an account knows its region (:meth:`Account.place_phones`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contactgraph.domain.account import Account

__all__ = ["place_phones"]


def place_phones(account: Account) -> Account:
    """``account`` with its and its contacts' unverified phones read in its default region.

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
        found = {
            field: number.place(region, strict=False)
            for field in ("phone", "mobile")
            if (number := getattr(contact, field)) is not None and not number.verified
        }
        placed_fields = {k: v for k, v in found.items() if v.verified}
        if placed_fields:
            placed_account = placed_account.update_contact(contact.id, **placed_fields)
    return placed_account
