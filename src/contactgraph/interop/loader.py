"""The import engine shared by sObject Tree JSON and Data Loader CSV.

Readers turn files into :class:`SourceRecord` streams, one per sObject type,
in the order the types depend on each other (accounts, contacts,
opportunities, their contact roles, cases, account-contact relations). The
:class:`Loader` maps each record, resolves its references, matches it with
what the store already holds (by our id, then the Salesforce ``Id``, then the
namespaced ``referenceId``), and writes through the public store API, in
batches, inside one transaction.

Memory stays flat in the number of rows: the loader keeps only the index of
ids (source key -> our id), the few reports-to or parent links that point
forward, and a small cache of the accounts it is filling.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import attrs

from contactgraph.domain import (
    Account,
    AccountContactRelation,
    Case,
    CasePriority,
    CaseStatus,
    Opportunity,
    Phone,
    Stage,
    region_of_country,
)
from contactgraph.errors import (
    ContactGraphError,
    ImportRejectedError,
    InvalidValueError,
    NotFoundError,
    PolicyViolationError,
    RowError,
)
from contactgraph.interop.mapping import (
    ACCOUNT,
    CASE,
    CONTACT,
    CONTACT_ROLE,
    OPPORTUNITY,
    RELATION,
    SOBJECTS,
    Mapped,
    map_record,
    salesforce_id,
)
from contactgraph.interop.report import (
    ImportMode,
    ImportOptions,
    ImportReport,
    Progress,
)
from contactgraph.interop.results import ResultFiles
from contactgraph.repos.protocol import StoreProtocol

__all__ = ["ORDER", "Loader", "SourceRecord"]

ORDER = tuple(SOBJECTS)
"""sObject types in the order they are written."""

SF = "salesforce"
SF_REF = "salesforce_ref"
ORPHANS = "contactgraph_orphans"
NO_SUBJECT = "(no subject)"
_ACCOUNT_CACHE = 16


@attrs.define(slots=True)
class SourceRecord:
    """One record or row as read from a file.

    Attributes:
        sobject: The sObject type, as the source names it.
        fields: Field name -> value, without ``attributes`` or nested children.
        source: The file it came from (for reports and result files).
        row: Row number (CSV: the header is row 1) or position in the file.
        ref: The ``referenceId`` (or the implicit one, ``AccountRef<n>``).
        original: The values to repeat in the success or error file.
    """

    sobject: str
    fields: dict[str, Any]
    source: str
    row: int
    ref: str | None = None
    original: Mapping[str, Any] | None = None


class _Defer(Exception):
    """A reference to a record of the same type that has not been written yet."""


class _Refused(Exception):
    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


@attrs.define
class _Pending:
    record: SourceRecord
    owner_id: str
    record_id: str
    raw: str
    created: bool


_REGION_HINT = (
    "; give the account a billing country or import with "
    "ImportOptions(default_region=...), e.g. 'US'"
)


def _hint(reason: str) -> str:
    return reason + _REGION_HINT if "no default region" in reason else reason


def _first_error(exc: PolicyViolationError) -> list[tuple[str | None, str]]:
    return [(v.field, _hint(v.message)) for v in exc.errors] or [(None, str(exc))]


class Loader:
    """Writes mapped records into a store; see the module docstring.

    Args:
        store: Any store that keeps :class:`~contactgraph.repos.protocol.StoreProtocol`.
        options: The caller's choices.
        namespace: Prefix of ``referenceId``-based external ids.
        known_refs: Every ``referenceId`` of the import with its type (tree
            imports), so a forward reference can wait and a missing one is
            told apart; ``None`` when unknown (CSV).
        results: Where success and error lines go.
        progress: ``progress(done, total)``.
        total: Records to import, when known.
    """

    def __init__(
        self,
        store: StoreProtocol,
        options: ImportOptions,
        namespace: str,
        *,
        known_refs: Mapping[str, str] | None = None,
        results: ResultFiles | None = None,
        progress: Progress | None = None,
        total: int | None = None,
    ) -> None:
        self.store = store
        self.options = options
        self.namespace = namespace
        self.known_refs = known_refs
        self.results = results or ResultFiles(None)
        self.progress = progress
        self.total = total
        self.report = ImportReport()
        self.ids: dict[str, dict[str, str]] = {name: {} for name in SOBJECTS}
        self.lookups: dict[str, dict[str, str]] = {name: {} for name in SOBJECTS}
        self.refused: dict[str, set[str]] = {name: set() for name in SOBJECTS}
        self.done = 0
        self._accounts: OrderedDict[str, Account] = OrderedDict()
        self._orphan_id: str | None = None
        self._store_empty = False

    # ------------------------------------------------------------------ running

    def run(self, groups: Iterable[tuple[str, Iterable[SourceRecord]]]) -> ImportReport:
        """Import every group (``(sObject type, records)``) in one transaction.

        Raises:
            ImportRejectedError: in all-or-nothing mode, when any row was
                refused; nothing is written and the store is as it was.
        """
        rejected = False
        try:
            with self.store.transaction():
                self._store_empty = self.store.accounts.count() == 0
                for sobject, records in groups:
                    handler = self._handlers().get(sobject)
                    if handler is None:
                        self._skip_all(sobject, records)
                    else:
                        handler(records)
                if self.options.mode is ImportMode.ALL_OR_NOTHING and self.report.errors:
                    rejected = True
                    raise ImportRejectedError(self.report.errors)
        finally:
            self.results.close(rejected=rejected, report=self.report)
            self._tick(force=True)
        return self.report

    def _handlers(self) -> dict[str, Callable[[Iterable[SourceRecord]], None]]:
        return {
            "Account": self._import_accounts,
            "Contact": self._import_contacts,
            "Opportunity": self._import_opportunities,
            "OpportunityContactRole": self._import_contact_roles,
            "Case": self._import_cases,
            "AccountContactRelation": self._import_relations,
        }

    def _tick(self, n: int = 0, *, force: bool = False) -> None:
        self.done += n
        self.report.rows += n
        if self.progress is not None and (force or n):
            self.progress(self.done, self.total)

    def _batches(self, records: Iterable[SourceRecord]) -> Iterator[list[SourceRecord]]:
        it = iter(records)
        while batch := list(itertools.islice(it, self.options.batch_size)):
            yield batch

    # ------------------------------------------------------------------ outcome

    def _fail(self, rec: SourceRecord, sobject: str, errors: list[tuple[str | None, str]]) -> None:
        self.report.of(sobject).failed += 1
        for field, reason in errors:
            self.report.errors.append(
                RowError(rec.row, reason, field, rec.source, rec.ref or self._sf_id(rec))
            )
        self.results.error(rec, "; ".join(f"{f}: {r}" if f else r for f, r in errors))
        key = self._key_of(rec)
        if key:
            self.refused[sobject].add(key)

    def _ok(self, rec: SourceRecord, sobject: str, our_id: str, status: str) -> None:
        counts = self.report.of(sobject)
        if status == "created":
            counts.created += 1
        elif status == "updated":
            counts.updated += 1
        else:
            counts.unchanged += 1
        self.results.success(rec, our_id, status)

    def _warn(self, rec: SourceRecord, field: str | None, remark: str) -> None:
        self.report.warnings.append(RowError(rec.row, remark, field, rec.source, rec.ref))

    def _skip_all(self, sobject: str, records: Iterable[SourceRecord]) -> None:
        reason = (
            f"sObject type {sobject!r} is not modelled by contactgraph; the record was not imported"
        )
        for batch in self._batches(records):
            for rec in batch:
                self.report.of(sobject).skipped += 1
                self.report.skipped.append(RowError(rec.row, reason, None, rec.source, rec.ref))
                self.results.error(rec, reason)
                self._check_refs_of_skipped(rec)
            self._tick(len(batch))

    def _check_refs_of_skipped(self, rec: SourceRecord) -> None:
        if self.known_refs is None:
            return
        for field, value in rec.fields.items():
            if (
                isinstance(value, str)
                and value.startswith("@")
                and value[1:] not in self.known_refs
            ):
                self._warn(rec, field, f"reference {value} matches no record of this import")

    # --------------------------------------------------------------- identities

    @staticmethod
    def _sf_id(rec: SourceRecord) -> str | None:
        for key, value in rec.fields.items():
            if key.casefold() == "id" and isinstance(value, str) and value.strip():
                return salesforce_id(value.strip())
        return None

    def _key_of(self, rec: SourceRecord) -> str | None:
        return ("@" + rec.ref) if rec.ref else self._sf_id(rec)

    def _ref_key(self, rec: SourceRecord) -> str | None:
        return f"{self.namespace}:{rec.ref}" if rec.ref else None

    def _external_ids(self, rec: SourceRecord, mapped: Mapped) -> dict[str, str]:
        ids = dict(mapped.external_ids)
        if mapped.salesforce_id:
            ids[SF] = mapped.salesforce_id
        elif rec.ref and not mapped.our_id and SF_REF not in ids:
            ids[SF_REF] = f"{self.namespace}:{rec.ref}"
        return ids

    def _remember(self, sobject: str, rec: SourceRecord, mapped: Mapped, our_id: str) -> None:
        index = self.ids[sobject]
        if rec.ref:
            index["@" + rec.ref] = our_id
        if mapped.salesforce_id:
            index[mapped.salesforce_id] = our_id
        if mapped.our_id:
            index[mapped.our_id] = our_id

    def _seen_twice(self, sobject: str, rec: SourceRecord, mapped: Mapped) -> bool:
        index = self.ids[sobject]
        return bool(
            (rec.ref and "@" + rec.ref in index)
            or (mapped.salesforce_id and mapped.salesforce_id in index)
        )

    def _find_existing(self, sobject: str, rec: SourceRecord, mapped: Mapped) -> str | None:
        """Our id of the stored record this one updates, if any."""
        index = self.ids[sobject]
        for key in (mapped.our_id, mapped.salesforce_id, ("@" + rec.ref) if rec.ref else None):
            if key and key in index:
                return index[key]
        if self._store_empty and sobject in ("Account", "Contact"):
            return None
        if mapped.our_id and self._exists(sobject, mapped.our_id):
            return mapped.our_id
        candidates = [(SF, mapped.salesforce_id)]
        candidates.extend((system, value) for system, value in mapped.external_ids.items())
        if not mapped.salesforce_id and rec.ref:
            candidates.append((SF_REF, f"{self.namespace}:{rec.ref}"))
        for system, value in candidates:
            if value:
                found = self._by_external_id(sobject, system, value)
                if found:
                    return found
        return None

    def _exists(self, sobject: str, our_id: str) -> bool:
        try:
            if sobject == "Account":
                self.store.accounts.get(our_id)
            elif sobject == "Contact":
                self.store.accounts.account_of(our_id)
            elif sobject == "Opportunity":
                self.store.opportunities.get(our_id)
            elif sobject == "Case":
                self.store.cases.get(our_id)
            else:
                self.store.relations.get(our_id)
        except NotFoundError:
            return False
        return True

    def _by_external_id(self, sobject: str, system: str, value: str) -> str | None:
        found: Any
        if sobject == "Account":
            found = self.store.accounts.find_by_external_id(system, value)
        elif sobject == "Contact":
            found = self.store.accounts.find_contact_by_external_id(system, value)
        elif sobject == "Opportunity":
            found = self.store.opportunities.find_by_external_id(system, value)
        elif sobject == "Case":
            found = self.store.cases.find_by_external_id(system, value)
        else:
            return None
        return found.id if found is not None else None

    # --------------------------------------------------------------- references

    def _resolve(self, target: str, raw: str, field: str, *, may_wait: bool = False) -> str:
        """Our id of the ``target`` record that ``raw`` names.

        ``raw`` is ``@referenceId``, a Salesforce Id or one of our ids.

        Raises:
            _Defer: ``may_wait`` and the record may still come later in this import.
            _Refused: the reference cannot be resolved (missing, refused, skipped).
        """
        index = self.ids[target]
        if raw in index:
            return index[raw]
        cache = self.lookups[target]
        if raw in cache:
            return cache[raw]
        if raw.startswith("@"):
            ref = raw[1:]
            if raw in self.refused[target]:
                raise _Refused(field, f"refers to {raw}, which was refused")
            if self.known_refs is not None and ref in self.known_refs:
                kind = self.known_refs[ref]
                if kind != target and SOBJECTS.get(kind) is None:
                    raise _Refused(
                        field,
                        f"refers to {raw}, a {kind} record, which contactgraph does not import",
                    )
                if kind != target:
                    raise _Refused(
                        field, f"refers to {raw}, a {kind}, where a {target} is expected"
                    )
                if may_wait:
                    raise _Defer
                raise _Refused(field, f"refers to {raw}, which was not imported")
            found = self._by_external_id(target, SF_REF, f"{self.namespace}:{ref}")
            if found:
                cache[raw] = found
                return found
            if may_wait and self.known_refs is None:
                raise _Defer
            raise _Refused(
                field,
                f"missing reference {raw}: no {target} record has referenceId {ref!r} in this import",
            )
        if raw in self.refused[target]:
            raise _Refused(field, f"refers to {target} {raw}, which was refused")
        found = (
            None
            if self._store_empty and target in ("Account", "Contact")
            else (
                self._by_external_id(target, SF, raw)
                or (raw if self._exists(target, raw) else None)
            )
        )
        if found:
            cache[raw] = found
            return found
        if may_wait:
            raise _Defer
        raise _Refused(field, f"unknown {target} {raw!r} (not in this import nor in the store)")

    # ----------------------------------------------------------------- accounts

    def _account(self, account_id: str) -> Account:
        cached = self._accounts.get(account_id)
        if cached is not None:
            self._accounts.move_to_end(account_id)
            return cached
        account = self.store.accounts.get(account_id)
        self._cache(account)
        return account

    def _cache(self, account: Account) -> None:
        self._accounts[account.id] = account
        self._accounts.move_to_end(account.id)
        while len(self._accounts) > _ACCOUNT_CACHE:
            self._accounts.popitem(last=False)

    def _save(self, account: Account) -> Account:
        stored = (
            self.store.accounts.add(account)
            if account.version == 0
            else self.store.accounts.save(account)
        )
        self._cache(stored)
        return stored

    def _region(self, billing: Mapping[str, Any] | None, region_field: Any) -> str | None:
        if isinstance(region_field, str) and region_field.strip():
            return region_field.strip().upper()
        country = (billing or {}).get("country")
        found = region_of_country(country) if isinstance(country, str) else None
        return found or self.options.default_region

    def _account_values(
        self, rec: SourceRecord, mapped: Mapped, current: Account | None
    ) -> dict[str, Any]:
        values = dict(mapped.values)
        for group in ("billing_address", "shipping_address"):
            if group in values:
                values[group] = _merge_address(getattr(current, group, None), values[group])
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
                raise _Refused("Phone", _hint(exc.reason)) from None
        values["external_ids"] = {
            **(dict(current.external_ids) if current else {}),
            **self._external_ids(rec, mapped),
        }
        values["extra"] = _merge_extra(current.extra if current else None, mapped)
        return values

    def _import_accounts(self, records: Iterable[SourceRecord]) -> None:
        pending: list[_Pending] = []
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
            except _Refused as exc:
                self._undo_account(p)
                self._fail(p.record, "Account", [(exc.field, exc.reason)])

    def _undo_account(self, p: _Pending) -> None:
        if self.options.mode is ImportMode.PARTIAL and p.created:
            self.store.accounts.remove(p.record_id)
            self._accounts.pop(p.record_id, None)
            for key in [k for k, v in self.ids["Account"].items() if v == p.record_id]:
                del self.ids["Account"][key]

    def _one_account(self, rec: SourceRecord, pending: list[_Pending]) -> None:
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
                except _Defer:
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
        except _Refused as exc:
            self._fail(rec, "Account", [(exc.field, exc.reason)])
            return
        except PolicyViolationError as exc:
            self._fail(rec, "Account", _first_error(exc))
            return
        self._remember("Account", rec, mapped, account.id)
        if wait:
            pending.append(_Pending(rec, account.id, account.id, parent_raw, status == "created"))
        else:
            self._ok(rec, "Account", account.id, status)

    # ----------------------------------------------------------------- orphans

    def _orphan_account(self) -> str:
        if self._orphan_id is not None:
            return self._orphan_id
        name = self.options.orphan_account
        assert name is not None
        if self._exists("Account", name):
            self._orphan_id = name
            return name
        found = self.store.accounts.find_by_external_id(ORPHANS, name)
        if found is None:
            account = Account.create(name, external_ids={ORPHANS: name})
            found = self._save(account)
            self.report.of("Account").created += 1
        self._orphan_id = found.id
        return found.id

    # ----------------------------------------------------------------- contacts

    def _import_contacts(self, records: Iterable[SourceRecord]) -> None:
        pending: list[_Pending] = []
        for batch in self._batches(records):
            plan: dict[str, list[tuple[SourceRecord, Mapped, str | None, str | None]]] = {}
            for rec in batch:
                prepared = self._prepare_contact(rec, pending)
                if prepared is not None:
                    account_id, mapped, existing, manager = prepared
                    plan.setdefault(account_id, []).append((rec, mapped, existing, manager))
            for account_id, items in plan.items():
                self._apply_contacts(account_id, items, pending)
            self._tick(len(batch))
        self._link_managers(pending)

    def _prepare_contact(
        self, rec: SourceRecord, pending: list[_Pending]
    ) -> tuple[str, Mapped, str | None, str | None] | None:
        mapped = map_record(CONTACT, rec.fields)
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
                    raise _Refused(None, "this record appears twice in the import") from None
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
                    raise _Refused(
                        "AccountId",
                        "a contact needs an account (this is a Salesforce private contact); "
                        "import it with orphan_account=<account name or id> to place it under one",
                    )
            manager: str | None = None
            raw_manager = mapped.refs.get("ReportsToId", "")
            if raw_manager:
                try:
                    manager = self._resolve("Contact", raw_manager, "ReportsToId", may_wait=True)
                except _Defer:
                    manager = "\0" + raw_manager
        except _Refused as exc:
            self._fail(rec, "Contact", [(exc.field, exc.reason)])
            return None
        return account_id, mapped, existing, manager

    def _apply_contacts(
        self,
        account_id: str,
        items: list[tuple[SourceRecord, Mapped, str | None, str | None]],
        pending: list[_Pending],
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
        for rec, mapped, existing, manager in items:
            deferred = manager is not None and manager.startswith("\0")
            fields = self._contact_values(
                rec, mapped, account.contacts.get(existing) if existing else None
            )
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
                    account = account.update_contact(existing, phone_region=region, **fields)
                    our_id = existing
                    status = "unchanged" if account is before else "updated"
            except PolicyViolationError as exc:
                self._fail(rec, "Contact", _first_error(exc))
                continue
            except NotFoundError as exc:
                self._fail(rec, "Contact", [(None, str(exc))])
                continue
            self._remember("Contact", rec, mapped, our_id)
            if deferred:
                assert manager is not None
                pending.append(_Pending(rec, account.id, our_id, manager[1:], status == "created"))
            else:
                outcomes.append((rec, our_id, status))
        if account.pending_events:
            self._save(account)
        for rec, our_id, status in outcomes:
            self._ok(rec, "Contact", our_id, status)

    def _contact_values(self, rec: SourceRecord, mapped: Mapped, current: Any) -> dict[str, Any]:
        values = {k: v for k, v in mapped.values.items() if not (v is None and k in _FLAGS)}
        if "mailing_address" in values:
            values["mailing_address"] = _merge_address(
                current.mailing_address if current is not None else None, values["mailing_address"]
            )
        for key in ("phone", "mobile"):
            if isinstance(values.get(key), int | float):
                values[key] = str(values[key])
        values["external_ids"] = {
            **(dict(current.external_ids) if current is not None else {}),
            **self._external_ids(rec, mapped),
        }
        values["extra"] = _merge_extra(current.extra if current is not None else None, mapped)
        for field, note in mapped.notes:
            self._warn(rec, field, note)
        return values

    def _link_managers(self, pending: list[_Pending]) -> None:
        by_account: dict[str, list[_Pending]] = {}
        for p in pending:
            by_account.setdefault(p.owner_id, []).append(p)
        for account_id, items in by_account.items():
            account = self._account(account_id)
            done: list[_Pending] = []
            for p in items:
                try:
                    manager = self._resolve("Contact", p.raw, "ReportsToId")
                    account = account.update_contact(p.record_id, reports_to=manager)
                    done.append(p)
                except _Refused as exc:
                    account = self._undo_contact(account, p)
                    self._fail(p.record, "Contact", [(exc.field, exc.reason)])
                except PolicyViolationError as exc:
                    account = self._undo_contact(account, p)
                    self._fail(p.record, "Contact", _first_error(exc))
            if account.pending_events:
                self._save(account)
            for p in done:
                self._ok(p.record, "Contact", p.record_id, "created" if p.created else "updated")

    def _undo_contact(self, account: Account, p: _Pending) -> Account:
        if self.options.mode is ImportMode.PARTIAL and p.created and p.record_id in account:
            for key in [k for k, v in self.ids["Contact"].items() if v == p.record_id]:
                del self.ids["Contact"][key]
            return account.remove_contact(p.record_id, reassign_reports_to=None)
        return account

    # ------------------------------------------------------------ opportunities

    def _import_opportunities(self, records: Iterable[SourceRecord]) -> None:
        for batch in self._batches(records):
            for rec in batch:
                self._one_opportunity(rec)
            self._tick(len(batch))

    def _picklist(
        self,
        rec: SourceRecord,
        mapped: Mapped,
        *,
        key: str,
        api: str,
        parse: Callable[[Any], Any],
        default: Any,
    ) -> Any:
        value = mapped.values.get(key)
        if value is None:
            return default
        try:
            return parse(value)
        except InvalidValueError:
            mapped.extra[f"{api}__original"] = value
            mapped.extra_fields.add(f"{api}__original")
            self._warn(
                rec,
                api,
                f"{value!r} is not a standard {api} value: stored as {default.value!r}, "
                f"the original kept in extra[{api + '__original'!r}]",
            )
            return default

    def _one_opportunity(self, rec: SourceRecord) -> None:
        mapped = map_record(OPPORTUNITY, rec.fields)
        if mapped.problems:
            self._fail(rec, "Opportunity", list(mapped.problems))
            return
        if self._seen_twice("Opportunity", rec, mapped):
            self._fail(rec, "Opportunity", [(None, "this record appears twice in the import")])
            return
        try:
            raw = mapped.refs.get("AccountId", "")
            if not raw:
                raise _Refused("AccountId", "an opportunity needs an account")
            account_id = self._resolve("Account", raw, "AccountId")
            existing_id = self._find_existing("Opportunity", rec, mapped)
            current = self.store.opportunities.get(existing_id) if existing_id else None
            v = mapped.values
            stage = self._picklist(
                rec,
                mapped,
                key="stage",
                api="StageName",
                parse=Stage.parse,
                default=current.stage if current else Stage.PROSPECTING,
            )
            fields: dict[str, Any] = {
                "account_id": account_id,
                "stage": stage,
                "external_ids": {
                    **(dict(current.external_ids) if current else {}),
                    **self._external_ids(rec, mapped),
                },
                "extra": _merge_extra(current.extra if current else None, mapped),
            }
            for key in ("name", "close_date", "description"):
                if key in v:
                    fields[key] = v[key]
            if "amount" in v or "currency" in v:
                amount = v.get(
                    "amount", current.amount.amount if current and current.amount else None
                )
                fields["amount"] = amount
                fields["currency"] = v.get("currency") or (
                    current.amount.currency
                    if current and current.amount
                    else self.options.default_currency
                )
                if amount is None:
                    fields.pop("currency")
            for field, note in mapped.notes:
                self._warn(rec, field, note)
            if current is None:
                name = fields.pop("name", None)
                opp = Opportunity.create(name, fields.pop("account_id"), id=mapped.our_id, **fields)
                opp = self.store.opportunities.add(opp)
                status = "created"
            else:
                updated = current.update(**fields)
                status = "unchanged" if updated is current else "updated"
                opp = self.store.opportunities.save(updated) if updated is not current else current
        except _Refused as exc:
            self._fail(rec, "Opportunity", [(exc.field, exc.reason)])
            return
        except PolicyViolationError as exc:
            self._fail(rec, "Opportunity", _first_error(exc))
            return
        except ContactGraphError as exc:
            self._fail(rec, "Opportunity", [(None, str(exc))])
            return
        self._remember("Opportunity", rec, mapped, opp.id)
        self._ok(rec, "Opportunity", opp.id, status)

    def _import_contact_roles(self, records: Iterable[SourceRecord]) -> None:
        for batch in self._batches(records):
            for rec in batch:
                mapped = map_record(CONTACT_ROLE, rec.fields)
                try:
                    if mapped.problems:
                        field, reason = mapped.problems[0]
                        raise _Refused(field, reason)
                    opp_raw = mapped.refs.get("OpportunityId", "")
                    contact_raw = mapped.refs.get("ContactId", "")
                    if not opp_raw or not contact_raw:
                        raise _Refused(
                            "OpportunityId" if not opp_raw else "ContactId",
                            "a contact role needs an opportunity and a contact",
                        )
                    opp_id = self._resolve("Opportunity", opp_raw, "OpportunityId")
                    contact_id = self._resolve("Contact", contact_raw, "ContactId")
                    opp = self.store.opportunities.get(opp_id)
                    primary = bool(mapped.values.get("is_primary"))
                    updated = opp.add_contact_role(
                        contact_id, mapped.values.get("role"), primary=primary
                    )
                    if updated is not opp:
                        self.store.opportunities.save(updated)
                    self._ok(
                        rec,
                        "OpportunityContactRole",
                        opp_id,
                        "unchanged" if updated is opp else "created",
                    )
                except _Refused as exc:
                    self._fail(rec, "OpportunityContactRole", [(exc.field, exc.reason)])
                except PolicyViolationError as exc:
                    self._fail(rec, "OpportunityContactRole", _first_error(exc))
                except ContactGraphError as exc:
                    self._fail(rec, "OpportunityContactRole", [(None, str(exc))])
            self._tick(len(batch))

    # -------------------------------------------------------------------- cases

    def _import_cases(self, records: Iterable[SourceRecord]) -> None:
        for batch in self._batches(records):
            for rec in batch:
                self._one_case(rec)
            self._tick(len(batch))

    def _one_case(self, rec: SourceRecord) -> None:
        mapped = map_record(CASE, rec.fields)
        if mapped.problems:
            self._fail(rec, "Case", list(mapped.problems))
            return
        if self._seen_twice("Case", rec, mapped):
            self._fail(rec, "Case", [(None, "this record appears twice in the import")])
            return
        try:
            contact_raw = mapped.refs.get("ContactId", "")
            account_raw = mapped.refs.get("AccountId", "")
            contact_id = self._resolve("Contact", contact_raw, "ContactId") if contact_raw else None
            if account_raw:
                account_id = self._resolve("Account", account_raw, "AccountId")
            elif contact_id is not None:
                account_id = self.store.accounts.account_of(contact_id).id
            else:
                raise _Refused("AccountId", "a case needs an account or a contact")
            existing_id = self._find_existing("Case", rec, mapped)
            current = self.store.cases.get(existing_id) if existing_id else None
            v = mapped.values
            fields: dict[str, Any] = {
                "status": self._picklist(
                    rec,
                    mapped,
                    key="status",
                    api="Status",
                    parse=_case_status,
                    default=current.status if current else CaseStatus.NEW,
                ),
                "priority": self._picklist(
                    rec,
                    mapped,
                    key="priority",
                    api="Priority",
                    parse=_case_priority,
                    default=current.priority if current else CasePriority.MEDIUM,
                ),
                "external_ids": {
                    **(dict(current.external_ids) if current else {}),
                    **self._external_ids(rec, mapped),
                },
                "extra": _merge_extra(current.extra if current else None, mapped),
            }
            for key in ("origin", "type", "reason", "description"):
                if key in v:
                    fields[key] = v[key]
            subject = v.get("subject")
            if subject is None and current is None:
                subject = NO_SUBJECT
                self._warn(rec, "Subject", f"no subject in the source: {NO_SUBJECT!r} used")
            for field, note in mapped.notes:
                self._warn(rec, field, note)
            if current is None:
                case = Case.create(subject, account_id, contact_id, id=mapped.our_id, **fields)  # type: ignore[arg-type]
                case = self.store.cases.add(case)
                status = "created"
            else:
                if subject is not None:
                    fields["subject"] = subject
                fields.update(account_id=account_id, contact_id=contact_id)
                updated = current.update(**fields)
                status = "unchanged" if updated is current else "updated"
                case = self.store.cases.save(updated) if updated is not current else current
        except _Refused as exc:
            self._fail(rec, "Case", [(exc.field, exc.reason)])
            return
        except PolicyViolationError as exc:
            self._fail(rec, "Case", _first_error(exc))
            return
        except ContactGraphError as exc:
            self._fail(rec, "Case", [(None, str(exc))])
            return
        self._remember("Case", rec, mapped, case.id)
        self._ok(rec, "Case", case.id, status)

    # --------------------------------------------------------------- relations

    def _import_relations(self, records: Iterable[SourceRecord]) -> None:
        for batch in self._batches(records):
            for rec in batch:
                self._one_relation(rec)
            self._tick(len(batch))

    def _one_relation(self, rec: SourceRecord) -> None:
        mapped = map_record(RELATION, rec.fields)
        try:
            if mapped.problems:
                field, reason = mapped.problems[0]
                raise _Refused(field, reason)
            account_raw = mapped.refs.get("AccountId", "")
            contact_raw = mapped.refs.get("ContactId", "")
            if not account_raw or not contact_raw:
                raise _Refused(
                    "AccountId" if not account_raw else "ContactId",
                    "a relation needs an account and a contact",
                )
            account_id = self._resolve("Account", account_raw, "AccountId")
            contact_id = self._resolve("Contact", contact_raw, "ContactId")
            owner = self.store.accounts.account_of(contact_id)
            if owner.id == account_id:
                self._warn(
                    rec,
                    "AccountId",
                    "the contact already belongs to this account (Salesforce's direct relation); "
                    "nothing to record",
                )
                self._ok(rec, "AccountContactRelation", contact_id, "unchanged")
                return
            v = mapped.values
            fields: dict[str, Any] = {
                k: v[k] for k in ("roles", "title", "start_date", "end_date") if k in v
            }
            if v.get("is_active") is not None:
                fields["is_active"] = v["is_active"]
            if fields.get("roles") is None:
                fields.pop("roles", None)
            found = self.store.relations.list(account_id=account_id, contact_id=contact_id)
            built = AccountContactRelation.create(
                account_id,
                contact_id,
                id=mapped.our_id or (found[0].id if found else None),
                **fields,
            )
            if found:
                current = found[0]
                merged = attrs.evolve(built, version=current.version, created_at=current.created_at)
                if merged == current:
                    self._ok(rec, "AccountContactRelation", current.id, "unchanged")
                    return
                rel = self.store.relations.save(merged)
                status = "updated"
            else:
                rel = self.store.relations.add(built)
                status = "created"
        except _Refused as exc:
            self._fail(rec, "AccountContactRelation", [(exc.field, exc.reason)])
            return
        except PolicyViolationError as exc:
            self._fail(rec, "AccountContactRelation", _first_error(exc))
            return
        except ContactGraphError as exc:
            self._fail(rec, "AccountContactRelation", [(None, str(exc))])
            return
        self._ok(rec, "AccountContactRelation", rel.id, status)


_FLAGS = frozenset({"active", "email_opt_out", "do_not_call"})


def _case_status(value: Any) -> CaseStatus:
    for member in CaseStatus:
        if isinstance(value, str) and member.value.casefold() == value.strip().casefold():
            return member
    raise InvalidValueError("not a standard status", field="status", value=value)


def _case_priority(value: Any) -> CasePriority:
    for member in CasePriority:
        if isinstance(value, str) and member.value.casefold() == value.strip().casefold():
            return member
    raise InvalidValueError("not a standard priority", field="priority", value=value)


def _merge_address(current: Any, parts: Mapping[str, Any]) -> dict[str, Any]:
    base: dict[str, Any] = attrs.asdict(current) if current is not None else {}
    base.update(parts)
    return {k: v for k, v in base.items() if v is not None}


def _merge_extra(current: Mapping[str, Any] | None, mapped: Mapped) -> dict[str, Any]:
    out = dict(current or {})
    for key in mapped.extra_fields:
        out.pop(key, None)
    out.update(mapped.extra)
    return out
