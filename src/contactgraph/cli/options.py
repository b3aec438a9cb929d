"""Option values checked while the command line is read, before any work.

Each checker is an argparse ``type=``: a bad value is a usage error (exit 2)
naming the option, and nothing is opened, read or written.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypeVar

import phonenumbers

T = TypeVar("T")

__all__ = [
    "CURRENCIES",
    "amount",
    "clearable",
    "count",
    "currency",
    "day",
    "duplicate_rule",
    "region",
    "store_url",
    "tenant",
    "whole",
    "yes_no",
]

_ISO_4217 = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL
    BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF
    DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG
    HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP
    LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN
    NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG
    SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS
    UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD
    XCG XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG ZWL
"""
CURRENCIES = frozenset(_ISO_4217.split())
"""ISO 4217 currency codes (current ones, and a few recently withdrawn that old data holds)."""

_TENANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def _text(value: str, what: str) -> str:
    text = value.strip()
    if not text:
        raise argparse.ArgumentTypeError(f"is empty; give {what}")
    return text


def region(value: str) -> str:
    """An ISO 3166 alpha-2 region libphonenumber knows (``FR``, ``us``)."""
    code = _text(value, "a country code such as FR or US").upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a country code; use a two-letter ISO 3166 code such as FR or US"
        )
    return code


def currency(value: str) -> str:
    """An ISO 4217 currency code (``EUR``, ``usd``)."""
    code = _text(value, "a currency code such as EUR or USD").upper()
    if code not in CURRENCIES:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a currency; use an ISO 4217 code such as EUR or USD"
        )
    return code


def count(value: str) -> int:
    """A whole number of at least 1."""
    try:
        number = int(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def clearable(check: Callable[[str], T]) -> Callable[[str], T | str]:
    """``check``, except that an empty value stays ``""`` (meaning: clear the field)."""

    def checked(value: str) -> T | str:
        return "" if not value.strip() else check(value)

    checked.__name__ = getattr(check, "__name__", "value")
    return checked


def whole(value: str) -> int:
    """A whole number of at least 0."""
    try:
        number = int(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {number}")
    return number


def amount(value: str) -> Decimal:
    """A finite decimal amount (``12000``, ``12000.50``)."""
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number such as 12000.50") from None
    if not number.is_finite():
        raise argparse.ArgumentTypeError(f"{value!r} is not a finite number")
    return number


def day(value: str) -> date:
    """A calendar date written ``YYYY-MM-DD``."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date written YYYY-MM-DD") from None


def yes_no(value: str) -> bool:
    """``yes``/``no`` (also ``true``/``false``, ``1``/``0``)."""
    answer = value.strip().lower()
    if answer in ("yes", "y", "true", "1", "on"):
        return True
    if answer in ("no", "n", "false", "0", "off"):
        return False
    raise argparse.ArgumentTypeError(f"{value!r} is not yes or no")


def tenant(value: str) -> str:
    """A tenant key: 1 to 64 letters, digits, ``.``, ``_`` or ``-``, starting with a letter or digit."""
    if not value:
        raise argparse.ArgumentTypeError(
            "is empty; give a tenant key, or leave --tenant out for the tenant 'default'"
        )
    if not _TENANT.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a tenant key; use 1 to 64 letters, digits, '.', '_' or '-'"
        )
    return value


def store_url(value: str) -> str:
    """A store URL; an SQLite URL must name a file (``sqlite:///crm.db``)."""
    url = value.strip()
    if not url:
        raise argparse.ArgumentTypeError(
            "is empty; give a URL such as sqlite:///crm.db, or leave --store out for the default"
        )
    if sqlite_path(url) == Path():
        raise argparse.ArgumentTypeError(
            f"{value!r} names no file; give a path, e.g. sqlite:///crm.db"
        )
    return url


def sqlite_path(url: str) -> Path | None:
    """The file an ``sqlite:///PATH`` URL names (``Path()`` when empty), or None for other URLs.

    In-memory SQLite (``sqlite://``, ``sqlite:///:memory:``) is not a file: None.
    """
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower().split("+")[0] != "sqlite":
        return None
    if not rest.startswith("/"):
        return None  # sqlite:// is in memory
    database = rest[1:].split("?", 1)[0]
    if database in (":memory:",) or database.startswith("file:"):
        return None
    return Path(database) if database else Path()


def probability(value: str) -> float:
    """A number above 0 and at most 1."""
    try:
        number = float(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 < number <= 1:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 1, got {value.strip()}")
    return number


DUPLICATE_RULES = ("allow", "alert", "block")
"""What ``--duplicates`` accepts: the store's rule for writes that look like stored records."""


def duplicate_rule(value: str) -> str:
    """``allow``, ``alert`` or ``block`` (any case)."""
    rule = value.strip().lower()
    if rule not in DUPLICATE_RULES:
        raise argparse.ArgumentTypeError(f"{value!r} is not a rule; use allow, alert or block")
    return rule
