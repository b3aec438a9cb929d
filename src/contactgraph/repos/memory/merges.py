"""Merge records in memory: one map in the tenant's snapshot (see :mod:`contactgraph.repos.merges`)."""

from __future__ import annotations

import attrs

from contactgraph.repos.memory.tables import Part, duplicate
from contactgraph.repos.merges import StoredMerge

__all__ = ["MemoryMerges"]


class MemoryMerges(Part):
    """The merge records of one tenant, in the session's working snapshot."""

    def insert(self, merge: StoredMerge) -> None:
        if merge.id in self._t.merge_records:
            raise duplicate(f"a merge with id {merge.id} exists", merge.id)
        self._put(merge)

    def load(self, merge_id: str) -> StoredMerge | None:
        found: StoredMerge | None = self._t.merge_records.get(merge_id)
        return found

    def update(self, merge: StoredMerge) -> None:
        self._put(merge)

    def _put(self, merge: StoredMerge) -> None:
        tables = self._t
        self._session.tables = attrs.evolve(
            tables, merge_records=tables.merge_records.set(merge.id, merge)
        )

    def involving(self, record_id: str | None) -> list[StoredMerge]:
        found: list[StoredMerge] = [
            m
            for m in self._t.merge_records.values()
            if record_id is None or record_id == m.survivor_id or record_id in m.loser_ids
        ]
        return sorted(found, key=lambda m: (m.merged_at, m.id))

    def with_person(self, contact_id: str) -> list[StoredMerge]:
        return [m for m in self.involving(None) if contact_id in m.people]

    def count(self) -> int:
        return len(self._t.merge_records)
