"""Merge records: what a merge of contacts or accounts did, kept to undo it and to account for it.

Storage only. A record's ``body`` is JSON text written above storage (by
:mod:`contactgraph.merging`, in the documented JSON shape of
:mod:`contactgraph.interop.json`); this layer keeps it as text and knows one
thing about it, so that it can forget a person without understanding the
rest: **a person's personal data sits only under** ``body["people"][contact_id]``.
``people`` lists the contacts whose data the body holds.

:meth:`MergeRecords.forget` replaces those entries with ``{"forgotten": true}``
in every record that holds the person, and empties ``people``; what is not
personal (ids, the plan's field names, when, the accounts) stays. A record
that lost a person's data can no longer restore that person.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any, Literal, Protocol

import attrs

from contactgraph.errors import InvalidValueError, NotFoundError
from contactgraph.repos.keys import is_storable, valid_id

__all__ = ["FORGOTTEN", "MergeRecords", "MergeStorage", "StandIn", "StoredMerge", "scrub_body"]

MergeKind = Literal["contacts", "accounts"]

StandIn = tuple[str, str, str]
"""``(contact, the contact standing in for it, the account the merged one belonged to)``."""

FORGOTTEN: dict[str, Any] = {"forgotten": True}
"""What stands in a body for a person whose data was forgotten."""


@attrs.frozen(slots=True, kw_only=True)
class StoredMerge:
    """One merge as storage keeps it.

    Attributes:
        id: The merge's id.
        kind: ``"contacts"`` or ``"accounts"``.
        survivor_id: The record the others were merged into.
        loser_ids: The records merged into it (and removed), in the order given.
        people: Contact ids whose personal data the body holds.
        merged_at: When (UTC).
        actor: Who merged, when known.
        unmerged_at: When the merge was undone, if it was.
        body: JSON object text: the plan and the losers' prior state and links.
    """

    id: str
    kind: MergeKind
    survivor_id: str
    loser_ids: tuple[str, ...]
    people: tuple[str, ...]
    merged_at: datetime
    actor: str | None = None
    unmerged_at: datetime | None = None
    body: str = "{}"


class MergeStorage(Protocol):
    """What a backend implements for merge records (one tenant, one session)."""

    def insert(self, merge: StoredMerge) -> None:
        """Store a new record; ``id.duplicate`` (PolicyViolationError) if the id exists."""
        ...

    def load(self, merge_id: str) -> StoredMerge | None: ...

    def update(self, merge: StoredMerge) -> None:
        """Replace the stored record of the same id (it exists)."""
        ...

    def involving(self, record_id: str | None) -> list[StoredMerge]:
        """Records whose survivor or a loser is ``record_id`` (all when ``None``), by
        ``merged_at`` then id."""
        ...

    def with_person(self, contact_id: str) -> list[StoredMerge]:
        """Records whose ``people`` hold ``contact_id``."""
        ...

    def count(self) -> int: ...


def scrub_body(body: str) -> str:
    """``body`` with every entry of ``people`` replaced by :data:`FORGOTTEN`."""
    data = json.loads(body)
    people = data.get("people") if isinstance(data, dict) else None
    if isinstance(people, dict):
        for key in people:
            people[key] = dict(FORGOTTEN)
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


class _Access(Protocol):
    def _writing(self) -> Any: ...
    def _read(self, fn: Any) -> Any: ...


class MergeRecords:
    """The merge records of a store: ``store.merges``.

    Written by :meth:`contactgraph.Store.merge_contacts` and friends inside
    their transaction; read to list and to undo merges.
    """

    def __init__(self, store: _Access) -> None:
        self._store = store

    def add(self, merge: StoredMerge, *, stand_ins: Iterable[StandIn] = ()) -> StoredMerge:
        """Store a new record (inside the merge's transaction).

        ``stand_ins``: ``(loser, survivor, the loser's account)`` for each loser of a
        contact merge, noted in the transaction for its integrity checks
        (:meth:`~contactgraph.repos.integrity.Changes.note_stand_in`).
        """
        _check(merge)
        noted = _stand_ins(stand_ins)
        with self._store._writing() as (session, changes):
            session.merges.insert(merge)
            for contact_id, stand_in, account_id in noted:
                changes.note_stand_in(contact_id, stand_in, account_id)
        return merge

    def get(self, merge_id: str) -> StoredMerge:
        """The record. Raises NotFoundError."""
        found = self._store._read(lambda s: s.merges.load(merge_id) if _known(merge_id) else None)
        if found is None:
            raise NotFoundError("Merge", merge_id)
        stored: StoredMerge = found
        return stored

    def save(self, merge: StoredMerge, *, stand_ins: Iterable[StandIn] = ()) -> StoredMerge:
        """Replace a stored record (marking it undone, scrubbing it). Raises NotFoundError.

        ``stand_ins``, when an undo marks the record: ``(survivor, loser, the loser's
        account)`` for each loser put back (see :meth:`add`).
        """
        _check(merge)
        noted = _stand_ins(stand_ins)
        with self._store._writing() as (session, changes):
            if session.merges.load(merge.id) is None:
                raise NotFoundError("Merge", merge.id)
            session.merges.update(merge)
            for contact_id, stand_in, account_id in noted:
                changes.note_stand_in(contact_id, stand_in, account_id)
        return merge

    def list(self, *, record_id: str | None = None) -> list[StoredMerge]:
        """Every record, oldest first; ``record_id``: those it survived or lost in."""
        if record_id is not None and not isinstance(record_id, str):
            raise InvalidValueError("an id is text", field="record_id", value=record_id)
        if record_id is not None and not _known(record_id):
            return []
        found: list[StoredMerge] = self._store._read(lambda s: s.merges.involving(record_id))
        return found

    def count(self) -> int:
        found: int = self._store._read(lambda s: s.merges.count())
        return found

    def forget(self, contact_id: str) -> int:
        """Scrub ``contact_id``'s personal data from every merge record; how many changed.

        The hook "forget a person" calls. A contact merge joined records of
        one person, so every person entry of a record naming ``contact_id``
        (survivor or loser) is scrubbed: the survivor's values hold the
        losers' emails and phones. Ids, field names, dates and the accounts
        stay; the values and prior states become ``{"forgotten": true}``, and
        such a record can no longer be undone.
        """
        if not isinstance(contact_id, str):
            raise InvalidValueError("a contact id is text", field="contact_id", value=contact_id)
        if not _known(contact_id):
            return 0
        changed = 0
        with self._store._writing() as (session, _changes):
            for merge in session.merges.with_person(contact_id):
                session.merges.update(
                    attrs.evolve(
                        merge,
                        body=scrub_body(merge.body),
                        people=(),
                    )
                )
                changed += 1
        return changed


def _stand_ins(given: object) -> list[StandIn]:
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        raise InvalidValueError("(contact, stand-in, account) ids", field="stand_ins", value=given)
    out = list(given)
    for item in out:
        if not (isinstance(item, tuple) and len(item) == 3 and all(valid_id(i) for i in item)):
            raise InvalidValueError(
                "(contact, stand-in, account) ids", field="stand_ins", value=item
            )
    return out


def _known(value: object) -> bool:
    return isinstance(value, str) and is_storable(value)


def _check(merge: object) -> None:
    if not isinstance(merge, StoredMerge):
        raise InvalidValueError("must be StoredMerge", field="merge", value=type(merge).__name__)
    ids: Collection[str] = (merge.id, merge.survivor_id, *merge.loser_ids, *merge.people)
    for value in ids:
        if not valid_id(value):
            raise InvalidValueError("not a valid id", field="merge", value=value)
    if merge.kind not in ("contacts", "accounts"):
        raise InvalidValueError("contacts or accounts", field="kind", value=merge.kind)
    try:
        json.loads(merge.body)
    except ValueError:
        raise InvalidValueError("body must be JSON text", field="body") from None
