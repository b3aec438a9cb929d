"""Look-up keys and contact queries, shared by every backend so that they agree.

A backend may find candidates however it likes (indexes, scans) but the keys
it stores and the meaning of a query come from here: the memory backend
filters with :meth:`ContactQuery.matches`, the SQL backend compares the same
keys in columns, and the contract suite checks that both give one answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Unpack, get_args, get_type_hints

import attrs

from contactgraph import domain
from contactgraph.domain import (
    Account,
    AccountContactRelation,
    Case,
    Contact,
    Email,
    Opportunity,
    match_key,
)
from contactgraph.domain.events import (
    ContactAdded,
    ContactEvent,
    ContactMovedIn,
)
from contactgraph.domain.lookup import phone_keys
from contactgraph.domain.phones import UNVERIFIED_MARK
from contactgraph.errors import InvalidValueError, StoreConfigurationError
from contactgraph.repos.protocol import SEARCH_COUNT_LIMIT, AccountOrder, ContactCriteria

__all__ = [
    "MAX_ID_LENGTH",
    "SEARCH_COUNT_LIMIT",
    "ContactQuery",
    "SearchNeedle",
    "account_search_key",
    "account_search_rank",
    "check_count_up_to",
    "check_tenant",
    "contact_lines",
    "contact_search_key",
    "contact_search_rank",
    "contact_sort_key",
    "email_key",
    "is_storable",
    "name_keys",
    "phone_line",
    "search_count_bound",
    "sort_contacts",
    "valid_id",
]

MAX_ID_LENGTH: Final = 64
"""Longest id a store accepts (contact ids are limited to this by the domain too)."""


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def is_storable(text: str) -> bool:
    """Whether ``text`` can be bound as a parameter in every backend.

    NUL and lone surrogates cannot be sent to PostgreSQL or encoded in UTF-8;
    the domain refuses them in every field, so a search term holding one
    matches nothing, and an id holding one does not exist.
    """
    return _UNSTORABLE.search(text) is None


def key(text: str) -> str:
    """:func:`~contactgraph.domain.match_key`, with a fast path for ASCII text (same result)."""
    if text.isascii():
        return " ".join(text.lower().split())
    return match_key(text)


MAX_NAME_KEY: Final = 5_000
"""Longest name search key that can match: a full name is at most about 250
characters (last name 80, the other parts 40 each) and case folding expands a
character to 18 at the very most. A longer ``find_contacts(name=…)`` matches
nothing and is never split into first and last names (which costs memory in
the square of its length)."""


def valid_id(value: object) -> bool:
    """Whether ``value`` can be an id: the domain's one rule (:func:`~contactgraph.domain.ids.is_valid_id`)."""
    return domain.is_valid_id(value)


def check_tenant(tenant: object) -> str:
    """``tenant`` if it is a valid tenant key, else :class:`StoreConfigurationError`."""
    if not valid_id(tenant):
        raise StoreConfigurationError(
            f"tenant must be text of 1 to 64 printable characters, got {tenant!r}"
        )
    assert isinstance(tenant, str)
    return tenant


def email_key(address: str) -> str:
    """Key of an email search term: the domain's ``email_key`` (no address: a key nothing has)."""
    return domain.email_key(address) or address


def name_keys(contact: Contact) -> tuple[str, str, str, str]:
    """``(last, first, middle, full)`` match keys of a contact's name (``""`` when absent)."""
    name = contact.name
    return (
        key(name.last),
        key(name.first or ""),
        key(name.middle or ""),
        key(name.full),
    )


def contact_sort_key(contact: Contact) -> tuple[str, str, str, str]:
    """Last name, first name, middle name (case- and accent-insensitive), then id."""
    last, first, middle = contact.name.sort_key
    return (last, first, middle, contact.id)


def sort_contacts(contacts: Iterable[Contact]) -> list[Contact]:
    return sorted(contacts, key=contact_sort_key)


def _emails(contact: Contact) -> Iterable[Email]:
    if contact.email is not None:
        yield contact.email
    yield from contact.alternate_emails


