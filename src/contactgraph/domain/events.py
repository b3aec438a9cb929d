"""Domain events: what a command did, kept on the aggregate until it is saved.

Events name the changed fields with their old and new values, so a store can
write only the rows a change touched and, later, keep a field history.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import attrs

__all__ = [
    "AccountCreated",
    "AccountRemoved",
    "AccountUpdated",
    "CaseClosed",
    "CaseOpened",
    "CaseUpdated",
    "ContactAdded",
    "ContactDeactivated",
    "ContactMovedIn",
    "ContactMovedOut",
    "ContactReactivated",
    "ContactRemoved",
    "ContactUpdated",
    "DomainEvent",
    "EventLog",
    "FieldChange",
    "OpportunityCreated",
    "OpportunityUpdated",
]


@attrs.frozen(slots=True)
class FieldChange:
    """One field's old and new value (as plain data: str, bool, None…)."""

    field: str
    old: Any
    new: Any


@attrs.frozen(slots=True, kw_only=True)
class DomainEvent:
    """Base of every event.

    Attributes:
        aggregate_id: Id of the aggregate the command ran on.
        occurred_at: When the command ran (UTC).
    """

    aggregate_id: str
    occurred_at: datetime

    @property
    def name(self) -> str:
        return type(self).__name__


@attrs.frozen(slots=True, kw_only=True)
class AccountCreated(DomainEvent):
    account_name: str


@attrs.frozen(slots=True, kw_only=True)
class AccountUpdated(DomainEvent):
    changes: tuple[FieldChange, ...]


@attrs.frozen(slots=True, kw_only=True)
class AccountRemoved(DomainEvent):
    pass


@attrs.frozen(slots=True, kw_only=True)
class ContactEvent(DomainEvent):
    """An event about one contact of an account (``aggregate_id`` is the account)."""

    contact_id: str


@attrs.frozen(slots=True, kw_only=True)
class ContactAdded(ContactEvent):
    pass


@attrs.frozen(slots=True, kw_only=True)
class ContactUpdated(ContactEvent):
    changes: tuple[FieldChange, ...]


@attrs.frozen(slots=True, kw_only=True)
class ContactDeactivated(ContactEvent):
    pass


@attrs.frozen(slots=True, kw_only=True)
class ContactReactivated(ContactEvent):
    pass


@attrs.frozen(slots=True, kw_only=True)
class ContactRemoved(ContactEvent):
    pass


@attrs.frozen(slots=True, kw_only=True)
class ContactMovedOut(ContactEvent):
    """The contact left this account for ``to_account_id``."""

    to_account_id: str


@attrs.frozen(slots=True, kw_only=True)
class ContactMovedIn(ContactEvent):
    """The contact joined this account from ``from_account_id``."""

    from_account_id: str


@attrs.frozen(slots=True, kw_only=True)
class OpportunityCreated(DomainEvent):
    account_id: str


@attrs.frozen(slots=True, kw_only=True)
class OpportunityUpdated(DomainEvent):
    changes: tuple[FieldChange, ...]


@attrs.frozen(slots=True, kw_only=True)
class CaseOpened(DomainEvent):
    account_id: str
    contact_id: str | None


@attrs.frozen(slots=True, kw_only=True)
class CaseUpdated(DomainEvent):
    changes: tuple[FieldChange, ...]


@attrs.frozen(slots=True, kw_only=True)
class CaseClosed(DomainEvent):
    pass


@attrs.frozen(slots=True, eq=False, repr=False)
class EventLog:
    """A persistent (shared-tail) list of events: appending is O(1) and copies nothing.

    An aggregate that records 20,000 commands before a save must not copy a
    growing tuple on each one.
    """

    head: DomainEvent | None = None
    tail: EventLog | None = None
    size: int = 0
    _events: tuple[DomainEvent, ...] | None = attrs.field(default=None, init=False)
    """Every event up to this node, oldest first, once walked (a cache: a save reads
    the log several times); only the newest walked node of a chain keeps one."""

    def append(self, event: DomainEvent) -> EventLog:
        return EventLog(event, self, self.size + 1)

    def events(self) -> tuple[DomainEvent, ...]:
        """Events in the order they happened.

        Walks back only to the nearest node that was walked before (its
        events are taken over, and it forgets them: memory stays one tuple a
        chain however often a growing log is read).
        """
        known = self._events
        if known is not None:
            return known
        newer: list[DomainEvent] = []
        node: EventLog | None = self
        while node is not None and node.head is not None:
            known = node._events
            if known is not None:
                object.__setattr__(node, "_events", None)
                break
            newer.append(node.head)
            node = node.tail
        else:
            known = ()
        newer.reverse()
        found = known + tuple(newer)
        object.__setattr__(self, "_events", found)
        return found

    def __iter__(self) -> Iterator[DomainEvent]:
        """Events in the order they happened."""
        return iter(self.events())

    def __len__(self) -> int:
        return self.size

    def __bool__(self) -> bool:
        return self.size > 0

    def __repr__(self) -> str:
        return f"EventLog({list(self)!r})"

    def __reduce__(self) -> tuple[Any, tuple[tuple[DomainEvent, ...]]]:
        """Pickle as a flat tuple of events (the linked nodes would recurse once per event)."""
        return _event_log, (tuple(self),)


def _event_log(events: tuple[DomainEvent, ...]) -> EventLog:
    log = EMPTY_LOG
    for event in events:
        log = log.append(event)
    return log


EMPTY_LOG = EventLog()
