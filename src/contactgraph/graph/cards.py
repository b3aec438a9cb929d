"""What navigation answers besides records: roles, relations, tenures and the two cards.

The result types of :class:`~contactgraph.graph.Navigator` (``store.graph``),
kept apart from the navigation steps that build them; plain frozen values.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import attrs

from contactgraph.domain import (
    Account,
    AccountContactRelation,
    Case,
    Contact,
    DecisionRole,
    Opportunity,
    display,
)
from contactgraph.policies import Readiness

__all__ = [
    "AccountCard",
    "ContactCard",
    "OpportunityRole",
    "RelatedAccount",
    "RelatedContact",
    "Tenure",
]


@attrs.frozen(slots=True)
class OpportunityRole:
    """An opportunity seen from one of its contacts.

    Attributes:
        opportunity: The opportunity.
        role: The contact's decision role on it, if one was given.
        is_primary: Whether the contact is its primary contact.
    """

    opportunity: Opportunity
    role: DecisionRole | None
    is_primary: bool


@attrs.frozen(slots=True)
class RelatedAccount:
    """An account a contact deals with without belonging to it (or no longer does).

    Attributes:
        relation: The relation, with its roles and dates.
        account: The related account.
    """

    relation: AccountContactRelation
    account: Account

    @property
    def is_active(self) -> bool:
        return self.relation.is_active


@attrs.frozen(slots=True)
class RelatedContact:
    """A contact of another account who deals with this one.

    Attributes:
        relation: The relation, with its roles and dates.
        contact: The contact (owned by another account).
    """

    relation: AccountContactRelation
    contact: Contact


@attrs.frozen(slots=True)
class Tenure:
    """A period a contact spent at an account, and in which role.

    Attributes:
        contact: The contact as it is now.
        account_id: The account.
        account_name: Its name.
        kind: ``"member"`` for the owning account, ``"relation"`` for a relation.
        title: The contact's function there.
        roles: Its decision roles there.
        start: First day, when known.
        end: Last day, when it ended.
        current: Whether it still holds (an active member or an active relation).
        relation_id: The relation, for ``kind == "relation"``.
    """

    contact: Contact
    account_id: str
    account_name: str
    kind: Literal["member", "relation"]
    title: str | None
    roles: tuple[DecisionRole, ...]
    start: date | None
    end: date | None
    current: bool
    relation_id: str | None = None

    def holds_on(self, day: date) -> bool:
        """Whether the tenure covers ``day`` (unknown bounds are open).

        An ended relation without an end date cannot be placed in time: it
        covers no day.
        """
        if self.kind == "relation" and not self.current and self.end is None:
            return False
        if self.start is not None and day < self.start:
            return False
        return not (self.end is not None and day > self.end)

    def __str__(self) -> str:
        span = f"{self.start or '?'} to {self.end or 'now'}"
        role = ", ".join(filter(None, [self.title, *self.roles]))
        return f"{self.contact.full_name} at {self.account_name} ({self.kind}, {span})" + (
            f": {role}" if role else ""
        )


@attrs.frozen
class ContactCard:
    """Everything next to one contact, for a notebook or a terminal.

    Attributes:
        contact: The contact.
        account: Its owning account.
        manager: Its manager, or ``None``.
        reports: Its direct reports.
        opportunities: Opportunities it takes part in, with its role.
        cases: Cases it raised.
        related: Other accounts it deals with (or dealt with).
    """

    contact: Contact
    account: Account
    manager: Contact | None
    reports: tuple[Contact, ...]
    opportunities: tuple[OpportunityRole, ...]
    cases: tuple[Case, ...]
    related: tuple[RelatedAccount, ...]

    def __str__(self) -> str:
        c = self.contact
        lines = [c.display_name + ("" if c.active else " (inactive)")]
        lines += [
            f"  {label}: {value}"
            for label, value in (
                ("Title", c.title),
                ("Department", c.department),
                ("Account", self.account.name),
                ("Email", c.email),
                ("Phone", c.phone),
                ("Mobile", c.mobile),
                ("Decision role", c.decision_role),
                ("Manager", self.manager.label if self.manager else None),
            )
            if value is not None
        ]
        if self.reports:
            lines.append("  Reports: " + "; ".join(r.label for r in self.reports))
        for o in self.opportunities:
            role = f" as {o.role}" if o.role else ""
            primary = " (primary)" if o.is_primary else ""
            lines.append(
                f"  Opportunity: {o.opportunity.name} [{o.opportunity.stage}]{role}{primary}"
            )
        lines += [f"  Case: {k.subject} [{k.status}]" for k in self.cases]
        for r in self.related:
            state = "active" if r.relation.is_active else f"ended {r.relation.end_date or ''}"
            lines.append(f"  Related: {r.account.name} ({state.strip()})")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return display.contact_html(
            self.contact,
            account_name=self.account.name,
            manager=self.manager,
            reports=self.reports,
            opportunities=[(o.opportunity, o.role, o.is_primary) for o in self.opportunities],
            cases=self.cases,
            relations=[(r.relation, r.account.name) for r in self.related],
        )


@attrs.frozen
class AccountCard:
    """One account with its hierarchy, deals, requests, outside contacts and readiness.

    Attributes:
        account: The account.
        parent: Its parent account, or ``None``.
        children: Its child accounts.
        opportunities: Its opportunities.
        cases: Its cases.
        related: Contacts of other accounts who deal with it.
        readiness: Which commercial actions it allows, and why not.
    """

    account: Account
    parent: Account | None
    children: tuple[Account, ...]
    opportunities: tuple[Opportunity, ...]
    cases: tuple[Case, ...]
    related: tuple[RelatedContact, ...]
    readiness: Readiness

    def __str__(self) -> str:
        a = self.account
        lines = [a.name]
        if self.parent is not None:
            lines.append(f"  Parent: {self.parent.name}")
        if self.children:
            lines.append("  Children: " + "; ".join(c.name for c in self.children))
        lines += [f"  Contact: {c.label}" for c in a.active_contacts()]
        lines += [f"  Opportunity: {o.name} [{o.stage}]" for o in self.opportunities]
        lines += [f"  Case: {k.subject} [{k.status}]" for k in self.cases]
        lines += [f"  Related: {r.contact.label}" for r in self.related]
        lines += [f"  {line}" for line in self.readiness.summary()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return display.account_html(
            self.account,
            parent_name=self.parent.name if self.parent else None,
            children=[c.name for c in self.children],
            opportunities=self.opportunities,
            cases=self.cases,
            notes=self.readiness.summary(),
        )