def contact_email_keys(contact: Contact) -> set[str]:
    """Keys of the main and alternate addresses."""
    return {e.match_key for e in _emails(contact)}


def contact_phones(contact: Contact) -> set[str]:
    """E.164 of phone, mobile and alternate numbers."""
    return {p.e164 for p in (contact.phone, contact.mobile, *contact.alternate_phones) if p}


def phone_line(stored: str) -> str | None:
    """The line of a stored phone text: its number in E.164 without the extension
    (``+33144274427;ext=9`` -> ``+33144274427``), or ``None`` for a number kept
    unverified (no calling code, so no line)."""
    return stored.partition(";")[0] if stored.startswith("+") else None


def contact_lines(contact: Contact) -> set[str]:
    """The lines of phone, mobile and alternate numbers (see :func:`phone_line`)."""
    return {line for line in map(phone_line, contact_phones(contact)) if line is not None}


@attrs.frozen(slots=True)
class ContactQuery:
    """The criteria of ``find_contacts``, normalised once.

    Attributes:
        email: Email key (case-folded), or ``None``.
        phone: The stored text of the number looked for (E.164, or the
            unverified form of national text), or ``None``.
        phone_also: Another stored text the number may have, or ``None``:
            text in international form that libphonenumber reads as another
            number finds both (:func:`~contactgraph.domain.lookup.phone_keys`).
        name: Name match key, or ``None``.
        title: Title match key, or ``None``.
        department: Department match key, or ``None``.
        active: Active flag wanted, or ``None``.
        account_id: Owning account wanted, or ``None``.
        limit: Most contacts to return, or ``None``.
        line: A number's line (bare E.164, no extension), or ``None``: a contact
            matches when one of its phone, mobile or alternates is that number,
            bare or with any extension (stored text ``line``, or starting with
            ``line + ";"``). Set by ``accounts.find_contacts_on_line``, never by
            ``find_contacts`` keywords. A backend must honour it.
        impossible: Some criterion can match nothing (an unparseable phone,
            a NUL in a term): the answer is empty without asking the backend.
    """

    email: str | None = None
    phone: str | None = None
    name: str | None = None
    title: str | None = None
    department: str | None = None
    active: bool | None = None
    account_id: str | None = None
    limit: int | None = None
    impossible: bool = False
    phone_also: str | None = None
    line: str | None = None

    @classmethod
    def build(cls, **criteria: Unpack[ContactCriteria]) -> ContactQuery:
        """Normalise caller criteria; raise :class:`InvalidValueError` naming a wrong one."""
        if len(criteria) == 1:  # the look-up by one address or number: the hot path, same result
            email = criteria.get("email")
            if type(email) is str and is_storable(email):
                return cls(email=email_key(email))
            phone = criteria.get("phone")
            if type(phone) is str and is_storable(phone):
                found = phone_keys(phone)
                if not found:  # an unparseable phone number matches nothing
                    return cls(impossible=True)
                return cls(phone=found[0], phone_also=found[1] if len(found) > 1 else None)
        for label, value in criteria.items():
            if label not in _CRITERIA:
                allowed = ", ".join(_CRITERIA)
                raise InvalidValueError(
                    f"not a search criterion; use {allowed}", field=label, value=value
                )
            if value is not None and label in _TEXT and not isinstance(value, str):
                raise InvalidValueError("a search term is text", field=label, value=value)
        active = criteria.get("active")
        if active is not None and not isinstance(active, bool):
            raise InvalidValueError("must be True, False or None", field="active", value=active)
        limit = criteria.get("limit")
        check_limit(limit)
        terms = {k: v for k, v in criteria.items() if k in _TEXT and isinstance(v, str)}
        impossible = limit == 0 or not all(is_storable(t) for t in terms.values())
        keys: dict[str, Any] = {}
        for label, term in terms.items():
            if label == "phone":
                found = phone_keys(term) if is_storable(term) else ()
                if not found:  # an unparseable phone number matches nothing
                    impossible = True
                    continue
                keys["phone"] = found[0]
                if len(found) > 1:
                    keys["phone_also"] = found[1]
                continue
            keys[label] = _NORMALISE.get(label, str)(term)
        if keys.get("name") == "" or len(keys.get("name") or "") > MAX_NAME_KEY:
            impossible = True  # longer than any stored name can fold to: nothing to split
        if impossible:  # a number is only parsed for a query that can match
            keys.pop("phone", None)
            keys.pop("phone_also", None)
        return cls(active=active, limit=limit, impossible=impossible, **keys)

    def matches(self, contact: Contact) -> bool:
        """Whether ``contact`` meets every criterion (the reference semantics)."""
        if self.impossible:
            return False
        if self.active is not None and contact.active is not self.active:
            return False
        if self.account_id is not None and contact.account_id != self.account_id:
            return False
        if self.email is not None and self.email not in contact_email_keys(contact):
            return False
        if self.phone is not None:
            phones = contact_phones(contact)
            if self.phone not in phones and (
                self.phone_also is None or self.phone_also not in phones
            ):
                return False
        if self.line is not None and self.line not in contact_lines(contact):
            return False
        if self.name is not None and self.name not in contact.name.match_keys:
            return False
        if self.title is not None and match_key(contact.title or "") != self.title:
            return False
        return not (
            self.department is not None and match_key(contact.department or "") != self.department
        )


