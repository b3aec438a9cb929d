"""Rows to aggregates and back, each column named once.

Writing: ``*_values`` give a row as a dict keyed by the column names of
:mod:`contactgraph.repos.schema`; the SQL is generated from the tables with
named parameters, so no code depends on the order of the columns (a test
checks that each writer fills exactly its table's columns).

Reading: a :class:`Reader` wraps a function whose positional parameters are
named after the columns it needs; the SELECT lists exactly those columns, in
that order, and a row is built with ``reader.build(*row)``. The parameter list
is the one declaration of what is read and where it goes (:class:`Reader` and
:func:`built`, which pauses the garbage collector for many rows, live in
:mod:`contactgraph.repos.building`).

Loading trusts the stored values: value objects are rebuilt with their
``trusted`` constructors, never parsed again (email and phone parsing cost
~30 µs a contact, more than reading the row).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
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
    Money,
    Opportunity,
    Salutation,
    Stage,
    match_key,
    rebuild,
)
from contactgraph.repos import schema
from contactgraph.repos.building import PAUSE_COLLECTOR_FROM, Reader, built
from contactgraph.repos.contact_rows import contact_creation_text, contact_row, contact_values
from contactgraph.repos.contact_rows import json_map as _json_map
from contactgraph.repos.keys import (
    EPOCH,
    account_search_key,
    to_micros,
)

__all__ = [
    "ACCOUNT",
    "CASE",
    "CONTACT",
    "OPPORTUNITY",
    "PAUSE_COLLECTOR_FROM",
    "RELATION",
    "Reader",
    "account_values",
    "alternate_values",
    "built",
    "case_values",
    "contact_creation_text",
    "contact_row",
    "contact_values",
    "external_id_rows",
    "external_id_values",
    "opportunity_values",
    "relation_values",
    "role_values",
]

Values = dict[str, Any]

_EMPTY: immutables.Map[str, Any] = immutables.Map()
_SALUTATIONS = {s.value: s for s in Salutation}
_ROLES = {r.value: r for r in DecisionRole}
_STAGES = {s.value: s for s in Stage}
_STATUSES = {s.value: s for s in CaseStatus}
_PRIORITIES = {p.value: p for p in CasePriority}
_EMAIL, _PHONE, _NAME, _ADDRESS = rebuild.email, rebuild.phone, rebuild.person_name, rebuild.address
_CONTACT = rebuild.contact


def _moment(micros: int) -> datetime:
    """``keys.from_micros``, a little faster: it runs twice for every row read."""
    return EPOCH + timedelta(0, 0, micros)


def _map(text: str | None) -> immutables.Map[str, Any]:
    return immutables.Map(json.loads(text)) if text else _EMPTY


def _date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _address(prefix: str, address: Address | None) -> Values:
    if address is None:
        return dict.fromkeys(
            f"{prefix}_{part}" for part in ("street", "city", "state", "postal_code", "country")
        )
    return {
        f"{prefix}_street": address.street,
        f"{prefix}_city": address.city,
        f"{prefix}_state": address.state,
        f"{prefix}_postal_code": address.postal_code,
        f"{prefix}_country": address.country,
    }


def _address_from(
    street: str | None,
    city: str | None,
    state: str | None,
    postal_code: str | None,
    country: str | None,
) -> Address | None:
    if not (street or city or state or postal_code or country):
        return None
    return _ADDRESS(street, city, state, postal_code, country)


# ----------------------------------------------------------------- accounts


def account_values(tenant: str, account: Account, version: int) -> Values:
    return {
        "tenant": tenant,
        "id": account.id,
        "version": version,
        "name": account.name,
        "name_key": match_key(account.name),
        "type": account.type,
        "industry": account.industry,
        "website": account.website,
        "phone": account.phone.e164 if account.phone is not None else None,
        **_address("billing", account.billing_address),
        **_address("shipping", account.shipping_address),
        "parent_id": account.parent_id,
        "description": account.description,
        "annual_revenue": (
            str(account.annual_revenue) if account.annual_revenue is not None else None
        ),
        "number_of_employees": account.number_of_employees,
        "phone_region": account.phone_region,
        "external_ids": _json_map(account.external_ids),
        "extra": _json_map(account.extra),
        "created_at": to_micros(account.created_at),
        "updated_at": to_micros(account.updated_at),
        "search_key": account_search_key(account),
    }


def _account(  # noqa: PLR0917 - the parameters are the columns read
    id: str,
    version: int,
    name: str,
    type: str | None,
    industry: str | None,
    website: str | None,
    phone: str | None,
    billing_street: str | None,
    billing_city: str | None,
    billing_state: str | None,
    billing_postal_code: str | None,
    billing_country: str | None,
    shipping_street: str | None,
    shipping_city: str | None,
    shipping_state: str | None,
    shipping_postal_code: str | None,
    shipping_country: str | None,
    parent_id: str | None,
    description: str | None,
    annual_revenue: str | None,
    number_of_employees: int | None,
    phone_region: str | None,
    external_ids: str | None,
    extra: str | None,
    created_at: int,
    updated_at: int,
    *,
    contacts: Iterable[Contact],
) -> Account:
    return Account.rehydrate(
        contacts=contacts,
        id=id,
        version=version,
        name=name,
        type=type,
        industry=industry,
        website=website,
        phone=_PHONE(phone) if phone else None,
        billing_address=_address_from(
            billing_street, billing_city, billing_state, billing_postal_code, billing_country
        ),
        shipping_address=_address_from(
            shipping_street, shipping_city, shipping_state, shipping_postal_code, shipping_country
        ),
        parent_id=parent_id,
        description=description,
        annual_revenue=Decimal(annual_revenue) if annual_revenue is not None else None,
        number_of_employees=number_of_employees,
        phone_region=phone_region,
        external_ids=_map(external_ids),
        extra=_map(extra),
        created_at=_moment(created_at),
        updated_at=_moment(updated_at),
    )


ACCOUNT = Reader(schema.accounts, _account)
"""``ACCOUNT.build(*row, contacts=...)``."""


# ----------------------------------------------------------------- contacts


def _contact(  # noqa: PLR0917 - the parameters are the columns read
    id: str,
    account_id: str,
    salutation: str | None,
    first_name: str | None,
    middle_name: str | None,
    last_name: str,
    suffix: str | None,
    email: str | None,
    phone: str | None,
    mobile: str | None,
    title: str | None,
    department: str | None,
    mailing_street: str | None,
    mailing_city: str | None,
    mailing_state: str | None,
    mailing_postal_code: str | None,
    mailing_country: str | None,
    reports_to: str | None,
    decision_role: str | None,
    active: bool,
    email_opt_out: bool,
    do_not_call: bool,
    description: str | None,
    birthdate: str | None,
    lead_source: str | None,
    alternate_emails: str | None,
    alternate_phones: str | None,
    external_ids: str | None,
    extra: str | None,
    created_at: int,
    updated_at: int,
) -> Contact:
    created = _moment(created_at)
    # In Contact's declaration order (rebuild.contact; tests/repos/test_trusted_rebuild.py).
    return _CONTACT(
        id,
        account_id,
        _NAME(
            last_name,
            first_name,
            _SALUTATIONS[salutation] if salutation else None,
            middle_name,
            suffix,
        ),
        _EMAIL(email) if email is not None else None,
        _PHONE(phone) if phone is not None else None,
        _PHONE(mobile) if mobile is not None else None,
        title,
        department,
        _address_from(
            mailing_street, mailing_city, mailing_state, mailing_postal_code, mailing_country
        ),
        reports_to,
        _ROLES[decision_role] if decision_role else None,
        bool(active),
        bool(email_opt_out),
        bool(do_not_call),
        description,
        _day(birthdate),
        lead_source,
        tuple(_EMAIL(a) for a in json.loads(alternate_emails)) if alternate_emails else (),
        tuple(_PHONE(p) for p in json.loads(alternate_phones)) if alternate_phones else (),
        _map(external_ids),
        _map(extra),
        created,
        created if updated_at == created_at else _moment(updated_at),
    )


CONTACT = Reader(schema.contacts, _contact)


def alternate_values(tenant: str, contacts: Iterable[Contact]) -> list[Values]:
    """``contact_alternates`` rows: the email keys of alternate emails and E.164 alternate phones."""
    out: list[Values] = []
    for c in contacts:
        if c.alternate_emails:
            keys = dict.fromkeys(e.match_key for e in c.alternate_emails)
            out.extend(
                {"tenant": tenant, "contact_id": c.id, "kind": "email", "value": k} for k in keys
            )
        if c.alternate_phones:
            numbers = dict.fromkeys(p.e164 for p in c.alternate_phones)
            out.extend(
                {"tenant": tenant, "contact_id": c.id, "kind": "phone", "value": n} for n in numbers
            )
    return out


def external_id_values(
    tenant: str, kind: str, owners: Iterable[tuple[str, Mapping[str, str]]]
) -> list[Values]:
    """``external_ids`` rows for ``(owner id, external ids)`` pairs."""
    return [
        {"tenant": tenant, "kind": kind, "owner_id": owner, "system": system, "value": value}
        for owner, ids in owners
        if ids
        for system, value in ids.items()
    ]


def external_id_rows(
    tenant: str, kind: str, owners: Iterable[tuple[str, Mapping[str, str]]]
) -> list[tuple[str, str, str, str, str]]:
    """:func:`external_id_values` as tuples in the table's column order (what ``COPY``
    sends: a contact's rows are written with no dict between)."""
    return [
        (tenant, kind, owner, system, value)
        for owner, ids in owners
        if ids
        for system, value in ids.items()
    ]


