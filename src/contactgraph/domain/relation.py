"""Relations between a contact and accounts other than its own.

A contact has exactly one owning account; it may also deal with others (a
consultant who advises a second company, a board member): Salesforce's
AccountContactRelation. A job change leaves an ended relation behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import attrs

from contactgraph.domain.common import expect_version, utcnow
from contactgraph.domain.fields import require_id
from contactgraph.domain.ids import check_id, new_id
from contactgraph.domain.text import clean_single_line
from contactgraph.domain.values import DecisionRole, parse_date
from contactgraph.errors import InvalidValueError, PolicyViolationError, Violation

__all__ = ["AccountContactRelation"]


@attrs.frozen(slots=True, kw_only=True)
class AccountContactRelation:
    """A contact's tie to an account it does not belong to (or no longer belongs to).

    Attributes:
        id: Stable id.
        account_id: The related account.
        contact_id: The contact (owned by another account).
        roles: Decision roles the contact plays there.
        title: The contact's function at that account, if different.
        is_active: Whether the relation is current.
        start_date: When it began.
        end_date: When it ended (a past job, for example).
        version: Stored version this copy derives from.
        created_at: When recorded (UTC).
    """

    id: str
    account_id: str
    contact_id: str
    roles: tuple[DecisionRole, ...] = ()
    title: str | None = None
    is_active: bool = True
    start_date: date | None = None
    end_date: date | None = None
    version: int = 0
    created_at: datetime = attrs.field(factory=utcnow)

    @classmethod
    def create(
        cls,
        account_id: str,
        contact_id: str,
        *,
        roles: Any = (),
        title: str | None = None,
        is_active: bool = True,
        start_date: date | str | None = None,
        end_date: date | str | None = None,
        id: str | None = None,
    ) -> AccountContactRelation:
        """A validated relation. Raises :class:`PolicyViolationError` listing every problem."""
        rel_id = new_id() if id is None else require_id(id, "relation")
        violations: list[Violation] = []
        values: dict[str, Any] = {}

        def attempt(field: str, fn: Any) -> None:
            try:
                values[field] = fn()
            except InvalidValueError as exc:
                violations.append(
                    Violation(
                        f"{field}.invalid", exc.reason, field, rel_id, policy="relation_fields"
                    )
                )

        attempt("account_id", lambda: _required(account_id, "account_id"))
        attempt("contact_id", lambda: _required(contact_id, "contact_id"))
        attempt("roles", lambda: _roles(roles))
        attempt(
            "title", lambda: None if title is None else (clean_single_line(title, "title") or None)
        )
        attempt("start_date", lambda: parse_date(start_date, "start_date"))
        attempt("end_date", lambda: parse_date(end_date, "end_date"))
        if not isinstance(is_active, bool):
            violations.append(
                Violation("is_active.invalid", "must be True or False", "is_active", rel_id)
            )
        if (
            not violations
            and values["start_date"]
            and values["end_date"]
            and values["end_date"] < values["start_date"]
        ):
            violations.append(
                Violation(
                    "end_date.before_start",
                    "a relation cannot end before it starts",
                    "end_date",
                    rel_id,
                )
            )
        if violations:
            raise PolicyViolationError(violations, "relation refused")
        return cls(id=rel_id, is_active=is_active, **values)

    def active_on(self, day: date) -> bool:
        """Whether the relation held on ``day`` (open-ended dates count as holding)."""
        _expect_day(day, "day")
        if self.start_date is not None and day < self.start_date:
            return False
        return not (self.end_date is not None and day > self.end_date)

    def end(self, on: date) -> AccountContactRelation:
        """The relation, ended on ``on``."""
        _expect_day(on, "on")
        if self.start_date is not None and on < self.start_date:
            raise PolicyViolationError(
                [
                    Violation(
                        "end_date.before_start",
                        "a relation cannot end before it starts",
                        "end_date",
                        self.id,
                    )
                ]
            )
        return attrs.evolve(self, is_active=False, end_date=on)

    def committed(self, version: int) -> AccountContactRelation:
        return attrs.evolve(self, version=expect_version(version))


def _roles(value: Any) -> tuple[DecisionRole, ...]:
    """Roles from ``None``, ``"A;B"`` or an iterable of names or :class:`DecisionRole`."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [r for r in value.split(";") if r.strip()]
    elif not isinstance(value, Iterable):
        raise InvalidValueError("must be a list of decision roles", field="roles", value=value)
    return tuple(dict.fromkeys(DecisionRole.parse(r, "roles") for r in value))


def _required(value: Any, field: str) -> str:
    if value is None or value == "":
        raise InvalidValueError("is required", field=field, value=value)
    return check_id(value, field)


def _expect_day(value: Any, field: str) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidValueError("must be a date (not a datetime)", field=field, value=value)
