"""Picklists of people: how a contact is addressed, and the part it plays in buying."""

from __future__ import annotations

import enum

from contactgraph.domain.text import clean_single_line, match_key
from contactgraph.errors import InvalidValueError

__all__ = ["DecisionRole", "Salutation"]


class Salutation(enum.StrEnum):
    """Salesforce's Salutation picklist; :meth:`parse` also reads common French forms."""

    MR = "Mr."
    MS = "Ms."
    MRS = "Mrs."
    MX = "Mx."
    DR = "Dr."
    PROF = "Prof."

    @classmethod
    def parse(cls, value: str | Salutation) -> Salutation:
        if isinstance(value, Salutation):
            return value
        text = clean_single_line(value, "salutation", max_length=40)
        key = match_key(text).rstrip(".").strip()
        found = _SALUTATION_ALIASES.get(key)
        if found is None:
            allowed = ", ".join(s.value for s in cls)
            raise InvalidValueError(
                f"unknown salutation; use one of {allowed} (or M., Mme, Mlle, Dr, Pr)",
                field="salutation",
                value=value,
            )
        return found


_SALUTATION_ALIASES: dict[str, Salutation] = {
    "mr": Salutation.MR,
    "mister": Salutation.MR,
    "m": Salutation.MR,
    "monsieur": Salutation.MR,
    "ms": Salutation.MS,
    "mlle": Salutation.MS,
    "mademoiselle": Salutation.MS,
    "miss": Salutation.MS,
    "mrs": Salutation.MRS,
    "mme": Salutation.MRS,
    "madame": Salutation.MRS,
    "mx": Salutation.MX,
    "dr": Salutation.DR,
    "doctor": Salutation.DR,
    "docteur": Salutation.DR,
    "prof": Salutation.PROF,
    "pr": Salutation.PROF,
    "professor": Salutation.PROF,
    "professeur": Salutation.PROF,
}


class DecisionRole(enum.StrEnum):
    """Salesforce's OpportunityContactRole roles: who weighs in a decision."""

    BUSINESS_USER = "Business User"
    DECISION_MAKER = "Decision Maker"
    ECONOMIC_BUYER = "Economic Buyer"
    ECONOMIC_DECISION_MAKER = "Economic Decision Maker"
    EVALUATOR = "Evaluator"
    EXECUTIVE_SPONSOR = "Executive Sponsor"
    INFLUENCER = "Influencer"
    TECHNICAL_BUYER = "Technical Buyer"
    OTHER = "Other"

    @classmethod
    def parse(cls, value: str | DecisionRole, field: str = "decision_role") -> DecisionRole:
        if isinstance(value, DecisionRole):
            return value
        if not isinstance(field, str) or not field:
            field = "decision_role"
        if isinstance(value, str):
            text = clean_single_line(value, field, max_length=80)
            found = _ROLE_KEYS.get(match_key(text.replace("_", " ").replace("-", " ")))
            if found is not None:
                return found
        allowed = ", ".join(r.value for r in cls)
        raise InvalidValueError(
            f"unknown decision role; use one of {allowed}", field=field, value=value
        )

    @property
    def decides(self) -> bool:
        """Whether the role makes or signs off the decision."""
        return self in _DECIDING


_ROLE_KEYS = {match_key(r.value): r for r in DecisionRole}
_DECIDING = frozenset(
    {
        DecisionRole.DECISION_MAKER,
        DecisionRole.ECONOMIC_BUYER,
        DecisionRole.ECONOMIC_DECISION_MAKER,
        DecisionRole.EXECUTIVE_SPONSOR,
    }
)
