"""Plain data back to objects as an *input edge*: every value checked, every mistake named.

Values go through the same parsers as the domain's commands (email and phone
parsing, single-line text, picklists, decimals), an account's structural
invariants run, and unknown keys are refused. A malformed document raises
:class:`~contactgraph.errors.InvalidValueError` naming the field; invalid
values raise :class:`~contactgraph.errors.PolicyViolationError` listing every
one. The keys come from :mod:`.shape`; only what a key means is written here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs
import cattrs

from contactgraph.domain import (
    ACCOUNT_FIELDS,
    Account,
    AccountContactRelation,
    Address,
    Case,
    CasePriority,
    CaseStatus,
    Contact,
    ContactRole,
    DecisionRole,
    Email,
    Money,
    Opportunity,
    PersonName,
    Phone,
    Salutation,
    Stage,
    check_structure,
)
from contactgraph.domain.events import EMPTY_LOG
from contactgraph.domain.fields import parse_contact_fields
from contactgraph.errors import (
    InvalidValueError,
    PolicyViolationError,
    RowError,
    Severity,
    Violation,
)
from contactgraph.interop.json.shape import NAME_PARTS, fields, key_of, keys, stamps
from contactgraph.interop.json.types import optional_of, tuple_of
from contactgraph.interop.json.values import (
    check_keys,
    decimal_number,
    enum_in,
    flag,
    iso_date,
    mapping,
    raise_violations,
    required,
    text_id,
    timestamp,
    timestamps,
    version_number,
)

_OWN = ("id", "account_id")
"""A contact's identity, read before its fields."""
_CONTACT_FIELDS = tuple(k for k in keys(Contact) if k not in _OWN and k not in stamps(Contact))
"""What a contact's fields parser takes (the phones aside)."""
_CONTACT_FLAGS = tuple(key_of(a) for a in fields(Contact) if a.type is bool)
_CONTACT_LISTS = tuple(key_of(a) for a in fields(Contact) if tuple_of(a.type) is not None)
_CONTACT_PHONES = tuple(key_of(a) for a in fields(Contact) if optional_of(a.type) is Phone)
"""Read in international form only: a document carries no region to read them in."""
_ACCOUNT_FIELDS = tuple(
    k for k in keys(Account) if k not in ("id", "version", "contacts") and k not in stamps(Account)
)
"""An account's own fields: everything but its identity, version, timestamps and contacts."""
_CASE_FIELDS = tuple(
    k
    for k in keys(Case)
    if k not in ("id", "account_id", "contact_id", "subject", "closed_at", "version")
    and k not in stamps(Case)
)
"""What ``Case.create`` takes as keywords (the positional ones and the lifecycle aside)."""


def _address_in(value: Any, field: str) -> Address | None:
    if value is None:
        return None
    data = mapping(value, field)
    check_keys(data, keys(Address), field)
    try:
        address = Address(**{k: data.get(k) for k in keys(Address)})
    except InvalidValueError as exc:
        raise exc.with_field(f"{field}.{exc.field}" if exc.field else field) from None
    return None if address.is_empty else address


def _contact_in(data: Any, account_id: str | None = None) -> Contact:
    data = mapping(data, "contact")
    check_keys(data, keys(Contact), "a contact")
    contact_id = text_id(required(data, "id", "a contact"), "id")
    owner = text_id(
        data.get("account_id", account_id)
        if account_id is not None
        else required(data, "account_id", "a contact"),
        "account_id",
    )
    raw = {k: data[k] for k in _CONTACT_FIELDS if k in data}
    if "mailing_address" in raw:
        raw["mailing_address"] = _address_in(raw["mailing_address"], "mailing_address")
    for key in _CONTACT_FLAGS:  # null keeps the default
        if raw.get(key) is None:
            raw.pop(key, None)
    for key in _CONTACT_LISTS:
        if isinstance(raw.get(key), list) and any(not isinstance(x, str) for x in raw[key]):
            raise InvalidValueError("must be a list of strings", field=key, value=raw[key])
    phone_fields = {k: raw.pop(k) for k in _CONTACT_PHONES if k in raw}
    values, violations = parse_contact_fields(raw, region=None, entity_id=contact_id)
    for key, number in phone_fields.items():
        try:
            values[key] = None if number is None else Phone(number)
        except InvalidValueError as exc:
            violations.append(
                Violation(f"{key}.invalid", exc.reason, key, contact_id, policy="json")
            )
    if account_id is not None and owner != account_id:
        violations.append(
            Violation(
                "account_id.mismatch",
                f"listed under account {account_id} but says account {owner}",
                "account_id",
                contact_id,
                policy="json",
            )
        )
    times = timestamps(data, stamps(Contact))
    raise_violations(violations, f"contact {contact_id}")
    return Contact(id=contact_id, account_id=owner, **values, **times)


