"""Field history: every change to a contact or an account, kept in the store, read back per record.

When an account is saved, the unit of work turns its pending events into
history entries (:func:`account_entries`) and appends them in the same
transaction: the domain's own :func:`~contactgraph.domain.fields.field_changes`
already names each changed field with its old and new value. A removed
account leaves a ``deleted`` entry for itself and each of its contacts
(:func:`removal_entries`).

How entries are stored (the same in every backend):

* One row per change, appended, never updated (but by ``forget``, which
  erases the personal values of a person's rows): ``record_id``, ``seq``
  (1, 2, 3… per record, in the order the changes happened), ``kind``
  (``"contact"`` or ``"account"``), ``action``, ``field``, ``old``, ``new``,
  ``at`` (when the command ran, UTC), ``actor`` (who, as given to the store
  or the transaction; ``None`` when nobody was named), ``redacted``.
* ``action`` is ``"created"``, ``"updated"``, ``"moved"`` (a contact joined
  another account: field ``account_id``), ``"deleted"`` or ``"forgotten"``
  (personal data erased; its earlier rows have ``redacted`` set).
* Values are text: the JSON of the field's plain value
  (:func:`~contactgraph.domain.fields.plain`: an email as its address, a
  phone in E.164, a date in ISO 8601, a decimal as a string, an address or
  ``extra`` as an object, alternates as a list), ``NULL`` for no value.
* A creation is one row whose ``field`` is ``NULL`` and whose ``new`` is a
  JSON object of every field that has a value at creation (not null, ``[]``
  nor ``{}``); reading expands it into one :class:`Change` per field. A
  deletion is one row with no field.

Replaying a record's changes from its creation (``created`` sets the fields
it lists, ``updated``/``moved`` set one, ``deleted`` clears all) gives its
current values: a property test holds every backend to it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence, Sized
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol, TypeVar

import attrs
import immutables

from contactgraph.domain import Account, Contact
from contactgraph.domain.contact import CONTACT_FIELD_NAMES, NAME_FIELDS
from contactgraph.domain.events import (
    AccountCreated,
    AccountUpdated,
    ContactAdded,
    ContactDeactivated,
    ContactMovedIn,
    ContactMovedOut,
    ContactReactivated,
    ContactRemoved,
    ContactUpdated,
    FieldChange,
)
from contactgraph.domain.fields import ACCOUNT_FIELDS, plain
from contactgraph.domain.values import Address, Email, Phone
from contactgraph.errors import InvalidValueError
from contactgraph.repos.contact_rows import contact_creation_text
from contactgraph.repos.keys import is_storable

if TYPE_CHECKING:
    from contactgraph.repos.backend import Session

__all__ = [
    "ACCOUNT_HISTORY_FIELDS",
    "CONTACT_HISTORY_FIELDS",
    "Change",
    "Entry",
    "History",
    "account_entries",
    "changes_of",
    "check_actor",
    "decode",
    "encode",
    "removal_entries",
    "replay",
    "values_of",
]

Kind = Literal["contact", "account"]
Action = Literal["created", "updated", "moved", "deleted", "forgotten"]

CONTACT_HISTORY_FIELDS: Final[tuple[str, ...]] = ("account_id", *CONTACT_FIELD_NAMES)
"""The contact fields history follows, in the order a creation lists them."""

ACCOUNT_HISTORY_FIELDS: Final[tuple[str, ...]] = tuple(ACCOUNT_FIELDS)
"""The account fields history follows, in the order a creation lists them."""

_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    "contact": CONTACT_HISTORY_FIELDS,
    "account": ACCOUNT_HISTORY_FIELDS,
}


_ENCODE: Final[Callable[[Any], str]] = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":")
).encode
"""``json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))``:
one encoder made once (``dumps`` with options makes a new one per call: about
2 of the 7 µs a creation's entry took to encode)."""


def encode(value: Any) -> str | None:
    """A plain value as stored text: its JSON, ``None`` for no value."""
    if value is None:
        return None
    return _ENCODE(value)


def decode(text: str | None) -> Any:
    """The plain value stored as ``text``."""
    return None if text is None else json.loads(text)


@attrs.frozen(slots=True)
class Entry:
    """One stored history row (values as text; see the module docstring).

    ``seq`` is 0 until the store appends the entry and numbers it.
    """

    record_id: str
    kind: Kind
    action: Action
    field: str | None
    old: str | None
    new: str | None
    at: datetime
    actor: str | None = None
    seq: int = 0
    redacted: bool = False


@attrs.frozen(slots=True)
class Change:
    """One change to one field of a contact or an account, as callers read it.

    Attributes:
        record_id: The contact's or the account's id.
        kind: ``"contact"`` or ``"account"``.
        action: ``"created"``, ``"updated"``, ``"moved"``, ``"deleted"`` or ``"forgotten"``.
        field: The field (a public name such as ``first_name``); ``None`` for a
            deletion or a forget, which concern the whole record.
        old: The value before, as plain data (``None``: no value).
        new: The value after.
        at: When the command ran (UTC).
        actor: Who made it, as given to the store or the transaction.
        seq: Its position in the record's history (1, 2…); a creation's
            changes share one.
        redacted: The values were erased when the person was forgotten.
    """

    record_id: str
    kind: str
    action: str
    field: str | None
    old: Any
    new: Any
    at: datetime
    actor: str | None
    seq: int
    redacted: bool = False


# ------------------------------------------------------------- derivation


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, list | dict) and not value)


