"""Merge records in SQL: one row per merge in ``merges`` (see :mod:`contactgraph.repos.merges`)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from contactgraph.repos.keys import from_micros, to_micros
from contactgraph.repos.merges import StoredMerge
from contactgraph.repos.schema import merges as M
from contactgraph.repos.sql.errors import duplicate, translated
from contactgraph.repos.sql.storage import Part

__all__ = ["SqlMerges"]

_ORDER = (M.c.merged_at, M.c.id)


def _values(tenant: str, merge: StoredMerge) -> dict[str, Any]:
    return {
        "tenant": tenant,
        "id": merge.id,
        "kind": merge.kind,
        "survivor_id": merge.survivor_id,
        "loser_ids": json.dumps(list(merge.loser_ids)),
        "people": json.dumps(list(merge.people)),
        "merged_at": to_micros(merge.merged_at),
        "actor": merge.actor,
        "unmerged_at": None if merge.unmerged_at is None else to_micros(merge.unmerged_at),
        "body": merge.body,
    }


def _build(row: Any) -> StoredMerge:
    return StoredMerge(
        id=row.id,
        kind=row.kind,
        survivor_id=row.survivor_id,
        loser_ids=tuple(json.loads(row.loser_ids)),
        people=tuple(json.loads(row.people)),
        merged_at=from_micros(row.merged_at),
        actor=row.actor,
        unmerged_at=None if row.unmerged_at is None else from_micros(row.unmerged_at),
        body=row.body,
    )


def _like(value: str) -> str:
    """A LIKE pattern finding ``value`` as an item of a JSON list (escape character ``!``)."""
    quoted = json.dumps(value)
    return "%" + quoted.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"


@translated
class SqlMerges(Part):
    """The ``merges`` rows of one tenant, through one session's connection."""

    def _select(self) -> Any:
        return sa.select(M).where(M.c.tenant == self._tenant)

    def insert(self, merge: StoredMerge) -> None:
        if self.load(merge.id) is not None:
            raise duplicate(f"a merge with id {merge.id} exists", merge.id)
        try:
            self._conn.execute(sa.insert(M), [_values(self._tenant, merge)])
        except IntegrityError:  # pragma: no cover - a concurrent insert of the same id
            raise duplicate(f"a merge with id {merge.id} exists", merge.id) from None

    def load(self, merge_id: str) -> StoredMerge | None:
        row = self._conn.execute(self._select().where(M.c.id == merge_id)).first()
        return None if row is None else _build(row)

    def update(self, merge: StoredMerge) -> None:
        values = _values(self._tenant, merge)
        del values["tenant"], values["id"]
        self._conn.execute(
            sa.update(M).where(M.c.tenant == self._tenant, M.c.id == merge.id).values(**values)
        )

    def involving(self, record_id: str | None) -> list[StoredMerge]:
        stmt = self._select()
        if record_id is not None:
            stmt = stmt.where(
                sa.or_(
                    M.c.survivor_id == record_id,
                    M.c.loser_ids.like(_like(record_id), escape="!"),
                )
            )
        found = [_build(r) for r in self._conn.execute(stmt.order_by(*_ORDER))]
        if record_id is None:
            return found
        return [m for m in found if record_id == m.survivor_id or record_id in m.loser_ids]

    def with_person(self, contact_id: str) -> list[StoredMerge]:
        stmt = self._select().where(M.c.people.like(_like(contact_id), escape="!"))
        found = [_build(r) for r in self._conn.execute(stmt.order_by(*_ORDER))]
        return [m for m in found if contact_id in m.people]

    def count(self) -> int:
        stmt = sa.select(sa.func.count()).select_from(M).where(M.c.tenant == self._tenant)
        return int(self._conn.execute(stmt).scalar_one())
