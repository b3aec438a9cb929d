"""Contacts: written through their account's commands, in batches.

Contacts are grouped by account within each batch, added or updated through
the account's commands, and the account is saved once per batch. A
``ReportsToId`` that points further down the file is a :class:`Waiting`
reference: it is linked once the manager is written (or, in partial mode,
the row is undone and reported). Emails and phones of the next batch may be
parsed in worker processes meanwhile (:mod:`contactgraph.interop.prevalidate`).

A manager met earlier in the same batch is linked before the batch's accounts
are saved, so each contact is written once (see :func:`_write_once`); the
report is the one the two saves (contacts, then their managers) would give.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future
from typing import Any, NamedTuple

from contactgraph.domain import Account, Contact, Email, Phone
from contactgraph.domain.placing import AddResult
from contactgraph.errors import NotFoundError
from contactgraph.interop.context import FLAGS, ImportContext, merge_address, merge_extra
from contactgraph.interop.mapping import CONTACT, Mapped, map_record
from contactgraph.interop.phones import (
    UNVERIFIED_NOTE,
    country_region,
    read_phone,
    read_phones,
    region_for,
)
from contactgraph.interop.prevalidate import Checked, Item, Prevalidator
from contactgraph.interop.records import Defer, Pending, Refused, SourceRecord, Waiting
from contactgraph.interop.report import ImportMode

__all__ = ["import_contacts"]

KIND = "Contact"


class _Row(NamedTuple):
    """A contact row ready to apply (a tuple: one is made a row)."""

    record: SourceRecord
    mapped: Mapped
    existing: str | None
    manager: str | Waiting | None
    pre_checked: tuple[Item, Checked] | None


_Ahead = tuple[list[SourceRecord], list[Mapped], list[Item], Future[list[Checked]] | None]


def import_contacts(ctx: ImportContext, records: Iterable[SourceRecord]) -> None:
    """Write every contact under its account, then link the managers that came later."""
    pending: list[Pending] = []
    with Prevalidator(ctx.options.validation_workers) as pre:
        batches = ctx.batches(records)
        current = _ahead(ctx, next(batches, None), pre)
        while current is not None:
            batch, mapped_rows, items, future = current
            # the next batch is parsed in the workers while this one is written
            current = _ahead(ctx, next(batches, None), pre)
            checked = future.result() if future is not None else None
            plan: dict[str, list[_Row]] = {}
            for i, (rec, mapped) in enumerate(zip(batch, mapped_rows, strict=True)):
                prepared = _prepare(ctx, rec, mapped)
                if prepared is not None:
                    account_id, existing, manager = prepared
                    pre_checked = (items[i], checked[i]) if checked is not None else None
                    rows = plan.get(account_id)
                    if rows is None:
                        rows = plan[account_id] = []
                    rows.append(_Row(rec, mapped, existing, manager, pre_checked))
            if _one_save(ctx, plan):
                _write_once(ctx, plan, pending)
            else:
                for account_id, rows in plan.items():
                    _apply(ctx, account_id, rows, pending)
                # managers that came earlier in this batch are known now: link them, so
                # only true forward references wait (memory stays flat in the rows)
                _link_managers(ctx, pending, final=False)
            ctx.tick(len(batch))
    _link_managers(ctx, pending)


def _ahead(
    ctx: ImportContext, batch: list[SourceRecord] | None, pre: Prevalidator
) -> _Ahead | None:
    """Map a batch and start parsing its emails and phones in the workers (if any)."""
    if batch is None:
        return None
    mapped_rows = [map_record(CONTACT, rec.fields) for rec in batch]
    items: list[Item] = []
    if not pre.active:  # no worker to hand the values to
        return batch, mapped_rows, items, None
    for mapped in mapped_rows:
        v = mapped.values
        account_id = ctx.index.ids["Account"].get(mapped.refs.get("AccountId", ""))
        region = region_for(
            ctx.regions.get(account_id) if account_id else None,
            country_region(v.get("mailing_address")),
            ctx.options.default_region,
        )
        items.append(
            (
                v.get("email") if isinstance(v.get("email"), str) else None,
                v.get("phone") if isinstance(v.get("phone"), str) else None,
                v.get("mobile") if isinstance(v.get("mobile"), str) else None,
                region,
            )
        )
    return batch, mapped_rows, items, pre.submit(items)


def _hand_over(
    fields: dict[str, Any], pre_checked: tuple[Item, Checked], region: str | None
) -> None:
    """Replace raw email and phones by the values a worker parsed, where they still apply."""
    (email_raw, phone_raw, mobile_raw, used_region), (email, phone, mobile) = pre_checked
    if email is not None and fields.get("email") == email_raw:
        fields["email"] = Email.trusted(email)
    if used_region != region:
        return
    if phone is not None and fields.get("phone") == phone_raw:
        fields["phone"] = Phone.trusted(phone)
    if mobile is not None and fields.get("mobile") == mobile_raw:
        fields["mobile"] = Phone.trusted(mobile)


def _prepare(
    ctx: ImportContext, rec: SourceRecord, mapped: Mapped
) -> tuple[str, str | None, str | Waiting | None] | None:
    """The row's account, the contact it updates (if any) and its manager; ``None`` if refused.

    A refusal is reported as :meth:`ImportContext.guard` would (caught here: no guard a row).
    """
    try:
        if mapped.problems:
            ctx.refuse_problems(mapped)
        ctx.refuse_repeat(KIND, rec, mapped)
        existing = ctx.index.find_existing(KIND, rec, mapped)
        account_id = _account_of(ctx, rec, mapped, existing)
        manager: str | Waiting | None = None
        raw_manager = mapped.refs.get("ReportsToId", "")
        if raw_manager:
            try:
                manager = ctx.index.resolve(KIND, raw_manager, "ReportsToId", may_wait=True)
            except Defer:
                manager = Waiting(raw_manager)
    except BaseException as exc:
        if not ctx.refused(rec, KIND, exc):
            raise
        return None
    return account_id, existing, manager


def _account_of(ctx: ImportContext, rec: SourceRecord, mapped: Mapped, existing: str | None) -> str:
    raw = mapped.refs.get("AccountId", "")
    if existing is not None:
        try:
            account_id = ctx.store.accounts.account_of(existing).id
        except NotFoundError:
            raise Refused(None, "this record appears twice in the import") from None
        if raw and ctx.index.resolve("Account", raw, "AccountId") != account_id:
            ctx.warn(
                rec,
                "AccountId",
                f"the contact belongs to account {account_id} in the store: updated "
                "there, not moved (moves go through store.move_contact)",
            )
        return account_id
    if raw:
        return ctx.index.resolve("Account", raw, "AccountId")
    if ctx.options.orphan_account:
        account_id = ctx.orphan_account()
        ctx.warn(
            rec,
            "AccountId",
            f"no account in the source: placed under {ctx.options.orphan_account!r}",
        )
        return account_id
    raise Refused(
        "AccountId",
        "a contact needs an account (this is a Salesforce private contact); "
        "import it with orphan_account=<account name or id> to place it under one",
    )


_UNKNOWN = object()


def _one_save(ctx: ImportContext, plan: dict[str, list[_Row]]) -> bool:
    """Whether the batch's saves can wait until its managers are linked.

    They can when no save can refuse a contact of the batch: the store runs
    no save check (a duplicate rule's block or alert) and every new contact
    gets an id of ours (a source's id may be taken). Otherwise each account
    is saved before the managers are linked, as a refusal then names its rows.
    """
    if getattr(ctx.store, "save_check", _UNKNOWN) is not None:
        return False
    return all(
        row.existing is not None or row.mapped.our_id is None
        for rows in plan.values()
        for row in rows
    )


_HELD = 16
"""Accounts of a batch held unsaved at most, waiting for their managers' links
(as many as :class:`ImportContext` caches): memory stays bounded however many
accounts a batch touches."""


def _write_once(ctx: ImportContext, plan: dict[str, list[_Row]], pending: list[Pending]) -> None:
    """Write the batch with one save an account: managers met earlier are linked first.

    The same commands, in the same order, as :func:`_apply` for every account
    then :func:`_link_managers`, and the outcomes told in that order. An
    account with rows waiting for a manager is held unsaved (up to
    :data:`_HELD` of them) until the links, then saved once; any other is
    saved at once, as :func:`_apply` does (an account linked after its save is
    saved again, as before). See :func:`_one_save` for when nothing a save
    does could differ.
    """
    held: dict[str, Account] = {}
    owners = {p.owner_id for p in pending}
    for account_id, rows in plan.items():
        outcomes: list[tuple[SourceRecord, str, str]] = []
        waiting = len(pending)
        account = _changed(ctx, account_id, rows, pending, outcomes)
        if account is None:
            continue
        if (len(pending) > waiting or account_id in owners) and len(held) < _HELD:
            held[account_id] = account  # its outcomes cannot change: told in their place
        elif account.pending_events:
            ctx.save(account)
        ctx.ok_all(KIND, outcomes)
    linked: list[Pending] = []
    for account_id, items in _ready(ctx, pending, final=False).items():
        account = held.get(account_id)
        if account is None:
            account = ctx.account(account_id)
        held[account_id], done = _link(ctx, account, items)
        linked.extend(done)
    for account in held.values():
        if account.pending_events:
            ctx.save(account)
    _tell_linked(ctx, linked)


def _apply(ctx: ImportContext, account_id: str, rows: list[_Row], pending: list[Pending]) -> None:
    """Add or update the rows' contacts on their account, and save it once."""
    outcomes: list[tuple[SourceRecord, str, str]] = []
    account = _changed(ctx, account_id, rows, pending, outcomes)
    if account is None:
        return
    if account.pending_events:
        ctx.save(account)
    ctx.ok_all(KIND, outcomes)


def _changed(
    ctx: ImportContext,
    account_id: str,
    rows: list[_Row],
    pending: list[Pending],
    outcomes: list[tuple[SourceRecord, str, str]],
) -> Account | None:
    """The account with the rows' contacts added or updated, not saved; ``None`` if unknown.

    New contacts wait in a queue and go in through one :meth:`Account.add_contacts`
    (one account copy and invariant run for all of them); the queue is emptied
    before an update, so the account sees every command in the rows' order.
    The rows' outcomes, to tell once saved, go to ``outcomes``.
    """
    try:
        account = ctx.account(account_id)
    except NotFoundError:
        for row in rows:
            ctx.fail(row.record, KIND, [("AccountId", f"account {account_id} is not in the store")])
        return None
    queued: list[tuple[_Row, dict[str, Any]]] = []
    # a contact command leaves the account's own fields (its region) as they are
    account_region = account.default_region
    for row in rows:
        rec, mapped, existing = row.record, row.mapped, row.existing
        if existing is not None and queued:
            account = _add_queued(ctx, account, queued, pending, outcomes)
        current = account.contacts.get(existing) if existing else None
        fields = (
            _new_values(ctx, rec, mapped) if current is None else _values(ctx, rec, mapped, current)
        )
        region = _region(ctx, account_region, fields, current)
        if row.pre_checked is not None:
            _hand_over(fields, row.pre_checked, region)
        _read_phones(ctx, rec, fields, region, current)
        if "ReportsToId" in mapped.refs and not isinstance(row.manager, Waiting):
            fields["reports_to"] = row.manager
        if existing is None:
            # fields is the row's own dict (as {**fields, "id": ..., "phone_region": ...})
            fields["id"] = mapped.our_id
            fields["phone_region"] = region
            queued.append((row, fields))
            continue
        previous: Contact | None = None
        with ctx.guard(rec, KIND) as attempt:
            before = account
            previous = account.contact(existing)
            account = account.update_contact(existing, phone_region=region, **fields)
            status = "unchanged" if account is before else "updated"
        if not attempt.failed:
            _done(ctx, row, account.id, existing, status, previous, pending, outcomes)
    if queued:
        account = _add_queued(ctx, account, queued, pending, outcomes)
    return account


def _add_queued(
    ctx: ImportContext,
    account: Account,
    queued: list[tuple[_Row, dict[str, Any]]],
    pending: list[Pending],
    outcomes: list[tuple[SourceRecord, str, str]],
) -> Account:
    """Add the queued new contacts in one command; a refused row is reported as its own."""
    results: list[AddResult | None]
    try:
        account, added = account.add_contacts(kw for _, kw in queued)
        results = list(added)
    except Exception:  # not a row's refusal: meet it row by row, as add_contact alone would
        results = [None] * len(queued)
    for (row, kw), result in zip(queued, results, strict=True):
        contact = result
        if isinstance(contact, Contact):  # added: nothing left that may refuse it (_done)
            ctx.index.remember(KIND, row.record, row.mapped, contact.id)
            if isinstance(row.manager, Waiting):
                pending.append(
                    Pending(row.record, account.id, contact.id, row.manager.raw, True, None)
                )
            else:
                outcomes.append((row.record, contact.id, "created"))
            continue
        with ctx.guard(row.record, KIND) as attempt:
            if contact is None:
                account, contact = account.add_contact(**kw)
            elif not isinstance(contact, Contact):
                raise contact
        if not attempt.failed:
            assert isinstance(contact, Contact)
            _done(ctx, row, account.id, contact.id, "created", None, pending, outcomes)
    queued.clear()
    return account


def _done(  # noqa: PLR0917 - the row's outcome and the two lists it goes to
    ctx: ImportContext,
    row: _Row,
    account_id: str,
    our_id: str,
    status: str,
    previous: Contact | None,
    pending: list[Pending],
    outcomes: list[tuple[SourceRecord, str, str]],
) -> None:
    """Index a written row; it waits for its manager, or its outcome is told after the save."""
    ctx.index.remember(KIND, row.record, row.mapped, our_id)
    if isinstance(row.manager, Waiting):
        pending.append(
            Pending(row.record, account_id, our_id, row.manager.raw, status == "created", previous)
        )
    else:
        outcomes.append((row.record, our_id, status))


def _region(
    ctx: ImportContext, account_region: str | None, fields: dict[str, Any], current: Any
) -> str | None:
    """Where this contact's national numbers are read: account, own mailing country, option."""
    if account_region:  # the first candidate of region_for: the others need not be looked up
        return account_region
    mailing = fields.get("mailing_address")
    own = country_region(mailing) if mailing is not None else None
    if own is None and current is not None:
        own = country_region(current.mailing_address)
    return region_for(account_region, own, ctx.options.default_region)


_PHONE_FIELDS = (("phone", "Phone"), ("mobile", "MobilePhone"))
_SEQUENCES = (list, tuple)
"""What alternate phones come as (a tuple made once: ``list | tuple`` is a new union a call)."""


def _read_phones(
    ctx: ImportContext, rec: SourceRecord, fields: dict[str, Any], region: str | None, current: Any
) -> None:
    """Parse the row's phones in ``region``: kept unverified (with a warning) when none is known.

    A stored number that was kept unverified is placed once a region is known.
    """
    for key, api in _PHONE_FIELDS:
        if key in fields:
            fields[key], unverified = read_phone(fields[key], region, api)
            if unverified:
                ctx.warn(rec, api, UNVERIFIED_NOTE)
        elif region and current is not None:
            stored = getattr(current, key)
            if stored is not None and not stored.verified:
                fields[key] = stored.place(region, strict=False)
    others = fields.get("alternate_phones")
    if isinstance(others, _SEQUENCES):
        found, unverified = read_phones(others, region, "ContactGraph_Alternate_Phones__c")
        fields["alternate_phones"] = found
        if unverified:
            ctx.warn(rec, "ContactGraph_Alternate_Phones__c", UNVERIFIED_NOTE)


def _values(ctx: ImportContext, rec: SourceRecord, mapped: Mapped, current: Any) -> dict[str, Any]:
    """The row's fields for the command on ``current`` (the stored contact, ``None`` if new)."""
    values = {k: v for k, v in mapped.values.items() if not (v is None and k in FLAGS)}
    ctx.keep_opt_outs(rec, values, current)
    if "mailing_address" in values:
        values["mailing_address"] = merge_address(
            current.mailing_address if current is not None else None, values["mailing_address"]
        )
    values["external_ids"] = ctx.index.stored_external_ids(rec, mapped, current)
    values["extra"] = merge_extra(current.extra if current is not None else None, mapped)
    for field, note in mapped.notes:
        ctx.warn(rec, field, note)
    return values


def _new_values(ctx: ImportContext, rec: SourceRecord, mapped: Mapped) -> dict[str, Any]:
    """``_values(ctx, rec, mapped, None)``: a new contact's fields, nothing stored to merge."""
    values = dict(mapped.values)
    for flag in FLAGS:  # a blank flag is not a value (as _values' filter)
        if flag in values and values[flag] is None:
            del values[flag]
    if "mailing_address" in values:  # merge_address(None, parts)
        parts = values["mailing_address"]
        values["mailing_address"] = {k: v for k, v in parts.items() if v is not None}
    values["external_ids"] = ctx.index.external_ids(rec, mapped)
    values["extra"] = dict(mapped.extra)
    for field, note in mapped.notes:
        ctx.warn(rec, field, note)
    return values


def _link_managers(ctx: ImportContext, pending: list[Pending], *, final: bool = True) -> None:
    """Link deferred reports-to; unless ``final``, only those whose manager is settled."""
    for account_id, items in _ready(ctx, pending, final=final).items():
        account, done = _link(ctx, ctx.account(account_id), items)
        if account.pending_events:
            ctx.save(account)
        _tell_linked(ctx, done)


def _ready(ctx: ImportContext, pending: list[Pending], *, final: bool) -> dict[str, list[Pending]]:
    """The waiting rows to link now, by account (taken out of ``pending``).

    Unless ``final``, only those whose manager is settled (written or refused).
    """
    ready = pending
    if not final:
        known, refused = ctx.index.ids[KIND], ctx.index.refused[KIND]
        ready = [p for p in pending if p.raw in known or p.raw in refused]
        if not ready:
            return {}
        pending[:] = [p for p in pending if not (p.raw in known or p.raw in refused)]
    by_account: dict[str, list[Pending]] = {}
    for p in ready:
        by_account.setdefault(p.owner_id, []).append(p)
    return by_account


def _link(
    ctx: ImportContext, account: Account, items: list[Pending]
) -> tuple[Account, list[Pending]]:
    """``account`` with the rows' managers linked (a refused row undone), and the rows linked."""
    done: list[Pending] = []
    for p in items:
        with ctx.guard(p.record, KIND) as attempt:
            manager = ctx.index.resolve(KIND, p.raw, "ReportsToId")
            account = account.update_contact(p.record_id, reports_to=manager)
        if attempt.failed:
            account = _undo(ctx, account, p)
        else:
            done.append(p)
    return account, done


def _tell_linked(ctx: ImportContext, done: list[Pending]) -> None:
    for p in done:
        ctx.ok(p.record, KIND, p.record_id, "created" if p.created else "updated")


def _undo(ctx: ImportContext, account: Account, p: Pending) -> Account:
    """Take a refused row back out: a created contact goes, an updated one is reverted."""
    if ctx.options.mode is not ImportMode.PARTIAL or p.record_id not in account:
        return account
    if p.created:
        ctx.index.forget(KIND, p.record, p.record_id)
        return account.remove_contact(p.record_id, reassign_reports_to=None)
    if p.before is not None:
        return account.revert_contact(p.before)
    return account
