"""The one protocol every rule is written against, structural or configurable."""

from __future__ import annotations

from typing import Protocol, TypeVar, runtime_checkable

from contactgraph.errors import PolicyViolationError, Severity, Violation

__all__ = ["Policy", "Severity", "Violation", "raise_for_errors"]

S_contra = TypeVar("S_contra", contravariant=True)


@runtime_checkable
class Policy(Protocol[S_contra]):
    """A rule that checks a subject and reports what it finds.

    Attributes:
        name: Stable name, used to add, remove or configure the rule.
        severity: Whether what it finds blocks (error) or only reports (warning).
    """

    @property
    def name(self) -> str: ...

    @property
    def severity(self) -> Severity: ...

    def check(self, subject: S_contra, /) -> list[Violation]:
        """Every violation of the rule in ``subject`` (empty when it holds)."""
        ...


def raise_for_errors(violations: list[Violation], summary: str | None = None) -> None:
    """Raise :class:`~contactgraph.errors.PolicyViolationError` if any violation is an error."""

    if any(v.is_error for v in violations):
        raise PolicyViolationError(violations, summary)
