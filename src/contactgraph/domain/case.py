"""Cases: support requests raised by a contact of an account."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import attrs
import immutables

from contactgraph.domain.contact import CONTACT_FIELDS, EMPTY_MAP, ExtraValue, utcnow
from contactgraph.domain.events import (
    EMPTY_LOG,
    CaseClosed,
    CaseOpened,
    CaseUpdated,
    DomainEvent,
    EventLog,
    FieldChange,
)
from contactgraph.domain.ids import new_id
from contactgraph.domain.text import clean_multiline, clean_single_line
from contactgraph.errors import InvalidValueError, PolicyViolationError, Violation

__all__ = ["Case", "CasePriority", "CaseStatus"]


class CaseStatus(enum.StrEnum):
    """Salesforce's standard case statuses."""

    NEW = "New"
    WORKING = "Working"
    ESCALATED = "Escalated"
    CLOSED = "Closed"

    @property
    def is_closed(self) -> bool:
        return self is CaseStatus.CLOSED


class CasePriority(enum.StrEnum):
    """Salesforce's standard case priorities."""

    HIGH = "High"
    MEDIUM = "Medium"
    LOW = "Low"


def _enum_parser(enum_type: Any, field: str) -> Any:
    def parse(value: Any) -> Any:
        if isinstance(value, enum_type):
            return value
        if isinstance(value, str):
            for member in enum_type:
                if member.value.casefold() == value.strip().casefold():
                    return member
        allowed = ", ".join(m.value for m in enum_type)
        raise InvalidValueError(f"use one of {allowed}", field=field, value=value)

    return parse


_STATUS = _enum_parser(CaseStatus, "status")
_PRIORITY = _enum_parser(CasePriority, "priority")


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
        case_id = id or new_id()
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
        return attrs.evolve(self, version=version, events=EMPTY_LOG)

    def update(self, **fields: Any) -> Case:
        """Change fields; setting ``status="Closed"`` closes the case."""
        values, violations = _parse(fields, self.id)
        if violations:
            raise PolicyViolationError(violations, f"case {self.id} update refused")
        changes = tuple(
            FieldChange(k, _plain(getattr(self, k)), _plain(v))
            for k, v in values.items()
            if getattr(self, k) != v
        )
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


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, immutables.Map):
        return dict(value)
    return str(value)


def _parse(fields: dict[str, Any], case_id: str) -> tuple[dict[str, Any], list[Violation]]:
    values: dict[str, Any] = {}
    violations: list[Violation] = []
    for field, value in fields.items():
        try:
            if field in ("subject", "account_id"):
                text = clean_single_line(value, field)
                if not text:
                    raise InvalidValueError(
                        f"a case needs a {field.replace('_id', '')}", field=field, value=value
                    )
                values[field] = text
            elif field == "contact_id":
                values[field] = (
                    None if value in (None, "") else clean_single_line(value, field, max_length=64)
                )
            elif field in ("origin", "type", "reason"):
                values[field] = None if value is None else (clean_single_line(value, field) or None)
            elif field == "description":
                values[field] = None if value is None else (clean_multiline(value, field) or None)
            elif field == "status":
                values[field] = _STATUS(value)
            elif field == "priority":
                values[field] = _PRIORITY(value)
            elif field in ("external_ids", "extra"):
                values[field] = CONTACT_FIELDS[field](value, None)
            else:
                raise InvalidValueError("not a case field", field=field, value=value)
        except InvalidValueError as exc:
            fld = exc.field or field
            violations.append(
                Violation(
                    f"{fld.split('.')[0]}.invalid", exc.reason, fld, case_id, policy="case_fields"
                )
            )
    return values, violations
