"""Ids: random UUIDs kept as text, stable for the life of a record."""

from __future__ import annotations

import uuid

__all__ = ["new_id"]


def new_id() -> str:
    """A new random id (UUID 4, as text)."""
    return str(uuid.uuid4())
