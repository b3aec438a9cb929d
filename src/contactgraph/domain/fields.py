"""One way to parse caller fields: a table per entity, one engine, one error per mistake.

Every entity's commands (``create``, ``update``, ``add_contact``…) validate
caller input here. A table maps each public field name to a parser of
:mod:`contactgraph.domain.parsers`; :func:`parse_fields` runs the table and
reports every problem at once as :class:`~contactgraph.errors.Violation`\\ s
of the same shape whatever the entity:

- an unknown field: code ``"field.unknown"``, field = the name given;
- a refused value: code ``"<field>.invalid"`` (or the parser's more precise
  code, e.g. ``"account_name.required"``), field = the field (or the
  sub-field, ``"extra.Score__c"``), message = the parser's reason;
- entity id = the record's id, policy = ``"<entity>_fields"``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs
import immutables

from contactgraph.domain import parsers as p
from contactgraph.domain.commerce import CasePriority, CaseStatus, ContactRole, Money
from contactgraph.domain.contact import CONTACT_FIELD_NAMES, NAME_FIELDS, Contact
from contactgraph.domain.events import FieldChange
from contactgraph.domain.ids import check_id
from contactgraph.domain.values import (
    NAME_PART_PARSERS,
    Address,
    Email,
    PersonName,
    Phone,
    region_of_country,
)
from contactgraph.errors import InvalidValueError, PolicyViolationError, Violation

__all__ = [
    "ACCOUNT_FIELDS",
    "CASE_FIELDS",
    "CONTACT_FIELDS",
    "OPPORTUNITY_FIELDS",
    "field_changes",
    "parse_account_fields",
    "parse_contact_fields",
    "parse_fields",
    "plain",
    "require_id",
]


def _name_part(value: Any, _region: str | None) -> Any:
    return value  # checked part by part by parse_contact_fields (PersonName's own parsers)


_CONTACT_PARSERS: dict[str, p.FieldParser] = {
    "email": p.email,
    "phone": p.phone("phone"),
    "mobile": p.phone("mobile"),
    "title": p.line("title", 128),
    "department": p.line("department", 80),
    "mailing_address": p.address("mailing_address"),
    "reports_to": p.id_ref("reports_to"),
    "decision_role": p.role("decision_role"),
    "active": p.flag("active"),
    "email_opt_out": p.flag("email_opt_out"),
    "do_not_call": p.flag("do_not_call"),
    "description": p.multiline("description"),
    "birthdate": p.the_date("birthdate"),
    "lead_source": p.line("lead_source", 80),
    "alternate_emails": p.emails("alternate_emails"),
    "alternate_phones": p.phones("alternate_phones"),
    "external_ids": p.string_map("external_ids"),
    "extra": p.extra,
}

CONTACT_FIELDS: Mapping[str, p.FieldParser] = {
    field: _name_part if field in NAME_FIELDS else _CONTACT_PARSERS[field]
    for field in CONTACT_FIELD_NAMES
}
"""Every field a caller may set on a contact (derived from :class:`Contact`'s attributes), with its parser."""

if set(_CONTACT_PARSERS) != set(CONTACT_FIELD_NAMES) - set(NAME_FIELDS):  # pragma: no cover
    raise RuntimeError("every Contact attribute a caller sets needs exactly one parser")

ACCOUNT_FIELDS: Mapping[str, p.FieldParser] = {
    "name": p.required_line("name", "account", "a name"),
    "type": p.line("type", 80),
    "industry": p.line("industry", 80),
    "website": p.line("website"),
    "phone": p.phone("phone"),
    "billing_address": p.address("billing_address"),
    "shipping_address": p.address("shipping_address"),
    "parent_id": p.id_ref("parent_id"),
    "description": p.multiline("description"),
    "annual_revenue": p.decimal("annual_revenue"),
    "number_of_employees": p.count("number_of_employees"),
    "phone_region": p.region("phone_region"),
    "external_ids": CONTACT_FIELDS["external_ids"],
    "extra": CONTACT_FIELDS["extra"],
}
"""Every field a caller may set on an account, with the parser that validates it."""

OPPORTUNITY_FIELDS: Mapping[str, p.FieldParser] = {
    "name": p.required_line("name", "opportunity", "a name", 120),
    "account_id": p.required_id("account_id", "opportunity", "an account"),
    "stage": p.stage,
    "close_date": p.the_date("close_date"),
    "amount": p.money,
    "description": p.multiline("description"),
    "external_ids": CONTACT_FIELDS["external_ids"],
    "extra": CONTACT_FIELDS["extra"],
}
"""Fields of an opportunity; ``amount`` takes an ``(amount, currency)`` pair."""

CASE_FIELDS: Mapping[str, p.FieldParser] = {
    "subject": p.required_line("subject", "case", "a subject"),
    "account_id": p.required_id("account_id", "case", "an account"),
    "contact_id": p.id_ref("contact_id"),
    "status": p.choice(CaseStatus, "status"),
    "priority": p.choice(CasePriority, "priority"),
    "origin": p.line("origin"),
    "type": p.line("type"),
    "reason": p.line("reason"),
    "description": p.multiline("description"),
    "external_ids": CONTACT_FIELDS["external_ids"],
    "extra": CONTACT_FIELDS["extra"],
}
"""Fields of a case."""


def _article(entity: str) -> str:
    return "an" if entity[0] in "aeiou" else "a"


def violation(exc: InvalidValueError, field: str, entity: str, entity_id: str | None) -> Violation:
    """The violation a refused value becomes, the same for every entity."""
    fld = exc.field or field
    code = exc.code or f"{fld.split('.')[0]}.invalid"
    return Violation(code, exc.reason, fld, entity_id, policy=f"{entity}_fields")


def unknown_field(field: object, entity: str, entity_id: str | None) -> Violation:
    name = field if isinstance(field, str) else repr(field)
    return Violation(
        "field.unknown",
        f"{name[:80]!r} is not {_article(entity)} {entity} field; "
        "custom fields go in extra={...}",
        name[:80],
        entity_id,
        policy=f"{entity}_fields",
    )


def parse_fields(
    table: Mapping[str, p.FieldParser],
    raw: Mapping[str, Any],
    *,
    entity: str,
    entity_id: str | None,
    region: str | None = None,
) -> tuple[dict[str, Any], list[Violation]]:
    """Run ``table`` over ``raw``: the validated values and every violation found.

    The values are only meaningful when the list is empty.
    """
    values: dict[str, Any] = {}
    violations: list[Violation] = []
    for field, value in raw.items():
        parser = table.get(field) if isinstance(field, str) else None
        if parser is None:
            violations.append(unknown_field(field, entity, entity_id))
            continue
        try:
            values[field] = parser(value, region)
        except InvalidValueError as exc:
            violations.append(violation(exc, field, entity, entity_id))
    return values, violations


def parse_contact_fields(
    raw: Mapping[str, Any],
    *,
    region: str | None,
    current: Contact | None = None,
    entity_id: str | None = None,
) -> tuple[dict[str, Any], list[Violation]]:
    """Validate caller input for a contact.

    Returns the validated attribute values (``name`` rebuilt when a name part
    is given) and every violation found; the values are only meaningful when
    the list is empty.
    """
    # parse_fields(CONTACT_FIELDS, the fields but the name parts, ...) in one pass (the hot
    # path of every contact an import adds; test_fields holds it to parse_fields)
    values: dict[str, Any] = {}
    violations: list[Violation] = []
    parser_of = _CONTACT_PARSERS.get
    for field, value in raw.items():
        parser = parser_of(field)  # one look-up for the fields but the name parts
        if parser is None or not isinstance(field, str):
            if field in NAME_FIELDS:
                continue
            violations.append(unknown_field(field, "contact", entity_id))
            continue
        try:
            values[field] = parser(value, region)
        except InvalidValueError as exc:
            violations.append(violation(exc, field, "contact", entity_id))
    name_parts: dict[str, Any] = {}
    bad_name = False
    for public, part, parse_part in _NAME_PARTS:  # NAME_FIELDS' order: last name first
        if public not in raw:
            continue
        value = raw[public]
        if part == "last" and (value is None or (isinstance(value, str) and not value.strip())):
            violations.append(_last_name_required(entity_id))
            bad_name = True
            continue
        try:  # each part on its own, so every bad part is reported
            name_parts[part] = parse_part(value)
        except InvalidValueError as exc:
            violations.append(violation(exc, public, "contact", entity_id))
            bad_name = True
    if current is None and "last_name" not in raw:
        violations.append(_last_name_required(entity_id))
        bad_name = True
    if name_parts and not (bad_name or (violations and _names_refused(violations))):
        if current is None:
            values["name"] = PersonName.trusted(**name_parts)
        else:
            merged = {part: getattr(current.name, part) for part in NAME_FIELDS.values()}
            merged.update(name_parts)
            values["name"] = PersonName.trusted(**merged)
    return values, violations


_NAME_PARTS = tuple((public, part, NAME_PART_PARSERS[part]) for public, part in NAME_FIELDS.items())
"""``(public field, PersonName attribute, its parser)`` of each name part, in NAME_FIELDS' order."""


def _names_refused(violations: list[Violation]) -> bool:
    """Whether a violation names a name part (an unknown field may, in a non-text key's repr)."""
    return any(v.field in NAME_FIELDS for v in violations)


def _last_name_required(entity_id: str | None) -> Violation:
    return Violation(
        code="last_name.required",
        message="a contact needs a last name",
        field="last_name",
        entity_id=entity_id,
        policy="contact_fields",
    )


def require_id(value: object, entity: str) -> str:
    """``value`` if it is a valid id for a new ``entity``, else a :class:`PolicyViolationError`.

    The violation has code ``"id.invalid"``, field ``"id"`` and policy
    ``"<entity>_identity"``; the rule is :func:`~contactgraph.domain.ids.is_valid_id`.
    """
    try:
        return check_id(value, "id")
    except InvalidValueError as exc:
        raise PolicyViolationError(
            [Violation("id.invalid", exc.reason, "id", None, policy=f"{entity}_identity")],
            f"{entity} refused",
        ) from None


def field_changes(current: object, values: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    """What setting ``values`` on ``current`` changes, field by field, as plain data."""
    return tuple(
        FieldChange(name, plain(getattr(current, name)), plain(value))
        for name, value in values.items()
        if getattr(current, name) != value
    )


def contact_field_changes(current: Contact, values: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    """:func:`field_changes` for a contact, its ``name`` reported part by part (``first_name``…)."""
    changes: list[FieldChange] = []
    for field, value in values.items():
        if field == "name":
            for public, part in NAME_FIELDS.items():
                old, new = getattr(current.name, part), getattr(value, part)
                if old != new:
                    changes.append(FieldChange(public, plain(old), plain(new)))
        elif getattr(current, field) != value:
            changes.append(FieldChange(field, plain(getattr(current, field)), plain(value)))
    return tuple(changes)


def plain(value: Any) -> Any:
    """A value as plain data (JSON types), for change records (events, history)."""
    if value is None or isinstance(value, str | bool | int | float):
        return value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Email):
        return value.address
    if isinstance(value, Phone):
        return value.e164
    if isinstance(value, Address):
        return {k: v for k, v in attrs.asdict(value).items() if v is not None}
    if isinstance(value, Money):
        return {"amount": str(value.amount), "currency": value.currency}
    if isinstance(value, ContactRole):
        return {
            "contact_id": value.contact_id,
            "role": plain(value.role),
            "is_primary": value.is_primary,
        }
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, immutables.Map | Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return str(value)


def parse_account_fields(
    raw: Mapping[str, Any], account_id: str, default_region: str | None = None
) -> tuple[dict[str, Any], list[Violation]]:
    """Validate account fields; phones are read in the region the input itself gives, if any."""
    billing = raw.get("billing_address")
    region = raw.get("phone_region") if isinstance(raw.get("phone_region"), str) else None
    if region is None and isinstance(billing, Address):
        region = billing.region
    elif region is None and isinstance(billing, Mapping):
        country = billing.get("country")
        region = region_of_country(country) if isinstance(country, str) else None
    return parse_fields(
        ACCOUNT_FIELDS, raw, entity="account", entity_id=account_id, region=region or default_region
    )
