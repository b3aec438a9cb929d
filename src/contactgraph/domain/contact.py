"""The Contact entity: a person who works in exactly one Account.

A Contact is only ever created by :meth:`Account.add_contact`; its attrs
constructor takes values that are already validated (stores use it to rebuild
rows without parsing them again). Input from people and files goes through
:func:`parse_contact_fields`, which validates every field and reports every
problem at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import attrs
import immutables

from contactgraph.domain.text import clean_multiline, clean_single_line
from contactgraph.domain.values import (
    NAME_PART_PARSERS,
    Address,
    DecisionRole,
    Email,
    PersonName,
    Phone,
    Salutation,
    parse_date,
)
from contactgraph.errors import InvalidValueError, Violation

__all__ = [
    "CONTACT_FIELDS",
    "NAME_FIELDS",
    "Contact",
    "ExtraValue",
    "parse_contact_fields",
    "utcnow",
]

ExtraValue = str | int | float | bool | None
"""What a custom (extra) field may hold: JSON scalars."""

EMPTY_MAP: immutables.Map[str, Any] = immutables.Map()


def utcnow() -> datetime:
    """The current time in UTC, to the microsecond (the stores keep microseconds)."""
    return datetime.now(UTC)


@attrs.frozen(slots=True, kw_only=True)
class Contact:
    """A person who works in a company; always attached to exactly one account.

    Attributes:
        id: Stable id (a UUID string), kept across moves and merges.
        account_id: The owning account's id.
        name: The name in parts; ``first_name``, ``last_name`` and
            ``salutation`` read them directly.
        email: Main email address.
        phone: Work phone.
        mobile: Mobile phone.
        title: Function ("CFO").
        department: Service ("Finance").
        mailing_address: Postal address.
        reports_to: Id of the manager, a contact of the same account.
        decision_role: Part the person plays in buying decisions.
        active: Inactive contacts are kept but receive nothing.
        email_opt_out: The person refused marketing email.
        do_not_call: The person refused phone calls.
        description: Free notes (several lines allowed).
        birthdate: Date of birth.
        lead_source: Where the contact came from.
        alternate_emails: Other addresses the person uses.
        alternate_phones: Other numbers.
        external_ids: Ids in other systems, e.g. ``{"salesforce": "003…"}``.
        extra: Custom fields kept for round trips (``Picture__c``…).
        created_at: When the contact was added (UTC).
        updated_at: When it last changed (UTC).
    """

    id: str
    account_id: str
    name: PersonName
    email: Email | None = None
    phone: Phone | None = None
    mobile: Phone | None = None
    title: str | None = None
    department: str | None = None
    mailing_address: Address | None = None
    reports_to: str | None = None
    decision_role: DecisionRole | None = None
    active: bool = True
    email_opt_out: bool = False
    do_not_call: bool = False
    description: str | None = None
    birthdate: date | None = None
    lead_source: str | None = None
    alternate_emails: tuple[Email, ...] = ()
    alternate_phones: tuple[Phone, ...] = ()
    external_ids: immutables.Map[str, str] = EMPTY_MAP
    extra: immutables.Map[str, ExtraValue] = EMPTY_MAP
    created_at: datetime = attrs.field(factory=utcnow)
    updated_at: datetime = attrs.field(factory=utcnow)

    @property
    def first_name(self) -> str | None:
        return self.name.first

    @property
    def last_name(self) -> str:
        return self.name.last

    @property
    def salutation(self) -> Salutation | None:
        return self.name.salutation

    @property
    def middle_name(self) -> str | None:
        return self.name.middle

    @property
    def suffix(self) -> str | None:
        return self.name.suffix

    @property
    def full_name(self) -> str:
        """``"Alice Martin"``."""
        return self.name.full

    @property
    def display_name(self) -> str:
        """``"Ms. Alice Martin"``."""
        return self.name.display

    @property
    def label(self) -> str:
        """``"Alice Martin, CFO"``: a name people recognise in a list."""
        return f"{self.name.full}, {self.title}" if self.title else self.name.full

    @property
    def can_receive_email(self) -> bool:
        """Active, with an address, and not opted out of email."""
        return self.active and self.email is not None and not self.email_opt_out

    @property
    def is_decision_maker(self) -> bool:
        return self.decision_role is not None and self.decision_role.decides

    def field_value(self, field: str) -> Any:
        """The value of a public field name (``first_name`` included)."""
        if field in NAME_FIELDS:
            return getattr(self.name, NAME_FIELDS[field])
        return getattr(self, field)

    def __str__(self) -> str:
        return self.label

    def __repr__(self) -> str:
        email = self.email.address if self.email is not None else None
        return (
            f"Contact(id={self.id!r}, name={self.name.full!r}, "
            f"account_id={self.account_id!r}, email={email!r})"
        )

    def _repr_html_(self) -> str:
        """A card in Jupyter (see :mod:`contactgraph.domain.display`)."""
        from contactgraph.domain.display import contact_html

        return contact_html(self)


NAME_FIELDS: Mapping[str, str] = {
    "last_name": "last",
    "first_name": "first",
    "salutation": "salutation",
    "middle_name": "middle",
    "suffix": "suffix",
}
"""Public name-part fields and the :class:`PersonName` attribute each sets."""


def _line(field: str, max_length: int = 255) -> Callable[[Any, str | None], str | None]:
    def parse(value: Any, _region: str | None) -> str | None:
        if value is None:
            return None
        return clean_single_line(value, field, max_length=max_length) or None

    return parse


def _email(value: Any, _region: str | None) -> Email | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return Email(value)


def _phone(field: str) -> Callable[[Any, str | None], Phone | None]:
    def parse(value: Any, region: str | None) -> Phone | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return Phone.parse(value, region, field=field)

    return parse


def _address(value: Any, _region: str | None) -> Address | None:
    if value is None:
        return None
    if isinstance(value, Address):
        address = value
    elif isinstance(value, Mapping):
        unknown = set(value) - {"street", "city", "state", "postal_code", "country"}
        if unknown:
            raise InvalidValueError(
                f"unknown address part(s) {sorted(unknown)}", field="mailing_address", value=value
            )
        address = Address(**value)
    else:
        raise InvalidValueError(
            "must be an Address or a mapping of its parts", field="mailing_address", value=value
        )
    return None if address.is_empty else address


def _reports_to(value: Any, _region: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidValueError("must be a contact id", field="reports_to", value=value)
    return clean_single_line(value, "reports_to", max_length=64)


def _role(value: Any, _region: str | None) -> DecisionRole | None:
    if value is None or value == "":
        return None
    return DecisionRole.parse(value)


def _flag(field: str) -> Callable[[Any, str | None], bool]:
    def parse(value: Any, _region: str | None) -> bool:
        if isinstance(value, bool):
            return value
        raise InvalidValueError("must be True or False", field=field, value=value)

    return parse


def _description(value: Any, _region: str | None) -> str | None:
    if value is None:
        return None
    return clean_multiline(value, "description") or None


def _birthdate(value: Any, _region: str | None) -> date | None:
    return parse_date(value, "birthdate")


def _emails(value: Any, _region: str | None) -> tuple[Email, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidValueError(
            "must be a list of email addresses", field="alternate_emails", value=value
        )
    try:
        return tuple(dict.fromkeys(Email(v) for v in value))
    except InvalidValueError as exc:
        raise exc.with_field("alternate_emails") from None


def _phones(value: Any, region: str | None) -> tuple[Phone, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidValueError(
            "must be a list of phone numbers", field="alternate_phones", value=value
        )
    return tuple(dict.fromkeys(Phone.parse(v, region, field="alternate_phones") for v in value))


def _string_map(field: str) -> Callable[[Any, str | None], immutables.Map[str, str]]:
    def parse(value: Any, _region: str | None) -> immutables.Map[str, str]:
        if value is None:
            return EMPTY_MAP
        if not isinstance(value, Mapping):
            raise InvalidValueError("must be a mapping", field=field, value=value)
        out: dict[str, str] = {}
        for key, item in value.items():
            k = clean_single_line(key, field, max_length=80)
            if not k:
                raise InvalidValueError("keys cannot be empty", field=field, value=value)
            out[k] = clean_single_line(item, f"{field}.{k}")
        return immutables.Map(out)

    return parse


def _extra(value: Any, _region: str | None) -> immutables.Map[str, ExtraValue]:
    if value is None:
        return EMPTY_MAP
    if not isinstance(value, Mapping):
        raise InvalidValueError("must be a mapping of custom fields", field="extra", value=value)
    out: dict[str, ExtraValue] = {}
    for key, item in value.items():
        k = clean_single_line(key, "extra", max_length=80)
        if not k:
            raise InvalidValueError(
                "custom field names cannot be empty", field="extra", value=value
            )
        if isinstance(item, str):
            out[k] = clean_multiline(item, f"extra.{k}")
        elif item is None or isinstance(item, bool | int | float):
            out[k] = item
        else:
            raise InvalidValueError(
                "a custom field holds text, a number, true/false or null",
                field=f"extra.{k}",
                value=item,
            )
    return immutables.Map(out)


CONTACT_FIELDS: Mapping[str, Callable[[Any, str | None], Any]] = {
    "last_name": lambda v, _r: v,  # checked by PersonName
    "first_name": lambda v, _r: v,
    "salutation": lambda v, _r: v,
    "middle_name": lambda v, _r: v,
    "suffix": lambda v, _r: v,
    "email": _email,
    "phone": _phone("phone"),
    "mobile": _phone("mobile"),
    "title": _line("title", 128),
    "department": _line("department", 80),
    "mailing_address": _address,
    "reports_to": _reports_to,
    "decision_role": _role,
    "active": _flag("active"),
    "email_opt_out": _flag("email_opt_out"),
    "do_not_call": _flag("do_not_call"),
    "description": _description,
    "birthdate": _birthdate,
    "lead_source": _line("lead_source", 80),
    "alternate_emails": _emails,
    "alternate_phones": _phones,
    "external_ids": _string_map("external_ids"),
    "extra": _extra,
}
"""Every field a caller may set on a contact, with the parser that validates it."""


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
    values: dict[str, Any] = {}
    violations: list[Violation] = []
    unknown = sorted(set(raw) - set(CONTACT_FIELDS))
    for field in unknown:
        violations.append(
            Violation(
                code="field.unknown",
                message=f"{field!r} is not a contact field; custom fields go in extra={{...}}",
                field=field,
                entity_id=entity_id,
                policy="contact_fields",
            )
        )
    for field, value in raw.items():
        if field in NAME_FIELDS or field not in CONTACT_FIELDS:
            continue
        try:
            values[field] = CONTACT_FIELDS[field](value, region)
        except InvalidValueError as exc:
            violations.append(_violation(exc, field, entity_id))
    name_parts: dict[str, Any] = {}
    for public, part in NAME_FIELDS.items():
        if public not in raw:
            continue
        value = raw[public]
        if part == "last" and (value is None or (isinstance(value, str) and not value.strip())):
            violations.append(_last_name_required(entity_id))
            continue
        try:  # each part on its own, so every bad part is reported
            name_parts[part] = NAME_PART_PARSERS[part](value)
        except InvalidValueError as exc:
            violations.append(_violation(exc, exc.field or public, entity_id))
    if current is None and "last_name" not in raw:
        violations.append(_last_name_required(entity_id))
    bad_name = any(v.field in NAME_FIELDS for v in violations)
    if name_parts and not bad_name:
        base = current.name if current is not None else None
        merged: dict[str, Any] = (
            {
                "last": base.last,
                "first": base.first,
                "salutation": base.salutation,
                "middle": base.middle,
                "suffix": base.suffix,
            }
            if base is not None
            else {}
        )
        merged.update(name_parts)
        values["name"] = PersonName.trusted(**merged)
    return values, violations


def _last_name_required(entity_id: str | None) -> Violation:
    return Violation(
        code="last_name.required",
        message="a contact needs a last name",
        field="last_name",
        entity_id=entity_id,
        policy="contact_fields",
    )


def _violation(exc: InvalidValueError, field: str, entity_id: str | None) -> Violation:
    fld = exc.field or field
    return Violation(
        code=f"{fld.split('.')[0]}.invalid",
        message=exc.reason,
        field=fld,
        entity_id=entity_id,
        policy="contact_fields",
    )
