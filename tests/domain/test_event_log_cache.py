"""The event log remembers its walk: reading it gives what a fresh walk of its nodes gives.

:meth:`EventLog.events` keeps the tuple of the newest node walked and takes
it over when a longer log is walked (the older node then forgets it). The
log is persistent: two logs may share a tail, and either may be read, grown
and read again in any order. Whatever the order, each log reads as the events
appended to it, oldest first, as the walk without a cache gives.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from contactgraph.domain.events import EMPTY_LOG, ContactAdded, DomainEvent, EventLog

AT = datetime(2026, 1, 1, tzinfo=UTC)


def _event(n: int) -> DomainEvent:
    return ContactAdded(aggregate_id="a", occurred_at=AT, contact_id=f"c{n}")


def _walk(log: EventLog) -> list[DomainEvent]:
    """The log's events by its nodes alone (no cache): the reference."""
    found: list[DomainEvent] = []
    node: EventLog | None = log
    while node is not None and node.head is not None:
        found.append(node.head)
        node = node.tail
    return found[::-1]


# an operation: grow a log (by index) with one event, or read one (list, tuple, bool, len)
_OPS = st.lists(
    st.tuples(st.sampled_from(["append", "read", "read", "pending"]), st.integers(0, 20)),
    max_size=60,
)


@given(ops=_OPS)
def test_every_log_reads_as_its_events_whatever_was_read_before(
    ops: list[tuple[str, int]],
) -> None:
    logs: list[EventLog] = [EMPTY_LOG]
    model: list[list[DomainEvent]] = [[]]
    made = 0
    for op, k in ops:
        i = k % len(logs)
        if op == "append":  # a new log sharing the tail of log i (a branch when i is older)
            made += 1
            logs.append(logs[i].append(_event(made)))
            model.append([*model[i], _event(made)])
        elif op == "read":
            assert list(logs[i]) == model[i]
        else:
            assert logs[i].events() == tuple(model[i])
            assert len(logs[i]) == len(model[i])
            assert bool(logs[i]) == bool(model[i])
    for log, events in zip(logs, model, strict=True):
        assert list(log) == events == _walk(log)


def test_a_growing_log_keeps_one_remembered_tuple() -> None:
    """Read after every append: only the newest node keeps its events (memory stays flat)."""
    log = EMPTY_LOG
    nodes = []
    for n in range(50):
        log = log.append(_event(n))
        nodes.append(log)
        assert len(log.events()) == n + 1
    assert [node for node in nodes if node._events is not None] == [log]
