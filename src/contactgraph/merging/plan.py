"""The merge plan: which value wins per field, and every related record that moves.

Values are compared and kept in the documented JSON shape
(:mod:`contactgraph.interop.json`): an email is its address, a phone its
E.164 text, an address a dict. That is what the plan shows and what the
merge record keeps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

import attrs

from contactgraph.errors import InvalidValueError

__all__ = [
    "FieldChoice",
    "MergePlan",
    "Move",
    "choose",
    "dedupe",
    "three_way",
]

MergeKind = Literal["contacts", "accounts"]

Plain = Any
"""A value in the documented JSON shape."""


@attrs.frozen(slots=True)
class FieldChoice:
    """The value one field of the survivor takes.

    Attributes:
        field: The field (``email``, ``first_name``, ``parent_id``…).
        value: The value it takes (JSON shape).
        source: The record it comes from (the survivor or a loser), ``None``
            when the caller gave the value or it combines every record's.
        how: ``"survivor"``, ``"loser"``, ``"given"`` or ``"combined"``.
        before: The survivor's value before the merge.
    """

    field: str
    value: Plain
    source: str | None
    how: str
    before: Plain

    @property
    def changed(self) -> bool:
        return bool(self.value != self.before)

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "value": self.value,
            "source": self.source,
            "how": self.how,
            "before": self.before,
        }


@attrs.frozen(slots=True)
class Move:
    """A related record the merge re-points.

    Attributes:
        kind: ``opportunity_role``, ``case``, ``relation``, ``reports_to``
            (a contact whose manager was a loser), ``contact``, ``opportunity``
            or ``child_account`` (account merges).
        record_id: The record that moves.
        from_id: The loser it referred to.
        to_id: The survivor it will refer to; ``None`` when the link is cut.
        note: What else happens to it, for people.
    """

    kind: str
    record_id: str
    from_id: str
    to_id: str | None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen(slots=True)
class MergePlan:
    """What a merge will do (a dry run returns it; the merge record keeps it).

    Attributes:
        kind: ``"contacts"`` or ``"accounts"``.
        survivor_id: The record that stays.
        loser_ids: The records merged into it and removed, in the order given.
        fields: Per field, the value the survivor takes and where it comes from.
        moves: Every related record re-pointed to the survivor (or cut).
        notes: What a person should know (accounts that differ, links cut…).
    """

    kind: MergeKind
    survivor_id: str
    loser_ids: tuple[str, ...]
    fields: tuple[FieldChoice, ...]
    moves: tuple[Move, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def changes(self) -> tuple[FieldChoice, ...]:
        """The fields whose value changes on the survivor."""
        return tuple(f for f in self.fields if f.changed)

    def field(self, name: str) -> FieldChoice:
        """The choice for one field. Raises InvalidValueError."""
        for choice in self.fields:
            if choice.field == name:
                return choice
        raise InvalidValueError("not a field of this merge", field="field", value=name)

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-ready data (the CLI's ``--json``)."""
        return {
            "kind": self.kind,
            "survivor_id": self.survivor_id,
            "loser_ids": list(self.loser_ids),
            "fields": [f.to_dict() for f in self.fields],
            "moves": [m.to_dict() for m in self.moves],
            "notes": list(self.notes),
        }

    def __str__(self) -> str:
        head = f"merge {self.kind}: {', '.join(self.loser_ids)} into {self.survivor_id}"
        lines = [head]
        for c in self.changes:
            lines.append(f"  {c.field}: {c.before!r} -> {c.value!r} ({c.how} {c.source or ''})")
        for m in self.moves:
            to = m.to_id if m.to_id is not None else "(cut)"
            lines.append(f"  {m.kind} {m.record_id}: {m.from_id} -> {to} {m.note}".rstrip())
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


def _empty(value: Plain) -> bool:
    return value is None or value in ("", [], {})


def dedupe(
    values: Iterable[Plain], drop: Iterable[Plain] = (), key: Callable[[Any], Any] = lambda v: v
) -> list[Plain]:
    """``values`` without repeats (first kept, compared by ``key``), nulls and ``drop``, in order."""
    seen = {key(v) for v in drop if v is not None}
    out = []
    for value in values:
        if value is None or key(value) in seen:
            continue
        seen.add(key(value))
        out.append(value)
    return out


def choose(
    field: str,
    records: Sequence[tuple[str, Mapping[str, Plain]]],
    take: Mapping[str, Plain],
    *,
    eligible: Any = None,
) -> FieldChoice:
    """The value ``field`` takes: the caller's choice, else the survivor's, else the first
    non-empty loser's (``records`` lists the survivor first, then the losers in order).

    ``eligible(value)`` may refuse a value (a manager in another account…);
    a refused value counts as empty. ``take[field]`` names a record (its value
    wins even when empty) or, already in JSON shape, the value itself.
    """
    before = records[0][1].get(field)
    ids = [rid for rid, _ in records]
    ok = eligible or (lambda _v: True)
    if field in take:
        wanted = take[field]
        if isinstance(wanted, str) and wanted in ids:
            value = dict(records)[wanted].get(field)
            if not _empty(value) and not ok(value):
                raise InvalidValueError(
                    f"{wanted}'s {field} cannot be kept by the survivor", field=field, value=value
                )
            how = "survivor" if wanted == ids[0] else "loser"
            return FieldChoice(field, value, wanted, how, before)
        return FieldChoice(field, wanted, None, "given", before)
    for index, (rid, data) in enumerate(records):
        value = data.get(field)
        if not _empty(value) and ok(value):
            return FieldChoice(field, value, rid, "survivor" if index == 0 else "loser", before)
    fallback = before if _empty(before) or ok(before) else None
    return FieldChoice(field, fallback, ids[0], "survivor", before)


def three_way(before: Plain, after: Plain, current: Plain) -> Plain:
    """What undoing a change from ``before`` to ``after`` gives, now that the value is ``current``.

    A value the merge set and nobody changed since goes back; a value changed
    since keeps its later value. Lists put back the items the merge removed
    and drop the ones it added, keeping the items added since; dicts (external
    ids, custom fields, an address) do the same key by key.
    """
    if current == after:
        return before
    if isinstance(current, list) and isinstance(before, list) and isinstance(after, list):
        added = [v for v in after if v not in before]
        removed = [v for v in before if v not in after]
        kept = [v for v in current if v not in added]
        return kept + [v for v in removed if v not in kept]
    if isinstance(current, dict) and isinstance(before, dict) and isinstance(after, dict):
        out: dict[str, Plain] = {}
        for key in dict.fromkeys([*before, *after, *current]):
            value = three_way(
                before.get(key, _ABSENT), after.get(key, _ABSENT), current.get(key, _ABSENT)
            )
            if value is not _ABSENT:  # a key the merge added, untouched since, goes
                out[key] = value
        return out
    return current


_ABSENT: Any = object()
"""A dict key that is not there (unlike one holding ``None``)."""