_CRITERIA: Final = get_type_hints(ContactCriteria)
"""Each ``find_contacts`` keyword and its type, from the one declaration."""

_TEXT: Final = frozenset(k for k, hint in _CRITERIA.items() if str in get_args(hint))
"""The criteria given as text (the others are ``active`` and ``limit``)."""

_NORMALISE: Final[dict[str, Callable[[str], str]]] = {
    "email": email_key,
    "name": match_key,
    "title": match_key,
    "department": match_key,
}
"""How a text criterion becomes the key backends compare (others are kept as given)."""


MAX_PAGE_NUMBER: Final = 2**62
"""Largest ``limit`` or ``offset`` (a 64-bit integer in every SQL engine)."""


def _check_whole(value: object, field: str) -> None:
    """Refuse ``value`` unless it is a whole number from 0 to 2**62 (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PAGE_NUMBER:
        raise InvalidValueError("must be a whole number from 0 to 2**62", field=field, value=value)


def check_count_up_to(count_up_to: int) -> None:
    """Refuse a ``count_up_to`` that is not a whole number from 0 to 2**62."""
    _check_whole(count_up_to, "count_up_to")


def check_limit(limit: int | None, offset: int = 0) -> None:
    """Refuse negative, non-integer or over-large pagination arguments."""
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_PAGE_NUMBER
    ):
        raise InvalidValueError(
            "must be a whole number from 0 to 2**62, or None", field="limit", value=limit
        )
    _check_whole(offset, "offset")


MIN_INDEXED: Final = 3
"""Needles at least this long are found by substring through the trigram indexes; shorter
ones (where trigrams do not apply) match only the *start* of a last name, first name or
email (or account name), which ordinary indexes find in bounded ranges."""

_PHONE_LIKE = re.compile(r"[0-9+\-.()/ ]+")


def _digits(text: str) -> str:
    return "".join(ch for ch in text if "0" <= ch <= "9")


def contact_search_text(full_name: str, email: str | None, phones: Iterable[str | None]) -> str:
    """The folded text the contact search index covers: one line each for the full name,
    the email and the digits of each phone (E.164 without ``+``).

    Lines are joined by ``\\n``, which a needle never holds (:func:`match_key`
    collapses white space), so no match spans two fields.
    """
    parts = [key(full_name), key(email) if email else ""]
    parts.extend(_phone_text(p) for p in phones if p)
    return "\n".join(parts)


def _phone_text(stored: str) -> str:
    """What the search index holds of a stored phone: E.164 without ``+``, or the
    digits an unverified phone was typed with (never the ``unverified:`` mark)."""
    if stored.startswith(UNVERIFIED_MARK):
        return _digits(stored[len(UNVERIFIED_MARK) :])
    return stored[1:]


def contact_search_key(contact: Contact) -> str:
    """:func:`contact_search_text` of a contact (its ``search_key`` column)."""
    email = contact.email
    return contact_search_text(
        contact.name.full,
        email.address if email is not None else None,
        (p.e164 for p in (contact.phone, contact.mobile) if p is not None),
    )


def _host(website: str) -> str:
    host = website.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
    host = host.split(":", 1)[0].lower()
    return host.removeprefix("www.")


def account_search_text(name: str, website: str | None, phone: str | None) -> str:
    """The folded text the account search index covers: name, website domain, phone digits."""
    parts = [key(name), key(_host(website)) if website else ""]
    if phone:
        parts.append(_phone_text(phone))
    return "\n".join(parts)


def account_search_key(account: Account) -> str:
    """:func:`account_search_text` of an account (its ``search_key`` column)."""
    phone = account.phone
    return account_search_text(
        account.name, account.website, phone.e164 if phone is not None else None
    )


@attrs.frozen(slots=True)
class SearchNeedle:
    """What a search looks for, normalised once.

    Attributes:
        text: The folded needle (:func:`match_key` of the caller's text).
        digits: The digits of a phone-like needle (``"+33 6 12"`` -> ``"33612"``), without
            a leading trunk ``0`` (``"06 12 34"`` -> ``"61234"``, found inside
            ``33612345678``), when at least :data:`MIN_INDEXED` remain, else ``None``.
    """

    text: str
    digits: str | None = None

    @property
    def short(self) -> bool:
        """Too short for trigrams: matched by prefix only (see :data:`MIN_INDEXED`)."""
        return len(self.text) < MIN_INDEXED

    @property
    def phrases(self) -> tuple[str, ...]:
        """The substrings looked for (long needles only)."""
        if self.digits is not None and self.digits != self.text:
            return (self.text, self.digits)
        return (self.text,)


def search_needle(text: object) -> SearchNeedle | None:
    """What ``search`` looks for, or ``None`` when nothing can match."""
    if not isinstance(text, str):
        raise InvalidValueError("a search term is text", field="text", value=text)
    if not is_storable(text) or len(text) > MAX_SEARCH:
        return None
    needle = match_key(text)
    if not needle:
        return None
    digits = _digits(text) if _PHONE_LIKE.fullmatch(text.strip()) else ""
    digits = digits.removeprefix("0")  # a national trunk prefix: "06 12" is "+33 6 12…"
    return SearchNeedle(needle, digits if len(digits) >= MIN_INDEXED else None)


MAX_SEARCH: Final = 1000
"""Longer search texts match nothing (no stored field is that long), checked before any work."""


def search_count_bound(limit: int | None, count_up_to: int = SEARCH_COUNT_LIMIT) -> int | None:
    """How many matches a search of ``limit`` results counts at most: ``count_up_to``,
    and at least one past ``limit``, so ``truncated`` stays true whenever more match
    than were returned; ``None`` (no bound) when every match is asked for
    (``limit=None``)."""
    return None if limit is None else max(count_up_to, limit + 1)


def contact_search_rank(
    needle: SearchNeedle, search_key: str, last_key: str, first_key: str
) -> int | None:
    """The rank of a contact for ``needle`` (lower first), or ``None`` when it does not match.

    0: the email or a phone is exactly the needle; 1: the last name starts with
    it; 2: the full name starts with it; 3: it is found anywhere else (a short
    needle: at the start of the first name or the email).
    """
    full, _, rest = search_key.partition("\n")
    email, _, phones = rest.partition("\n")
    text = needle.text
    if needle.short:
        if last_key.startswith(text):
            return 1
        if full.startswith(text):
            return 2
        return 3 if first_key.startswith(text) or email.startswith(text) else None
    if text == email or (phones and (needle.digits or text) in phones.split("\n")):
        return 0
    if last_key.startswith(text):
        return 1
    if full.startswith(text):
        return 2
    return 3 if any(p in search_key for p in needle.phrases) else None


def account_search_rank(needle: SearchNeedle, search_key: str) -> int | None:
    """The rank of an account for ``needle`` (lower first), or ``None`` when it does not match.

    0: the website domain or the phone is exactly the needle; 1: the name
    starts with it; 3: it is found anywhere else (a short needle: at the
    start of the name only).
    """
    name, _, rest = search_key.partition("\n")
    domain, _, phone = rest.partition("\n")
    text = needle.text
    if needle.short:
        return 1 if name.startswith(text) else None
    if text == domain or (phone and (needle.digits or text) == phone):
        return 0
    if name.startswith(text):
        return 1
    return 3 if any(p in search_key for p in needle.phrases) else None


def prefix_upper(prefix: str) -> str | None:
    """The least text above every text starting with ``prefix`` (code point order),
    or ``None`` when there is none: ``prefix <= x < upper`` is a prefix range on an index."""
    for i in range(len(prefix) - 1, -1, -1):
        code = ord(prefix[i]) + 1
        if code == 0xD800:
            code = 0xE000
        if code <= 0x10FFFF:
            return prefix[:i] + chr(code)
    return None


# ------------------------------------------------------------ time and order

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO: Final = timedelta(microseconds=1)


def to_micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // _MICRO


def from_micros(micros: int) -> datetime:
    """The UTC datetime ``micros`` microseconds after the Unix epoch."""
    return EPOCH + timedelta(microseconds=micros)


def account_order_key(order: AccountOrder, account: Account) -> tuple[Any, ...]:
    """How ``accounts.list`` sorts (ascending); ties are broken by id."""
    if order is AccountOrder.NAME:
        return (match_key(account.name), account.id)
    if order is AccountOrder.CREATED_AT:
        return (to_micros(account.created_at), account.id)
    if order is AccountOrder.UPDATED_AT:
        return (to_micros(account.updated_at), account.id)
    return (account.id,)


def opportunity_order_key(opportunity: Opportunity) -> tuple[Any, ...]:
    """Close date (undated last), name (case- and accent-insensitive), id."""
    close = opportunity.close_date
    return (
        close is None,
        close.isoformat() if close else "",
        match_key(opportunity.name),
        opportunity.id,
    )


def case_order_key(case: Case) -> tuple[Any, ...]:
    """Most recently opened first, then id."""
    return (-to_micros(case.opened_at), case.id)


def relation_order_key(relation: AccountContactRelation) -> tuple[Any, ...]:
    """Start date (undated first), then id."""
    start = relation.start_date
    return (start is not None, start.isoformat() if start else "", relation.id)


def contact_existed(account: Account, contact_id: str) -> bool:
    """Whether ``contact_id`` was stored with the account at its last save (from its events)."""
    for event in account.pending_events:
        if isinstance(event, ContactEvent) and event.contact_id == contact_id:
            return not isinstance(event, ContactAdded | ContactMovedIn)
    return contact_id in account.contacts


def born(aggregate: Account | Opportunity | Case | AccountContactRelation) -> datetime:
    """When the aggregate was created: tells apart two incarnations of one id.

    Versions start again at 1 when a removed id is added again; a copy read
    before the removal has the same version as the new one but not the
    same creation time, so saving it is refused like any stale copy.
    """
    return aggregate.opened_at if isinstance(aggregate, Case) else aggregate.created_at


def stale_against(stored: Any, aggregate: Any) -> tuple[bool, int | None]:
    """Whether ``aggregate`` is not a copy of ``stored``'s version, and the version to report.

    The reported version is ``None`` when the id is gone or now names another incarnation.
    """
    if stored is None:
        return True, None
    if to_micros(born(stored)) != to_micros(born(aggregate)):
        return True, None
    return stored.version != aggregate.version, stored.version
