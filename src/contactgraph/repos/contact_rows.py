"""A contact's write-side texts: its ``contacts`` row and its creation entry's JSON.

Every imported contact takes both, so each is written in one walk of the
contact's values: :func:`contact_row` derives each key once and shares it
between the columns and the search key, its values in the table's column
order (what ``COPY`` sends; :func:`contact_values` keys them by column name for
the ``INSERT``s and ``UPDATE``s), :func:`contact_creation_text` writes the
history's JSON without building the plain-values dict first. Both are held to
the generic derivations by ``tests/repos/test_contact_row.py``.
:mod:`contactgraph.repos.rows` re-exports :func:`contact_values` and :func:`contact_row`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import immutables

from contactgraph.domain import Address, Contact
from contactgraph.domain.contact import CONTACT_FIELD_NAMES, NAME_FIELDS
from contactgraph.domain.fields import plain
from contactgraph.domain.phones import UNVERIFIED_MARK
from contactgraph.repos import schema
from contactgraph.repos.keys import contact_search_text, key, to_micros

__all__ = [
    "CONTACT_COLUMNS",
    "contact_creation_text",
    "contact_row",
    "contact_values",
    "json_map",
]

Values = dict[str, Any]


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
    if len(value) == 1:  # a contact's one external id, without a loop
        for k, v in value.items():
            if type(k) is str and type(v) is str:
                return "{" + _QUOTED(k) + ":" + _QUOTED(v) + "}"
    parts = []
    for k, v in value.items():
        if type(k) is not str or type(v) is not str:
            return _JSON(dict(value))
        parts.append(_QUOTED(k) + ":" + _QUOTED(v))
    return "{" + ",".join(parts) + "}"


CONTACT_COLUMNS: tuple[str, ...] = tuple(c.name for c in schema.contacts.columns)
"""The ``contacts`` table's columns, in the order of :func:`contact_row`'s values."""


def contact_values(tenant: str, c: Contact) -> Values:
    """The ``contacts`` row of ``c`` keyed by column name (the ``INSERT``s' and
    ``UPDATE``s' parameters): :func:`contact_row` under :data:`CONTACT_COLUMNS`."""
    return dict(zip(CONTACT_COLUMNS, contact_row(tenant, c), strict=True))


def contact_row(tenant: str, c: Contact) -> tuple[Any, ...]:
    """The ``contacts`` row of ``c``, its values in the table's column order (what
    ``COPY`` sends: every imported contact takes one, with no dict between).

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
    first, middle, last = name.first, name.middle, name.last
    full_key = key(name.full)
    address: str | None = None
    email_search: str | None = None
    email_key: str | None = None
    if email is not None:
        address = email.address
        email_search = key(address)
        email_key = email.match_key
    phone_text = mobile_text = None
    search = full_key + "\n" + (email_search or "")
    if phone is not None:
        phone_text = phone.e164
        search += "\n" + _phone_text(phone_text)
    if mobile is not None:
        mobile_text = mobile.e164
        search += "\n" + _phone_text(mobile_text)
    mailing = c.mailing_address
    title, department = c.title, c.department
    salutation, role = name.salutation, c.decision_role
    birthdate = c.birthdate
    created = c.created_at
    created_micros = to_micros(created)
    updated = c.updated_at
    alternate_emails, alternate_phones = c.alternate_emails, c.alternate_phones
    external_ids, extra = c.external_ids, c.extra
    if mailing is None:
        street = city = state = postal_code = country = None
    else:
        street, city, state = mailing.street, mailing.city, mailing.state
        postal_code, country = mailing.postal_code, mailing.country
    return (
        tenant,
        c.id,
        c.account_id,
        salutation.value if salutation is not None else None,
        first,
        middle,
        last,
        name.suffix,
        address,
        email_key,
        email_search,
        phone_text,
        mobile_text,
        title,
        key(title) if title else "",
        department,
        key(department) if department else "",
        street,
        city,
        state,
        postal_code,
        country,
        c.reports_to,
        role.value if role is not None else None,
        c.active,
        c.email_opt_out,
        c.do_not_call,
        c.description,
        birthdate.isoformat() if birthdate is not None else None,
        c.lead_source,
        json.dumps([e.address for e in alternate_emails]) if alternate_emails else None,
        json.dumps([p.e164 for p in alternate_phones]) if alternate_phones else None,
        json_map(external_ids) if external_ids else None,
        json_map(extra) if extra else None,
        created_micros,
        created_micros if updated is created else to_micros(updated),
        key(last),
        key(first) if first else "",
        key(middle) if middle else "",
        full_key,
        search,
    )


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


_WRITTEN_FIELDS: tuple[str, ...] = (
    "account_id", "active", "alternate_emails", "alternate_phones", "birthdate",
    "decision_role", "department", "description", "do_not_call", "email", "email_opt_out",
    "external_ids", "extra", "first_name", "last_name", "lead_source", "mailing_address",
    "middle_name", "mobile", "phone", "reports_to", "salutation", "suffix", "title",
)  # fmt: skip
"""The fields :func:`contact_creation_text` writes, in its order: those of
:data:`_CREATION_FIELDS` (a test holds the two equal, so a new contact field is not
silently left out)."""


def contact_creation_text(c: Contact) -> str:
    """``history.encode(history.values_of(c))``: the ``new`` text of a contact's creation
    entry, written from the contact's values in one walk.

    ``values_of`` builds a dict of plain values (``plain`` of each field with a
    value) and ``encode`` sorts and writes it with a JSON encoder made per call;
    here each field is read once, by its own line, in the sorted order, and its
    text written directly for the type the contact holds there (alternates,
    rare, through the encoder). A hook for the history writer
    (``repos/history.py``); ``tests/repos/test_contact_row.py`` holds it to
    ``encode(values_of(c))``.
    """
    name = c.name
    text = _TEXT
    parts = ['{"account_id":' + text(c.account_id)]
    add = parts.append
    add(',"active":true' if c.active else ',"active":false')
    if c.alternate_emails:
        add(',"alternate_emails":' + _HISTORY_JSON(plain(c.alternate_emails)))
    if c.alternate_phones:
        add(',"alternate_phones":' + _HISTORY_JSON(plain(c.alternate_phones)))
    if (birthdate := c.birthdate) is not None:
        add(',"birthdate":' + text(birthdate.isoformat()))
    if (role := c.decision_role) is not None:
        add(',"decision_role":' + text(role.value))
    if (department := c.department) is not None:
        add(',"department":' + text(department))
    if (description := c.description) is not None:
        add(',"description":' + text(description))
    add(',"do_not_call":true' if c.do_not_call else ',"do_not_call":false')
    if (email := c.email) is not None:
        add(',"email":' + text(email.address))
    add(',"email_opt_out":true' if c.email_opt_out else ',"email_opt_out":false')
    if external_ids := c.external_ids:
        add(',"external_ids":' + _map_text(external_ids))
    if extra := c.extra:
        add(',"extra":' + _map_text(extra))
    if (first := name.first) is not None:
        add(',"first_name":' + text(first))
    if (last := name.last) is not None:
        add(',"last_name":' + text(last))
    if (lead_source := c.lead_source) is not None:
        add(',"lead_source":' + text(lead_source))
    if (mailing := c.mailing_address) is not None:
        add(',"mailing_address":' + _address_text(mailing))
    if (middle := name.middle) is not None:
        add(',"middle_name":' + text(middle))
    if (mobile := c.mobile) is not None:
        add(',"mobile":' + text(mobile.e164))
    if (phone := c.phone) is not None:
        add(',"phone":' + text(phone.e164))
    if (reports_to := c.reports_to) is not None:
        add(',"reports_to":' + text(reports_to))
    if (salutation := name.salutation) is not None:
        add(',"salutation":' + text(salutation.value))
    if (suffix := name.suffix) is not None:
        add(',"suffix":' + text(suffix))
    if (title := c.title) is not None:
        add(',"title":' + text(title))
    add("}")
    return "".join(parts)


_ADDRESS_SORTED = tuple(sorted(a.name for a in attrs.fields(Address)))


def _address_text(address: Address) -> str:
    """``_HISTORY_JSON(plain(address))``: its parts with a value, by name (the order of
    :data:`_ADDRESS_SORTED`, each read by its own line)."""
    text = _TEXT
    parts = []
    if (city := address.city) is not None:
        parts.append('"city":' + text(city))
    if (country := address.country) is not None:
        parts.append('"country":' + text(country))
    if (postal_code := address.postal_code) is not None:
        parts.append('"postal_code":' + text(postal_code))
    if (state := address.state) is not None:
        parts.append('"state":' + text(state))
    if (street := address.street) is not None:
        parts.append('"street":' + text(street))
    return "{" + ",".join(parts) + "}"


def _map_text(value: immutables.Map[str, Any]) -> str:
    """``_HISTORY_JSON(plain(value))``, written directly when keys and values are text
    (a contact's one external id without a loop)."""
    if len(value) == 1:
        for k, v in value.items():
            if type(k) is str and type(v) is str:
                return "{" + _TEXT(k) + ":" + _TEXT(v) + "}"
    for k, v in value.items():
        if type(k) is not str or type(v) is not str:
            return _HISTORY_JSON(plain(value))
    return "{" + ",".join(_TEXT(k) + ":" + _TEXT(v) for k, v in sorted(value.items())) + "}"


def _phone_text(stored: str) -> str:
    """A stored phone's line of the search key (``keys.contact_search_text``'s rule)."""
    if stored.startswith(UNVERIFIED_MARK):
        return contact_search_text("", None, (stored,)).rpartition("\n")[2]
    return stored[1:]
