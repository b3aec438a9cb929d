"""Buying committees: who holds each decision role on a deal or an account, and who is missing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import attrs

from contactgraph.domain import Contact, DecisionRole, Opportunity
from contactgraph.errors import InvalidValueError
from contactgraph.graph import _fetch
from contactgraph.repos.protocol import StoreProtocol

__all__ = [
    "DEFAULT_COMMITTEE_ROLES",
    "BuyingCommittee",
    "CommitteeMember",
    "account_committee",
    "opportunity_committee",
]

DEFAULT_COMMITTEE_ROLES: tuple[DecisionRole, ...] = tuple(
    r for r in DecisionRole if r is not DecisionRole.OTHER
)
"""The roles a complete committee needs unless told otherwise: every role but ``Other``."""


@attrs.frozen(slots=True)
class CommitteeMember:
    """One person holding one decision role.

    Attributes:
        contact: The person.
        role: The role held.
        source: Where the role was read: the opportunity's contact role, the
            contact's own decision role, or a relation to the account.
        is_primary: The opportunity's primary contact.
    """

    contact: Contact
    role: DecisionRole
    source: Literal["opportunity", "contact", "relation"]
    is_primary: bool = False


@attrs.frozen
class BuyingCommittee:
    """Who holds each decision role, and which roles nobody holds.

    Only active contacts hold a role; inactive ones who did are listed apart.

    Attributes:
        subject_id: The opportunity or account id.
        subject_name: Its name.
        kind: ``"opportunity"`` or ``"account"``.
        members: Every (active contact, role) pair, by role then name.
        required: The roles a complete committee needs.
        without_role: Active contacts on the opportunity with no role known.
        inactive: Inactive contacts who hold a role (they count for nothing).
    """

    subject_id: str
    subject_name: str
    kind: Literal["opportunity", "account"]
    members: tuple[CommitteeMember, ...]
    required: tuple[DecisionRole, ...] = DEFAULT_COMMITTEE_ROLES
    without_role: tuple[Contact, ...] = ()
    inactive: tuple[Contact, ...] = ()

    def holders(self, role: DecisionRole | str) -> list[Contact]:
        """The active contacts holding ``role``."""
        wanted = DecisionRole.parse(role, "role")
        return [m.contact for m in self.members if m.role is wanted]

    @property
    def by_role(self) -> dict[DecisionRole, tuple[Contact, ...]]:
        """Each role held by at least one contact, with its holders."""
        out: dict[DecisionRole, list[Contact]] = {}
        for m in self.members:
            out.setdefault(m.role, []).append(m.contact)
        return {role: tuple(people) for role, people in out.items()}

    @property
    def missing(self) -> tuple[DecisionRole, ...]:
        """Required roles that no active contact holds."""
        held = {m.role for m in self.members}
        return tuple(r for r in self.required if r not in held)

    @property
    def is_complete(self) -> bool:
        return not self.missing

    @property
    def primary(self) -> Contact | None:
        """The opportunity's primary contact, when active."""
        return next((m.contact for m in self.members if m.is_primary), None)

    def __str__(self) -> str:
        lines = [f"Buying committee of {self.subject_name} ({self.kind})"]
        for role in DecisionRole:
            people = self.by_role.get(role)
            if people:
                lines.append(f"  {role}: " + "; ".join(c.label for c in people))
        if self.missing:
            lines.append("  missing: " + ", ".join(self.missing))
        if self.inactive:
            lines.append("  inactive: " + "; ".join(c.label for c in self.inactive))
        return "\n".join(lines)


def _required(roles: Iterable[DecisionRole | str] | None) -> tuple[DecisionRole, ...]:
    if roles is None:
        return DEFAULT_COMMITTEE_ROLES
    if isinstance(roles, str) or not isinstance(roles, Iterable):
        raise InvalidValueError("a collection of decision roles", field="roles", value=roles)
    return tuple(dict.fromkeys(DecisionRole.parse(r, "roles") for r in roles))


def _sorted(members: Iterable[CommitteeMember]) -> tuple[CommitteeMember, ...]:
    order = {r: i for i, r in enumerate(DecisionRole)}
    return tuple(
        sorted(members, key=lambda m: (order[m.role], m.contact.name.sort_key, m.contact.id))
    )


def opportunity_committee(
    store: StoreProtocol,
    opportunity: Opportunity,
    roles: Iterable[DecisionRole | str] | None = None,
) -> BuyingCommittee:
    """The committee of one opportunity, from its contact roles. 1 or 2 calls.

    A contact role without a role takes the contact's own decision role.
    """
    account = store.accounts.get(opportunity.account_id)
    contacts: dict[str, Contact] = {
        cid: account.contacts[cid] for cid in opportunity.contact_ids if cid in account.contacts
    }
    foreign = [cid for cid in opportunity.contact_ids if cid not in contacts]
    contacts.update(_fetch.contacts_by_id(store, foreign))
    members: list[CommitteeMember] = []
    without: list[Contact] = []
    inactive: list[Contact] = []
    for role in opportunity.contact_roles:
        contact = contacts.get(role.contact_id)
        if contact is None:
            continue
        held = role.role
        source: Literal["opportunity", "contact"] = "opportunity"
        if held is None:
            held, source = contact.decision_role, "contact"
        if not contact.active:
            if held is not None:
                inactive.append(contact)
        elif held is None:
            without.append(contact)
        else:
            members.append(CommitteeMember(contact, held, source, role.is_primary))
    return BuyingCommittee(
        subject_id=opportunity.id,
        subject_name=opportunity.name,
        kind="opportunity",
        members=_sorted(members),
        required=_required(roles),
        without_role=tuple(account.sorted_contacts(without)),
        inactive=tuple(account.sorted_contacts(inactive)),
    )


def account_committee(
    store: StoreProtocol, account_id: str, roles: Iterable[DecisionRole | str] | None = None
) -> BuyingCommittee:
    """The committee of an account: its contacts' decision roles and active relations' roles.

    2 or 3 calls.
    """
    account = store.accounts.get(account_id)
    members = [
        CommitteeMember(c, c.decision_role, "contact")
        for c in account.contacts.values()
        if c.active and c.decision_role is not None
    ]
    inactive = [c for c in account.contacts.values() if not c.active and c.decision_role]
    relations = [r for r in store.relations.list(account_id=account_id) if r.is_active and r.roles]
    outside = _fetch.contacts_by_id(store, (r.contact_id for r in relations))
    for relation in relations:
        contact = outside.get(relation.contact_id)
        if contact is None:
            continue
        if not contact.active:
            inactive.append(contact)
            continue
        members.extend(CommitteeMember(contact, role, "relation") for role in relation.roles)
    return BuyingCommittee(
        subject_id=account.id,
        subject_name=account.name,
        kind="account",
        members=_sorted(members),
        required=_required(roles),
        inactive=tuple(account.sorted_contacts(dict.fromkeys(inactive))),
    )
