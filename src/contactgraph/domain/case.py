"""Cases: support requests raised by a contact of an account."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
import immutables

from contactgraph.domain.commerce import CasePriority, CaseStatus
from contactgraph.domain.common import EMPTY_MAP, ExtraValue, expect_version, utcnow
from contactgraph.domain.events import (
    EMPTY_LOG,
    CaseClosed,
    CaseOpened,
    CaseUpdated,
    DomainEvent,
    EventLog,
)
from contactgraph.domain.fields import CASE_FIELDS, field_changes, parse_fields, require_id
from contactgraph.domain.ids import new_id
from contactgraph.errors import PolicyViolationError, Violation

__all__ = ["Case", "CasePriority", "CaseStatus"]


@attrs.frozen(slots=True, kw_only=True)
class Case:
    """A support request.

    Attributes:
        id: Stable id.
        account_id: The account concerned.
        contact_id: Who raised it (a contact of that account), if known.
        subject: One-line summary.
        status: New, Working, Escalated or Closed.
        priority: High, Medium or Low.
        origin: Channel it came through (Email, Phone, Web…), as written.
        type: Salesforce's Case Type, as written.
        reason: Salesforce's Case Reason, as written.
        description: Free text, several lines allowed.
        opened_at: When it was opened (UTC).
        closed_at: When it was closed, if it is.
        external_ids: Ids in other systems.
        extra: Custom fields kept for round trips.
        version: Stored version this copy derives from.
        updated_at: When last changed (UTC).
    """

    id: str
    account_id: str
    subject: str
    contact_id: str | None = None
    status: CaseStatus = CaseStatus.NEW
    priority: CasePriority = CasePriority.MEDIUM
    origin: str | None = None
    type: str | None = None
    reason: str | None = None
    description: str | None = None
    opened_at: datetime = attrs.field(factory=utcnow)
    closed_at: datetime | None = None
    external_ids: immutables.Map[str, str] = EMPTY_MAP
    extra: immutables.Map[str, ExtraValue] = EMPTY_MAP
    version: int = 0
    updated_at: datetime = attrs.field(factory=utcnow)
    _events: EventLog = attrs.field(default=EMPTY_LOG, alias="events", repr=False, eq=False)

    @classmethod
    def create(
        cls,
        subject: str,
        account_id: str,
        contact_id: str | None = None,
        *,
        id: str | None = None,
        **fields: Any,
    ) -> Case:
        """A new, open case. Raises :class:`PolicyViolationError` listing every problem.

        That ``contact_id`` is a contact of ``account_id`` is checked by the
        store when the case is added (the case cannot see the account).
        """
        case_id = new_id() if id is None else require_id(id, "case")
        values, violations = _parse(
            {"subject": subject, "account_id": account_id, "contact_id": contact_id, **fields},
            case_id,
        )
        if violations:
            raise PolicyViolationError(violations, "case refused")
        now = utcnow()
        case = cls(id=case_id, opened_at=now, updated_at=now, **values)
        if case.status.is_closed:
            case = attrs.evolve(case, closed_at=now)
        event = CaseOpened(
            aggregate_id=case_id,
            occurred_at=now,
            account_id=case.account_id,
            contact_id=case.contact_id,
        )
        return attrs.evolve(case, events=case._events.append(event))

    @property
    def is_closed(self) -> bool:
        return self.status.is_closed

    @property
    def is_open(self) -> bool:
        return not self.status.is_closed

    @property
    def pending_events(self) -> tuple[DomainEvent, ...]:
        return tuple(self._events)

    def committed(self, version: int) -> Case:
        return attrs.evolve(self, version=expect_version(version), events=EMPTY_LOG)

    def update(self, **fields: Any) -> Case:
        """Change fields; setting ``status="Closed"`` closes the case."""
        values, violations = _parse(fields, self.id)
        if violations:
            raise PolicyViolationError(violations, f"case {self.id} update refused")
        changes = field_changes(self, values)
        if not changes:
            return self
        now = utcnow()
        updated = attrs.evolve(self, **values, updated_at=now)
        events = updated._events.append(
            CaseUpdated(aggregate_id=self.id, occurred_at=now, changes=changes)
        )
        if updated.status.is_closed and not self.status.is_closed:
            updated = attrs.evolve(updated, closed_at=now)
            events = events.append(CaseClosed(aggregate_id=self.id, occurred_at=now))
        elif not updated.status.is_closed:
            updated = attrs.evolve(updated, closed_at=None)
        return attrs.evolve(updated, events=events)

    def close(self) -> Case:
        return self.update(status=CaseStatus.CLOSED)


def _parse(fields: dict[str, Any], case_id: str) -> tuple[dict[str, Any], list[Violation]]:
    return parse_fields(CASE_FIELDS, fields, entity="case", entity_id=case_id)
