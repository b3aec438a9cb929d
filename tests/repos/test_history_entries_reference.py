"""A save's history entries are what the generic derivation gives, whatever the events.

``history.account_entries`` settles a record with a single draft (most of an
import's new contacts) on its own, checks ``ContactAdded`` before the other
events and encodes the values inline. The reference below is the derivation
as it was before those shortcuts (76b00ff), every creation written by
``encode(values_of(...))``: the property drives an account through random
commands (adds one by one and in batches, updates, manager links,
deactivations, removals, contacts leaving and arriving, the account's own
changes, a first save or a later one) and compares the entries, field by
field, in order.
"""

from __future__ import annotations

from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from contactgraph.domain import Account, Contact
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
)
from contactgraph.repos.history import Entry, account_entries, encode, values_of
from contactgraph.testing.strategies import contact_fields


@attrs.define
class _Draft:
    record_id: str
    kind: str
    action: str
    field: str | None = None
    old: Any = None
    new: Any = None
    at: Any = None


def _reference_drafts(account: Account) -> list[_Draft]:
    out: list[_Draft] = []
    for e in account.pending_events:
        at = e.occurred_at
        if isinstance(e, AccountCreated):
            out.append(_Draft(account.id, "account", "created", at=at))
        elif isinstance(e, AccountUpdated):
            out.extend(
                _Draft(account.id, "account", "updated", c.field, c.old, c.new, at)
                for c in e.changes
            )
        elif isinstance(e, ContactAdded):
            out.append(_Draft(e.contact_id, "contact", "created", at=at))
        elif isinstance(e, ContactUpdated):
            out.extend(
                _Draft(e.contact_id, "contact", "updated", c.field, c.old, c.new, at)
                for c in e.changes
            )
        elif isinstance(e, ContactDeactivated | ContactReactivated):
            active = isinstance(e, ContactReactivated)
            out.append(_Draft(e.contact_id, "contact", "updated", "active", not active, active, at))
        elif isinstance(e, ContactRemoved):
            out.append(_Draft(e.contact_id, "contact", "deleted", at=at))
        elif isinstance(e, ContactMovedIn):
            out.append(
                _Draft(e.contact_id, "contact", "moved", "account_id", e.from_account_id,
                       account.id, at)
            )  # fmt: skip
        elif isinstance(e, ContactMovedOut):
            out.append(_Draft(e.contact_id, "contact", "left", at=at))
    return out


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, list | dict) and not value)


def reference_entries(account: Account, actor: str | None) -> list[Entry]:
    """``account_entries`` as it was, every creation through ``encode(values_of(...))``."""
    if not account.pending_events:
        return []
    drafts = _reference_drafts(account)
    by_record: dict[str, list[int]] = {}
    for i, draft in enumerate(drafts):
        by_record.setdefault(draft.record_id, []).append(i)
    dropped: set[int] = set()
    for positions in by_record.values():
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
            values = values_of(current)
            for j in reversed(later):
                change = drafts[j]
                assert change.field is not None
                if _empty(change.old):
                    values.pop(change.field, None)
                else:
                    values[change.field] = change.old
            draft.new = values
    kept = [d for k, d in enumerate(drafts) if k not in dropped and d.action != "left"]
    return [
        Entry(d.record_id, d.kind, d.action, d.field, encode(d.old), encode(d.new), d.at, actor)  # type: ignore[arg-type]
        for d in kept
    ]


_STEPS = st.lists(
    st.sampled_from(
        ["add", "batch", "update", "link", "deactivate", "reactivate", "remove", "leave",
         "arrive", "rename", "save"]
    ),
    max_size=12,
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.booleans(), _STEPS, st.data(), st.sampled_from([None, "importer"]))
def test_the_entries_are_the_generic_derivation_of_the_events(
    stored: bool, steps: list[str], data: st.DataObject, actor: str | None
) -> None:
    account = Account.create("ACME SA", billing_address={"country": "France"})
    if stored:
        account = account.committed(1)
    other = Account.create("Globex SA", billing_address={"country": "France"}).committed(1)
    for step in steps:
        ids = sorted(account.contacts)
        pick = data.draw(st.sampled_from(ids)) if ids else None
        if step == "add" or (pick is None and step not in ("batch", "arrive", "rename", "save")):
            account, _ = account.add_contact(**data.draw(contact_fields()))
        elif step == "batch":
            specs = data.draw(st.lists(contact_fields(), min_size=1, max_size=3))
            account, _ = account.add_contacts(specs)
        elif step == "update":
            fields = data.draw(contact_fields())
            account = account.update_contact(pick, **fields)  # type: ignore[arg-type]
        elif step == "link":
            manager = data.draw(st.sampled_from([None, *ids]))
            if manager != pick and not (
                manager is not None and manager in {c.id for c in account.all_reports(pick)}  # type: ignore[arg-type]
            ):
                account = account.update_contact(pick, reports_to=manager)  # type: ignore[arg-type]
        elif step == "deactivate":
            account = account.deactivate_contact(pick)  # type: ignore[arg-type]
        elif step == "reactivate":
            account = account.reactivate_contact(pick)  # type: ignore[arg-type]
        elif step == "remove":
            account = account.remove_contact(pick, reassign_reports_to=None)  # type: ignore[arg-type]
        elif step == "leave":
            account, _, _ = account.release_contact(pick, other.id)  # type: ignore[arg-type]
        elif step == "arrive":
            other, newcomer = other.add_contact(**data.draw(contact_fields()))
            other, leaving, _ = other.release_contact(newcomer.id, account.id)
            account = account.receive_contact(leaving, other.id)
        elif step == "rename":
            account = account.update(name=data.draw(st.sampled_from(["ACME", "ACME Group"])))
        elif step == "save":
            account = account.committed(account.version + 1)
        assert account_entries(account, actor) == reference_entries(account, actor)
