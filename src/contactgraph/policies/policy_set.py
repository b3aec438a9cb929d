"""Policy sets: rules composed, configured and run together."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Generic, TypeVar

import attrs

from contactgraph.domain import Policy
from contactgraph.errors import (
    InvalidValueError,
    NotFoundError,
    PolicyViolationError,
    Severity,
    Violation,
)

__all__ = ["PolicySet"]

S = TypeVar("S")


def _as_tuple(policies: Iterable[Policy[Any]]) -> tuple[Policy[Any], ...]:
    if isinstance(policies, str | bytes) or not isinstance(policies, Iterable):
        raise InvalidValueError("must be a list of policies", field="policies", value=policies)
    return tuple(_policy(p) for p in policies)


def _policy(policy: Any) -> Policy[Any]:
    """``policy`` if it has the Policy protocol's shape (a text name, a severity, a check)."""
    if not (
        isinstance(getattr(policy, "name", None), str)
        and isinstance(getattr(policy, "severity", None), Severity)
        and callable(getattr(policy, "check", None))
    ):
        raise InvalidValueError(
            "must be a policy (a name, a severity and a check)", field="policies", value=policy
        )
    return policy  # type: ignore[no-any-return]


@attrs.frozen
class PolicySet(Generic[S]):
    """An ordered set of policies with unique names; immutable like everything else.

    Attributes:
        policies: The policies, run in order.
    """

    policies: tuple[Policy[S], ...] = attrs.field(default=(), converter=_as_tuple)

    def __attrs_post_init__(self) -> None:
        names = [p.name for p in self.policies]
        doubles = sorted({n for n in names if names.count(n) > 1})
        if doubles:
            raise ValueError(f"policy names must be unique in a set: {doubles}")

    def check(self, subject: S) -> list[Violation]:
        """Every violation found by every policy, errors first, in policy order."""
        found = [v for p in self.policies for v in p.check(subject)]
        return sorted(found, key=lambda v: v.severity is not Severity.ERROR)

    def enforce(self, subject: S, summary: str | None = None) -> list[Violation]:
        """Like :meth:`check`, but raise :class:`PolicyViolationError` on any error.

        Returns the warnings when there is no error.
        """
        found = self.check(subject)
        if any(v.is_error for v in found):
            raise PolicyViolationError(found, summary)
        return found

    def add(self, *policies: Policy[S]) -> PolicySet[S]:
        """A set with ``policies`` added (one with the same name is replaced in place)."""
        by_name = {p.name: p for p in self.policies}
        for policy in _as_tuple(policies):
            by_name[policy.name] = policy
        return PolicySet(tuple(by_name.values()))

    def remove(self, *names: str) -> PolicySet[S]:
        """A set without the named policies."""
        for name in names:
            if not isinstance(name, str):
                raise InvalidValueError("must be a policy name", field="names", value=name)
        missing = set(names) - set(self.names)
        if missing:
            raise NotFoundError("Policy", sorted(missing)[0])
        return PolicySet(tuple(p for p in self.policies if p.name not in names))

    def configure(self, name: str, **changes: Any) -> PolicySet[S]:
        """A set where the named policy has ``changes`` (``severity``, ``region``…)."""
        try:
            changed = attrs.evolve(self[name], **changes)  # type: ignore[misc]
        except TypeError as exc:
            raise InvalidValueError(
                f"not a setting of policy {name!r}: {exc}", field="changes", value=changes
            ) from None
        return PolicySet(tuple(changed if p.name == name else p for p in self.policies))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.policies)

    def __getitem__(self, name: str) -> Policy[S]:
        for policy in self.policies:
            if policy.name == name:
                return policy
        raise NotFoundError("Policy", name)

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __iter__(self) -> Iterator[Policy[S]]:
        return iter(self.policies)

    def __len__(self) -> int:
        return len(self.policies)

    @classmethod
    def of(cls, policies: Iterable[Policy[S]]) -> PolicySet[S]:
        return cls(_as_tuple(policies))
