"""The columns of each frame, declared once: label, how a record shows it, the field it reads into.

A column with a ``field`` is read back by the ``*_from_frame`` functions into
that keyword of the domain command; one without is shown only (ids,
timestamps, derived values). Address columns (``"Mailing City"``…) and the
``Custom:`` / ``External ID:`` columns are read back as a whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from operator import attrgetter
from typing import Any

import attrs

from contactgraph.domain import Account, AccountContactRelation, Case, Contact, Opportunity
from contactgraph.errors import MissingDependencyError

CUSTOM = "Custom: "
EXTERNAL = "External ID: "

ADDRESS_PARTS = (
    ("Street", "street"),
    ("City", "city"),
    ("State", "state"),
    ("Postal Code", "postal_code"),
    ("Country", "country"),
)
"""Address column suffixes and the :class:`~contactgraph.domain.Address` parts they show."""

FLAGS = {"Active", "Email Opt Out", "Do Not Call", "Is Closed", "Is Won"}
COUNTS = {"Employees", "Contacts", "Active Contacts", "Probability (%)"}
LISTS = {"Alternate Emails", "Alternate Phones"}


def pandas() -> Any:
    """The pandas module, or :class:`MissingDependencyError` saying how to install it."""
    try:
        import pandas
    except ImportError as exc:
        raise MissingDependencyError(
            "DataFrames need pandas, an optional extra: pip install 'contactgraph[pandas]'"
        ) from exc
    return pandas


def text(value: object) -> str | None:
    return None if value is None else str(value)


def joined(values: Iterable[object]) -> str | None:
    items = [str(v) for v in values]
    return "; ".join(items) if items else None


@attrs.frozen
class Column:
    """One column: its ``label``, how a record shows it, and the field it is read back into."""

    label: str
    show: Callable[[Any], Any]
    field: str | None = None


def shown(label: str, show: Callable[[Any], Any]) -> Column:
    """A column that is only shown (an id, a timestamp, a derived value)."""
    return Column(label, show)


def edited(label: str, field: str, show: Callable[[Any], Any] | None = None) -> Column:
    """A column read back into ``field``; shown as the attribute of that name unless ``show``."""
    return Column(label, show if show is not None else attrgetter(field), field)


def _e164(attr: str) -> Callable[[Any], Any]:
    def show(obj: Any) -> Any:
        phone = getattr(obj, attr)
        return phone.e164 if phone is not None else None

    return show


def _as_text(attr: str) -> Callable[[Any], Any]:
    get = attrgetter(attr)
    return lambda obj: text(get(obj))


def _address_part(attr: str, part: str) -> Callable[[Any], Any]:
    def show(obj: Any) -> Any:
        address = getattr(obj, attr)
        return getattr(address, part) if address is not None else None

    return show


def _address(prefix: str, attr: str) -> list[Column]:
    return [shown(f"{prefix} {label}", _address_part(attr, part)) for label, part in ADDRESS_PARTS]


CONTACT: tuple[Column, ...] = (
    shown("Contact ID", attrgetter("id")),
    shown("Account ID", attrgetter("account_id")),
    edited("Salutation", "salutation", _as_text("salutation")),
    edited("First Name", "first_name"),
    edited("Middle Name", "middle_name"),
    edited("Last Name", "last_name"),
    edited("Suffix", "suffix"),
    edited("Title", "title"),
    edited("Department", "department"),
    edited("Email", "email", _as_text("email")),
    edited("Phone", "phone", _e164("phone")),
    edited("Mobile", "mobile", _e164("mobile")),
    edited("Reports To ID", "reports_to"),
    edited("Decision Role", "decision_role", _as_text("decision_role")),
    edited("Active", "active"),
    edited("Email Opt Out", "email_opt_out"),
    edited("Do Not Call", "do_not_call"),
    *_address("Mailing", "mailing_address"),
    edited("Birthdate", "birthdate"),
    edited("Lead Source", "lead_source"),
    edited("Description", "description"),
    edited("Alternate Emails", "alternate_emails", lambda c: joined(c.alternate_emails)),
    edited(
        "Alternate Phones", "alternate_phones", lambda c: joined(p.e164 for p in c.alternate_phones)
    ),
    shown("Created", attrgetter("created_at")),
    shown("Last Modified", attrgetter("updated_at")),
)

ACCOUNT: tuple[Column, ...] = (
    shown("Account ID", attrgetter("id")),
    edited("Account Name", "name"),
    edited("Type", "type"),
    edited("Industry", "industry"),
    edited("Website", "website"),
    edited("Phone", "phone", _e164("phone")),
    *_address("Billing", "billing_address"),
    *_address("Shipping", "shipping_address"),
    edited("Parent Account ID", "parent_id"),
    edited("Description", "description"),
    edited("Annual Revenue", "annual_revenue"),
    edited("Employees", "number_of_employees"),
    edited("Phone Region", "phone_region"),
    shown("Contacts", lambda a: len(a.contacts)),
    shown("Active Contacts", lambda a: sum(1 for c in a.contacts.values() if c.active)),
    shown("Created", attrgetter("created_at")),
    shown("Last Modified", attrgetter("updated_at")),
)


def _roles_cell(opportunity: Opportunity) -> str | None:
    return joined(
        f"{r.contact_id}={r.role or ''}{'*' if r.is_primary else ''}"
        for r in opportunity.contact_roles
    )


OPPORTUNITY: tuple[Column, ...] = (
    shown("Opportunity ID", attrgetter("id")),
    edited("Account ID", "account_id"),
    edited("Opportunity Name", "name"),
    edited("Stage", "stage", lambda o: str(o.stage)),
    edited("Amount", "amount", lambda o: o.amount.amount if o.amount else None),
    edited("Currency", "currency", lambda o: o.amount.currency if o.amount else None),
    edited("Close Date", "close_date"),
    shown("Probability (%)", lambda o: o.stage.probability),
    shown("Is Closed", attrgetter("is_closed")),
    shown("Is Won", attrgetter("is_won")),
    shown("Primary Contact ID", attrgetter("primary_contact_id")),
    edited("Contact Roles", "contact_roles", _roles_cell),
    edited("Description", "description"),
    shown("Created", attrgetter("created_at")),
    shown("Last Modified", attrgetter("updated_at")),
)

CASE: tuple[Column, ...] = (
    shown("Case ID", attrgetter("id")),
    edited("Account ID", "account_id"),
    edited("Contact ID", "contact_id"),
    edited("Subject", "subject"),
    edited("Status", "status", lambda k: str(k.status)),
    edited("Priority", "priority", lambda k: str(k.priority)),
    edited("Origin", "origin"),
    edited("Type", "type"),
    edited("Reason", "reason"),
    edited("Description", "description"),
    shown("Opened", attrgetter("opened_at")),
    shown("Closed", attrgetter("closed_at")),
)

RELATION: tuple[Column, ...] = (
    shown("Relation ID", attrgetter("id")),
    edited("Account ID", "account_id"),
    edited("Contact ID", "contact_id"),
    edited("Roles", "roles", lambda r: joined(r.roles)),
    edited("Title", "title"),
    edited("Active", "is_active"),
    edited("Start Date", "start_date"),
    edited("End Date", "end_date"),
)


def shows(columns: Iterable[Column]) -> dict[str, Callable[[Any], Any]]:
    """Label -> how a record shows it, in column order."""
    return {c.label: c.show for c in columns}


def fields_of(columns: Iterable[Column]) -> Mapping[str, str]:
    """Label -> the field a column is read back into, for the columns that are."""
    return {c.label: c.field for c in columns if c.field is not None}


CONTACT_COLUMNS: dict[str, Callable[[Contact], Any]] = shows(CONTACT)
"""Contact columns, in order, with how each is read from a contact."""
ACCOUNT_COLUMNS: dict[str, Callable[[Account], Any]] = shows(ACCOUNT)
"""Account columns, in order, with how each is read from an account."""
OPPORTUNITY_COLUMNS: dict[str, Callable[[Opportunity], Any]] = shows(OPPORTUNITY)
"""Opportunity columns; ``Contact Roles`` reads ``id=role`` pairs, ``*`` marking the primary."""
CASE_COLUMNS: dict[str, Callable[[Case], Any]] = shows(CASE)
"""Case columns, in order."""
RELATION_COLUMNS: dict[str, Callable[[AccountContactRelation], Any]] = shows(RELATION)
"""Account-contact relation columns, in order."""