# ------------------------------------------------------------ opportunities


def opportunity_values(tenant: str, o: Opportunity, version: int) -> Values:
    return {
        "tenant": tenant,
        "id": o.id,
        "version": version,
        "account_id": o.account_id,
        "name": o.name,
        "name_key": match_key(o.name),
        "stage": o.stage.value,
        "is_closed": o.stage.is_closed,
        "amount": str(o.amount.amount) if o.amount is not None else None,
        "currency": o.amount.currency if o.amount is not None else None,
        "close_date": _date(o.close_date),
        "description": o.description,
        "external_ids": _json_map(o.external_ids),
        "extra": _json_map(o.extra),
        "created_at": to_micros(o.created_at),
        "updated_at": to_micros(o.updated_at),
    }


def role_values(tenant: str, o: Opportunity) -> list[Values]:
    return [
        {
            "tenant": tenant,
            "opportunity_id": o.id,
            "contact_id": r.contact_id,
            "position": i,
            "role": r.role.value if r.role else None,
            "is_primary": r.is_primary,
        }
        for i, r in enumerate(o.contact_roles)
    ]


def _opportunity(  # noqa: PLR0917 - the parameters are the columns read
    id: str,
    version: int,
    account_id: str,
    name: str,
    stage: str,
    amount: str | None,
    currency: str | None,
    close_date: str | None,
    description: str | None,
    external_ids: str | None,
    extra: str | None,
    created_at: int,
    updated_at: int,
    *,
    roles: Iterable[tuple[str, str | None, bool]],
) -> Opportunity:
    """``roles`` as ``(contact_id, role, is_primary)`` in their order."""
    return Opportunity(
        id=id,
        version=version,
        account_id=account_id,
        name=name,
        stage=_STAGES[stage],
        amount=Money(Decimal(amount), currency) if amount is not None else None,  # type: ignore[arg-type]
        close_date=_day(close_date),
        description=description,
        contact_roles=tuple(
            ContactRole(cid, _ROLES[role] if role else None, bool(primary))
            for cid, role, primary in roles
        ),
        external_ids=_map(external_ids),
        extra=_map(extra),
        created_at=_moment(created_at),
        updated_at=_moment(updated_at),
    )


