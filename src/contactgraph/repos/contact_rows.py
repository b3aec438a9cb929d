"""A contact's write-side texts: its ``contacts`` row and its creation entry's JSON.

Every imported contact takes both, so each is written in one walk of the
contact's values: :func:`contact_values` derives each key once and shares it
between the columns and the search key, :func:`contact_creation_text` writes
the history's JSON without building the plain-values dict first. Both are
held to the generic derivations by ``tests/repos/test_contact_row.py``.
:mod:`contactgraph.repos.rows` re-exports :func:`contact_values`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import attrs
import immutables

from contactgraph.domain import Address, Contact, DecisionRole, Salutation
from contactgraph.domain.contact import CONTACT_FIELD_NAMES, NAME_FIELDS
from contactgraph.domain.fields import plain
from contactgraph.domain.phones import UNVERIFIED_MARK
from contactgraph.domain.values import Email, Phone
from contactgraph.repos.keys import contact_search_text, key, to_micros

__all__ = ["contact_creation_text", "contact_values", "json_map"]

Values = dict[str, Any]


def _date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


_JSON: Callable[[Any], str] = json.JSONEncoder(separators=(",", ":")).encode
"""``json.dumps(value, separators=(",", ":"))`` with one encoder made once (``dumps``
with options makes one per call)."""

_QUOTED: Callable[[str], str] = json.encoder.encode_basestring_ascii
"""How :data:`_JSON` writes a string (``ensure_ascii``: the C function)."""


def json_map(value: Mapping[str, Any]) -> str | None:
    """``_JSON(dict(value))``, written directly when every key and value is text
    (external ids always are): ``JSONEncoder.encode`` makes a C encoder per call,
    dearer than the few strings it joins."""
    if not value:
        return None
    parts = []
    for k, v in value.items():
        if type(k) is not str or type(v) is not str:
            return _JSON(dict(value))
        parts.append(_QUOTED(k) + ":" + _QUOTED(v))
    return "{" + ",".join(parts) + "}"


def contact_values(tenant: str, c: Contact) -> Values:
    """The ``contacts`` row of ``c`` (every imported contact takes one).

    Each derived text is computed once and shared: the full name's key is the
    ``full_key`` and the search key's first line, the email's key its
    ``email_search`` and its second line (``contact_search_key`` would fold
    both again). ``tests/repos/test_contact_row.py`` holds the row to the
    generic derivation, column by column.
    """
    name = c.name
    email = c.email
    phone = c.phone
    mobile = c.mobile
    first, middle, last, full = name.first, name.middle, name.last, name.full
    full_key = key(full)
    address: str | None = None
    email_search: str | None = None
    email_key: str | None = None
    if email is not None:
        address = email.address
        email_search = key(address)
        email_key = email.match_key
    search = [full_key, email_search or ""]
    if phone is not None:
        search.append(_phone_text(phone.e164))
    if mobile is not None:
        search.append(_phone_text(mobile.e164))
    mailing = c.mailing_address
    title, department = c.title, c.department
    created = c.created_at
    created_micros = to_micros(created)
    updated = c.updated_at
    return {
        "tenant": tenant,
        "id": c.id,
        "account_id": c.account_id,
        "salutation": name.salutation.value if name.salutation is not None else None,
        "first_name": first,
        "middle_name": middle,
        "last_name": last,
        "suffix": name.suffix,
        "email": address,
        "email_key": email_key,
        "email_search": email_search,
        "phone": phone.e164 if phone is not None else None,
        "mobile": mobile.e164 if mobile is not None else None,
        "title": title,
        "title_key": key(title) if title else "",
        "department": department,
        "department_key": key(department) if department else "",
        "mailing_street": mailing.street if mailing is not None else None,
        "mailing_city": mailing.city if mailing is not None else None,
        "mailing_state": mailing.state if mailing is not None else None,
        "mailing_postal_code": mailing.postal_code if mailing is not None else None,
        "mailing_country": mailing.country if mailing is not None else None,
        "reports_to": c.reports_to,
        "decision_role": c.decision_role.value if c.decision_role is not None else None,
        "active": c.active,
        "email_opt_out": c.email_opt_out,
        "do_not_call": c.do_not_call,
        "description": c.description,
        "birthdate": _date(c.birthdate),
        "lead_source": c.lead_source,
        "alternate_emails": (
            json.dumps([e.address for e in c.alternate_emails]) if c.alternate_emails else None
        ),
        "alternate_phones": (
            json.dumps([p.e164 for p in c.alternate_phones]) if c.alternate_phones else None
        ),
        "external_ids": json_map(c.external_ids),
        "extra": json_map(c.extra),
        "created_at": created_micros,
        "updated_at": created_micros if updated is created else to_micros(updated),
        "last_key": key(last),
        "first_key": key(first) if first else "",
        "middle_key": key(middle) if middle else "",
        "full_key": full_key,
        "search_key": "\n".join(search),
    }


_HISTORY_JSON: Callable[[Any], str] = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":")
).encode
"""How ``field_history`` writes a value (``history.encode``: sorted keys, text as it is)."""
_TEXT: Callable[[str], str] = json.encoder.encode_basestring
"""How :data:`_HISTORY_JSON` writes a string (the C function)."""
_CREATION_FIELDS: tuple[tuple[str, str | None], ...] = tuple(
    sorted(
        (public, part)
        for public, part in (
            ("account_id", None),
            *((f, NAME_FIELDS.get(f)) for f in CONTACT_FIELD_NAMES),
        )
    )
)
"""``(public name, name part or None)`` of each field a contact's creation entry may hold,
in the order of its JSON (sorted keys)."""


def contact_creation_text(c: Contact) -> str:
    """``history.encode(history.values_of(c))``: the ``new`` text of a contact's creation
    entry, written from the contact's values in one walk.

    ``values_of`` builds a dict of plain values (``plain`` of each field with a
    value) and ``encode`` sorts and writes it with a JSON encoder made per call;
    here each field's text is written directly, in the sorted order, text and
    flags without the encoder (composite values, rare, through it). A hook for
    the history writer (``repos/history.py``); ``tests/repos/test_contact_row.py``
    holds it to ``encode(values_of(c))``.
    """
    name = c.name
    parts: list[str] = []
    for public, part in _CREATION_FIELDS:
        value = getattr(name, part) if part is not None else getattr(c, public)
        if value is None:
            continue
        kind = type(value)
        if kind is str:
            text = _TEXT(value)
        elif kind is bool:
            text = "true" if value else "false"
        elif kind is Email:
            text = _TEXT(value.address)
        elif kind is Phone:
            text = _TEXT(value.e164)
        elif kind is Salutation or kind is DecisionRole:
            text = _TEXT(value.value)
        elif kind is date:
            text = _TEXT(value.isoformat())
        elif kind is Address:
            text = _address_text(value)
        elif kind is immutables.Map:
            if not value:
                continue
            text = _map_text(value)
        elif kind is tuple and not value:
            continue
        else:
            text = _HISTORY_JSON(plain(value))
        parts.append(f'"{public}":{text}')
    return "{" + ",".join(parts) + "}"


_ADDRESS_SORTED = tuple(sorted(a.name for a in attrs.fields(Address)))


def _address_text(address: Address) -> str:
    """``_HISTORY_JSON(plain(address))``: its parts with a value, by name."""
    parts = [
        f'"{part}":{_TEXT(v)}'
        for part in _ADDRESS_SORTED
        if (v := getattr(address, part)) is not None
    ]
    return "{" + ",".join(parts) + "}"


def _map_text(value: immutables.Map[str, Any]) -> str:
    """``_HISTORY_JSON(plain(value))``, written directly when keys and values are text."""
    for k, v in value.items():
        if type(k) is not str or type(v) is not str:
            return _HISTORY_JSON(plain(value))
    return "{" + ",".join(_TEXT(k) + ":" + _TEXT(v) for k, v in sorted(value.items())) + "}"


def _phone_text(stored: str) -> str:
    """A stored phone's line of the search key (``keys.contact_search_text``'s rule)."""
    if stored.startswith(UNVERIFIED_MARK):
        return contact_search_text("", None, (stored,)).rpartition("\n")[2]
    return stored[1:]
