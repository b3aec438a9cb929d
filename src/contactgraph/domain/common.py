"""Small things every entity of the domain shares: the clock, the empty map, custom-field values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import immutables

__all__ = ["EMPTY_MAP", "ExtraValue", "utcnow"]

ExtraValue = str | int | float | bool | None
"""What a custom (extra) field may hold: JSON scalars (bounded; see :mod:`~contactgraph.domain.fields`)."""

EMPTY_MAP: immutables.Map[str, Any] = immutables.Map()


def utcnow() -> datetime:
    """The current time in UTC, to the microsecond (the stores keep microseconds)."""
    return datetime.now(UTC)
