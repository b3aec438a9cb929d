"""The text and JSON pictures of records that several commands show (and the demo)."""

from __future__ import annotations

from typing import Any

from contactgraph import policies
from contactgraph.cli.output import Output, plain
from contactgraph.domain import Account, Case, Contact, Opportunity
from contactgraph.errors import NotFoundError
from contactgraph.repos.protocol import StoreProtocol

__all__ = [
    "account_card",
    "account_json",
    "account_summary",
    "accounts_table",
    "case_rows",
    "contact_card",
    "contact_json",
    "opportunity_rows",
    "readiness_json",
]


def account_summary(account: Account) -> dict[str, Any]:
    """One line of the accounts list, as JSON."""
    return {
        "id": account.id,
        "name": account.name,
        "type": account.type,
        "industry": account.industry,
        "city": account.billing_address.city if account.billing_address else None,
        "contacts": len(account.contacts),
        "active_contacts": len(account.active_contacts()),
        "version": account.version,
    }


def accounts_table(out: Output, accounts: list[Account]) -> None:
    out.table(
        ["Name", "Type", "Industry", "City", "Contacts", "Active", "Id"],
        [
            (
                a.name,
                a.type,
                a.industry,
                a.billing_address.city if a.billing_address else None,
                len(a.contacts),
                len(a.active_contacts()),
                a.id,
            )
            for a in accounts
        ],
    )


def readiness_json(account: Account) -> dict[str, Any]:
    state = policies.readiness(account)
    return {
        "actionable": state.actionable,
        "actions": {
            str(action): {
                "possible": r.possible,
                "recipients": [c.id for c in r.recipients],
                "reasons": [v.message for v in r.reasons],
            }
            for action, r in state.actions.items()
        },
        "gaps": [v.message for v in state.gaps],
    }


def account_json(store: StoreProtocol, account: Account) -> dict[str, Any]:
    """What ``account --json`` prints: the account, its readiness, opportunities and cases."""
    data: dict[str, Any] = plain(account)
    data["readiness"] = readiness_json(account)
    data["opportunities"] = [plain(o) for o in store.opportunities.list(account_id=account.id)]
    data["cases"] = [plain(c) for c in store.cases.list(account_id=account.id)]
    return data


def opportunity_rows(
    opportunities: list[Opportunity], names: dict[str, str]
) -> list[tuple[Any, ...]]:
    return [
        (
            o.name,
            str(o.stage),
            str(o.amount) if o.amount else None,
            o.close_date.isoformat() if o.close_date else None,
            names.get(o.primary_contact_id or "", o.primary_contact_id),
            o.id,
        )
        for o in opportunities
    ]


def case_rows(cases: list[Case], names: dict[str, str]) -> list[tuple[Any, ...]]:
    return [
        (
            c.subject,
            str(c.status),
            str(c.priority),
            names.get(c.contact_id or "", c.contact_id),
            c.opened_at.date().isoformat(),
            c.id,
        )
        for c in cases
    ]


def account_card(store: StoreProtocol, account: Account, out: Output) -> None:
    out.line(f"{account.name}  ({account.id})")
    details = [
        ("Type", account.type),
        ("Industry", account.industry),
        ("Website", account.website),
        ("Phone", account.phone.international if account.phone else None),
        ("Billing address", str(account.billing_address) if account.billing_address else None),
    ]
    if account.parent_id:
        try:
            details.append(("Parent", store.accounts.get(account.parent_id).name))
        except NotFoundError:
            details.append(("Parent", account.parent_id))
    for label, value in details:
        if value:
            out.line(f"  {label}: {value}")
    out.line()
    out.table(
        ["Name", "Title", "Department", "Email", "Phone", "Role", "Active"],
        [
            (
                c.display_name,
                c.title,
                c.department,
                c.email,
                _phone_of(c),
                c.decision_role,
                c.active,
            )
            for c in account.sorted_contacts()
        ],
    )
    opportunities = store.opportunities.list(account_id=account.id)
    cases = store.cases.list(account_id=account.id)
    if opportunities:
        out.line()
        out.line("Opportunities:")
        for o in opportunities:
            amount = f", {o.amount}" if o.amount else ""
            out.line(f"  - {o.name} [{o.stage}{amount}, closes {o.close_date or '?'}]")
    if cases:
        out.line()
        out.line("Cases:")
        for c in cases:
            out.line(f"  - {c.subject} [{c.status}, {c.priority}]")


def _phone_of(contact: Contact) -> str | None:
    number = contact.phone or contact.mobile
    return number.international if number is not None else None


def _consent(contact: Contact) -> str | None:
    flags = [
        "email opt-out" if contact.email_opt_out else "",
        "do not call" if contact.do_not_call else "",
    ]
    return ", ".join(f for f in flags if f) or None


def contact_card(store: StoreProtocol, account: Account, contact: Contact, out: Output) -> None:
    out.line(f"{contact.display_name}  ({contact.id})")
    manager = account.manager_of(contact.id)
    reports = account.direct_reports(contact.id)
    rows = [
        ("Account", f"{account.name} ({account.id})"),
        ("Title", contact.title),
        ("Department", contact.department),
        ("Email", contact.email),
        ("Phone", contact.phone.international if contact.phone else None),
        ("Mobile", contact.mobile.international if contact.mobile else None),
        ("Decision role", contact.decision_role),
        ("Reports to", manager.label if manager else None),
        ("Direct reports", ", ".join(r.label for r in reports) or None),
        ("Status", "active" if contact.active else "inactive"),
        ("Consent", _consent(contact)),
    ]
    for label, value in rows:
        if value:
            out.line(f"  {label}: {value}")
    for o in store.opportunities.list(contact_id=contact.id):
        role = o.role_of(contact.id)
        what = (
            f"{role.role or 'contact'}{', primary' if role and role.is_primary else ''}"
            if role
            else "contact"
        )
        out.line(f"  Opportunity: {o.name} [{o.stage}] as {what}")
    for case in store.cases.list(contact_id=contact.id):
        out.line(f"  Case: {case.subject} [{case.status}]")


def contact_json(store: StoreProtocol, account: Account, contact: Contact) -> dict[str, Any]:
    """What ``contact --json`` prints: the contact with its account, manager, reports…"""
    data: dict[str, Any] = plain(contact)
    data["account"] = {"id": account.id, "name": account.name}
    manager = account.manager_of(contact.id)
    data["manager"] = {"id": manager.id, "name": manager.full_name} if manager else None
    data["reports"] = [
        {"id": r.id, "name": r.full_name} for r in account.direct_reports(contact.id)
    ]
    data["opportunities"] = [
        {"id": o.id, "name": o.name, "role": role.role, "is_primary": role.is_primary}
        for o in store.opportunities.list(contact_id=contact.id)
        if (role := o.role_of(contact.id)) is not None
    ]
    data["cases"] = [
        {"id": c.id, "subject": c.subject, "status": c.status}
        for c in store.cases.list(contact_id=contact.id)
    ]
    return data