def values_of(record: Account | Contact) -> dict[str, Any]:
    """Every followed field of ``record`` that has a value (not ``None``, ``[]`` nor
    ``{}``), as plain data, in the order of the kind's fields."""
    out: dict[str, Any] = {}
    if isinstance(record, Account):
        for field in ACCOUNT_HISTORY_FIELDS:
            _put(out, field, getattr(record, field))
        return out
    out["account_id"] = record.account_id
    name = record.name
    for public, part in NAME_FIELDS.items():
        value = getattr(name, part)
        if type(value) is str:
            out[public] = value
        elif value is not None:
            _put(out, public, value)
    for field in _CONTACT_ATTRIBUTES:
        value = getattr(record, field)
        if value is None:  # most of a contact's fields: no call for them, as for text,
            continue  # flags and empty alternates or maps (what _put would do with them)
        kind = type(value)
        if kind is str or kind is bool:
            out[field] = value
        elif not ((kind is tuple or kind is immutables.Map) and not value):
            _put(out, field, value)
    return out


def _put(out: dict[str, Any], field: str, value: Any) -> None:
    """``out[field] = plain(value)`` unless the value is empty (the hot path of a creation)."""
    if value is None:
        return
    kind = type(value)
    if kind is str or kind is bool:
        out[field] = value
    elif kind is Email:
        out[field] = value.address
    elif kind is Phone:
        out[field] = value.e164
    elif kind is Address:  # plain(value) without attrs.asdict: the parts that have a value
        out[field] = {k: v for k in _ADDRESS_PARTS if (v := getattr(value, k)) is not None}
    elif kind is immutables.Map:  # external ids, extra
        if value:
            out[field] = {k: plain(v) for k, v in value.items()}
    elif not (isinstance(value, Sized) and len(value) == 0):
        out[field] = plain(value)


_ADDRESS_PARTS: Final = tuple(a.name for a in attrs.fields(Address))

_CONTACT_ATTRIBUTES: Final[tuple[str, ...]] = tuple(
    f for f in CONTACT_FIELD_NAMES if f not in NAME_FIELDS
)


@attrs.define
class _Draft:
    record_id: str
    kind: Kind
    action: Action | Literal["left"]
    field: str | None = None
    old: Any = None
    new: Any = None
    at: datetime | None = None
    new_text: str | None = None
    """``encode(new)`` when already written (a contact's creation, in one walk)."""


def _updates(
    record_id: str, kind: Kind, changes: Iterable[FieldChange], at: datetime
) -> list[_Draft]:
    return [_Draft(record_id, kind, "updated", c.field, c.old, c.new, at) for c in changes]


