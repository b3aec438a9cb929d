"""The merge record as callers see it, and the store a merge needs.

The body kept by :class:`~contactgraph.repos.merges.StoredMerge` is JSON::

    {
      "plan":   {...},               # MergePlan.to_dict(); for contacts without values
      "links":  {...},               # what was re-pointed, ids only
      "people": {contact_id: {...}}  # personal data: only here (contact merges)
      "accounts": {...}              # account merges: the accounts' prior fields
    }

For a contact merge, ``people[loser]`` holds ``{"contact": <the loser as it
was>}`` and ``people[survivor]`` ``{"before": ..., "after": ..., "fields": [...]}``
(the survivor as it was and as the merge left it, and the plan's values).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, Protocol, TypeVar

import attrs

from contactgraph.domain.common import utcnow
from contactgraph.domain.ids import new_id
from contactgraph.errors import InvalidValueError, PolicyViolationError, Violation
from contactgraph.repos.checks import rearranging
from contactgraph.repos.keys import is_storable
from contactgraph.repos.merges import MergeRecords, StandIn, StoredMerge
from contactgraph.repos.protocol import StoreProtocol

__all__ = ["MergeRecord", "MergeStore", "check_actor", "refuse", "run_merge"]


class MergeStore(StoreProtocol, Protocol):
    """The store protocol with merge records (what :class:`contactgraph.Store` is)."""

    @property
    def merges(self) -> MergeRecords: ...


@attrs.frozen(slots=True, kw_only=True)
class MergeRecord:
    """A merge that happened: what :meth:`contactgraph.Store.merge_contacts` returns.

    Attributes:
        id: The merge's id (give it to ``store.unmerge``).
        kind: ``"contacts"`` or ``"accounts"``.
        survivor_id: The record the others were merged into.
        loser_ids: The records merged into it and removed.
        merged_at: When (UTC).
        actor: Who, when the caller said.
        unmerged_at: When it was undone, if it was.
        plan: The plan as recorded (JSON-ready; see :class:`~contactgraph.merging.MergePlan`).
    """

    id: str
    kind: str
    survivor_id: str
    loser_ids: tuple[str, ...]
    merged_at: datetime
    actor: str | None = None
    unmerged_at: datetime | None = None
    plan: dict[str, Any] = attrs.field(factory=dict)

    @property
    def undone(self) -> bool:
        return self.unmerged_at is not None

    @classmethod
    def of(cls, stored: StoredMerge) -> MergeRecord:
        body = json.loads(stored.body)
        return cls(
            id=stored.id,
            kind=stored.kind,
            survivor_id=stored.survivor_id,
            loser_ids=stored.loser_ids,
            merged_at=stored.merged_at,
            actor=stored.actor,
            unmerged_at=stored.unmerged_at,
            plan=body.get("plan", {}),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "survivor_id": self.survivor_id,
            "loser_ids": list(self.loser_ids),
            "merged_at": self.merged_at.isoformat(),
            "actor": self.actor,
            "unmerged_at": None if self.unmerged_at is None else self.unmerged_at.isoformat(),
            "plan": self.plan,
        }


def check_actor(actor: object) -> str | None:
    """Who merges: ``None`` or a line of text (at most 200 characters)."""
    if actor is None:
        return None
    if (
        not isinstance(actor, str)
        or not actor.strip()
        or len(actor) > 200
        or not is_storable(actor)
    ):
        raise InvalidValueError("an actor is a line of text", field="actor", value=actor)
    return actor


def refuse(code: str, message: str, field: str, entity_id: str | None) -> PolicyViolationError:
    """The error a refused merge or unmerge raises (nothing is written)."""
    return PolicyViolationError(
        [Violation(code, message, field, entity_id, policy="merge")], "merge refused"
    )


def dumps(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, default=str)


class _Planned(Protocol):
    @property
    def plan(self) -> Any: ...

    @property
    def stand_ins(self) -> tuple[StandIn, ...]:
        """``(loser, survivor, the loser's account)``: noted for the integrity checks."""
        ...


P = TypeVar("P", bound=_Planned)


def run_merge(
    kind: Literal["contacts", "accounts"],
    prepare: Callable[[MergeStore, str, Sequence[str], Mapping[str, Any]], P],
    write: Callable[[MergeStore, P], tuple[tuple[str, ...], dict[str, Any]]],
    store: MergeStore,
    request: tuple[str, Sequence[str], Mapping[str, Any] | None, object],
) -> MergeRecord:
    """The frame every merge shares. ``request`` is the caller's ``(survivor_id,
    loser_ids, take, actor)``: the actor is checked, then in one transaction
    ``prepare`` checks the ids, locks and plans, ``write`` makes the changes
    (giving the people and the body the record keeps) and the record is stored."""
    survivor_id, loser_ids, take, actor = request
    checked = check_actor(actor)
    with store.transaction(), rearranging():  # the contacts it moves are not new people
        prepared = prepare(store, survivor_id, loser_ids, take or {})
        people, body = write(store, prepared)
        plan = prepared.plan
        stored = StoredMerge(
            id=new_id(),
            kind=kind,
            survivor_id=plan.survivor_id,
            loser_ids=plan.loser_ids,
            people=people,
            merged_at=utcnow(),
            actor=checked,
            body=dumps(body),
        )
        store.merges.add(stored, stand_ins=prepared.stand_ins)
    return MergeRecord.of(stored)
