"""Contacts and accounts flattened into the keys that duplicate detection compares.

Each record is built once per entity, so the pairwise comparisons only read
precomputed keys: names without case, accents or punctuation, their phonetic
codes and nickname forms, emails, phones, dates and address parts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from functools import lru_cache

import attrs
import jellyfish
from nicknames import NickNamer

from contactgraph.domain import Account, Contact, Phone
from contactgraph.domain.text import match_key

__all__ = [
    "AccountRecord",
    "PersonRecord",
    "account_name_key",
    "account_record",
    "person_record",
    "website_domain",
]

_NON_WORD = re.compile(r"[^0-9a-z]+")

LEGAL_SUFFIXES = frozenset(
    {
        "sa", "sas", "sasu", "sarl", "eurl", "sca", "sci", "snc", "inc", "incorporated",
        "corp", "corporation", "co", "company", "ltd", "limited", "llc", "llp", "lp", "plc",
        "gmbh", "ag", "kg", "ug", "bv", "nv", "oy", "ab", "as", "aps", "spa", "srl", "sl",
        "sp", "zoo", "pty", "kk", "the", "group",
    }
)  # fmt: skip
"""Words dropped from account names before comparing them ("ACME SA" ~ "Acme Inc.")."""


def _words(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(w for w in _NON_WORD.split(match_key(text)) if w)


@lru_cache(maxsize=65536)
def _phonetic(word: str) -> str:
    return jellyfish.metaphone(word) if word else ""


_NICKNAMES = NickNamer()


@lru_cache(maxsize=65536)
def first_name_forms(first: str) -> frozenset[str]:
    """The name itself and the formal names it is a nickname of ("bob" -> robert, bobby…)."""
    if not first:
        return frozenset()
    return frozenset({first}) | frozenset(_NICKNAMES.canonicals_of(first))


def website_domain(website: str | None) -> str:
    """``"https://www.Acme.fr/contact"`` -> ``"acme.fr"``."""
    if not website:
        return ""
    text = website.strip().lower()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    host = re.split(r"[/?#:]", text, maxsplit=1)[0]
    return host.removeprefix("www.")


def account_name_key(name: str) -> str:
    """An account name without case, accents, punctuation or legal-form words."""
    words = _words(name)
    kept = [w for w in words if w not in LEGAL_SUFFIXES]
    return " ".join(kept or words)


@attrs.frozen(slots=True)
class PersonRecord:
    """The comparable keys of one contact.

    Attributes:
        id: The contact's id.
        account_id: The owning account's id.
        account_key: The owning account's name key (see :func:`account_name_key`).
        first: First name key ("" when unknown).
        last: Last name key, spaces and hyphens removed ("jean-pierre" -> "jeanpierre").
        last_parts: The words of a compound last name.
        first_forms: The first name and the formal names it may stand for.
        last_sound: Metaphone code of the last name.
        first_sound: Metaphone code of the first name.
        emails: Every address, primary and alternates, by the domain's matching
            key (:attr:`Email.key`: look-alike characters are never folded together).
        phones: Every number (phone, mobile, alternates), compared with
            :meth:`Phone.same_number <contactgraph.Phone.same_number>`.
        birthdate: Date of birth, if known.
        postal_code: Mailing postal code, without spaces.
        city: Mailing city key.
        street: Mailing street key.
        title: Title key.
    """

    id: str
    account_id: str
    account_key: str
    first: str
    last: str
    last_parts: tuple[str, ...]
    first_forms: frozenset[str]
    last_sound: str
    first_sound: str
    emails: frozenset[str]
    phones: frozenset[Phone]
    birthdate: date | None
    postal_code: str
    city: str
    street: str
    title: str


def person_record(contact: Contact, account_name: str = "") -> PersonRecord:
    """The keys of ``contact``; ``account_name`` is its account's name."""
    first = "".join(_words(contact.first_name))
    last_parts = _words(contact.last_name)
    last = "".join(last_parts)
    emails = [contact.email, *contact.alternate_emails]
    phones = [contact.phone, contact.mobile, *contact.alternate_phones]
    address = contact.mailing_address
    return PersonRecord(
        id=contact.id,
        account_id=contact.account_id,
        account_key=account_name_key(account_name),
        first=first,
        last=last,
        last_parts=last_parts,
        first_forms=first_name_forms(first),
        last_sound=_phonetic(last),
        first_sound=_phonetic(first),
        emails=frozenset(e.key for e in emails if e is not None),
        phones=frozenset(p for p in phones if p is not None),
        birthdate=contact.birthdate,
        postal_code=(address.postal_code or "").replace(" ", "").lower() if address else "",
        city=" ".join(_words(address.city)) if address else "",
        street=" ".join(_words(address.street)) if address else "",
        title=" ".join(_words(contact.title)),
    )


@attrs.frozen(slots=True)
class AccountRecord:
    """The comparable keys of one account.

    Attributes:
        id: The account's id.
        name: Name key without legal-form words (see :func:`account_name_key`).
        name_sound: Metaphone code of the name's first word.
        domain: Website domain without ``www.``.
        phone: Main phone, if any.
        postal_code: Billing postal code, without spaces.
        city: Billing city key.
        street: Billing street key.
        external_ids: ``"system:value"`` for each external id.
    """

    id: str
    name: str
    name_sound: str
    domain: str
    phone: Phone | None
    postal_code: str
    city: str
    street: str
    external_ids: frozenset[str]


def account_record(account: Account) -> AccountRecord:
    """The keys of ``account``."""
    name = account_name_key(account.name)
    address = account.billing_address
    return AccountRecord(
        id=account.id,
        name=name,
        name_sound=_phonetic(name.split(" ", 1)[0]) if name else "",
        domain=website_domain(account.website),
        phone=account.phone,
        postal_code=(address.postal_code or "").replace(" ", "").lower() if address else "",
        city=" ".join(_words(address.city)) if address else "",
        street=" ".join(_words(address.street)) if address else "",
        external_ids=frozenset(f"{k}:{v}" for k, v in account.external_ids.items()),
    )


def person_records(
    accounts: Iterable[Account], *, include: Callable[[Contact], bool] | None = None
) -> list[PersonRecord]:
    """One record per contact of ``accounts`` (those ``include`` keeps, when given)."""
    return [
        person_record(contact, account.name)
        for account in accounts
        for contact in account.contacts.values()
        if include is None or include(contact)
    ]
