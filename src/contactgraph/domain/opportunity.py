"""Opportunities (deals) and the contacts who play a role in them.

An Opportunity is its own aggregate: it refers to its account and to contacts
by id. Whether a role's contact belongs to the opportunity's account is a
policy (on by default, relaxable as Salesforce allows), checked where the
store can see both aggregates.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
import immutables

from contactgraph.domain.contact import CONTACT_FIELDS, EMPTY_MAP, ExtraValue, utcnow
from contactgraph.domain.events import (
    EMPTY_LOG,
    DomainEvent,
    EventLog,
    FieldChange,
    OpportunityCreated,
    OpportunityUpdated,
)
from contactgraph.domain.ids import new_id
from contactgraph.domain.text import clean_multiline, clean_single_line
from contactgraph.domain.values import DecisionRole, parse_date
from contactgraph.errors import InvalidValueError, NotFoundError, PolicyViolationError, Violation

__all__ = ["ContactRole", "Money", "Opportunity", "Stage"]


class Stage(enum.StrEnum):
    """Salesforce's standard opportunity stages."""

    PROSPECTING = "Prospecting"
    QUALIFICATION = "Qualification"
    NEEDS_ANALYSIS = "Needs Analysis"
    VALUE_PROPOSITION = "Value Proposition"
    ID_DECISION_MAKERS = "Id. Decision Makers"
    PERCEPTION_ANALYSIS = "Perception Analysis"
    PROPOSAL_PRICE_QUOTE = "Proposal/Price Quote"
    NEGOTIATION_REVIEW = "Negotiation/Review"
    CLOSED_WON = "Closed Won"
    CLOSED_LOST = "Closed Lost"

    @property
    def is_closed(self) -> bool:
        return self in (Stage.CLOSED_WON, Stage.CLOSED_LOST)

    @property
    def is_won(self) -> bool:
        return self is Stage.CLOSED_WON

    @property
    def probability(self) -> int:
        """Salesforce's default probability (percent) for the stage."""
        return _PROBABILITY[self]

    @classmethod
    def parse(cls, value: str | Stage) -> Stage:
        if isinstance(value, Stage):
            return value
        if isinstance(value, str):
            key = " ".join(value.replace("/", " / ").split()).casefold()
            for stage in cls:
                if " ".join(stage.value.replace("/", " / ").split()).casefold() == key:
                    return stage
            found = _STAGE_ALIASES.get(key.replace(" ", ""))
            if found is not None:
                return found
        allowed = ", ".join(s.value for s in cls)
        raise InvalidValueError(f"unknown stage; use one of {allowed}", field="stage", value=value)


_PROBABILITY = {
    Stage.PROSPECTING: 10,
    Stage.QUALIFICATION: 10,
    Stage.NEEDS_ANALYSIS: 20,
    Stage.VALUE_PROPOSITION: 50,
    Stage.ID_DECISION_MAKERS: 60,
    Stage.PERCEPTION_ANALYSIS: 70,
    Stage.PROPOSAL_PRICE_QUOTE: 75,
    Stage.NEGOTIATION_REVIEW: 90,
    Stage.CLOSED_WON: 100,
    Stage.CLOSED_LOST: 0,
}
_STAGE_ALIASES = {
    "closed/won": Stage.CLOSED_WON,
    "closed/lost": Stage.CLOSED_LOST,
    "won": Stage.CLOSED_WON,
    "lost": Stage.CLOSED_LOST,
}


@attrs.frozen(slots=True)
class Money:
    """An amount in a currency (ISO 4217 code).

    Attributes:
        amount: Exact decimal amount.
        currency: Three-letter currency code, upper case.
    """

    amount: Decimal
    currency: str

    @classmethod
    def parse(cls, amount: Any, currency: str | None, *, default_currency: str = "EUR") -> Money:
        if isinstance(amount, bool) or amount is None:
            raise InvalidValueError("must be a number", field="amount", value=amount)
        try:
            value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
        except InvalidOperation:
            raise InvalidValueError("must be a number", field="amount", value=amount) from None
        if not value.is_finite():
            raise InvalidValueError("must be a finite number", field="amount", value=amount)
        code = (currency or default_currency).strip().upper()
        if len(code) != 3 or not code.isalpha() or not code.isascii():
            raise InvalidValueError(
                "must be a 3-letter ISO 4217 code such as EUR", field="currency", value=currency
            )
        return cls(value, code)

    def __str__(self) -> str:
        return f"{self.amount:,} {self.currency}"


@attrs.frozen(slots=True)
class ContactRole:
    """A contact's part in an opportunity (Salesforce's OpportunityContactRole).

    Attributes:
        contact_id: The contact.
        role: Its decision role.
        is_primary: Whether it is the primary contact (at most one).
    """

    contact_id: str
    role: DecisionRole | None = None
    is_primary: bool = False


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
        opp_id = id or new_id()
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
        return attrs.evolve(self, version=version, events=EMPTY_LOG)

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
        """Add (or change) a contact's role; ``primary=True`` makes it the only primary contact."""
        if not isinstance(contact_id, str) or not contact_id:
            raise PolicyViolationError(
                [Violation("contact_id.invalid", "a contact id is required", "contact_id", self.id)]
            )
        try:
            parsed = DecisionRole.parse(role, "role") if role is not None else None
        except InvalidValueError as exc:
            raise PolicyViolationError(
                [Violation("role.invalid", exc.reason, "role", contact_id)]
            ) from None
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
        changes = tuple(
            FieldChange(k, _plain(getattr(self, k)), _plain(v))
            for k, v in values.items()
            if getattr(self, k) != v
        )
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


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Money):
        return {"amount": str(value.amount), "currency": value.currency}
    if isinstance(value, tuple):
        return [
            {
                "contact_id": r.contact_id,
                "role": r.role.value if r.role else None,
                "is_primary": r.is_primary,
            }
            if isinstance(r, ContactRole)
            else _plain(r)
            for r in value
        ]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, immutables.Map):
        return dict(value)
    return str(value)


def _parse(fields: dict[str, Any], opp_id: str) -> tuple[dict[str, Any], list[Violation]]:
    values: dict[str, Any] = {}
    violations: list[Violation] = []
    for field, value in fields.items():
        try:
            if field == "name":
                text = clean_single_line(value, "name", max_length=120)
                if not text:
                    raise InvalidValueError(
                        "an opportunity needs a name", field="name", value=value
                    )
                values["name"] = text
            elif field == "account_id":
                text = clean_single_line(value, "account_id", max_length=64)
                if not text:
                    raise InvalidValueError(
                        "an opportunity needs an account", field="account_id", value=value
                    )
                values["account_id"] = text
            elif field == "stage":
                values["stage"] = Stage.parse(value)
            elif field == "close_date":
                values["close_date"] = parse_date(value, "close_date")
            elif field == "amount":
                values["amount"] = None if value is None else Money.parse(*value)
            elif field == "description":
                values["description"] = (
                    None if value is None else (clean_multiline(value, "description") or None)
                )
            elif field in ("external_ids", "extra"):
                values[field] = CONTACT_FIELDS[field](value, None)
            else:
                raise InvalidValueError("not an opportunity field", field=field, value=value)
        except InvalidValueError as exc:
            fld = exc.field or field
            violations.append(
                Violation(
                    f"{fld.split('.')[0]}.invalid",
                    exc.reason,
                    fld,
                    opp_id,
                    policy="opportunity_fields",
                )
            )
    return values, violations
