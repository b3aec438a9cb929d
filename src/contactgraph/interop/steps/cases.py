"""Cases: each under its account (given, or the account of its contact)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from contactgraph.domain import Case, CasePriority, CaseStatus
from contactgraph.errors import InvalidValueError
from contactgraph.interop.context import NO_SUBJECT, ImportContext, merge_extra
from contactgraph.interop.mapping import CASE, Mapped, map_record
from contactgraph.interop.records import Refused, SourceRecord

__all__ = ["import_cases"]

KIND = "Case"


def import_cases(ctx: ImportContext, records: Iterable[SourceRecord]) -> None:
    """Create or update each case."""
    ctx.each(records, lambda rec: _one(ctx, rec))


def _one(ctx: ImportContext, rec: SourceRecord) -> None:
    mapped = map_record(CASE, rec.fields)
    with ctx.guard(rec, KIND) as attempt:
        ctx.refuse_problems(mapped)
        ctx.refuse_repeat(KIND, rec, mapped)
        contact_raw = mapped.refs.get("ContactId", "")
        account_raw = mapped.refs.get("AccountId", "")
        contact_id = ctx.index.resolve("Contact", contact_raw, "ContactId") if contact_raw else None
        if account_raw:
            account_id = ctx.index.resolve("Account", account_raw, "AccountId")
        elif contact_id is not None:
            account_id = ctx.store.accounts.account_of(contact_id).id
        else:
            raise Refused("AccountId", "a case needs an account or a contact")
        existing_id = ctx.index.find_existing(KIND, rec, mapped)
        current = ctx.store.cases.get(existing_id) if existing_id else None
        fields = _values(ctx, rec, mapped, current)
        subject = mapped.values.get("subject")
        if subject is None and current is None:
            subject = NO_SUBJECT
            ctx.warn(rec, "Subject", f"no subject in the source: {NO_SUBJECT!r} used")
        for field, note in mapped.notes:
            ctx.warn(rec, field, note)
        if current is None:
            case = Case.create(subject, account_id, contact_id, id=mapped.our_id, **fields)  # type: ignore[arg-type]
            case = ctx.store.cases.add(_own_dates(ctx, rec, mapped, case))
            status = "created"
        else:
            if subject is not None:
                fields["subject"] = subject
            fields.update(account_id=account_id, contact_id=contact_id)
            updated = _own_dates(ctx, rec, mapped, current.update(**fields))
            status = "unchanged" if updated is current else "updated"
            case = ctx.store.cases.save(updated) if updated is not current else current
    if attempt.failed:
        return
    ctx.index.remember(KIND, rec, mapped, case.id)
    ctx.ok(rec, KIND, case.id, status)


def _own_dates(ctx: ImportContext, rec: SourceRecord, mapped: Mapped, case: Case) -> Case:
    """The case opened (``CreatedDate``) and closed (``ClosedDate``) when the source says it was."""
    dates: dict[str, Any] = {}
    opened = mapped.values.get("opened_at")
    closed = mapped.values.get("closed_at")
    if opened is not None and opened != case.opened_at:
        dates["opened_at"] = opened
    if closed is not None and not case.is_closed:
        ctx.warn(rec, "ClosedDate", "the case is not closed: its ClosedDate was not used")
    elif closed is not None and closed != case.closed_at:
        dates["closed_at"] = closed
    return attrs.evolve(case, **dates) if dates else case


def _values(
    ctx: ImportContext, rec: SourceRecord, mapped: Mapped, current: Case | None
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "status": ctx.picklist(
            rec,
            mapped,
            key="status",
            api="Status",
            parse=_status,
            default=current.status if current else CaseStatus.NEW,
        ),
        "priority": ctx.picklist(
            rec,
            mapped,
            key="priority",
            api="Priority",
            parse=_priority,
            default=current.priority if current else CasePriority.MEDIUM,
        ),
        "external_ids": ctx.index.stored_external_ids(rec, mapped, current),
        "extra": merge_extra(current.extra if current else None, mapped),
    }
    for key in ("origin", "type", "reason", "description"):
        if key in mapped.values:
            fields[key] = mapped.values[key]
    return fields


def _status(value: Any) -> CaseStatus:
    for member in CaseStatus:
        if isinstance(value, str) and member.value.casefold() == value.strip().casefold():
            return member
    raise InvalidValueError("not a standard status", field="status", value=value)


def _priority(value: Any) -> CasePriority:
    for member in CasePriority:
        if isinstance(value, str) and member.value.casefold() == value.strip().casefold():
            return member
    raise InvalidValueError("not a standard priority", field="priority", value=value)
