"""Opportunities (deals) and the contacts who play a role in them.

An Opportunity is its own aggregate: it refers to its account and to contacts
by id. Whether a role's contact belongs to the opportunity's account is a
policy (on by default, relaxable as Salesforce allows), checked where the
store can see both aggregates.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import attrs
import immutables

from contactgraph.domain.commerce import ContactRole, Money, Stage
from contactgraph.domain.common import EMPTY_MAP, ExtraValue, expect_version, utcnow
from contactgraph.domain.events import (
    EMPTY_LOG,
    DomainEvent,
    EventLog,
    OpportunityCreated,
    OpportunityUpdated,
)
from contactgraph.domain.fields import (
    OPPORTUNITY_FIELDS,
    field_changes,
    parse_fields,
    require_id,
    violation,
)
from contactgraph.domain.ids import check_id, new_id
from contactgraph.domain.values import DecisionRole
from contactgraph.errors import InvalidValueError, NotFoundError, PolicyViolationError, Violation

__all__ = ["ContactRole", "Money", "Opportunity", "Stage"]


@attrs.frozen(slots=True, kw_only=True)
class Opportunity:
    """A deal with an account, and the contacts who weigh in on it.

    Attributes:
        id: Stable id.
        account_id: The account the deal is with.
        name: Deal name.
        stage: Sales stage; ``is_closed`` and ``is_won`` derive from it.
        amount: Amount and currency, if known.
        close_date: Expected or actual close date.
        description: Free notes.
        contact_roles: Contacts with their roles, at most one primary.
        external_ids: Ids in other systems.
        extra: Custom fields kept for round trips.
        version: Stored version this copy derives from.
        created_at: When created (UTC).
        updated_at: When last changed (UTC).
    """

    id: str
    account_id: str
    name: str
    stage: Stage = Stage.PROSPECTING
    amount: Money | None = None
    close_date: date | None = None
    description: str | None = None
    contact_roles: tuple[ContactRole, ...] = ()
    external_ids: immutables.Map[str, str] = EMPTY_MAP
    extra: immutables.Map[str, ExtraValue] = EMPTY_MAP
    version: int = 0
    created_at: datetime = attrs.field(factory=utcnow)
    updated_at: datetime = attrs.field(factory=utcnow)
    _events: EventLog = attrs.field(default=EMPTY_LOG, alias="events", repr=False, eq=False)

    @classmethod
    def create(
        cls,
        name: str,
        account_id: str,
        *,
        id: str | None = None,
        stage: str | Stage = Stage.PROSPECTING,
        close_date: date | str | None = None,
        amount: Any = None,
        currency: str | None = None,
        description: str | None = None,
        external_ids: dict[str, str] | None = None,
        extra: dict[str, ExtraValue] | None = None,
    ) -> Opportunity:
        """A new opportunity, validated. Raises :class:`PolicyViolationError` listing every problem."""
        opp_id = new_id() if id is None else require_id(id, "opportunity")
        fields: dict[str, Any] = {
            "name": name,
            "account_id": account_id,
            "stage": stage,
            "close_date": close_date,
            "description": description,
        }
        if amount is not None or currency is not None:
            fields["amount"] = (amount, currency)
        if external_ids is not None:
            fields["external_ids"] = external_ids
        if extra is not None:
            fields["extra"] = extra
        values, violations = _parse(fields, opp_id)
        if violations:
            raise PolicyViolationError(violations, "opportunity refused")
        now = utcnow()
        opp = cls(id=opp_id, created_at=now, updated_at=now, **values)
        return opp._record(
            OpportunityCreated(aggregate_id=opp_id, occurred_at=now, account_id=opp.account_id)
        )

    @property
    def is_closed(self) -> bool:
        return self.stage.is_closed

    @property
    def is_won(self) -> bool:
        return self.stage.is_won

    @property
    def is_open(self) -> bool:
        return not self.stage.is_closed

    @property
    def primary_contact_id(self) -> str | None:
        return next((r.contact_id for r in self.contact_roles if r.is_primary), None)

    def role_of(self, contact_id: str) -> ContactRole | None:
        return next((r for r in self.contact_roles if r.contact_id == contact_id), None)

    @property
    def contact_ids(self) -> tuple[str, ...]:
        return tuple(r.contact_id for r in self.contact_roles)

    @property
    def pending_events(self) -> tuple[DomainEvent, ...]:
        return tuple(self._events)

    def committed(self, version: int) -> Opportunity:
        return attrs.evolve(self, version=expect_version(version), events=EMPTY_LOG)

    def update(self, **fields: Any) -> Opportunity:
        """Change fields (``name``, ``stage``, ``close_date``, ``amount``, ``currency``…)."""
        if "amount" in fields or "currency" in fields:
            current_amount = self.amount.amount if self.amount else None
            current_currency = self.amount.currency if self.amount else None
            amount = fields.pop("amount", current_amount)
            currency = fields.pop("currency", current_currency)
            fields["amount"] = None if amount is None else (amount, currency)
        values, violations = _parse(fields, self.id)
        if violations:
            raise PolicyViolationError(violations, f"opportunity {self.id} update refused")
        return self._apply(values)

    def add_contact_role(
        self, contact_id: str, role: str | DecisionRole | None = None, *, primary: bool = False
    ) -> Opportunity:
        """Add (or change) a contact's role; ``primary=True`` makes it the only primary contact.

        Raises:
            PolicyViolationError: an invalid contact id (field ``contact_id``),
                role (``role``) or ``primary`` that is not a bool (``primary``).
        """
        violations: list[Violation] = []
        parsed: DecisionRole | None = None
        try:
            check_id(contact_id, "contact_id")
        except InvalidValueError as exc:
            violations.append(violation(exc, "contact_id", "opportunity", self.id))
        try:
            parsed = DecisionRole.parse(role, "role") if role is not None else None
        except InvalidValueError as exc:
            violations.append(violation(exc, "role", "opportunity", self.id))
        if not isinstance(primary, bool):
            violations.append(
                violation(
                    InvalidValueError("must be True or False", field="primary", value=primary),
                    "primary",
                    "opportunity",
                    self.id,
                )
            )
        if violations:
            raise PolicyViolationError(violations, f"opportunity {self.id}: contact role refused")
        roles = []
        for existing in self.contact_roles:
            if existing.contact_id == contact_id:
                continue
            roles.append(
                attrs.evolve(existing, is_primary=False)
                if primary and existing.is_primary
                else existing
            )
        roles.append(ContactRole(contact_id, parsed, primary))
        return self._apply({"contact_roles": tuple(roles)})

    def remove_contact_role(self, contact_id: str) -> Opportunity:
        if self.role_of(contact_id) is None:
            raise NotFoundError("OpportunityContactRole", contact_id)
        return self._apply(
            {"contact_roles": tuple(r for r in self.contact_roles if r.contact_id != contact_id)}
        )

    def set_primary(self, contact_id: str) -> Opportunity:
        role = self.role_of(contact_id)
        if role is None:
            raise NotFoundError("OpportunityContactRole", contact_id)
        return self.add_contact_role(contact_id, role.role, primary=True)

    def repoint_contact(self, old_id: str, new_id: str) -> Opportunity:
        """Move ``old_id``'s role to ``new_id`` (merges, reassignments)."""
        role = self.role_of(old_id)
        if role is None:
            return self
        check_id(new_id, "new_id")
        kept = self.role_of(new_id)
        roles = [r for r in self.contact_roles if r.contact_id not in (old_id, new_id)]
        roles.append(
            ContactRole(
                new_id,
                (kept.role if kept and kept.role else role.role),
                role.is_primary or bool(kept and kept.is_primary),
            )
        )
        return self._apply({"contact_roles": tuple(roles)})

    def _apply(self, values: dict[str, Any]) -> Opportunity:
        changes = field_changes(self, values)
        if not changes:
            return self
        now = utcnow()
        updated = attrs.evolve(self, **values, updated_at=now)
        primaries = [r.contact_id for r in updated.contact_roles if r.is_primary]
        if len(primaries) > 1:
            raise PolicyViolationError(
                [
                    Violation(
                        "contact_roles.primary",
                        "at most one primary contact",
                        "contact_roles",
                        self.id,
                    )
                ]
            )
        return updated._record(
            OpportunityUpdated(aggregate_id=self.id, occurred_at=now, changes=changes)
        )

    def _record(self, event: DomainEvent) -> Opportunity:
        return attrs.evolve(self, events=self._events.append(event))


def _parse(fields: dict[str, Any], opp_id: str) -> tuple[dict[str, Any], list[Violation]]:
    return parse_fields(OPPORTUNITY_FIELDS, fields, entity="opportunity", entity_id=opp_id)