def _drafts(account: Account) -> list[_Draft]:
    """The account's pending events as drafts (a contact leaving is marked ``left``)."""
    out: list[_Draft] = []
    for e in account.pending_events:
        at = e.occurred_at
        if type(e) is ContactAdded:  # nearly every event of an import
            out.append(_Draft(e.contact_id, "contact", "created", None, None, None, at))
        elif isinstance(e, AccountCreated):
            out.append(_Draft(account.id, "account", "created", at=at))
        elif isinstance(e, AccountUpdated):
            out.extend(_updates(account.id, "account", e.changes, at))
        elif isinstance(e, ContactAdded):
            out.append(_Draft(e.contact_id, "contact", "created", at=at))
        elif isinstance(e, ContactUpdated):
            out.extend(_updates(e.contact_id, "contact", e.changes, at))
        elif isinstance(e, ContactDeactivated | ContactReactivated):
            active = isinstance(e, ContactReactivated)
            out.append(_Draft(e.contact_id, "contact", "updated", "active", not active, active, at))
        elif isinstance(e, ContactRemoved):
            out.append(_Draft(e.contact_id, "contact", "deleted", at=at))
        elif isinstance(e, ContactMovedIn):
            moved = _Draft(e.contact_id, "contact", "moved", "account_id", e.from_account_id)
            moved.new, moved.at = account.id, at
            out.append(moved)
        elif isinstance(e, ContactMovedOut):  # the receiving account records the move
            out.append(_Draft(e.contact_id, "contact", "left", at=at))
    return out


def _settle_creations(account: Account, drafts: list[_Draft]) -> list[_Draft]:
    """Give each creation the values the record had when it was created.

    Those are its values now with the later changes of this batch undone. A
    record created and gone again before this save was never stored: its
    drafts are dropped. A record with one draft (most of an import's new
    contacts) is settled on its own, without the positions of its drafts.
    """
    first: dict[str, int] = {}
    by_record: dict[str, list[int]] = {}  # the records with several drafts
    for i, draft in enumerate(drafts):
        at = first.setdefault(draft.record_id, i)
        if at != i:
            positions = by_record.get(draft.record_id)
            if positions is None:
                by_record[draft.record_id] = [at, i]
            else:
                positions.append(i)
    dropped: set[int] = set()
    contacts = account.contacts
    for record_id, i in first.items():
        draft = drafts[i]
        if draft.action != "created" or record_id in by_record:
            continue
        if draft.kind == "account":
            draft.new = values_of(account)
            continue
        contact = contacts.get(record_id)
        if contact is None:  # created and gone again (not as ``deleted`` or ``left``)
            dropped.add(i)
        else:
            draft.new_text = contact_creation_text(contact)
    for positions in by_record.values():
        _settle_record(account, drafts, positions, dropped)
    if not dropped:
        return [d for d in drafts if d.action != "left"]
    return [d for k, d in enumerate(drafts) if k not in dropped and d.action != "left"]


def _settle_record(
    account: Account, drafts: list[_Draft], positions: list[int], dropped: set[int]
) -> None:
    """:func:`_settle_creations` for one record's drafts (at ``positions``, in order)."""
    for at, i in enumerate(positions):
        draft = drafts[i]
        if draft.action != "created":
            continue
        later: list[int] = []
        end = None
        for j in positions[at + 1 :]:
            if drafts[j].action in ("deleted", "left"):
                end = j
                break
            later.append(j)
        current: Account | Contact | None = (
            account if draft.kind == "account" else account.contacts.get(draft.record_id)
        )
        if end is not None or current is None:
            dropped.update([i, *later, *([end] if end is not None else [])])
            continue
        if not later and isinstance(current, Contact):  # the common case: in one walk
            draft.new_text = contact_creation_text(current)
            continue
        values: dict[str, Any] = values_of(current)
        for j in reversed(later):
            change = drafts[j]
            assert change.field is not None
            if _empty(change.old):
                values.pop(change.field, None)
            else:
                values[change.field] = change.old
        draft.new = values


def account_entries(account: Account, actor: str | None) -> list[Entry]:
    """The history entries of ``account``'s pending events (its own and its contacts')."""
    if not account.pending_events:
        return []
    out: list[Entry] = []
    add = out.append
    for d in _settle_creations(account, _drafts(account)):
        old, new, text = d.old, d.new, d.new_text
        add(
            Entry(
                d.record_id,
                d.kind,
                d.action,  # type: ignore[arg-type]  # "left" drafts are gone
                d.field,
                None if old is None else _ENCODE(old),
                text if text is not None else None if new is None else _ENCODE(new),
                d.at,  # type: ignore[arg-type]  # every draft has its event's time
                actor,
            )
        )
    return out


