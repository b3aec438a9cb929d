"""Accounts: created or updated one by one; a ``ParentId`` further down the file waits.

A parent that is not written yet is linked at the end of the accounts (or,
in partial mode, the row is undone and reported).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from contactgraph.domain import Account, Phone
from contactgraph.errors import InvalidValueError
from contactgraph.interop.context import ImportContext, merge_address, merge_extra, region_hint
from contactgraph.interop.mapping import ACCOUNT, Mapped, map_record
from contactgraph.interop.phones import UNVERIFIED_NOTE
from contactgraph.interop.records import Defer, Pending, Refused, SourceRecord
from contactgraph.interop.report import ImportMode

__all__ = ["import_accounts"]

KIND = "Account"


def import_accounts(ctx: ImportContext, records: Iterable[SourceRecord]) -> None:
    """Write every account, then link the parents that came later in the import."""
    pending: list[Pending] = []
    ctx.each(records, lambda rec: _one(ctx, rec, pending))
    for p in pending:
        with ctx.guard(p.record, KIND) as attempt:
            parent = ctx.index.resolve(KIND, p.raw, "ParentId")
            account = ctx.account(p.record_id)
            updated = account.update(parent_id=parent)
            if updated is not account:
                ctx.save(updated)
        if attempt.failed:
            _undo(ctx, p)
        else:
            ctx.ok(p.record, KIND, p.record_id, "created" if p.created else "updated")


def _undo(ctx: ImportContext, p: Pending) -> None:
    if ctx.options.mode is ImportMode.PARTIAL and p.created:
        ctx.store.accounts.remove(p.record_id)
        ctx.uncache(p.record_id)
        ctx.index.forget(KIND, p.record, p.record_id)


def _one(ctx: ImportContext, rec: SourceRecord, pending: list[Pending]) -> None:
    mapped = map_record(ACCOUNT, rec.fields)
    with ctx.guard(rec, KIND) as attempt:
        ctx.refuse_flagged(rec)
        ctx.refuse_problems(mapped)
        for field, note in mapped.notes:
            ctx.warn(rec, field, note)
        ctx.refuse_repeat(KIND, rec, mapped)
        parent_raw = mapped.refs.get("ParentId", "")
        parent: str | None = None
        wait = False
        existing_id = ctx.index.find_existing(KIND, rec, mapped)
        if parent_raw:
            try:
                parent = ctx.index.resolve(KIND, parent_raw, "ParentId", may_wait=True)
            except Defer:
                wait = True
        current = ctx.account(existing_id) if existing_id else None
        values = _values(ctx, rec, mapped, current)
        if "ParentId" in mapped.refs and not wait:
            values["parent_id"] = parent
        if current is None:
            name = values.pop("name", None)
            account = Account.create(name, id=mapped.our_id, **values)
            status = "created"
        else:
            account = current.update(**values)
            status = "unchanged" if account is current else "updated"
        if status != "unchanged":
            account = ctx.save(account)
    if attempt.failed:
        return
    ctx.index.remember(KIND, rec, mapped, account.id)
    if wait:
        pending.append(Pending(rec, account.id, account.id, parent_raw, status == "created"))
    else:
        ctx.ok(rec, KIND, account.id, status)


def _values(
    ctx: ImportContext, rec: SourceRecord, mapped: Mapped, current: Account | None
) -> dict[str, Any]:
    values = dict(mapped.values)
    for group in ("billing_address", "shipping_address"):
        if group in values:
            values[group] = merge_address(getattr(current, group, None), values[group])
    billing = values.get("billing_address")
    if billing is None and current is not None and current.billing_address is not None:
        billing = attrs.asdict(current.billing_address)
    phone = values.get("phone")
    if isinstance(phone, int | float):
        phone = str(phone)
    region = ctx.region(
        billing, values.get("phone_region") or (current.phone_region if current else None)
    )
    if phone is not None:
        try:
            values["phone"] = Phone.parse(phone, region, field="Phone", keep_unplaced=True)
        except InvalidValueError as exc:
            raise Refused("Phone", region_hint(exc.reason)) from None
        if not values["phone"].verified:
            ctx.warn(rec, "Phone", UNVERIFIED_NOTE)
    elif "phone" not in values and region and current is not None and current.phone is not None:
        values["phone"] = current.phone.place(region, strict=False)  # placed once a region is known
    values["external_ids"] = ctx.index.stored_external_ids(rec, mapped, current)
    values["extra"] = merge_extra(current.extra if current else None, mapped)
    return values
