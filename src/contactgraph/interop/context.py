"""One import's state and plumbing: outcomes, identities, references, the account cache.

An :class:`ImportContext` is made per import. It runs each group of records
through the step chosen for its sObject type (the table in
:mod:`contactgraph.interop.steps`), inside one transaction. The steps ask it
to match a record with what the store holds (by our id, then the Salesforce
``Id``, then the namespaced ``referenceId``), to resolve references, and to
record outcomes; every record's errors go through one :meth:`~ImportContext.guard`.

Memory stays flat in the number of rows: the context keeps the index of ids
(source key -> our id), the few reports-to or parent links that point
forward, and a small cache of the accounts it is filling.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import attrs

from contactgraph.domain import Account, region_of_country
from contactgraph.errors import (
    ConcurrencyError,
    ContactGraphError,
    ImportRejectedError,
    InvalidValueError,
    NotFoundError,
    PolicyViolationError,
    RowError,
    StoreUnavailableError,
)
from contactgraph.interop.mapping import SOBJECTS, Mapped, salesforce_id
from contactgraph.interop.records import Defer, Refused, SourceRecord
from contactgraph.interop.report import ImportMode, ImportOptions, ImportReport, Progress
from contactgraph.interop.results import ResultFiles
from contactgraph.repos.protocol import StoreProtocol

__all__ = [
    "FLAGS",
    "NO_SUBJECT",
    "ORDER",
    "Attempt",
    "ImportContext",
    "Step",
    "merge_address",
    "merge_extra",
    "region_hint",
]

ORDER = tuple(SOBJECTS)
"""sObject types in the order they are written."""

SF = "salesforce"
SF_REF = "salesforce_ref"
ORPHANS = "contactgraph_orphans"
NO_SUBJECT = "(no subject)"
FLAGS = frozenset({"active", "email_opt_out", "do_not_call"})
_ACCOUNT_CACHE = 16

Step = Callable[["ImportContext", Iterable[SourceRecord]], None]
"""Writes the records of one sObject type: ``step(context, records)``."""


@attrs.frozen
class _Kind:
    """How the store finds one sObject type: by our id, and by an external id."""

    get: Callable[[StoreProtocol, str], object]
    by_external_id: Callable[[StoreProtocol, str, str], Any] | None = None


_KINDS: Mapping[str, _Kind] = {
    "Account": _Kind(
        lambda s, i: s.accounts.get(i), lambda s, sys, v: s.accounts.find_by_external_id(sys, v)
    ),
    "Contact": _Kind(
        lambda s, i: s.accounts.account_of(i),
        lambda s, sys, v: s.accounts.find_contact_by_external_id(sys, v),
    ),
    "Opportunity": _Kind(
        lambda s, i: s.opportunities.get(i),
        lambda s, sys, v: s.opportunities.find_by_external_id(sys, v),
    ),
    "Case": _Kind(
        lambda s, i: s.cases.get(i), lambda s, sys, v: s.cases.find_by_external_id(sys, v)
    ),
}
_RELATION = _Kind(lambda s, i: s.relations.get(i))

_REGION_HINT = (
    "; give the account a billing country or import with "
    "ImportOptions(default_region=...), e.g. 'US'"
)


def region_hint(reason: str) -> str:
    """``reason``, with how to give a region when it is the missing one."""
    return reason + _REGION_HINT if "no default region" in reason else reason


def _errors_of(exc: PolicyViolationError) -> list[tuple[str | None, str]]:
    return [(v.field, region_hint(v.message)) for v in exc.errors] or [(None, str(exc))]


def merge_address(current: Any, parts: Mapping[str, Any]) -> dict[str, Any]:
    """An address's stored parts overlaid with the source's."""
    base: dict[str, Any] = attrs.asdict(current) if current is not None else {}
    base.update(parts)
    return {k: v for k, v in base.items() if v is not None}


def merge_extra(current: Mapping[str, Any] | None, mapped: Mapped) -> dict[str, Any]:
    """Stored custom fields overlaid with the source's (a blank source field clears one)."""
    out = dict(current or {})
    for key in mapped.extra_fields:
        out.pop(key, None)
    out.update(mapped.extra)
    return out


