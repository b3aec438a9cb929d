"""Rows to aggregates and back, in the column orders of :mod:`contactgraph.repos.schema`.

Loading trusts the stored values: value objects are rebuilt with their
``trusted`` constructors, never parsed again (email and phone parsing cost
~30 µs a contact, more than reading the row).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import immutables

from contactgraph.domain import (
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
    match_key,
)
from contactgraph.repos.keys import from_micros, key, name_keys, to_micros

__all__ = [
    "account_from_row",
    "account_row",
    "alternate_rows",
    "case_from_row",
    "case_row",
    "contact_from_row",
    "contact_row",
    "external_id_rows",
    "opportunity_from_rows",
    "opportunity_row",
    "relation_from_row",
    "relation_row",
    "role_rows",
]

Row = Sequence[Any]

_EMPTY: immutables.Map[str, Any] = immutables.Map()
_SALUTATIONS = {s.value: s for s in Salutation}
_ROLES = {r.value: r for r in DecisionRole}
_STAGES = {s.value: s for s in Stage}
_STATUSES = {s.value: s for s in CaseStatus}
_PRIORITIES = {p.value: p for p in CasePriority}


def _json_map(value: Mapping[str, Any]) -> str | None:
    return json.dumps(dict(value), separators=(",", ":")) if value else None


def _map(text: str | None) -> immutables.Map[str, Any]:
    return immutables.Map(json.loads(text)) if text else _EMPTY


def _date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _address(address: Address | None) -> tuple[str | None, ...]:
    if address is None:
        return (None, None, None, None, None)
    return (address.street, address.city, address.state, address.postal_code, address.country)


def _address_from(parts: Sequence[str | None]) -> Address | None:
    if not any(parts):
        return None
    return Address.trusted(*parts)


# ----------------------------------------------------------------- accounts


def account_row(tenant: str, account: Account, version: int) -> tuple[Any, ...]:
    return (
        tenant,
        account.id,
        version,
        account.name,
        match_key(account.name),
        account.type,
        account.industry,
        account.website,
        account.phone.e164 if account.phone is not None else None,
        *_address(account.billing_address),
        *_address(account.shipping_address),
        account.parent_id,
        account.description,
        str(account.annual_revenue) if account.annual_revenue is not None else None,
        account.number_of_employees,
        account.phone_region,
        _json_map(account.external_ids),
        _json_map(account.extra),
        to_micros(account.created_at),
        to_micros(account.updated_at),
    )


def account_from_row(row: Row, contacts: Iterable[Contact]) -> Account:
    """``row`` without its tenant column."""
    return Account.rehydrate(
        contacts=contacts,
        id=row[0],
        version=row[1],
        name=row[2],
        type=row[4],
        industry=row[5],
        website=row[6],
        phone=Phone.trusted(row[7]) if row[7] else None,
        billing_address=_address_from(row[8:13]),
        shipping_address=_address_from(row[13:18]),
        parent_id=row[18],
        description=row[19],
        annual_revenue=Decimal(row[20]) if row[20] is not None else None,
        number_of_employees=row[21],
        phone_region=row[22],
        external_ids=_map(row[23]),
        extra=_map(row[24]),
        created_at=from_micros(row[25]),
        updated_at=from_micros(row[26]),
    )


# ----------------------------------------------------------------- contacts


def contact_row(tenant: str, c: Contact) -> tuple[Any, ...]:
    name = c.name
    email = c.email
    last_key, first_key, middle_key, full_key = name_keys(c)
    return (
        tenant,
        c.id,
        c.account_id,
        name.salutation.value if name.salutation is not None else None,
        name.first,
        name.middle,
        name.last,
        name.suffix,
        email.address if email is not None else None,
        email.match_key if email is not None else None,
        key(email.address) if email is not None else None,
        c.phone.e164 if c.phone is not None else None,
        c.mobile.e164 if c.mobile is not None else None,
        c.title,
        key(c.title or ""),
        c.department,
        key(c.department or ""),
        *_address(c.mailing_address),
        c.reports_to,
        c.decision_role.value if c.decision_role is not None else None,
        c.active,
        c.email_opt_out,
        c.do_not_call,
        c.description,
        _date(c.birthdate),
        c.lead_source,
        json.dumps([e.address for e in c.alternate_emails]) if c.alternate_emails else None,
        json.dumps([p.e164 for p in c.alternate_phones]) if c.alternate_phones else None,
        _json_map(c.external_ids),
        _json_map(c.extra),
        to_micros(c.created_at),
        to_micros(c.updated_at),
        last_key,
        first_key,
        middle_key,
        full_key,
    )


def contact_from_row(r: Row) -> Contact:
    """``r`` without its tenant column."""
    salutation = r[2]
    return Contact(
        id=r[0],
        account_id=r[1],
        name=PersonName.trusted(
            r[5], r[3], _SALUTATIONS[salutation] if salutation else None, r[4], r[6]
        ),
        email=Email.trusted(r[7]) if r[7] is not None else None,
        phone=Phone.trusted(r[10]) if r[10] is not None else None,
        mobile=Phone.trusted(r[11]) if r[11] is not None else None,
        title=r[12],
        department=r[14],
        mailing_address=_address_from(r[16:21]),
        reports_to=r[21],
        decision_role=_ROLES[r[22]] if r[22] else None,
        active=bool(r[23]),
        email_opt_out=bool(r[24]),
        do_not_call=bool(r[25]),
        description=r[26],
        birthdate=_day(r[27]),
        lead_source=r[28],
        alternate_emails=tuple(Email.trusted(a) for a in json.loads(r[29])) if r[29] else (),
        alternate_phones=tuple(Phone.trusted(p) for p in json.loads(r[30])) if r[30] else (),
        external_ids=_map(r[31]),
        extra=_map(r[32]),
        created_at=from_micros(r[33]),
        updated_at=from_micros(r[34]),
    )


def alternate_rows(tenant: str, contacts: Iterable[Contact]) -> list[tuple[str, str, str, str]]:
    """``contact_alternates`` rows: case-folded alternate emails and E.164 alternate phones."""
    out: list[tuple[str, str, str, str]] = []
    for c in contacts:
        if c.alternate_emails:
            keys = dict.fromkeys(e.match_key for e in c.alternate_emails)
            out.extend((tenant, c.id, "email", k) for k in keys)
        if c.alternate_phones:
            numbers = dict.fromkeys(p.e164 for p in c.alternate_phones)
            out.extend((tenant, c.id, "phone", n) for n in numbers)
    return out


def external_id_rows(
    tenant: str, kind: str, owners: Iterable[tuple[str, Mapping[str, str]]]
) -> list[tuple[str, str, str, str, str]]:
    """``external_ids`` rows for ``(owner id, external ids)`` pairs."""
    return [
        (tenant, kind, owner, system, value)
        for owner, ids in owners
        if ids
        for system, value in ids.items()
    ]


# ------------------------------------------------------------ opportunities


def opportunity_row(tenant: str, o: Opportunity, version: int) -> tuple[Any, ...]:
    return (
        tenant,
        o.id,
        version,
        o.account_id,
        o.name,
        match_key(o.name),
        o.stage.value,
        o.stage.is_closed,
        str(o.amount.amount) if o.amount is not None else None,
        o.amount.currency if o.amount is not None else None,
        _date(o.close_date),
        o.description,
        _json_map(o.external_ids),
        _json_map(o.extra),
        to_micros(o.created_at),
        to_micros(o.updated_at),
    )


def role_rows(tenant: str, o: Opportunity) -> list[tuple[Any, ...]]:
    return [
        (tenant, o.id, r.contact_id, i, r.role.value if r.role else None, r.is_primary)
        for i, r in enumerate(o.contact_roles)
    ]


def opportunity_from_rows(r: Row, roles: Iterable[Row]) -> Opportunity:
    """``r`` without tenant; ``roles`` as ``(contact_id, role, is_primary)`` by position."""
    return Opportunity(
        id=r[0],
        version=r[1],
        account_id=r[2],
        name=r[3],
        stage=_STAGES[r[5]],
        amount=Money(Decimal(r[7]), r[8]) if r[7] is not None else None,
        close_date=_day(r[9]),
        description=r[10],
        contact_roles=tuple(
            ContactRole(cid, _ROLES[role] if role else None, bool(primary))
            for cid, role, primary in roles
        ),
        external_ids=_map(r[11]),
        extra=_map(r[12]),
        created_at=from_micros(r[13]),
        updated_at=from_micros(r[14]),
    )


# -------------------------------------------------------------------- cases


def case_row(tenant: str, c: Case, version: int) -> tuple[Any, ...]:
    return (
        tenant,
        c.id,
        version,
        c.account_id,
        c.contact_id,
        c.subject,
        c.status.value,
        c.status.is_closed,
        c.priority.value,
        c.origin,
        c.type,
        c.reason,
        c.description,
        to_micros(c.opened_at),
        to_micros(c.closed_at) if c.closed_at is not None else None,
        _json_map(c.external_ids),
        _json_map(c.extra),
        to_micros(c.updated_at),
    )


def case_from_row(r: Row) -> Case:
    """``r`` without tenant."""
    return Case(
        id=r[0],
        version=r[1],
        account_id=r[2],
        contact_id=r[3],
        subject=r[4],
        status=_STATUSES[r[5]],
        priority=_PRIORITIES[r[7]],
        origin=r[8],
        type=r[9],
        reason=r[10],
        description=r[11],
        opened_at=from_micros(r[12]),
        closed_at=from_micros(r[13]) if r[13] is not None else None,
        external_ids=_map(r[14]),
        extra=_map(r[15]),
        updated_at=from_micros(r[16]),
    )


# ---------------------------------------------------------------- relations


def relation_row(tenant: str, r: AccountContactRelation, version: int) -> tuple[Any, ...]:
    return (
        tenant,
        r.id,
        version,
        r.account_id,
        r.contact_id,
        json.dumps([role.value for role in r.roles]) if r.roles else None,
        r.title,
        r.is_active,
        _date(r.start_date),
        _date(r.end_date),
        to_micros(r.created_at),
    )


def relation_from_row(r: Row) -> AccountContactRelation:
    """``r`` without tenant."""
    return AccountContactRelation(
        id=r[0],
        version=r[1],
        account_id=r[2],
        contact_id=r[3],
        roles=tuple(_ROLES[x] for x in json.loads(r[4])) if r[4] else (),
        title=r[5],
        is_active=bool(r[6]),
        start_date=_day(r[7]),
        end_date=_day(r[8]),
        created_at=from_micros(r[9]),
    )
