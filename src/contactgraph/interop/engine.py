"""The import engine's plumbing: outcomes, identities, references and the account cache.

Readers turn files into :class:`SourceRecord` streams, one per sObject type,
in the order the types depend on each other. The engine maps each record,
resolves its references, matches it with what the store already holds (by
our id, then the Salesforce ``Id``, then the namespaced ``referenceId``), and
the per-type steps (:mod:`contactgraph.interop.people`,
:mod:`contactgraph.interop.loader`) write through the public store API, in
batches, inside one transaction.

Memory stays flat in the number of rows: the engine keeps the index of ids
(source key -> our id), the few reports-to or parent links that point
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
    Contact,
    region_of_country,
)
from contactgraph.errors import (
    ImportRejectedError,
    InvalidValueError,
    NotFoundError,
    PolicyViolationError,
    RowError,
)
from contactgraph.interop.mapping import (
    SOBJECTS,
    Mapped,
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

__all__ = ["ORDER", "Engine", "SourceRecord"]

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


class Defer(Exception):
    """A reference to a record of the same type that has not been written yet."""


class Refused(Exception):
    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


@attrs.define
class Pending:
    record: SourceRecord
    owner_id: str
    record_id: str
    raw: str
    created: bool
    before: Contact | None = None
    """The contact as it was before this import changed it (``None`` when created)."""


_REGION_HINT = (
    "; give the account a billing country or import with "
    "ImportOptions(default_region=...), e.g. 'US'"
)


def region_hint(reason: str) -> str:
    return reason + _REGION_HINT if "no default region" in reason else reason


def first_error(exc: PolicyViolationError) -> list[tuple[str | None, str]]:
    return [(v.field, region_hint(v.message)) for v in exc.errors] or [(None, str(exc))]


class Engine:
    """Shared plumbing of the importer; :class:`~contactgraph.interop.loader.Loader` adds the steps.

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
        self.regions: dict[str, str | None] = {}
        """Account id -> the region its contacts' national phones are read in."""
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
        raise NotImplementedError

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

    def _forget(self, sobject: str, rec: SourceRecord, our_id: str) -> None:
        """Drop the index entries of a record that was written, then undone."""
        index = self.ids[sobject]
        for key in ("@" + rec.ref if rec.ref else None, self._sf_id(rec), our_id):
            if key is not None and index.get(key) == our_id:
                del index[key]

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
            Defer: ``may_wait`` and the record may still come later in this import.
            Refused: the reference cannot be resolved (missing, refused, skipped).
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
                raise Refused(field, f"refers to {raw}, which was refused")
            if self.known_refs is not None and ref in self.known_refs:
                kind = self.known_refs[ref]
                if kind != target and SOBJECTS.get(kind) is None:
                    raise Refused(
                        field,
                        f"refers to {raw}, a {kind} record, which contactgraph does not import",
                    )
                if kind != target:
                    raise Refused(field, f"refers to {raw}, a {kind}, where a {target} is expected")
                if may_wait:
                    raise Defer
                raise Refused(field, f"refers to {raw}, which was not imported")
            found = self._by_external_id(target, SF_REF, f"{self.namespace}:{ref}")
            if found:
                cache[raw] = found
                return found
            if may_wait and self.known_refs is None:
                raise Defer
            raise Refused(
                field,
                f"missing reference {raw}: no {target} record has referenceId {ref!r} in this import",
            )
        if raw in self.refused[target]:
            raise Refused(field, f"refers to {target} {raw}, which was refused")
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
            raise Defer
        raise Refused(field, f"unknown {target} {raw!r} (not in this import nor in the store)")

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
        self.regions[account.id] = account.default_region or self.options.default_region
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


FLAGS = frozenset({"active", "email_opt_out", "do_not_call"})


def merge_address(current: Any, parts: Mapping[str, Any]) -> dict[str, Any]:
    base: dict[str, Any] = attrs.asdict(current) if current is not None else {}
    base.update(parts)
    return {k: v for k, v in base.items() if v is not None}


def merge_extra(current: Mapping[str, Any] | None, mapped: Mapped) -> dict[str, Any]:
    out = dict(current or {})
    for key in mapped.extra_fields:
        out.pop(key, None)
    out.update(mapped.extra)
    return out
