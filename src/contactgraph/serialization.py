"""JSON for every entity and aggregate, in one documented and stable shape.

Front ends and stores rely on this shape (see ``docs/reference/json.md``):
plain field names, an email as its address, a phone in E.164, dates and
times in ISO 8601, decimals as strings, enums as their values, an account's
contacts as a list sorted by name then id, the version included, pending
events left out.

Following cattrs' ``preconf`` modules, there are three parts:
:class:`ContactGraphConverter`, :func:`configure_converter` and
:func:`make_converter`. The module-level helpers use two shared converters::

    text = to_json(account)
    same = from_json(text, Account)                  # validated: an input edge
    fast = from_json(text, Account, trusted=True)    # data this library wrote

Structuring is an *input edge*: every value goes through the same parsers as
the domain's commands, and bad input raises a
:class:`~contactgraph.errors.ContactGraphError` naming the field
(:class:`~contactgraph.errors.InvalidValueError` for a malformed document,
:class:`~contactgraph.errors.PolicyViolationError` listing every invalid
value or broken invariant). ``trusted=True`` skips the parsing for data the
library wrote itself (a store, a cache): it is several times faster and checks
nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs
import cattrs
import immutables
import orjson

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
from contactgraph.domain.values import parse_date
from contactgraph.errors import (
    InvalidValueError,
    PolicyViolationError,
    RowError,
    Severity,
    Violation,
)

__all__ = [
    "ContactGraphConverter",
    "configure_converter",
    "from_json",
    "make_converter",
    "structure",
    "to_json",
    "unstructure",
]

T = TypeVar("T")

_ADDRESS_KEYS = ("street", "city", "state", "postal_code", "country")
_NAME_KEYS = ("salutation", "first_name", "middle_name", "last_name", "suffix")
_CONTACT_KEYS = (
    "id",
    "account_id",
    *_NAME_KEYS,
    "email",
    "phone",
    "mobile",
    "title",
    "department",
    "mailing_address",
    "reports_to",
    "decision_role",
    "active",
    "email_opt_out",
    "do_not_call",
    "description",
    "birthdate",
    "lead_source",
    "alternate_emails",
    "alternate_phones",
    "external_ids",
    "extra",
    "created_at",
    "updated_at",
)
_ACCOUNT_KEYS = (
    "id",
    "name",
    "type",
    "industry",
    "website",
    "phone",
    "billing_address",
    "shipping_address",
    "parent_id",
    "description",
    "annual_revenue",
    "number_of_employees",
    "phone_region",
    "external_ids",
    "extra",
    "version",
    "created_at",
    "updated_at",
    "contacts",
)


class ContactGraphConverter(cattrs.Converter):
    """A cattrs converter that knows contactgraph's types.

    Attributes:
        trusted: Whether structuring skips validation (for data the library wrote).
    """

    def __init__(self, *, trusted: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("detailed_validation", False)
        super().__init__(**kwargs)
        self.trusted = trusted


# ------------------------------------------------------------------ plain values


def _opt(fn: Callable[[Any], Any], value: Any) -> Any:
    return None if value is None else fn(value)


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _address_out(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    return {key: getattr(address, key) for key in _ADDRESS_KEYS}


def _money_out(money: Money | None) -> dict[str, str] | None:
    if money is None:
        return None
    return {"amount": str(money.amount), "currency": money.currency}


def _mapping(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidValueError("must be a JSON object", field=field, value=value)
    return value


def _check_keys(data: Mapping[str, Any], allowed: tuple[str, ...], what: str) -> None:
    unknown = [k for k in data if k not in allowed]
    if unknown:
        raise InvalidValueError(
            f"unknown key(s) {sorted(map(str, unknown))} in {what}", field=str(unknown[0])
        )


def _required(data: Mapping[str, Any], key: str, what: str) -> Any:
    if key not in data or data[key] is None:
        raise InvalidValueError(f"{what} needs {key!r}", field=key)
    return data[key]


def _text_id(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        raise InvalidValueError(
            "must be non-empty text of at most 64 characters", field=field, value=value
        )
    return value


def _datetime(value: Any, field: str) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is not None:
                return parsed
            raise InvalidValueError(
                "must carry a time zone (e.g. +00:00)", field=field, value=value
            )
    raise InvalidValueError("must be an ISO 8601 date-time", field=field, value=value)


def _stamps(data: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """The timestamps among ``keys`` that ``data`` gives, parsed (the others keep their default)."""
    return {key: _datetime(data[key], key) for key in keys if key in data}


def _version(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValueError("must be a whole number >= 0", field="version", value=value)
    return value


def _bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidValueError("must be true or false", field=field, value=value)
    return value


def _decimal(value: Any, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidValueError("must be a decimal written as a string", field=field, value=value)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InvalidValueError("must be a decimal number", field=field, value=value) from None
    if not number.is_finite():
        raise InvalidValueError("must be a finite number", field=field, value=value)
    return number


def _raise_violations(violations: list[Violation], what: str) -> None:
    if any(v.is_error for v in violations):
        raise PolicyViolationError(violations, f"invalid {what} JSON")


# ------------------------------------------------------------------ unstructure


def _contact_out(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "account_id": contact.account_id,
        **_person_name_out(contact.name),
        "email": _opt(lambda e: e.address, contact.email),
        "phone": _opt(lambda p: p.e164, contact.phone),
        "mobile": _opt(lambda p: p.e164, contact.mobile),
        "title": contact.title,
        "department": contact.department,
        "mailing_address": _address_out(contact.mailing_address),
        "reports_to": contact.reports_to,
        "decision_role": _opt(lambda r: r.value, contact.decision_role),
        "active": contact.active,
        "email_opt_out": contact.email_opt_out,
        "do_not_call": contact.do_not_call,
        "description": contact.description,
        "birthdate": _iso(contact.birthdate),
        "lead_source": contact.lead_source,
        "alternate_emails": [e.address for e in contact.alternate_emails],
        "alternate_phones": [p.e164 for p in contact.alternate_phones],
        "external_ids": dict(contact.external_ids),
        "extra": dict(contact.extra),
        "created_at": contact.created_at.isoformat(),
        "updated_at": contact.updated_at.isoformat(),
    }


def _account_out(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "name": account.name,
        "type": account.type,
        "industry": account.industry,
        "website": account.website,
        "phone": _opt(lambda p: p.e164, account.phone),
        "billing_address": _address_out(account.billing_address),
        "shipping_address": _address_out(account.shipping_address),
        "parent_id": account.parent_id,
        "description": account.description,
        "annual_revenue": _opt(str, account.annual_revenue),
        "number_of_employees": account.number_of_employees,
        "phone_region": account.phone_region,
        "external_ids": dict(account.external_ids),
        "extra": dict(account.extra),
        "version": account.version,
        "created_at": account.created_at.isoformat(),
        "updated_at": account.updated_at.isoformat(),
        "contacts": [_contact_out(c) for c in account.sorted_contacts()],
    }


def _role_out(role: ContactRole) -> dict[str, Any]:
    return {
        "contact_id": role.contact_id,
        "role": _opt(lambda r: r.value, role.role),
        "is_primary": role.is_primary,
    }


def _opportunity_out(opp: Opportunity) -> dict[str, Any]:
    return {
        "id": opp.id,
        "account_id": opp.account_id,
        "name": opp.name,
        "stage": opp.stage.value,
        "amount": _money_out(opp.amount),
        "close_date": _iso(opp.close_date),
        "description": opp.description,
        "contact_roles": [_role_out(r) for r in opp.contact_roles],
        "external_ids": dict(opp.external_ids),
        "extra": dict(opp.extra),
        "version": opp.version,
        "created_at": opp.created_at.isoformat(),
        "updated_at": opp.updated_at.isoformat(),
    }


def _case_out(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "account_id": case.account_id,
        "contact_id": case.contact_id,
        "subject": case.subject,
        "status": case.status.value,
        "priority": case.priority.value,
        "origin": case.origin,
        "type": case.type,
        "reason": case.reason,
        "description": case.description,
        "opened_at": case.opened_at.isoformat(),
        "closed_at": _iso(case.closed_at),
        "external_ids": dict(case.external_ids),
        "extra": dict(case.extra),
        "version": case.version,
        "updated_at": case.updated_at.isoformat(),
    }


def _relation_out(rel: AccountContactRelation) -> dict[str, Any]:
    return {
        "id": rel.id,
        "account_id": rel.account_id,
        "contact_id": rel.contact_id,
        "roles": [r.value for r in rel.roles],
        "title": rel.title,
        "is_active": rel.is_active,
        "start_date": _iso(rel.start_date),
        "end_date": _iso(rel.end_date),
        "version": rel.version,
        "created_at": rel.created_at.isoformat(),
    }


def _person_name_out(name: PersonName) -> dict[str, Any]:
    return {
        "salutation": _opt(lambda s: s.value, name.salutation),
        "first_name": name.first,
        "middle_name": name.middle,
        "last_name": name.last,
        "suffix": name.suffix,
    }


def _violation_out(v: Violation) -> dict[str, Any]:
    return {
        "code": v.code,
        "message": v.message,
        "field": v.field,
        "entity_id": v.entity_id,
        "severity": v.severity.value,
        "policy": v.policy,
    }


def _row_error_out(e: RowError) -> dict[str, Any]:
    return {
        "row": e.row,
        "reason": e.reason,
        "field": e.field,
        "source": e.source,
        "record": e.record,
    }


# -------------------------------------------------------------------- structure


def _address_in(value: Any, field: str, trusted: bool) -> Address | None:
    if value is None:
        return None
    data = _mapping(value, field)
    if trusted:
        return Address.trusted(**{k: data.get(k) for k in _ADDRESS_KEYS})
    _check_keys(data, _ADDRESS_KEYS, field)
    try:
        address = Address(**{k: data.get(k) for k in _ADDRESS_KEYS})
    except InvalidValueError as exc:
        raise exc.with_field(f"{field}.{exc.field}" if exc.field else field) from None
    return None if address.is_empty else address


def _contact_in(data: Any, trusted: bool, account_id: str | None = None) -> Contact:
    data = _mapping(data, "contact")
    if trusted:
        return _contact_trusted(data)
    _check_keys(data, _CONTACT_KEYS, "a contact")
    contact_id = _text_id(_required(data, "id", "a contact"), "id")
    owner = _text_id(
        data.get("account_id", account_id)
        if account_id is not None
        else _required(data, "account_id", "a contact"),
        "account_id",
    )
    raw = {k: data[k] for k in _CONTACT_KEYS[2:-2] if k in data}
    if "mailing_address" in raw:
        raw["mailing_address"] = _address_in(raw["mailing_address"], "mailing_address", False)
    for flag in ("active", "email_opt_out", "do_not_call"):
        if raw.get(flag) is None:
            raw.pop(flag, None)
    for seq in ("alternate_emails", "alternate_phones"):
        if isinstance(raw.get(seq), list) and any(not isinstance(x, str) for x in raw[seq]):
            raise InvalidValueError("must be a list of strings", field=seq, value=raw[seq])
    phone_fields = {k: raw.pop(k) for k in ("phone", "mobile") if k in raw}
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
    stamps = _stamps(data, "created_at", "updated_at")
    _raise_violations(violations, f"contact {contact_id}")
    return Contact(id=contact_id, account_id=owner, **values, **stamps)


def _contact_trusted(data: Mapping[str, Any]) -> Contact:
    get = data.get
    salutation = get("salutation")
    return Contact(
        id=data["id"],
        account_id=data["account_id"],
        name=PersonName.trusted(
            data["last_name"],
            get("first_name"),
            Salutation(salutation) if salutation else None,
            get("middle_name"),
            get("suffix"),
        ),
        email=_opt(Email.trusted, get("email")),
        phone=_opt(Phone.trusted, get("phone")),
        mobile=_opt(Phone.trusted, get("mobile")),
        title=get("title"),
        department=get("department"),
        mailing_address=_address_in(get("mailing_address"), "mailing_address", True),
        reports_to=get("reports_to"),
        decision_role=_opt(DecisionRole, get("decision_role")),
        active=get("active", True),
        email_opt_out=get("email_opt_out", False),
        do_not_call=get("do_not_call", False),
        description=get("description"),
        birthdate=_opt(date.fromisoformat, get("birthdate")),
        lead_source=get("lead_source"),
        alternate_emails=tuple(Email.trusted(e) for e in get("alternate_emails") or ()),
        alternate_phones=tuple(Phone.trusted(p) for p in get("alternate_phones") or ()),
        external_ids=immutables.Map(get("external_ids") or {}),
        extra=immutables.Map(get("extra") or {}),
        created_at=datetime.fromisoformat(data["created_at"]),
        updated_at=datetime.fromisoformat(data["updated_at"]),
    )


def _account_in(data: Any, trusted: bool) -> Account:
    data = _mapping(data, "account")
    contacts_raw = data.get("contacts") or []
    if not isinstance(contacts_raw, list):
        raise InvalidValueError("must be a list of contacts", field="contacts", value=contacts_raw)
    if trusted:
        get = data.get
        return Account.rehydrate(
            (_contact_trusted(c) for c in contacts_raw),
            id=data["id"],
            name=data["name"],
            type=get("type"),
            industry=get("industry"),
            website=get("website"),
            phone=_opt(Phone.trusted, get("phone")),
            billing_address=_address_in(get("billing_address"), "billing_address", True),
            shipping_address=_address_in(get("shipping_address"), "shipping_address", True),
            parent_id=get("parent_id"),
            description=get("description"),
            annual_revenue=_opt(Decimal, get("annual_revenue")),
            number_of_employees=get("number_of_employees"),
            phone_region=get("phone_region"),
            external_ids=immutables.Map(get("external_ids") or {}),
            extra=immutables.Map(get("extra") or {}),
            version=get("version", 0),
            created_at=datetime.fromisoformat(data["created_at"]),
            updated_at=datetime.fromisoformat(data["updated_at"]),
        )
    _check_keys(data, _ACCOUNT_KEYS, "an account")
    account_id = _text_id(_required(data, "id", "an account"), "id")
    violations: list[Violation] = []
    values: dict[str, Any] = {}
    for key in _ACCOUNT_KEYS[1:15]:
        if key not in data:
            continue
        value = data[key]
        try:
            if key in ("billing_address", "shipping_address"):
                values[key] = _address_in(value, key, False)
            elif key == "phone":
                values[key] = _opt(Phone, value)
            elif key == "annual_revenue":
                values[key] = None if value is None else _decimal(value, key)
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
            contact = _contact_in(raw, False, account_id)
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
    stamps = _stamps(data, "created_at", "updated_at")
    if "version" in data:
        stamps["version"] = _version(data["version"])
    _raise_violations(violations, f"account {account_id}")
    account = Account.rehydrate(contacts, id=account_id, **values, **stamps)
    _raise_violations(check_structure(account), f"account {account_id}")
    return account


def _role_in(data: Any, position: int, trusted: bool) -> ContactRole:
    data = _mapping(data, f"contact_roles[{position}]")
    if trusted:
        role = data.get("role")
        return ContactRole(
            data["contact_id"], _opt(DecisionRole, role), data.get("is_primary", False)
        )
    _check_keys(data, ("contact_id", "role", "is_primary"), "a contact role")
    contact_id = _text_id(data.get("contact_id"), f"contact_roles[{position}].contact_id")
    role = data.get("role")
    try:
        parsed = None if role is None else DecisionRole.parse(role, "role")
    except InvalidValueError as exc:
        raise exc.with_field(f"contact_roles[{position}].role") from None
    return ContactRole(
        contact_id,
        parsed,
        _bool(data.get("is_primary", False), f"contact_roles[{position}].is_primary"),
    )


def _money_in(value: Any, trusted: bool) -> Money | None:
    if value is None:
        return None
    data = _mapping(value, "amount")
    if trusted:
        return Money(Decimal(data["amount"]), data["currency"])
    _check_keys(data, ("amount", "currency"), "an amount")
    amount = _decimal(_required(data, "amount", "an amount"), "amount")
    return Money.parse(amount, _required(data, "currency", "an amount"))


def _opportunity_in(data: Any, trusted: bool) -> Opportunity:
    data = _mapping(data, "opportunity")
    get = data.get
    roles_raw = get("contact_roles") or []
    if not isinstance(roles_raw, list):
        raise InvalidValueError("must be a list", field="contact_roles", value=roles_raw)
    if trusted:
        return Opportunity(
            id=data["id"],
            account_id=data["account_id"],
            name=data["name"],
            stage=Stage(get("stage", Stage.PROSPECTING.value)),
            amount=_money_in(get("amount"), True),
            close_date=_opt(date.fromisoformat, get("close_date")),
            description=get("description"),
            contact_roles=tuple(_role_in(r, i, True) for i, r in enumerate(roles_raw)),
            external_ids=immutables.Map(get("external_ids") or {}),
            extra=immutables.Map(get("extra") or {}),
            version=get("version", 0),
            created_at=datetime.fromisoformat(data["created_at"]),
            updated_at=datetime.fromisoformat(data["updated_at"]),
        )
    _check_keys(data, _OPPORTUNITY_KEYS, "an opportunity")
    opp_id = _text_id(_required(data, "id", "an opportunity"), "id")
    money = _money_in(get("amount"), False)
    created = Opportunity.create(
        _required(data, "name", "an opportunity"),
        _required(data, "account_id", "an opportunity"),
        id=opp_id,
        stage=get("stage") or Stage.PROSPECTING,
        close_date=get("close_date"),
        description=get("description"),
        external_ids=get("external_ids"),
        extra=get("extra"),
    )
    roles = tuple(_role_in(r, i, False) for i, r in enumerate(roles_raw))
    if len({r.contact_id for r in roles}) != len(roles):
        raise InvalidValueError("a contact appears twice", field="contact_roles")
    if sum(r.is_primary for r in roles) > 1:
        raise InvalidValueError("at most one primary contact", field="contact_roles")
    stamps = _stamps(data, "created_at", "updated_at")
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
        version=_version(get("version", 0)),
        **stamps,
    )


def _case_in(data: Any, trusted: bool) -> Case:
    data = _mapping(data, "case")
    get = data.get
    if trusted:
        return Case(
            id=data["id"],
            account_id=data["account_id"],
            contact_id=get("contact_id"),
            subject=data["subject"],
            status=CaseStatus(get("status", "New")),
            priority=CasePriority(get("priority", "Medium")),
            origin=get("origin"),
            type=get("type"),
            reason=get("reason"),
            description=get("description"),
            opened_at=datetime.fromisoformat(data["opened_at"]),
            closed_at=_opt(datetime.fromisoformat, get("closed_at")),
            external_ids=immutables.Map(get("external_ids") or {}),
            extra=immutables.Map(get("extra") or {}),
            version=get("version", 0),
            updated_at=datetime.fromisoformat(data["updated_at"]),
        )
    _check_keys(data, _CASE_KEYS, "a case")
    case_id = _text_id(_required(data, "id", "a case"), "id")
    fields = {
        k: data[k]
        for k in (
            "status",
            "priority",
            "origin",
            "type",
            "reason",
            "description",
            "external_ids",
            "extra",
        )
        if data.get(k) is not None
    }
    created = Case.create(
        _required(data, "subject", "a case"),
        _required(data, "account_id", "a case"),
        get("contact_id"),
        id=case_id,
        **fields,
    )
    changes = _stamps(data, "opened_at", "updated_at")
    closed = get("closed_at")
    changes["closed_at"] = None if closed is None else _datetime(closed, "closed_at")
    if changes["closed_at"] is None and created.is_closed:
        changes["closed_at"] = created.closed_at
    if changes["closed_at"] is not None and not created.is_closed:
        raise InvalidValueError("an open case has no closed_at", field="closed_at", value=closed)
    return attrs.evolve(created, version=_version(get("version", 0)), events=EMPTY_LOG, **changes)


def _relation_in(data: Any, trusted: bool) -> AccountContactRelation:
    data = _mapping(data, "relation")
    get = data.get
    if trusted:
        return AccountContactRelation(
            id=data["id"],
            account_id=data["account_id"],
            contact_id=data["contact_id"],
            roles=tuple(DecisionRole(r) for r in get("roles") or ()),
            title=get("title"),
            is_active=get("is_active", True),
            start_date=_opt(date.fromisoformat, get("start_date")),
            end_date=_opt(date.fromisoformat, get("end_date")),
            version=get("version", 0),
            created_at=datetime.fromisoformat(data["created_at"]),
        )
    _check_keys(data, _RELATION_KEYS, "a relation")
    roles = get("roles") or []
    if not isinstance(roles, list):
        raise InvalidValueError("must be a list of roles", field="roles", value=roles)
    rel = AccountContactRelation.create(
        _required(data, "account_id", "a relation"),
        _required(data, "contact_id", "a relation"),
        id=_text_id(_required(data, "id", "a relation"), "id"),
        roles=roles,
        title=get("title"),
        is_active=get("is_active", True),
        start_date=get("start_date"),
        end_date=get("end_date"),
    )
    stamps = _stamps(data, "created_at")
    return attrs.evolve(rel, version=_version(get("version", 0)), **stamps)


_OPPORTUNITY_KEYS = (
    "id",
    "account_id",
    "name",
    "stage",
    "amount",
    "close_date",
    "description",
    "contact_roles",
    "external_ids",
    "extra",
    "version",
    "created_at",
    "updated_at",
)
_CASE_KEYS = (
    "id",
    "account_id",
    "contact_id",
    "subject",
    "status",
    "priority",
    "origin",
    "type",
    "reason",
    "description",
    "opened_at",
    "closed_at",
    "external_ids",
    "extra",
    "version",
    "updated_at",
)
_RELATION_KEYS = (
    "id",
    "account_id",
    "contact_id",
    "roles",
    "title",
    "is_active",
    "start_date",
    "end_date",
    "version",
    "created_at",
)


def _person_name_in(data: Any, trusted: bool) -> PersonName:
    data = _mapping(data, "name")
    salutation = data.get("salutation")
    if trusted:
        return PersonName.trusted(
            data["last_name"],
            data.get("first_name"),
            Salutation(salutation) if salutation else None,
            data.get("middle_name"),
            data.get("suffix"),
        )
    _check_keys(data, _NAME_KEYS, "a name")
    return PersonName(
        last=data.get("last_name"),
        first=data.get("first_name"),
        salutation=salutation,
        middle=data.get("middle_name"),
        suffix=data.get("suffix"),
    )


def _violation_in(data: Any, trusted: bool) -> Violation:
    data = _mapping(data, "violation")
    _check_keys(
        data, ("code", "message", "field", "entity_id", "severity", "policy"), "a violation"
    )
    try:
        severity = Severity(data.get("severity", "error"))
    except ValueError:
        raise InvalidValueError(
            "must be 'error' or 'warning'", field="severity", value=data.get("severity")
        ) from None
    return Violation(
        code=str(_required(data, "code", "a violation")),
        message=str(_required(data, "message", "a violation")),
        field=data.get("field"),
        entity_id=data.get("entity_id"),
        severity=severity,
        policy=data.get("policy") or "",
    )


def _row_error_in(data: Any, trusted: bool) -> RowError:
    data = _mapping(data, "row error")
    _check_keys(data, ("row", "reason", "field", "source", "record"), "a row error")
    row = _required(data, "row", "a row error")
    if isinstance(row, bool) or not isinstance(row, int):
        raise InvalidValueError("must be a whole number", field="row", value=row)
    return RowError(
        row=row,
        reason=str(_required(data, "reason", "a row error")),
        field=data.get("field"),
        source=data.get("source") or "",
        record=data.get("record"),
    )


def _enum_in(enum_type: Any, parse: Callable[[Any], Any] | None) -> Callable[[Any, Any], Any]:
    def hook(value: Any, _type: Any) -> Any:
        if parse is not None:
            return parse(value)
        try:
            return enum_type(value)
        except ValueError:
            allowed = ", ".join(m.value for m in enum_type)
            raise InvalidValueError(
                f"use one of {allowed}", field=enum_type.__name__, value=value
            ) from None

    return hook


# ------------------------------------------------------------------ the converter


_UNSTRUCTURE: dict[type[Any], Callable[[Any], Any]] = {
    Account: _account_out,
    Contact: _contact_out,
    Opportunity: _opportunity_out,
    Case: _case_out,
    AccountContactRelation: _relation_out,
    ContactRole: _role_out,
    Money: _money_out,
    Address: _address_out,
    PersonName: _person_name_out,
    Violation: _violation_out,
    RowError: _row_error_out,
    Email: lambda e: e.address,
    Phone: lambda p: p.e164,
    Decimal: str,
    date: date.isoformat,
    datetime: datetime.isoformat,
    immutables.Map: dict,
}

_STRUCTURE: dict[type[Any], Callable[[Any, bool], Any]] = {
    Account: _account_in,
    Contact: _contact_in,
    Opportunity: _opportunity_in,
    Case: _case_in,
    AccountContactRelation: _relation_in,
    ContactRole: lambda v, t: _role_in(v, 0, t),
    Money: _money_in,
    Address: lambda v, t: _address_in(v, "address", t),
    PersonName: _person_name_in,
    Violation: _violation_in,
    RowError: _row_error_in,
    Email: lambda v, t: Email.trusted(v) if t else Email(v),
    Phone: lambda v, t: Phone.trusted(v) if t else Phone(v),
    Decimal: lambda v, t: Decimal(v) if t else _decimal(v, "decimal"),
    date: lambda v, t: date.fromisoformat(v) if t else _date(v),
    datetime: lambda v, t: datetime.fromisoformat(v) if t else _datetime(v, "datetime"),
}


def _date(value: Any) -> date:
    if not isinstance(value, str):
        raise InvalidValueError("must be a date (YYYY-MM-DD)", field="date", value=value)
    parsed = parse_date(value, "date")
    assert parsed is not None
    return parsed


def configure_converter(converter: cattrs.Converter, *, trusted: bool = False) -> None:
    """Teach ``converter`` contactgraph's JSON shape.

    Args:
        converter: Any cattrs converter (a :class:`ContactGraphConverter` or not).
        trusted: Structure without validation (data the library wrote itself).
    """
    for cls, out in _UNSTRUCTURE.items():
        converter.register_unstructure_hook(cls, out)
    for cls, inn in _STRUCTURE.items():
        converter.register_structure_hook(cls, _bind(inn, trusted))
    converter.register_structure_hook(Salutation, _enum_in(Salutation, Salutation.parse))
    converter.register_structure_hook(DecisionRole, _enum_in(DecisionRole, DecisionRole.parse))
    converter.register_structure_hook(Stage, _enum_in(Stage, Stage.parse))
    converter.register_structure_hook(CaseStatus, _enum_in(CaseStatus, None))
    converter.register_structure_hook(CasePriority, _enum_in(CasePriority, None))
    converter.register_structure_hook(Severity, _enum_in(Severity, None))


def _bind(fn: Callable[[Any, bool], Any], trusted: bool) -> Callable[[Any, Any], Any]:
    def hook(value: Any, _type: Any) -> Any:
        return fn(value, trusted)

    return hook


def make_converter(*, trusted: bool = False, **kwargs: Any) -> ContactGraphConverter:
    """A new converter configured for contactgraph (``kwargs`` go to cattrs)."""
    converter = ContactGraphConverter(trusted=trusted, **kwargs)
    configure_converter(converter, trusted=trusted)
    return converter


_CHECKED = make_converter()
_TRUSTED = make_converter(trusted=True)


def unstructure(obj: Any) -> Any:
    """``obj`` as plain JSON-ready data (dicts, lists, strings, numbers, booleans, None)."""
    return _CHECKED.unstructure(obj)


def structure(data: Any, cls: type[T], *, trusted: bool = False) -> T:
    """Build a ``cls`` from plain data; validated unless ``trusted``.

    Raises:
        ContactGraphError: (validated mode) naming the field at fault.
    """
    converter = _TRUSTED if trusted else _CHECKED
    if trusted:
        try:
            return converter.structure(data, cls)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidValueError(
                f"not a stored {getattr(cls, '__name__', cls)}: {exc!r}"
            ) from None
    return converter.structure(data, cls)


def to_json(obj: Any, *, indent: bool = False) -> str:
    """``obj`` as JSON text (UTF-8 characters, not escaped)."""
    option = orjson.OPT_INDENT_2 if indent else 0
    return orjson.dumps(unstructure(obj), option=option).decode()


def from_json(text: str | bytes, cls: type[T], *, trusted: bool = False) -> T:
    """Parse JSON text into a ``cls``; see :func:`structure`.

    Raises:
        InvalidValueError: the text is not JSON.
        ContactGraphError: (validated mode) a value is invalid, naming its field.
    """
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise InvalidValueError(f"not valid JSON: {exc}") from None
    return structure(data, cls, trusted=trusted)