def _account_in(data: Any) -> Account:
    data = mapping(data, "account")
    contacts_raw = data.get("contacts") or []
    if not isinstance(contacts_raw, list):
        raise InvalidValueError("must be a list of contacts", field="contacts", value=contacts_raw)
    check_keys(data, keys(Account), "an account")
    account_id = text_id(required(data, "id", "an account"), "id")
    violations: list[Violation] = []
    values: dict[str, Any] = {}
    for key in _ACCOUNT_FIELDS:
        if key not in data:
            continue
        value = data[key]
        try:
            if key in ("billing_address", "shipping_address"):
                values[key] = _address_in(value, key)
            elif key == "phone":
                values[key] = None if value is None else Phone(value)
            elif key == "annual_revenue":
                values[key] = None if value is None else decimal_number(value, key)
            elif key == "number_of_employees" and isinstance(value, str):
                raise InvalidValueError("must be a whole number", field=key, value=value)
            else:
                values[key] = ACCOUNT_FIELDS[key](value, None)
        except InvalidValueError as exc:
            fld = exc.field or key
            violations.append(
                Violation(
                    f"{fld.split('.')[0]}.invalid", exc.reason, fld, account_id, policy="json"
                )
            )
    if "name" not in data:
        violations.append(
            Violation(
                "account_name.required",
                "an account needs a name",
                "name",
                account_id,
                policy="json",
            )
        )
    contacts: list[Contact] = []
    seen: set[str] = set()
    for position, raw in enumerate(contacts_raw):
        try:
            contact = _contact_in(raw, account_id)
        except PolicyViolationError as exc:
            violations.extend(exc.violations)
            continue
        except InvalidValueError as exc:
            violations.append(
                Violation(
                    "contact.invalid",
                    exc.reason,
                    f"contacts[{position}].{exc.field or ''}".rstrip("."),
                    account_id,
                    policy="json",
                )
            )
            continue
        if contact.id in seen:
            violations.append(
                Violation(
                    "id.duplicate", "two contacts share this id", "id", contact.id, policy="json"
                )
            )
        seen.add(contact.id)
        contacts.append(contact)
    times = timestamps(data, stamps(Account))
    if "version" in data:
        times["version"] = version_number(data["version"])
    raise_violations(violations, f"account {account_id}")
    account = Account.rehydrate(contacts, id=account_id, **values, **times)
    raise_violations(check_structure(account), f"account {account_id}")
    return account


def _role_in(data: Any, position: int) -> ContactRole:
    data = mapping(data, f"contact_roles[{position}]")
    check_keys(data, keys(ContactRole), "a contact role")
    contact_id = text_id(data.get("contact_id"), f"contact_roles[{position}].contact_id")
    role = data.get("role")
    try:
        parsed = None if role is None else DecisionRole.parse(role, "role")
    except InvalidValueError as exc:
        raise exc.with_field(f"contact_roles[{position}].role") from None
    return ContactRole(
        contact_id,
        parsed,
        flag(data.get("is_primary", False), f"contact_roles[{position}].is_primary"),
    )


def _money_in(value: Any) -> Money | None:
    if value is None:
        return None
    data = mapping(value, "amount")
    check_keys(data, keys(Money), "an amount")
    amount = decimal_number(required(data, "amount", "an amount"), "amount")
    return Money.parse(amount, required(data, "currency", "an amount"))


def _opportunity_in(data: Any) -> Opportunity:
    data = mapping(data, "opportunity")
    get = data.get
    roles_raw = get("contact_roles") or []
    if not isinstance(roles_raw, list):
        raise InvalidValueError("must be a list", field="contact_roles", value=roles_raw)
    check_keys(data, keys(Opportunity), "an opportunity")
    opp_id = text_id(required(data, "id", "an opportunity"), "id")
    money = _money_in(get("amount"))
    created = Opportunity.create(
        required(data, "name", "an opportunity"),
        required(data, "account_id", "an opportunity"),
        id=opp_id,
        stage=get("stage") or Stage.PROSPECTING,
        close_date=get("close_date"),
        description=get("description"),
        external_ids=get("external_ids"),
        extra=get("extra"),
    )
    roles = tuple(_role_in(r, i) for i, r in enumerate(roles_raw))
    if len({r.contact_id for r in roles}) != len(roles):
        raise InvalidValueError("a contact appears twice", field="contact_roles")
    if sum(r.is_primary for r in roles) > 1:
        raise InvalidValueError("at most one primary contact", field="contact_roles")
    times = timestamps(data, stamps(Opportunity))
    return Opportunity(
        id=created.id,
        account_id=created.account_id,
        name=created.name,
        stage=created.stage,
        amount=money,
        close_date=created.close_date,
        description=created.description,
        contact_roles=roles,
        external_ids=created.external_ids,
        extra=created.extra,
        version=version_number(get("version", 0)),
        **times,
    )


