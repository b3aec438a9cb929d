"""Phones in imports: the region a national number is read in, and numbers kept unverified.

A national number (no ``+`` country code) is read in the first region known,
in this order (:func:`region_for`):

1. the account's own: its ``phone_region``, else its billing country;
2. the contact's mailing country (a contact's own; accounts have none);
3. the import's ``ImportOptions(default_region=...)`` (``--region``).

When none is known the number is kept as typed, unverified
(:attr:`~contactgraph.domain.Phone.verified` is ``False``), with a warning —
never the reason a record is refused. Numbers that cannot be possible where
they are read are refused as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from contactgraph.domain import Address, Phone, region_of_country
from contactgraph.errors import InvalidValueError

__all__ = ["UNVERIFIED_NOTE", "country_region", "read_phone", "read_phones", "region_for"]

UNVERIFIED_NOTE = (
    "phone has no country: kept as typed, unverified (give the account a billing "
    "country, the contact a mailing country, or import with ImportOptions(default_region=...))"
)
"""The warning of a number kept unverified (one text, so reports can fold it)."""


def country_region(address: Address | Mapping[str, Any] | None) -> str | None:
    """The ISO region of an address's country (an :class:`Address` or its parts), if known."""
    if isinstance(address, Address):
        return address.region
    if isinstance(address, Mapping):
        country = address.get("country")
        return region_of_country(country) if isinstance(country, str) else None
    return None


def region_for(*candidates: str | None) -> str | None:
    """The first region given: ``region_for(account's, contact's mailing, the option's)``."""
    for region in candidates:
        if region:
            return region
    return None


def read_phone(value: Any, region: str | None, field: str) -> tuple[Any, bool]:
    """``(value to hand the domain, kept unverified)`` for one raw phone value.

    A number that parses becomes a :class:`~contactgraph.domain.Phone` (the
    domain takes it as is); one that only lacks a country becomes an
    unverified ``Phone``; anything else is returned as it came, for the domain
    to refuse with its own message beside the record's other problems.
    """
    if type(value) is not str:  # a CSV cell is (the common case checks no other type)
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str | Phone):
            return value, False
    if isinstance(value, str) and not value.strip():
        return value, False
    try:
        phone = Phone.parse(value, region, field=field, keep_unplaced=True)
    except InvalidValueError:
        return value, False
    return phone, not phone.verified


def read_phones(values: Iterable[Any], region: str | None, field: str) -> tuple[list[Any], bool]:
    """:func:`read_phone` over a list (alternate phones); whether any was kept unverified."""
    out: list[Any] = []
    unverified = False
    for value in values:
        found, kept = read_phone(value, region, field)
        out.append(found)
        unverified = unverified or kept
    return out, unverified