OPPORTUNITY = Reader(schema.opportunities, _opportunity)
"""``OPPORTUNITY.build(*row, roles=...)``."""


# -------------------------------------------------------------------- cases


def case_values(tenant: str, c: Case, version: int) -> Values:
    return {
        "tenant": tenant,
        "id": c.id,
        "version": version,
        "account_id": c.account_id,
        "contact_id": c.contact_id,
        "subject": c.subject,
        "status": c.status.value,
        "is_closed": c.status.is_closed,
        "priority": c.priority.value,
        "origin": c.origin,
        "type": c.type,
        "reason": c.reason,
        "description": c.description,
        "opened_at": to_micros(c.opened_at),
        "closed_at": to_micros(c.closed_at) if c.closed_at is not None else None,
        "external_ids": _json_map(c.external_ids),
        "extra": _json_map(c.extra),
        "updated_at": to_micros(c.updated_at),
    }


def _case(  # noqa: PLR0917 - the parameters are the columns read
    id: str,
    version: int,
    account_id: str,
    contact_id: str | None,
    subject: str,
    status: str,
    priority: str,
    origin: str | None,
    type: str | None,
    reason: str | None,
    description: str | None,
    opened_at: int,
    closed_at: int | None,
    external_ids: str | None,
    extra: str | None,
    updated_at: int,
) -> Case:
    return Case(
        id=id,
        version=version,
        account_id=account_id,
        contact_id=contact_id,
        subject=subject,
        status=_STATUSES[status],
        priority=_PRIORITIES[priority],
        origin=origin,
        type=type,
        reason=reason,
        description=description,
        opened_at=_moment(opened_at),
        closed_at=_moment(closed_at) if closed_at is not None else None,
        external_ids=_map(external_ids),
        extra=_map(extra),
        updated_at=_moment(updated_at),
    )


CASE = Reader(schema.cases, _case)


# ---------------------------------------------------------------- relations


def relation_values(tenant: str, r: AccountContactRelation, version: int) -> Values:
    return {
        "tenant": tenant,
        "id": r.id,
        "version": version,
        "account_id": r.account_id,
        "contact_id": r.contact_id,
        "roles": json.dumps([role.value for role in r.roles]) if r.roles else None,
        "title": r.title,
        "is_active": r.is_active,
        "start_date": _date(r.start_date),
        "end_date": _date(r.end_date),
        "created_at": to_micros(r.created_at),
    }


def _relation(  # noqa: PLR0917 - the parameters are the columns read
    id: str,
    version: int,
    account_id: str,
    contact_id: str,
    roles: str | None,
    title: str | None,
    is_active: bool,
    start_date: str | None,
    end_date: str | None,
    created_at: int,
) -> AccountContactRelation:
    return AccountContactRelation(
        id=id,
        version=version,
        account_id=account_id,
        contact_id=contact_id,
        roles=tuple(_ROLES[x] for x in json.loads(roles)) if roles else (),
        title=title,
        is_active=bool(is_active),
        start_date=_day(start_date),
        end_date=_day(end_date),
        created_at=_moment(created_at),
    )


RELATION = Reader(schema.account_contact_relations, _relation)
