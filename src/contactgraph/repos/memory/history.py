"""Field history in memory: per record, a persistent list of entries (appending copies nothing)."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from contactgraph.repos.history import Entry
from contactgraph.repos.memory.tables import Mutation, Part

__all__ = ["Chain", "MemoryHistory"]


@attrs.frozen(slots=True, eq=False)
class Chain:
    """One record's entries, newest first, sharing the tail: an append is O(1)."""

    head: Entry
    tail: Chain | None = None

    @property
    def seq(self) -> int:
        return self.head.seq

    def entries(self) -> list[Entry]:
        """Oldest first."""
        out: list[Entry] = []
        node: Chain | None = self
        while node is not None:
            out.append(node.head)
            node = node.tail
        out.reverse()
        return out


def _chain(entries: Sequence[Entry]) -> Chain | None:
    chain: Chain | None = None
    for entry in entries:
        chain = Chain(entry, chain)
    return chain


class MemoryHistory(Part):
    """History entries of one tenant, by record."""

    def append(self, entries: Sequence[Entry]) -> None:
        if not entries:
            return
        m = Mutation(self._t, "history")
        table = m["history"]
        for entry in entries:
            last: Chain | None = table.get(entry.record_id)
            seq = 1 if last is None else last.seq + 1
            table[entry.record_id] = Chain(attrs.evolve(entry, seq=seq), last)
        self._session.tables = m.finish()

    def of(self, record_id: str, field: str | None) -> list[Entry]:
        chain: Chain | None = self._t.history.get(record_id)
        if chain is None:
            return []
        found = chain.entries()
        if field is None:
            return found
        return [e for e in found if e.field is None or e.field == field]

    def rewrite(self, record_id: str, entries: Sequence[Entry]) -> None:
        chain: Chain | None = self._t.history.get(record_id)
        if chain is None or not entries:
            return
        new = {e.seq: e for e in entries}
        rewritten = [
            attrs.evolve(e, old=new[e.seq].old, new=new[e.seq].new, redacted=new[e.seq].redacted)
            if e.seq in new
            else e
            for e in chain.entries()
        ]
        m = Mutation(self._t, "history")
        m["history"][record_id] = _chain(rewritten)
        self._session.tables = m.finish()