def removal_entries(
    account_id: str, contact_ids: Iterable[str], at: datetime, actor: str | None
) -> list[Entry]:
    """A ``deleted`` entry for each removed contact, then for the account."""
    entries = [Entry(c, "contact", "deleted", None, None, None, at, actor) for c in contact_ids]
    entries.append(Entry(account_id, "account", "deleted", None, None, None, at, actor))
    return entries


# ---------------------------------------------------------------- reading


def changes_of(entries: Sequence[Entry], field: str | None = None) -> list[Change]:
    """What callers read: each creation expanded into one change per field; ``field``
    keeps the changes of that field (with the deletions and forgets of the record)."""
    out: list[Change] = []
    for e in entries:
        if e.action == "created" and e.field is None:
            values = decode(e.new) or {}
            for name in _FIELDS[e.kind]:
                if name in values and (field is None or name == field):
                    out.append(
                        Change(e.record_id, e.kind, e.action, name, None, values[name], e.at,
                               e.actor, e.seq, e.redacted)
                    )  # fmt: skip
            continue
        if field is not None and e.field not in (None, field):
            continue
        out.append(
            Change(e.record_id, e.kind, e.action, e.field, decode(e.old), decode(e.new), e.at,
                   e.actor, e.seq, e.redacted)
        )  # fmt: skip
    return out


def replay(changes: Iterable[Change]) -> dict[str, Any] | None:
    """The values a record's changes leave it with (``None``: it was deleted).

    ``created`` and ``updated``/``moved`` set a field (no value, ``[]`` or ``{}``
    clears it),
    ``deleted`` clears them all, ``forgotten`` only marks the moment.
    """
    state: dict[str, Any] | None = None
    for c in changes:
        if c.action == "deleted":
            state = None
            continue
        if c.field is None:
            continue
        if state is None:
            state = {}
        if _empty(c.new):
            state.pop(c.field, None)
        else:
            state[c.field] = c.new
    return state


# ----------------------------------------------------------- the repository

T = TypeVar("T")


class _Reads(Protocol):
    def _read(self, fn: Callable[[Session], T]) -> T: ...


def check_actor(actor: object) -> str | None:
    """``actor`` if it can name who made a change: ``None``, or text of 1 to 256
    printable characters. Raises :class:`~contactgraph.errors.InvalidValueError`."""
    if actor is None:
        return None
    if not isinstance(actor, str) or not actor.strip() or len(actor) > 256:
        raise InvalidValueError(
            "an actor is text of 1 to 256 characters (a user name, a service…)",
            field="actor",
            value=actor,
        )
    if not is_storable(actor):
        raise InvalidValueError("an actor cannot hold control characters", field="actor")
    return actor


class History:
    """``store.history``: what changed in a contact or an account, when and by whom.

    ``store.history.of(contact_id)`` (or ``store.history(contact_id)``) lists
    the changes oldest first; ``field="email"`` keeps that field's (with the
    record's creation and deletion). One indexed read, whatever the size of
    the history kept.
    """

    def __init__(self, store: _Reads) -> None:
        self._store = store

    def of(self, record_id: str, *, field: str | None = None) -> list[Change]:
        """The changes of one record, oldest first (``[]`` for an id never seen).

        Raises:
            InvalidValueError: ``record_id`` is not text, or ``field`` is not
                a contact or account field.
        """
        if not isinstance(record_id, str):
            raise InvalidValueError("a record id is text", field="record_id", value=record_id)
        if field is not None and (not isinstance(field, str) or field not in _KNOWN):
            raise InvalidValueError(
                "not a field history follows (a contact or account field)",
                field="field",
                value=field,
            )
        if not is_storable(record_id):
            return []
        entries = self._store._read(lambda s: s.history.of(record_id, field))
        return changes_of(entries, field)

    def __call__(self, record_id: str, *, field: str | None = None) -> list[Change]:
        """The same as :meth:`of`."""
        return self.of(record_id, field=field)

    def __repr__(self) -> str:
        return f"<History of {self._store!r}>"


_KNOWN: Final = frozenset(CONTACT_HISTORY_FIELDS) | frozenset(ACCOUNT_HISTORY_FIELDS)
