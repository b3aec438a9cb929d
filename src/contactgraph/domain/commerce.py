"""Value types of deals and cases: stages, money, contact roles, case statuses and priorities.

They live apart from the aggregates that hold them so that the one
field-parsing module (:mod:`contactgraph.domain.fields`) can name them
without importing an aggregate.
"""

from __future__ import annotations

import enum
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from contactgraph.domain.values import DecisionRole
from contactgraph.errors import InvalidValueError

__all__ = ["CasePriority", "CaseStatus", "ContactRole", "Money", "Stage"]


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
        if isinstance(value, str) and len(value) <= 80:
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

MAX_AMOUNT_DIGITS = 38
"""Most significant digits an amount may carry (SQL ``NUMERIC(38, …)``'s precision)."""


def parse_decimal(value: Any, field: str) -> Decimal:
    """A finite decimal from a number or its text; refuses bools, NaN, infinities and absurd sizes.

    Raises:
        InvalidValueError: naming ``field``.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise InvalidValueError("must be a number", field=field, value=value)
    if isinstance(value, str) and len(value.strip()) > MAX_AMOUNT_DIGITS + 8:
        raise InvalidValueError(
            f"a number has at most {MAX_AMOUNT_DIGITS} digits", field=field, value=value
        )
    if isinstance(value, int) and abs(value) >= 10**MAX_AMOUNT_DIGITS:
        raise InvalidValueError(
            f"a number has at most {MAX_AMOUNT_DIGITS} digits", field=field, value=value
        )
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidValueError("must be a number", field=field, value=value) from None
    if not number.is_finite():
        raise InvalidValueError("must be a finite number", field=field, value=value)
    if len(number.as_tuple().digits) > MAX_AMOUNT_DIGITS or abs(number.adjusted()) > 100:
        raise InvalidValueError(
            f"a number has at most {MAX_AMOUNT_DIGITS} digits", field=field, value=value
        )
    return number


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
    def parse(cls, amount: Any, currency: Any, *, default_currency: str = "EUR") -> Money:
        """An amount and its currency from caller input.

        Raises:
            InvalidValueError: naming ``amount`` or ``currency``.
        """
        if amount is None:
            raise InvalidValueError("must be a number", field="amount", value=amount)
        value = parse_decimal(amount, "amount")
        given = currency or default_currency
        code = given.strip().upper() if isinstance(given, str) else ""
        if len(code) != 3 or not code.isalpha() or not code.isascii():
            raise InvalidValueError(
                "must be a 3-letter ISO 4217 code such as EUR", field="currency", value=given
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
