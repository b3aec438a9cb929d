"""Importing accounts and their contacts: the aggregate, written in batches.

Contacts are grouped by account within each batch, added or updated through
the account's commands, and the account is saved once per batch. A
``ReportsToId`` or ``ParentId`` that points further down the file waits until
the end of its sObject, then links (or, in partial mode, the row is undone
and reported).
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future
from typing import Any

import attrs

from contactgraph.domain import (
    Account,
    Email,
    Phone,
)
from contactgraph.errors import (
    InvalidValueError,
    NotFoundError,
    PolicyViolationError,
)
from contactgraph.interop.engine import (
    FLAGS,
    Defer,
    Engine,
    Pending,
    Refused,
    SourceRecord,
    first_error,
    merge_address,
    merge_extra,
    region_hint,
)
from contactgraph.interop.mapping import (
    ACCOUNT,
    CONTACT,
    Mapped,
    map_record,
)
from contactgraph.interop.prevalidate import Checked, Item, Prevalidator
from contactgraph.interop.report import (
    ImportMode,
)

__all__ = ["PeopleImport"]

_Row = tuple[SourceRecord, Mapped, str | None, str | None, tuple[Item, Checked] | None]
"""A contact row ready to apply: record, mapping, existing id, manager, pre-parsed values."""


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


class PeopleImport(Engine):
    """Accounts and contacts; see the module docstring."""

    def _account_values(
        self, rec: SourceRecord, mapped: Mapped, current: Account | None
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
        if phone is not None:
            region = self._region(
                billing, values.get("phone_region") or (current.phone_region if current else None)
            )
            try:
                values["phone"] = Phone.parse(phone, region, field="Phone")
            except InvalidValueError as exc:
                raise Refused("Phone", region_hint(exc.reason)) from None
        values["external_ids"] = {
            **(dict(current.external_ids) if current else {}),
            **self._external_ids(rec, mapped),
        }
        values["extra"] = merge_extra(current.extra if current else None, mapped)
        return values

    def _import_accounts(self, records: Iterable[SourceRecord]) -> None:
        pending: list[Pending] = []
        for batch in self._batches(records):
            for rec in batch:
                self._one_account(rec, pending)
            self._tick(len(batch))
        for p in pending:
            try:
                parent = self._resolve("Account", p.raw, "ParentId")
                account = self._account(p.record_id)
                updated = account.update(parent_id=parent)
                if updated is not account:
                    self._save(updated)
                self._ok(p.record, "Account", p.record_id, "created" if p.created else "updated")
            except Refused as exc:
                self._undo_account(p)
                self._fail(p.record, "Account", [(exc.field, exc.reason)])

    def _undo_account(self, p: Pending) -> None:
        if self.options.mode is ImportMode.PARTIAL and p.created:
            self.store.accounts.remove(p.record_id)
            self._accounts.pop(p.record_id, None)
            self._forget("Account", p.record, p.record_id)

    def _one_account(self, rec: SourceRecord, pending: list[Pending]) -> None:
        mapped = map_record(ACCOUNT, rec.fields)
        if mapped.problems:
            self._fail(rec, "Account", list(mapped.problems))
            return
        for field, note in mapped.notes:
            self._warn(rec, field, note)
        if self._seen_twice("Account", rec, mapped):
            self._fail(rec, "Account", [(None, "this record appears twice in the import")])
            return
        parent_raw = mapped.refs.get("ParentId", "")
        parent: str | None = None
        wait = False
        try:
            existing_id = self._find_existing("Account", rec, mapped)
            if parent_raw:
                try:
                    parent = self._resolve("Account", parent_raw, "ParentId", may_wait=True)
                except Defer:
                    wait = True
            current = self._account(existing_id) if existing_id else None
            values = self._account_values(rec, mapped, current)
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
                account = self._save(account)
        except Refused as exc:
            self._fail(rec, "Account", [(exc.field, exc.reason)])
            return
        except PolicyViolationError as exc:
            self._fail(rec, "Account", first_error(exc))
            return
        self._remember("Account", rec, mapped, account.id)
        if wait:
            pending.append(Pending(rec, account.id, account.id, parent_raw, status == "created"))
        else:
            self._ok(rec, "Account", account.id, status)

    # ----------------------------------------------------------------- contacts

    def _import_contacts(self, records: Iterable[SourceRecord]) -> None:
        pending: list[Pending] = []
        with Prevalidator(self.options.validation_workers) as pre:
            batches = self._batches(records)
            current = self._ahead(next(batches, None), pre)
            while current is not None:
                batch, mapped_rows, items, future = current
                # the next batch is parsed in the workers while this one is written
                current = self._ahead(next(batches, None), pre)
                checked = future.result() if future is not None else None
                plan: dict[str, list[_Row]] = {}
                for i, rec in enumerate(batch):
                    prepared = self._prepare_contact(rec, mapped_rows[i], pending)
                    if prepared is not None:
                        account_id, mapped, existing, manager = prepared
                        pre_checked = (items[i], checked[i]) if checked is not None else None
                        plan.setdefault(account_id, []).append(
                            (rec, mapped, existing, manager, pre_checked)
                        )
                for account_id, rows in plan.items():
                    self._apply_contacts(account_id, rows, pending)
                # managers that came earlier in this batch are known now: link them, so
                # only true forward references wait (memory stays flat in the rows)
                self._link_managers(pending, final=False)
                self._tick(len(batch))
        self._link_managers(pending)

    def _ahead(
        self, batch: list[SourceRecord] | None, pre: Prevalidator
    ) -> tuple[list[SourceRecord], list[Mapped], list[Item], Future[list[Checked]] | None] | None:
        """Map a batch and start parsing its emails and phones in the workers (if any)."""
        if batch is None:
            return None
        mapped_rows = [map_record(CONTACT, rec.fields) for rec in batch]
        items: list[Item] = []
        for mapped in mapped_rows:
            v = mapped.values
            account_id = self.ids["Account"].get(mapped.refs.get("AccountId", ""))
            region = self.regions.get(account_id) if account_id else None
            items.append(
                (
                    v.get("email") if isinstance(v.get("email"), str) else None,
                    v.get("phone") if isinstance(v.get("phone"), str) else None,
                    v.get("mobile") if isinstance(v.get("mobile"), str) else None,
                    region,
                )
            )
        return batch, mapped_rows, items, pre.submit(items)

    def _prepare_contact(
        self, rec: SourceRecord, mapped: Mapped, pending: list[Pending]
    ) -> tuple[str, Mapped, str | None, str | None] | None:
        if mapped.problems:
            self._fail(rec, "Contact", list(mapped.problems))
            return None
        if self._seen_twice("Contact", rec, mapped):
            self._fail(rec, "Contact", [(None, "this record appears twice in the import")])
            return None
        try:
            existing = self._find_existing("Contact", rec, mapped)
            if existing is not None:
                try:
                    account_id = self.store.accounts.account_of(existing).id
                except NotFoundError:
                    raise Refused(None, "this record appears twice in the import") from None
                raw = mapped.refs.get("AccountId", "")
                if raw and self._resolve("Account", raw, "AccountId") != account_id:
                    self._warn(
                        rec,
                        "AccountId",
                        f"the contact belongs to account {account_id} in the store: updated "
                        "there, not moved (moves go through store.move_contact)",
                    )
            else:
                raw = mapped.refs.get("AccountId", "")
                if raw:
                    account_id = self._resolve("Account", raw, "AccountId")
                elif self.options.orphan_account:
                    account_id = self._orphan_account()
                    self._warn(
                        rec,
                        "AccountId",
                        f"no account in the source: placed under {self.options.orphan_account!r}",
                    )
                else:
                    raise Refused(
                        "AccountId",
                        "a contact needs an account (this is a Salesforce private contact); "
                        "import it with orphan_account=<account name or id> to place it under one",
                    )
            manager: str | None = None
            raw_manager = mapped.refs.get("ReportsToId", "")
            if raw_manager:
                try:
                    manager = self._resolve("Contact", raw_manager, "ReportsToId", may_wait=True)
                except Defer:
                    manager = "\0" + raw_manager
        except Refused as exc:
            self._fail(rec, "Contact", [(exc.field, exc.reason)])
            return None
        return account_id, mapped, existing, manager

    def _apply_contacts(
        self,
        account_id: str,
        items: list[_Row],
        pending: list[Pending],
    ) -> None:
        try:
            account = self._account(account_id)
        except NotFoundError:
            for rec, *_ in items:
                self._fail(
                    rec, "Contact", [("AccountId", f"account {account_id} is not in the store")]
                )
            return
        outcomes: list[tuple[SourceRecord, str, str]] = []
        region = account.default_region or self.options.default_region
        for rec, mapped, existing, manager, pre_checked in items:
            deferred = manager is not None and manager.startswith("\0")
            fields = self._contact_values(
                rec, mapped, account.contacts.get(existing) if existing else None
            )
            if pre_checked is not None:
                _hand_over(fields, pre_checked, region)
            if "ReportsToId" in mapped.refs and not deferred:
                fields["reports_to"] = manager
            try:
                if existing is None:
                    last = fields.pop("last_name", None)
                    account, contact = account.add_contact(
                        last, id=mapped.our_id, phone_region=region, **fields
                    )
                    our_id, status = contact.id, "created"
                else:
                    before = account
                    previous = account.contact(existing)
                    account = account.update_contact(existing, phone_region=region, **fields)
                    our_id = existing
                    status = "unchanged" if account is before else "updated"
            except PolicyViolationError as exc:
                self._fail(rec, "Contact", first_error(exc))
                continue
            except NotFoundError as exc:
                self._fail(rec, "Contact", [(None, str(exc))])
                continue
            self._remember("Contact", rec, mapped, our_id)
            if deferred:
                assert manager is not None
                pending.append(
                    Pending(
                        rec,
                        account.id,
                        our_id,
                        manager[1:],
                        status == "created",
                        None if status == "created" else previous,
                    )
                )
            else:
                outcomes.append((rec, our_id, status))
        if account.pending_events:
            self._save(account)
        for rec, our_id, status in outcomes:
            self._ok(rec, "Contact", our_id, status)

    def _contact_values(self, rec: SourceRecord, mapped: Mapped, current: Any) -> dict[str, Any]:
        values = {k: v for k, v in mapped.values.items() if not (v is None and k in FLAGS)}
        if "mailing_address" in values:
            values["mailing_address"] = merge_address(
                current.mailing_address if current is not None else None, values["mailing_address"]
            )
        for key in ("phone", "mobile"):
            if isinstance(values.get(key), int | float):
                values[key] = str(values[key])
        values["external_ids"] = {
            **(dict(current.external_ids) if current is not None else {}),
            **self._external_ids(rec, mapped),
        }
        values["extra"] = merge_extra(current.extra if current is not None else None, mapped)
        for field, note in mapped.notes:
            self._warn(rec, field, note)
        return values

    def _link_managers(self, pending: list[Pending], *, final: bool = True) -> None:
        """Link deferred reports-to; unless ``final``, only those whose manager is settled."""
        ready = pending
        if not final:
            known, refused = self.ids["Contact"], self.refused["Contact"]
            ready = [p for p in pending if p.raw in known or p.raw in refused]
            if not ready:
                return
            pending[:] = [p for p in pending if not (p.raw in known or p.raw in refused)]
        by_account: dict[str, list[Pending]] = {}
        for p in ready:
            by_account.setdefault(p.owner_id, []).append(p)
        for account_id, items in by_account.items():
            account = self._account(account_id)
            done: list[Pending] = []
            for p in items:
                try:
                    manager = self._resolve("Contact", p.raw, "ReportsToId")
                    account = account.update_contact(p.record_id, reports_to=manager)
                    done.append(p)
                except Refused as exc:
                    account = self._undo_contact(account, p)
                    self._fail(p.record, "Contact", [(exc.field, exc.reason)])
                except PolicyViolationError as exc:
                    account = self._undo_contact(account, p)
                    self._fail(p.record, "Contact", first_error(exc))
            if account.pending_events:
                self._save(account)
            for p in done:
                self._ok(p.record, "Contact", p.record_id, "created" if p.created else "updated")

    def _undo_contact(self, account: Account, p: Pending) -> Account:
        """Take a refused row back out: a created contact goes, an updated one is reverted."""
        if self.options.mode is not ImportMode.PARTIAL or p.record_id not in account:
            return account
        if p.created:
            self._forget("Contact", p.record, p.record_id)
            return account.remove_contact(p.record_id, reassign_reports_to=None)
        if p.before is not None:
            return account.revert_contact(p.before)
        return account
