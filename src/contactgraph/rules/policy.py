"""Duplicate rules: what a store does when a write creates a likely duplicate.

:class:`DuplicateRule` is one choice (allow, alert, block); :class:`DuplicateRules`
sets one for contacts and one for accounts, with the score that counts as a
duplicate and how candidates are judged. :class:`DuplicateWarning` is the alert.
"""

from __future__ import annotations

import enum
from typing import Literal

import attrs

from contactgraph.errors import InvalidValueError, PolicyViolationError, Violation
from contactgraph.repos.checks import SaveWarning

__all__ = [
    "DEFAULT_RULE_THRESHOLD",
    "DuplicateBlockedError",
    "DuplicateCandidate",
    "DuplicateRule",
    "DuplicateRules",
    "DuplicateWarning",
]

DEFAULT_RULE_THRESHOLD = 0.95
"""Candidates at least this likely to be the same record are reported (fixed weights)."""


class DuplicateRule(enum.StrEnum):
    """What a write that creates a likely duplicate does."""

    allow = "allow"
    """Nothing is checked (the default)."""
    alert = "alert"
    """The write lands; a :class:`DuplicateWarning` names the likely duplicates."""
    block = "block"
    """The write is refused (:class:`~contactgraph.errors.PolicyViolationError`)."""

    @classmethod
    def parse(cls, value: object, field: str = "duplicates") -> DuplicateRule:
        if isinstance(value, DuplicateRule):
            return value
        if isinstance(value, str) and value.strip().lower() in cls.__members__:
            return cls(value.strip().lower())
        raise InvalidValueError("use 'allow', 'alert' or 'block'", field=field, value=value)


def _rule(value: object) -> DuplicateRule:
    return DuplicateRule.parse(value)


def _threshold(_instance: object, _attribute: object, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise InvalidValueError(
            "threshold must be a number above 0 and at most 1", field="threshold", value=value
        )


def _matcher(_instance: object, _attribute: object, value: object) -> None:
    if value not in ("scored", "exact"):
        raise InvalidValueError("matcher is 'scored' or 'exact'", field="matcher", value=value)


@attrs.frozen(kw_only=True)
class DuplicateRules:
    """The duplicate rules of one store.

    Attributes:
        contacts: What adding or changing a contact that looks like another does.
        accounts: The same for accounts.
        threshold: The score from which a candidate counts as a duplicate
            (``matcher="scored"``; exact matches score 1).
        matcher: ``"scored"`` (the default) weighs names, nicknames, typos,
            emails, phones, birthdate, address and account with
            :mod:`contactgraph.matching`'s comparisons and fixed weights; it
            needs the ``contactgraph[duplicates]`` extra and the store refuses
            to open without it. ``"exact"`` needs nothing: a contact with the
            same email or phone, or the same full name in the same account; an
            account with the same name (case and accents aside) whose website
            and phone do not differ, or a shared external id.
    """

    contacts: DuplicateRule = attrs.field(default=DuplicateRule.allow, converter=_rule)
    accounts: DuplicateRule = attrs.field(default=DuplicateRule.allow, converter=_rule)
    threshold: float = attrs.field(default=DEFAULT_RULE_THRESHOLD, validator=_threshold)
    matcher: Literal["scored", "exact"] = attrs.field(default="scored", validator=_matcher)

    @classmethod
    def of(cls, value: DuplicateRules | DuplicateRule | str | None) -> DuplicateRules:
        """``value`` as rules: one rule applies to contacts and accounts alike; ``None`` allows."""
        if value is None:
            return cls()
        if isinstance(value, DuplicateRules):
            return value
        rule = DuplicateRule.parse(value)
        return cls(contacts=rule, accounts=rule)

    @property
    def checks_anything(self) -> bool:
        """Whether any write is checked (some rule is not ``allow``)."""
        return DuplicateRule.allow is not self.contacts or DuplicateRule.allow is not self.accounts


@attrs.frozen
class DuplicateCandidate:
    """A stored record that the new or changed one looks like.

    Attributes:
        id: The stored contact's (or account's) id.
        label: Its name, for people.
        score: How likely the two are one record, 0 to 1.
        reasons: The evidence, strongest first (``"email: same address"``…).
    """

    id: str
    label: str
    score: float
    reasons: tuple[str, ...] = ()

    def __str__(self) -> str:
        why = ", ".join(self.reasons[:3])
        return f"{self.label} ({self.id}, {self.score:.3f}{': ' + why if why else ''})"


class DuplicateWarning(SaveWarning):
    """An alert: a contact or account was written although it looks like stored ones.

    Attributes:
        kind: ``"contact"`` or ``"account"``.
        record_id: The new or changed record.
        label: Its name.
        candidates: The likely duplicates, strongest first.
    """

    def __init__(
        self, kind: str, record_id: str, label: str, candidates: tuple[DuplicateCandidate, ...]
    ) -> None:
        super().__init__(
            f"{kind} {label} ({record_id}) looks like " + "; ".join(str(c) for c in candidates),
            record_id,
        )
        self.kind = kind
        self.label = label
        self.candidates = candidates

    @property
    def ids(self) -> tuple[str, ...]:
        """The candidates' ids."""
        return tuple(c.id for c in self.candidates)


class DuplicateBlockedError(PolicyViolationError):
    """A ``block`` rule refused a write: the violations, and the alerts behind them.

    Attributes:
        alerts: Per refused record, the stored records it looks like (for a
            face that links to them: the HTTP API's problem document lists them).
    """

    def __init__(
        self,
        violations: tuple[Violation, ...] | list[Violation],
        summary: str,
        alerts: tuple[DuplicateWarning, ...] | list[DuplicateWarning],
    ) -> None:
        super().__init__(violations, summary)
        self.alerts = tuple(alerts)
