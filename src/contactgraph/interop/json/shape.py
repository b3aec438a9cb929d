"""The JSON shape, declared once and derived from the attrs classes.

Every key of every object is an attrs field of its class, by its alias, in
field order. The few places where the documented shape says otherwise are
declared here, and nowhere else:

* a contact's :class:`~contactgraph.domain.PersonName` is flattened into
  the contact, its parts renamed and in the documented order;
* a case lists its contact right after its account;
* derived state and pending domain events are never part of a document.

The hooks in :mod:`.write`, :mod:`.trusted` and :mod:`.checked` take
their keys from :func:`keys`, so a field added to an entity appears in the
JSON, in both directions, without a second list to keep in step.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from contactgraph.domain import (
    Account,
    AccountContactRelation,
    Address,
    Case,
    Contact,
    ContactRole,
    Money,
    Opportunity,
    PersonName,
)
from contactgraph.errors import RowError, Violation

RECORDS = frozenset(
    {
        Account,
        Contact,
        Opportunity,
        Case,
        AccountContactRelation,
        ContactRole,
        Money,
        Address,
        PersonName,
        Violation,
        RowError,
    }
)
"""The classes with a documented JSON object shape."""

NAME_PARTS: dict[str, str] = {
    "salutation": "salutation",
    "first": "first_name",
    "middle": "middle_name",
    "last": "last_name",
    "suffix": "suffix",
}
""":class:`PersonName` attribute -> its flat key in a contact, in the documented order."""

RENAMED: dict[type[Any], dict[str, str]] = {PersonName: NAME_PARTS}
"""Classes whose keys are not their attribute names: attribute -> key, in the documented order."""

FLATTENED: dict[type[Any], str] = {Contact: "name"}
"""The field of a class whose parts are keys of the object itself (see :data:`NAME_PARTS`)."""

LEADING: dict[type[Any], tuple[str, ...]] = {Case: ("id", "account_id", "contact_id")}
"""Keys the documented shape puts first, before the others in field order."""

HIDDEN = frozenset({"reports_index", "events"})
"""Aliases never written: an index derived from the contacts, and pending domain events."""

if set(NAME_PARTS) != {a.name for a in attrs.fields(PersonName)}:  # pragma: no cover
    raise TypeError("NAME_PARTS must name every PersonName attribute exactly once")


def key_of(field: attrs.Attribute[Any]) -> str:
    """The key a field is written under: its alias (the ``__init__`` name)."""
    return field.alias or field.name


def fields(cls: type[Any]) -> list[attrs.Attribute[Any]]:
    """The attrs fields of ``cls`` that a document carries, in field order (types resolved)."""
    return [a for a in attrs.fields(attrs.resolve_types(cls)) if key_of(a) not in HIDDEN]


_KEYS: dict[type[Any], tuple[str, ...]] = {}


def keys(cls: type[Any]) -> tuple[str, ...]:
    """The keys of a ``cls`` document, in the documented order."""
    if cls not in _KEYS:
        _KEYS[cls] = _keys(cls)
    return _KEYS[cls]


def _keys(cls: type[Any]) -> tuple[str, ...]:
    if cls in RENAMED:
        return tuple(RENAMED[cls].values())
    names = [key_of(a) for a in fields(cls)]
    lead = LEADING.get(cls, ())
    names = [*lead, *(n for n in names if n not in lead)]
    flat = FLATTENED.get(cls)
    if flat is not None:
        at = names.index(flat)
        names[at : at + 1] = NAME_PARTS.values()
    return tuple(names)


def stamps(cls: type[Any]) -> tuple[str, ...]:
    """The keys of ``cls`` that hold a required timestamp (``created_at``…)."""
    return tuple(key_of(a) for a in fields(cls) if a.type is datetime)
