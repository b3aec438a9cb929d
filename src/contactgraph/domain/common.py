"""Small things every entity of the domain shares: the clock, the empty map, custom-field values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import immutables

from contactgraph.errors import InvalidValueError

__all__ = ["EMPTY_MAP", "ExtraValue", "expect", "expect_version", "utcnow"]

ExtraValue = str | int | float | bool | None
"""What a custom (extra) field may hold: JSON scalars (bounded; see :mod:`~contactgraph.domain.fields`)."""

EMPTY_MAP: immutables.Map[str, Any] = immutables.Map()


def utcnow() -> datetime:
    """The current time in UTC, to the microsecond (the stores keep microseconds)."""
    return datetime.now(UTC)


def expect(value: Any, types: type | tuple[type, ...], field: str, what: str) -> Any:
    """``value`` if it is an instance of ``types`` (never a bool passed for an int).

    The type check every public domain function makes at its boundary.

    Raises:
        InvalidValueError: naming ``field``: ``"must be <what>"``.
    """
    wanted = types if isinstance(types, tuple) else (types,)
    if isinstance(value, wanted) and not (isinstance(value, bool) and bool not in wanted):
        return value
    raise InvalidValueError(f"must be {what}", field=field, value=value)


def expect_version(version: Any) -> int:
    """A stored version: a whole number from 0 up (stores hand it to ``committed``)."""
    number: int = expect(version, int, "version", "a whole number")
    if not 0 <= number <= 2**63 - 1:
        raise InvalidValueError("must be between 0 and 2**63 - 1", field="version", value=version)
    return number