@attrs.define
class Attempt:
    """What :meth:`ImportContext.guard` tells after its block: whether the record was refused."""

    failed: bool = False


class ImportContext:
    """The state of one import, which drives the per-type steps.

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
        self.regions: dict[str, str | None] = {}
        """Account id -> the region its contacts' national phones are read in."""
        self.store_empty = False
        self._accounts: OrderedDict[str, Account] = OrderedDict()
        self._orphan_id: str | None = None
        self._rows: dict[str, tuple[int, str, str | None]] = {}
        """Our id -> where the record written under it came from (row, file, reference).

        Kept for every type but contacts, the bulk of an import, which commit-time
        rules do not name (they are written through their account's checks).
        """

    # ------------------------------------------------------------------ running

    def run(
        self, groups: Iterable[tuple[str, Iterable[SourceRecord]]], steps: Mapping[str, Step]
    ) -> ImportReport:
        """Import every group (``(sObject type, records)``) in one transaction.

        Each group goes to ``steps[type]``; a type without a step is reported as skipped.

        Raises:
            ImportRejectedError: in all-or-nothing mode, when any row was
                refused; nothing is written and the store is as it was.
        """
        committed = False
        refused: dict[str, str] | None = None
        try:
            try:
                with self.store.transaction():
                    self.store_empty = self.store.accounts.count() == 0
                    for sobject, records in groups:
                        step = steps.get(sobject)
                        if step is None:
                            _skip_all(self, sobject, records)
                        else:
                            step(self, records)
                    if self.options.mode is ImportMode.ALL_OR_NOTHING and self.report.errors:
                        raise ImportRejectedError(self.report.errors)
            except PolicyViolationError as exc:
                # a rule checked at commit time: nothing landed, the rows it names are told
                refused, named = self._named_by(exc)
                raise ImportRejectedError(
                    [*named, *self.report.errors],
                    "import rejected at commit, nothing was written",
                ) from exc
            committed = True
        finally:
            self.results.close(committed=committed, report=self.report, refused=refused)
            self.tick(force=True)
        return self.report

    def _named_by(self, exc: PolicyViolationError) -> tuple[dict[str, str], list[RowError]]:
        """The rows a commit-time refusal names: our id -> reason, and a row error for each."""
        refused: dict[str, str] = {}
        named: list[RowError] = []
        for v in exc.errors or exc.violations:
            reason = f"{v.code}: {v.message}"
            where = self._rows.get(v.entity_id or "")
            if where is None:
                named.append(RowError(0, reason, v.field, "", self._key_for(v.entity_id)))
                continue
            row, source, record = where
            refused[v.entity_id or ""] = reason
            named.append(RowError(row, reason, v.field, source, record))
        return refused, named

    def _key_for(self, our_id: str | None) -> str | None:
        """The source's name for a record this import wrote (a scan: only after a failure)."""
        for index in self.ids.values():
            for key, value in index.items():
                if value == our_id:
                    return key.removeprefix("@")
        return our_id

    def tick(self, n: int = 0, *, force: bool = False) -> None:
        """Count ``n`` more records handled, and tell the progress callback."""
        self.done += n
        self.report.rows += n
        if self.progress is not None and (force or n):
            self.progress(self.done, self.total)

    def batches(self, records: Iterable[SourceRecord]) -> Iterator[list[SourceRecord]]:
        """``records`` in lists of ``options.batch_size``."""
        it = iter(records)
        while batch := list(itertools.islice(it, self.options.batch_size)):
            yield batch

    def each(self, records: Iterable[SourceRecord], one: Callable[[SourceRecord], None]) -> None:
        """Run ``one`` on every record, batch by batch, counting progress."""
        for batch in self.batches(records):
            for rec in batch:
                one(rec)
            self.tick(len(batch))

    # ------------------------------------------------------------------ outcome

    @contextlib.contextmanager
    def guard(self, rec: SourceRecord, sobject: str) -> Iterator[Attempt]:
        """Report the record as refused when its block raises a refusal or a library error.

        Store failures (:class:`~contactgraph.errors.ConcurrencyError`,
        :class:`~contactgraph.errors.StoreUnavailableError`) are not a row's
        fault: they pass through and end the import.
        """
        attempt = Attempt()
        errors: list[tuple[str | None, str]]
        try:
            yield attempt
        except _Problems as exc:
            errors = list(exc.problems)
        except Refused as exc:
            errors = [(exc.field, exc.reason)]
        except PolicyViolationError as exc:
            errors = _errors_of(exc)
        except (ConcurrencyError, StoreUnavailableError, ImportRejectedError):
            raise
        except ContactGraphError as exc:
            errors = [(None, str(exc))]
        except ArithmeticError as exc:  # a value the domain could not convert (overflow)
            errors = [(None, f"a value is out of range: {exc}")]
        else:
            return
        attempt.failed = True
        self.fail(rec, sobject, errors)

    def fail(self, rec: SourceRecord, sobject: str, errors: list[tuple[str | None, str]]) -> None:
        """Report a refused record, in the report and the error file."""
        self.report.of(sobject).failed += 1
        for field, reason in errors:
            self.report.errors.append(
                RowError(rec.row, reason, field, rec.source, rec.ref or self.sf_id(rec))
            )
        self.results.error(rec, "; ".join(f"{f}: {r}" if f else r for f, r in errors))
        key = self.key_of(rec)
        if key:
            self.refused[sobject].add(key)

    def ok(self, rec: SourceRecord, sobject: str, our_id: str, status: str) -> None:
        """Report a written record (``created``, ``updated`` or ``unchanged``)."""
        counts = self.report.of(sobject)
        if status != "unchanged" and sobject != "Contact":
            self._rows.setdefault(our_id, (rec.row, rec.source, rec.ref or self.sf_id(rec)))
        if status == "created":
            counts.created += 1
        elif status == "updated":
            counts.updated += 1
        else:
            counts.unchanged += 1
        self.results.success(rec, our_id, status)

    def warn(self, rec: SourceRecord, field: str | None, remark: str) -> None:
        """A remark about a record that is written anyway."""
        self.report.warnings.append(RowError(rec.row, remark, field, rec.source, rec.ref))

    def check_refs_of_skipped(self, rec: SourceRecord) -> None:
        """Warn about the references of a skipped record that name no record of the import."""
        if self.known_refs is None:
            return
        for field, value in rec.fields.items():
            if (
                isinstance(value, str)
                and value.startswith("@")
                and value[1:] not in self.known_refs
            ):
                self.warn(rec, field, f"reference {value} matches no record of this import")

    # --------------------------------------------------------------- identities

    @staticmethod
    def sf_id(rec: SourceRecord) -> str | None:
        """The record's Salesforce ``Id`` (18-character form), if it has one."""
        for key, value in rec.fields.items():
            if key.casefold() == "id" and isinstance(value, str) and value.strip():
                return salesforce_id(value.strip())
        return None

    def key_of(self, rec: SourceRecord) -> str | None:
        return ("@" + rec.ref) if rec.ref else self.sf_id(rec)

    def external_ids(self, rec: SourceRecord, mapped: Mapped) -> dict[str, str]:
        """The external ids a record brings (its Salesforce id, else its namespaced referenceId)."""
        ids = dict(mapped.external_ids)
        if mapped.salesforce_id:
            ids[SF] = mapped.salesforce_id
        elif rec.ref and not mapped.our_id and SF_REF not in ids:
            ids[SF_REF] = f"{self.namespace}:{rec.ref}"
        return ids

    def stored_external_ids(
        self, rec: SourceRecord, mapped: Mapped, current: Any
    ) -> dict[str, str]:
        """The stored record's external ids overlaid with the source's."""
        return {
            **(dict(current.external_ids) if current is not None else {}),
            **self.external_ids(rec, mapped),
        }

    def remember(self, sobject: str, rec: SourceRecord, mapped: Mapped, our_id: str) -> None:
        """Index a written record under every key the source may use for it."""
        index = self.ids[sobject]
        if rec.ref:
            index["@" + rec.ref] = our_id
        if mapped.salesforce_id:
            index[mapped.salesforce_id] = our_id
        if mapped.our_id:
            index[mapped.our_id] = our_id

    def forget(self, sobject: str, rec: SourceRecord, our_id: str) -> None:
        """Drop the index entries of a record that was written, then undone."""
        index = self.ids[sobject]
        for key in ("@" + rec.ref if rec.ref else None, self.sf_id(rec), our_id):
            if key is not None and index.get(key) == our_id:
                del index[key]

    def seen_twice(self, sobject: str, rec: SourceRecord, mapped: Mapped) -> bool:
        index = self.ids[sobject]
        return bool(
            (rec.ref and "@" + rec.ref in index)
            or (mapped.salesforce_id and mapped.salesforce_id in index)
        )

    @staticmethod
    def refuse_flagged(rec: SourceRecord) -> None:
        """Refuse a record its reader already found unwritable."""
        if rec.refusal is not None:
            raise Refused(*rec.refusal)

    @staticmethod
    def refuse_problems(mapped: Mapped) -> None:
        """Refuse a record whose mapping found problems (the guard reports them all)."""
        if mapped.problems:
            raise _Problems(mapped.problems)

    def refuse_repeat(self, sobject: str, rec: SourceRecord, mapped: Mapped) -> None:
        """Refuse a record that this import has already written."""
        if self.seen_twice(sobject, rec, mapped):
            raise Refused(None, "this record appears twice in the import")

    def find_existing(self, sobject: str, rec: SourceRecord, mapped: Mapped) -> str | None:
        """Our id of the stored record this one updates, if any."""
        index = self.ids[sobject]
        for key in (mapped.our_id, mapped.salesforce_id, ("@" + rec.ref) if rec.ref else None):
            if key and key in index:
                return index[key]
        if self.store_empty and sobject in ("Account", "Contact"):
            return None
        if mapped.our_id and self.exists(sobject, mapped.our_id):
            return mapped.our_id
        candidates = [(SF, mapped.salesforce_id)]
        candidates.extend((system, value) for system, value in mapped.external_ids.items())
        if not mapped.salesforce_id and rec.ref:
            candidates.append((SF_REF, f"{self.namespace}:{rec.ref}"))
        for system, value in candidates:
            if value:
                found = self.by_external_id(sobject, system, value)
                if found:
                    return found
        return None

    def exists(self, sobject: str, our_id: str) -> bool:
        try:
            _KINDS.get(sobject, _RELATION).get(self.store, our_id)
        except NotFoundError:
            return False
        return True

    def by_external_id(self, sobject: str, system: str, value: str) -> str | None:
        kind = _KINDS.get(sobject)
        if kind is None or kind.by_external_id is None:
            return None
        found = kind.by_external_id(self.store, system, value)
        return found.id if found is not None else None

    # --------------------------------------------------------------- references

    def resolve(self, target: str, raw: str, field: str, *, may_wait: bool = False) -> str:
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
            return self._resolve_ref(target, raw, field, may_wait=may_wait)
        if raw in self.refused[target]:
            raise Refused(field, f"refers to {target} {raw}, which was refused")
        found = (
            None
            if self.store_empty and target in ("Account", "Contact")
            else (
                self.by_external_id(target, SF, raw) or (raw if self.exists(target, raw) else None)
            )
        )
        if found:
            cache[raw] = found
            return found
        if may_wait:
            raise Defer
        raise Refused(field, f"unknown {target} {raw!r} (not in this import nor in the store)")

    def _resolve_ref(self, target: str, raw: str, field: str, *, may_wait: bool) -> str:
        ref = raw[1:]
        if raw in self.refused[target]:
            raise Refused(field, f"refers to {raw}, which was refused")
        if self.known_refs is not None and ref in self.known_refs:
            kind = self.known_refs[ref]
            if kind != target and SOBJECTS.get(kind) is None:
                raise Refused(
                    field, f"refers to {raw}, a {kind} record, which contactgraph does not import"
                )
            if kind != target:
                raise Refused(field, f"refers to {raw}, a {kind}, where a {target} is expected")
            if may_wait:
                raise Defer
            raise Refused(field, f"refers to {raw}, which was not imported")
        found = self.by_external_id(target, SF_REF, f"{self.namespace}:{ref}")
        if found:
            self.lookups[target][raw] = found
            return found
        if may_wait and self.known_refs is None:
            raise Defer
        raise Refused(
            field,
            f"missing reference {raw}: no {target} record has referenceId {ref!r} in this import",
        )

    # ----------------------------------------------------------------- accounts

    def account(self, account_id: str) -> Account:
        """The account, from the cache of those this import is filling, else the store."""
        cached = self._accounts.get(account_id)
        if cached is not None:
            self._accounts.move_to_end(account_id)
            return cached
        account = self.store.accounts.get(account_id)
        self._cache(account)
        return account

    def uncache(self, account_id: str) -> None:
        self._accounts.pop(account_id, None)

    def _cache(self, account: Account) -> None:
        self.regions[account.id] = account.default_region or self.options.default_region
        self._accounts[account.id] = account
        self._accounts.move_to_end(account.id)
        while len(self._accounts) > _ACCOUNT_CACHE:
            self._accounts.popitem(last=False)

    def save(self, account: Account) -> Account:
        """Add or save the account, and keep the stored version in the cache."""
        stored = (
            self.store.accounts.add(account)
            if account.version == 0
            else self.store.accounts.save(account)
        )
        self._cache(stored)
        return stored

    def region(self, billing: Mapping[str, Any] | None, region_field: Any) -> str | None:
        """The region an account's national phone numbers are read in."""
        if isinstance(region_field, str) and region_field.strip():
            return region_field.strip().upper()
        country = (billing or {}).get("country")
        found = region_of_country(country) if isinstance(country, str) else None
        return found or self.options.default_region

    def orphan_account(self) -> str:
        """The account that contacts without one go to (found or created once)."""
        if self._orphan_id is not None:
            return self._orphan_id
        name = self.options.orphan_account
        assert name is not None
        if self.exists("Account", name):
            self._orphan_id = name
            return name
        found = self.store.accounts.find_by_external_id(ORPHANS, name)
        if found is None:
            found = self.save(Account.create(name, external_ids={ORPHANS: name}))
            self.report.of("Account").created += 1
        self._orphan_id = found.id
        return found.id

    def picklist(
        self,
        rec: SourceRecord,
        mapped: Mapped,
        *,
        key: str,
        api: str,
        parse: Callable[[Any], Any],
        default: Any,
    ) -> Any:
        """A picklist value; one outside the list is stored as ``default``, the original kept."""
        value = mapped.values.get(key)
        if value is None:
            return default
        try:
            return parse(value)
        except InvalidValueError:
            mapped.extra[f"{api}__original"] = value
            mapped.extra_fields.add(f"{api}__original")
            self.warn(
                rec,
                api,
                f"{value!r} is not a standard {api} value: stored as {default.value!r}, "
                f"the original kept in extra[{api + '__original'!r}]",
            )
            return default


class _Problems(Refused):
    """Every problem the mapping found (all are reported)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        field, reason = problems[0]
        super().__init__(field, reason)
        self.problems = problems


def _skip_all(ctx: ImportContext, sobject: str, records: Iterable[SourceRecord]) -> None:
    """The records of a type contactgraph does not model: reported, not imported."""
    reason = (
        f"sObject type {sobject!r} is not modelled by contactgraph; the record was not imported"
    )
    for batch in ctx.batches(records):
        for rec in batch:
            ctx.report.of(sobject).skipped += 1
            ctx.report.skipped.append(RowError(rec.row, reason, None, rec.source, rec.ref))
            ctx.results.error(rec, reason)
            ctx.check_refs_of_skipped(rec)
        ctx.tick(len(batch))
