"""Relations a merge ends because they would tie a contact to its own account, and their undo.

:func:`~contactgraph.graph.moves.move_contact` ends a contact's active relation
to the account it joins; a merge that brings a contact and an account together
(an account merge, a contact merge across accounts) does the same, and keeps
what the relation was so its undo can make it active again.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs

from contactgraph.domain import AccountContactRelation

__all__ = ["OWN_NOTE", "end_relation", "reopen_relation"]

OWN_NOTE = "now a relation of a contact to its own account"
"""The plan's note on such a relation; an active one's note starts ``ends: ``."""


def end_relation(rel: AccountContactRelation, day: date) -> tuple[AccountContactRelation, Any]:
    """``rel`` ended on ``day`` (or on its start, when later), and what the record keeps."""
    ended = rel.end(max(day, rel.start_date or day))
    kept = {
        "is_active": rel.is_active,
        "end_date": _day(rel.end_date),
        "ended_on": _day(ended.end_date),
    }
    return ended, kept


def reopen_relation(
    rel: AccountContactRelation, kept: Any, owner: str | None
) -> AccountContactRelation | None:
    """``rel`` as it was before the merge ended it, or ``None`` when it changed since (it
    was made active again, or given another end date: the later change wins) or its
    contact belongs to its account after the undo (``owner``: it stayed, or a later
    contact merge re-pointed the relation to one of the account's own people)."""
    if rel.is_active or _day(rel.end_date) != kept["ended_on"] or owner == rel.account_id:
        return None
    end = None if kept["end_date"] is None else date.fromisoformat(kept["end_date"])
    return attrs.evolve(rel, is_active=kept["is_active"], end_date=end)


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
