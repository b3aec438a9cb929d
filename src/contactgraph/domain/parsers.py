"""Parsers of single caller values, shared by every entity's field table.

Each parser takes the raw value and the default phone region (ignored by
most) and returns the validated value, or raises
:class:`~contactgraph.errors.InvalidValueError` naming the field. The same
mistake gets the same message whichever entity it is made on. The tables
that map field names to these parsers are in :mod:`contactgraph.domain.fields`.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
import immutables
import phonenumbers

from contactgraph.domain.commerce import Money, Stage, parse_decimal
from contactgraph.domain.common import EMPTY_MAP, ExtraValue
from contactgraph.domain.ids import check_id
from contactgraph.domain.text import MAX_SINGLE_LINE, clean_multiline, clean_single_line
from contactgraph.domain.values import (
    Address,
    DecisionRole,
    Email,
    Phone,
    _normalise_email,
    parse_date,
)
from contactgraph.errors import InvalidValueError

__all__ = [
    "MAX_COUNT",
    "MAX_EXTRA_INT",
    "FieldParser",
    "address",
    "choice",
    "count",
    "decimal",
    "email",
    "emails",
    "extra",
    "flag",
    "id_ref",
    "line",
    "money",
    "multiline",
    "phone",
    "phones",
    "region",
    "required_id",
    "required_line",
    "role",
    "stage",
    "string_map",
    "the_date",
]

FieldParser = Callable[[Any, str | None], Any]
"""``parser(raw value, default phone region) -> validated value``."""

MAX_COUNT = 2**63 - 1
"""Largest whole number a count may hold: what SQL ``BIGINT`` stores."""

MAX_EXTRA_INT = 2**63 - 1
"""Custom-field integers lie in ``[-2**63, 2**63 - 1]``: what every store and JSON reader keeps exactly."""

_ADDRESS_PARTS = ("street", "city", "state", "postal_code", "country")
_PART_NAMES = frozenset(_ADDRESS_PARTS)
_CONVERTERS: tuple[Callable[[Any], str | None], ...] = tuple(
    a.converter  # type: ignore[misc]  # every part of Address has its converter
    for a in attrs.fields(Address)
)
if tuple(a.name for a in attrs.fields(Address)) != _ADDRESS_PARTS or any(
    convert(None) is not None for convert in _CONVERTERS
):  # pragma: no cover
    raise RuntimeError("the address parser's parts must be Address's fields, in order")


def _address_of(parts: dict[str, Any]) -> Address:
    """``Address(**parts)`` for parts named among Address's fields: each part given runs
    through its converter, in Address's order (the same first error); a part not
    given (or ``None``) is ``None``, which every converter keeps, so it is not called.
    The same instance at ~half the cost of attrs' ``__init__`` (the import's mailing
    address, often a city alone)."""
    to_street, to_city, to_state, to_postal_code, to_country = _CONVERTERS
    get = parts.get
    street, city, state = get("street"), get("city"), get("state")
    postal_code, country = get("postal_code"), get("country")
    return Address.trusted(
        None if street is None else to_street(street),
        None if city is None else to_city(city),
        None if state is None else to_state(state),
        None if postal_code is None else to_postal_code(postal_code),
        None if country is None else to_country(country),
    )


def _error(reason: str, field: str, value: object, code: str | None = None) -> InvalidValueError:
    return InvalidValueError(reason, field=field, value=value, code=code)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _plain_line(text: str) -> bool:
    """Whether ``clean_single_line(text, ...)`` (at most 255 characters) is ``text.strip()``:
    printable ASCII (no control character, its own NFC) whose stripped text fits, checked
    in C, so a valid id of another system is read without naming the field it would be
    refused in (an f-string an id)."""
    return len(text) <= MAX_SINGLE_LINE and text.isascii() and text.isprintable()


def line(field: str, max_length: int = 255) -> FieldParser:
    """Optional one-line text; blank becomes ``None``."""

    def parse(value: Any, _region: str | None) -> str | None:
        if value is None:
            return None
        return clean_single_line(value, field, max_length=max_length) or None

    return parse


def multiline(field: str) -> FieldParser:
    """Optional text of several lines; blank becomes ``None``."""

    def parse(value: Any, _region: str | None) -> str | None:
        if value is None:
            return None
        return clean_multiline(value, field) or None

    return parse


def required_line(field: str, entity: str, what: str, max_length: int = 255) -> FieldParser:
    """One-line text that must not be blank: ``"an <entity> needs a <what>"``.

    The code is ``"<field>.required"``, except for a ``name``, whose code says
    whose name it is (``"account_name.required"``).
    """
    code = f"{entity}_name.required" if field == "name" else f"{field}.required"
    article = "an" if entity[0] in "aeiou" else "a"

    def parse(value: Any, _region: str | None) -> str:
        text = None if value is None else clean_single_line(value, field, max_length=max_length)
        if not text:
            raise _error(f"{article} {entity} needs {what}", field, value, code)
        return text

    return parse


def required_id(field: str, entity: str, what: str) -> FieldParser:
    """An id that must be given (see :func:`~contactgraph.domain.ids.is_valid_id`)."""
    article = "an" if entity[0] in "aeiou" else "a"

    def parse(value: Any, _region: str | None) -> str:
        if _blank(value):
            raise _error(f"{article} {entity} needs {what}", field, value, f"{field}.required")
        return check_id(value, field)

    return parse


def id_ref(field: str) -> FieldParser:
    """An optional reference to another record by id; ``None`` or ``""`` means none."""

    def parse(value: Any, _region: str | None) -> str | None:
        if value is None or value == "":
            return None
        return check_id(value, field)

    return parse


def email(value: Any, _region: str | None) -> Email | None:
    if _blank(value):
        return None
    # Email(value), its converter called here and the slot set directly (attrs' __init__
    # sets it through object.__setattr__ by name): every imported contact has one
    return Email.trusted(_normalise_email(value))


def phone(field: str) -> FieldParser:
    """A possible phone number; national numbers are read in the default region."""

    def parse(value: Any, region: str | None) -> Phone | None:
        if _blank(value):
            return None
        return Phone.parse(value, region, field=field)

    return parse


def address(field: str) -> FieldParser:
    """An :class:`Address` or a mapping of its parts; an empty address becomes ``None``."""

    def parse(value: Any, _region: str | None) -> Address | None:
        if value is None:
            return None
        if type(value) is dict and value.keys() <= _PART_NAMES:  # a source's parts
            try:
                found = _address_of(value)
            except InvalidValueError as exc:  # a part's own error, named inside this field
                raise _error(exc.reason, f"{field}.{exc.field or 'part'}", value) from None
        elif isinstance(value, Address):
            found = value
        elif isinstance(value, Mapping):
            if not all(k in _ADDRESS_PARTS for k in value):
                unknown = sorted(str(k) for k in value if k not in _ADDRESS_PARTS)
                raise _error(
                    f"unknown address part(s) {unknown}; use {', '.join(_ADDRESS_PARTS)}",
                    field,
                    value,
                )
            try:
                found = Address(**value)
            except InvalidValueError as exc:  # a part's own error, named inside this field
                raise _error(exc.reason, f"{field}.{exc.field or 'part'}", value) from None
        else:
            raise _error("must be an Address or a mapping of its parts", field, value)
        return None if found.is_empty else found

    return parse


def role(field: str) -> FieldParser:
    """A :class:`DecisionRole`; ``None`` or ``""`` means none."""

    def parse(value: Any, _region: str | None) -> DecisionRole | None:
        if value is None or value == "":
            return None
        return DecisionRole.parse(value, field)

    return parse


def flag(field: str) -> FieldParser:
    """``True`` or ``False``, nothing else (``"no"`` is truthy; it is refused)."""

    def parse(value: Any, _region: str | None) -> bool:
        if isinstance(value, bool):
            return value
        raise _error("must be True or False", field, value)

    return parse


def the_date(field: str) -> FieldParser:
    def parse(value: Any, _region: str | None) -> date | None:
        return parse_date(value, field)

    return parse


def emails(field: str) -> FieldParser:
    """A list of addresses, duplicates dropped."""

    def parse(value: Any, _region: str | None) -> tuple[Email, ...]:
        if value is None:
            return ()
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
            raise _error("must be a list of email addresses", field, value)
        out: dict[Email, None] = {}
        for item in value:
            try:
                out[Email(item)] = None
            except InvalidValueError as exc:
                raise _error(exc.reason, field, item) from None
        return tuple(out)

    return parse


def phones(field: str) -> FieldParser:
    """A list of phone numbers, duplicates dropped."""

    def parse(value: Any, region: str | None) -> tuple[Phone, ...]:
        if value is None:
            return ()
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
            raise _error("must be a list of phone numbers", field, value)
        return tuple(dict.fromkeys(Phone.parse(v, region, field=field) for v in value))

    return parse


def string_map(field: str) -> FieldParser:
    """A mapping of short names to one-line text (ids in other systems)."""

    def parse(value: Any, _region: str | None) -> immutables.Map[str, str]:
        if value is None:
            return EMPTY_MAP
        if not isinstance(value, Mapping):
            raise _error("must be a mapping", field, value)
        out: dict[str, str] = {}
        for key, item in value.items():
            k = clean_single_line(key, field, max_length=80)
            if not k:
                raise _error("keys cannot be empty", field, value)
            if type(item) is str and _plain_line(item):
                out[k] = item.strip()  # what clean_single_line gives such text
            else:
                out[k] = clean_single_line(item, f"{field}.{k}")
        return immutables.Map(out)

    return parse


def extra(value: Any, _region: str | None) -> immutables.Map[str, ExtraValue]:
    """Custom fields: text, finite numbers (integers within 64 bits), true/false or null."""
    if value is None:
        return EMPTY_MAP
    if not isinstance(value, Mapping):
        raise _error("must be a mapping of custom fields", "extra", value)
    out: dict[str, ExtraValue] = {}
    for key, item in value.items():
        k = clean_single_line(key, "extra", max_length=80)
        if not k:
            raise _error("custom field names cannot be empty", "extra", value)
        out[k] = _extra_value(item, f"extra.{k}")
    return immutables.Map(out)


def _extra_value(item: Any, field: str) -> ExtraValue:
    if isinstance(item, str):
        return clean_multiline(item, field)
    if item is None or isinstance(item, bool):
        return item
    if isinstance(item, int):
        if not -MAX_EXTRA_INT - 1 <= item <= MAX_EXTRA_INT:
            raise _error("a custom whole number must fit in 64 bits", field, item)
        return int(item)
    if isinstance(item, float):
        if not math.isfinite(item):
            raise _error("a custom number must be finite (not NaN or infinity)", field, item)
        return float(item)
    raise _error("a custom field holds text, a number, true/false or null", field, item)


def decimal(field: str) -> FieldParser:
    """An exact decimal number; ``None`` or ``""`` means none."""

    def parse(value: Any, _region: str | None) -> Decimal | None:
        if value is None or value == "":
            return None
        return parse_decimal(value, field)

    return parse


def count(field: str) -> FieldParser:
    """A whole number from 0 to :data:`MAX_COUNT`; ``None`` or ``""`` means none."""

    def parse(value: Any, _region: str | None) -> int | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise _error("must be a whole number", field, value)
        if isinstance(value, int):
            number = value
        else:
            if isinstance(value, str) and len(value) > 40:
                raise _error("must be a whole number", field, value)
            try:
                exact = Decimal(value) if isinstance(value, float) else Decimal(str(value).strip())
            except InvalidOperation:
                raise _error("must be a whole number", field, value) from None
            if not exact.is_finite() or exact != exact.to_integral_value():
                raise _error("must be a whole number", field, value)
            if abs(exact.adjusted()) > 30:
                raise _error(f"cannot exceed {MAX_COUNT}", field, value)
            number = int(exact)
        if number < 0:
            raise _error("cannot be negative", field, value)
        if number > MAX_COUNT:
            raise _error(f"cannot exceed {MAX_COUNT}", field, value)
        return number

    return parse


def region(field: str) -> FieldParser:
    """An ISO 3166 alpha-2 region libphonenumber knows, upper-cased."""

    def parse(value: Any, _region: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str) or value.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise _error("must be an ISO 3166 alpha-2 region such as 'FR'", field, value)
        return value.upper()

    return parse


def choice(enum_type: type[enum.StrEnum], field: str) -> FieldParser:
    """A member of a picklist, by its value ignoring case and surrounding spaces."""
    by_key = {m.value.casefold(): m for m in enum_type}

    def parse(value: Any, _region: str | None) -> enum.StrEnum:
        if isinstance(value, enum_type):
            return value
        if isinstance(value, str) and len(value) <= 80 and value.strip().casefold() in by_key:
            return by_key[value.strip().casefold()]
        allowed = ", ".join(m.value for m in enum_type)
        raise _error(f"use one of {allowed}", field, value)

    return parse


def stage(value: Any, _region: str | None) -> Stage:
    return Stage.parse(value)


def money(value: Any, _region: str | None) -> Money | None:
    """``(amount, currency)``; ``None`` means no amount."""
    if value is None:
        return None
    amount, currency = value
    return Money.parse(amount, currency)