def _case_in(data: Any) -> Case:
    data = mapping(data, "case")
    get = data.get
    check_keys(data, keys(Case), "a case")
    case_id = text_id(required(data, "id", "a case"), "id")
    fields = {k: data[k] for k in _CASE_FIELDS if data.get(k) is not None}
    created = Case.create(
        required(data, "subject", "a case"),
        required(data, "account_id", "a case"),
        get("contact_id"),
        id=case_id,
        **fields,
    )
    changes = timestamps(data, stamps(Case))
    closed = get("closed_at")
    changes["closed_at"] = None if closed is None else timestamp(closed, "closed_at")
    if changes["closed_at"] is None and created.is_closed:
        changes["closed_at"] = created.closed_at
    if changes["closed_at"] is not None and not created.is_closed:
        raise InvalidValueError("an open case has no closed_at", field="closed_at", value=closed)
    return attrs.evolve(
        created, version=version_number(get("version", 0)), events=EMPTY_LOG, **changes
    )


def _relation_in(data: Any) -> AccountContactRelation:
    data = mapping(data, "relation")
    get = data.get
    check_keys(data, keys(AccountContactRelation), "a relation")
    roles = get("roles") or []
    if not isinstance(roles, list):
        raise InvalidValueError("must be a list of roles", field="roles", value=roles)
    rel = AccountContactRelation.create(
        required(data, "account_id", "a relation"),
        required(data, "contact_id", "a relation"),
        id=text_id(required(data, "id", "a relation"), "id"),
        roles=roles,
        title=get("title"),
        is_active=get("is_active", True),
        start_date=get("start_date"),
        end_date=get("end_date"),
    )
    times = timestamps(data, stamps(AccountContactRelation))
    return attrs.evolve(rel, version=version_number(get("version", 0)), **times)


def _person_name_in(data: Any) -> PersonName:
    data = mapping(data, "name")
    check_keys(data, keys(PersonName), "a name")
    return PersonName(**{attr: data.get(key) for attr, key in NAME_PARTS.items()})


def _violation_in(data: Any) -> Violation:
    data = mapping(data, "violation")
    check_keys(data, keys(Violation), "a violation")
    try:
        severity = Severity(data.get("severity", "error"))
    except ValueError:
        raise InvalidValueError(
            "must be 'error' or 'warning'", field="severity", value=data.get("severity")
        ) from None
    return Violation(
        code=str(required(data, "code", "a violation")),
        message=str(required(data, "message", "a violation")),
        field=data.get("field"),
        entity_id=data.get("entity_id"),
        severity=severity,
        policy=data.get("policy") or "",
    )


def _row_error_in(data: Any) -> RowError:
    data = mapping(data, "row error")
    check_keys(data, keys(RowError), "a row error")
    row = required(data, "row", "a row error")
    if isinstance(row, bool) or not isinstance(row, int):
        raise InvalidValueError("must be a whole number", field="row", value=row)
    return RowError(
        row=row,
        reason=str(required(data, "reason", "a row error")),
        field=data.get("field"),
        source=data.get("source") or "",
        record=data.get("record"),
    )


Hook = Callable[[Any, Any], Any]

_CHECKED: dict[type[Any], Hook] = {
    Account: lambda v, _t: _account_in(v),
    Contact: lambda v, _t: _contact_in(v),
    Opportunity: lambda v, _t: _opportunity_in(v),
    Case: lambda v, _t: _case_in(v),
    AccountContactRelation: lambda v, _t: _relation_in(v),
    ContactRole: lambda v, _t: _role_in(v, 0),
    Money: lambda v, _t: _money_in(v),
    Address: lambda v, _t: _address_in(v, "address"),
    PersonName: lambda v, _t: _person_name_in(v),
    Violation: lambda v, _t: _violation_in(v),
    RowError: lambda v, _t: _row_error_in(v),
    Email: lambda v, _t: Email(v),
    Phone: lambda v, _t: Phone(v),
    Decimal: lambda v, _t: decimal_number(v, "decimal"),
    date: lambda v, _t: iso_date(v),
    datetime: lambda v, _t: timestamp(v, "datetime"),
    Salutation: enum_in(Salutation, Salutation.parse),
    DecisionRole: enum_in(DecisionRole, DecisionRole.parse),
    Stage: enum_in(Stage, Stage.parse),
    CaseStatus: enum_in(CaseStatus, None),
    CasePriority: enum_in(CasePriority, None),
    Severity: enum_in(Severity, None),
}


def configure_checked(converter: cattrs.BaseConverter) -> None:
    """Register the validating structure hooks on ``converter``."""
    for cls, hook in _CHECKED.items():
        converter.register_structure_hook(cls, hook)
