"""Our records as Salesforce fields: what the exports write.

The other half of :mod:`contactgraph.interop.mapping` (which reads): the same
API names, so that :func:`~contactgraph.interop.import_csv` and
:func:`~contactgraph.interop.import_tree` read an export back to equal data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from contactgraph.domain import (
    Account,
    AccountContactRelation,
    Address,
    Case,
    Contact,
    ContactRole,
    Opportunity,
)
from contactgraph.interop.mapping import ID_FIELD, OUR_EXTERNAL_IDS_FIELD, OUR_ID_FIELD, SOBJECTS

__all__ = [
    "RefOf",
    "account_fields",
    "case_fields",
    "contact_fields",
    "contact_role_fields",
    "opportunity_fields",
    "relation_fields",
    "standard_columns",
    "union_columns",
]

RefOf = Callable[[str, str | None], str]
"""``ref_of(sobject, our_id)``: what a reference column holds for that record ("" for none)."""


def _s(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Decimal | date):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return value


def _when(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def _addr(prefix: str, address: Address | None) -> dict[str, Any]:
    a = address
    return {
        f"{prefix}Street": a.street if a else None,
        f"{prefix}City": a.city if a else None,
        f"{prefix}State": a.state if a else None,
        f"{prefix}PostalCode": a.postal_code if a else None,
        f"{prefix}Country": a.country if a else None,
    }


def _ids(obj: Any) -> dict[str, Any]:
    others = {k: v for k, v in obj.external_ids.items() if k != "salesforce"}
    return {
        ID_FIELD: obj.external_ids.get("salesforce"),
        OUR_ID_FIELD: obj.id,
        OUR_EXTERNAL_IDS_FIELD: json.dumps(others, ensure_ascii=False, sort_keys=True)
        if others
        else None,
    }


def account_fields(account: Account, ref_of: RefOf) -> dict[str, Any]:
    """An account as Salesforce fields (custom fields from ``extra`` last)."""
    return {
        **_ids(account),
        "Name": account.name,
        "Type": account.type,
        "Industry": account.industry,
        "Website": account.website,
        "Phone": account.phone.e164 if account.phone else None,
        "ParentId": ref_of("Account", account.parent_id) or None,
        "Description": account.description,
        "AnnualRevenue": _s(account.annual_revenue),
        "NumberOfEmployees": account.number_of_employees,
        **_addr("Billing", account.billing_address),
        **_addr("Shipping", account.shipping_address),
        "ContactGraph_Phone_Region__c": account.phone_region,
        **dict(account.extra),
    }


def contact_fields(contact: Contact, ref_of: RefOf) -> dict[str, Any]:
    """A contact as Salesforce fields."""
    name = contact.name
    return {
        **_ids(contact),
        "AccountId": ref_of("Account", contact.account_id),
        "Salutation": name.salutation.value if name.salutation else None,
        "FirstName": name.first,
        "MiddleName": name.middle,
        "LastName": name.last,
        "Suffix": name.suffix,
        "Email": contact.email.address if contact.email else None,
        "Phone": contact.phone.e164 if contact.phone else None,
        "MobilePhone": contact.mobile.e164 if contact.mobile else None,
        "Title": contact.title,
        "Department": contact.department,
        **_addr("Mailing", contact.mailing_address),
        "ReportsToId": ref_of("Contact", contact.reports_to) or None,
        "Description": contact.description,
        "Birthdate": _s(contact.birthdate),
        "LeadSource": contact.lead_source,
        "HasOptedOutOfEmail": contact.email_opt_out,
        "DoNotCall": contact.do_not_call,
        "ContactGraph_Decision_Role__c": contact.decision_role.value
        if contact.decision_role
        else None,
        "ContactGraph_Active__c": contact.active,
        "ContactGraph_Alternate_Emails__c": ";".join(e.address for e in contact.alternate_emails)
        or None,
        "ContactGraph_Alternate_Phones__c": ";".join(p.e164 for p in contact.alternate_phones)
        or None,
        **dict(contact.extra),
    }


def opportunity_fields(opp: Opportunity, ref_of: RefOf) -> dict[str, Any]:
    """An opportunity as Salesforce fields (its contact roles are separate records)."""
    return {
        **_ids(opp),
        "AccountId": ref_of("Account", opp.account_id),
        "Name": opp.name,
        "StageName": opp.stage.value,
        "CloseDate": _s(opp.close_date),
        "Amount": _s(opp.amount.amount) if opp.amount else None,
        "CurrencyIsoCode": opp.amount.currency if opp.amount else None,
        "Description": opp.description,
        "CreatedDate": _when(opp.created_at),
        **dict(opp.extra),
    }


def contact_role_fields(opp: Opportunity, role: ContactRole, ref_of: RefOf) -> dict[str, Any]:
    """One OpportunityContactRole record."""
    return {
        "OpportunityId": ref_of("Opportunity", opp.id),
        "ContactId": ref_of("Contact", role.contact_id),
        "Role": role.role.value if role.role else None,
        "IsPrimary": role.is_primary,
    }


def case_fields(case: Case, ref_of: RefOf) -> dict[str, Any]:
    """A case as Salesforce fields."""
    return {
        **_ids(case),
        "AccountId": ref_of("Account", case.account_id),
        "ContactId": ref_of("Contact", case.contact_id) or None,
        "Subject": case.subject,
        "Status": case.status.value,
        "Priority": case.priority.value,
        "Origin": case.origin,
        "Type": case.type,
        "Reason": case.reason,
        "Description": case.description,
        "CreatedDate": _when(case.opened_at),
        "ClosedDate": _when(case.closed_at),
        **dict(case.extra),
    }


def relation_fields(rel: AccountContactRelation, ref_of: RefOf) -> dict[str, Any]:
    """An AccountContactRelation record."""
    return {
        OUR_ID_FIELD: rel.id,
        "AccountId": ref_of("Account", rel.account_id),
        "ContactId": ref_of("Contact", rel.contact_id),
        "Roles": ";".join(r.value for r in rel.roles) or None,
        "IsActive": rel.is_active,
        "StartDate": _s(rel.start_date),
        "EndDate": _s(rel.end_date),
        "ContactGraph_Title__c": rel.title,
    }


def standard_columns(sobject: str) -> list[str]:
    """The columns an export writes for ``sobject`` before its custom fields."""
    spec = SOBJECTS[sobject]
    head = [] if sobject == "OpportunityContactRole" else [ID_FIELD, OUR_ID_FIELD]
    if sobject == "AccountContactRelation":
        head = [OUR_ID_FIELD]
    cols = [*head, *(f.api for f in spec.fields)]
    if sobject not in ("OpportunityContactRole", "AccountContactRelation"):
        cols.insert(2, OUR_EXTERNAL_IDS_FIELD)
    return cols


def union_columns(base: list[str], extra_keys: Iterable[str]) -> list[str]:
    """``base`` then the custom fields in first-seen order, without repeats (any case)."""
    seen = {c.casefold() for c in base}
    out = list(base)
    for key in extra_keys:
        if key.casefold() not in seen:
            seen.add(key.casefold())
            out.append(key)
    return out
