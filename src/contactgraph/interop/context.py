"""One import's state and plumbing: outcomes, the record guard, the account cache.

An :class:`ImportContext` is made per import. It runs each group of records
through the step chosen for its sObject type (the table in
:mod:`contactgraph.interop.steps`), inside one transaction. The steps ask it
to record outcomes, and its :attr:`~ImportContext.index`
(:class:`~contactgraph.interop.identities.Identities`) to match a record with
what the store holds and to resolve references; every record's errors go
through one :meth:`~ImportContext.guard`.

Memory stays flat in the number of rows: the context keeps the index of ids
(source key -> our id), the few reports-to or parent links that point
forward, and a small cache of the accounts it is filling.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any

import attrs

from contactgraph.domain import Account, region_of_country
from contactgraph.errors import (
    ConcurrencyError,
    ContactGraphError,
    ImportRejectedError,
    InvalidValueError,
    PolicyViolationError,
    RowError,
    StoreUnavailableError,
)
from contactgraph.interop.collector import fewer_collections
from contactgraph.interop.identities import Identities
from contactgraph.interop.mapping import SOBJECTS, Mapped
from contactgraph.interop.records import Refused, SourceRecord
from contactgraph.interop.report import ImportMode, ImportOptions, ImportReport, Progress
from contactgraph.interop.results import ResultFiles
from contactgraph.repos.protocol import StoreProtocol

__all__ = [
    "CONSENT",
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

ORPHANS = "contactgraph_orphans"
NO_SUBJECT = "(no subject)"
FLAGS = frozenset({"active", "email_opt_out", "do_not_call"})
CONSENT = {"email_opt_out": "HasOptedOutOfEmail", "do_not_call": "DoNotCall"}
"""The consent flags (our field -> Salesforce field): an import never turns one off
unless told to (``ImportOptions.restore_consent``)."""
_ACCOUNT_CACHE = 16

Step = Callable[["ImportContext", Iterable[SourceRecord]], None]
"""Writes the records of one sObject type: ``step(context, records)``."""


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


class Attempt:
    """The guard of one record (see :meth:`ImportContext.guard`); ``failed`` after its block."""

    __slots__ = ("_context", "_record", "_sobject", "failed")

    def __init__(self, context: ImportContext, record: SourceRecord, sobject: str) -> None:
        self._context = context
        self._record = record
        self._sobject = sobject
        self.failed = False

    def __enter__(self) -> Attempt:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc is None:
            return False
        self.failed = self._context.refused(self._record, self._sobject, exc)
        return self.failed


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
        self.index = Identities(store, namespace, known_refs)
        self.index.recognise = options.recognise_existing
        self.index.remark = self.warn
        self.done = 0
        self.regions: dict[str, str | None] = {}
        """Account id -> its own region (``phone_region``, else billing country), if any."""
        self._accounts: OrderedDict[str, Account] = OrderedDict()
        self._orphan_id: str | None = None
        self.alerts: dict[str, list[str]] = {}
        """Our id -> the store's remarks on its write (a duplicate rule's alerts), told by ``ok``."""
        self.blocked: dict[str, str] = {}
        """Contact id -> why the store's duplicate rule refused it (the row is refused by ``ok``)."""
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
                with fewer_collections(), self.store.transaction():
                    self.index.store_empty = self.store.accounts.count() == 0
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
                named.append(RowError(0, reason, v.field, "", self.index.key_for(v.entity_id)))
                continue
            row, source, record = where
            refused[v.entity_id or ""] = reason
            named.append(RowError(row, reason, v.field, source, record))
        return refused, named

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

    def guard(self, rec: SourceRecord, sobject: str) -> Attempt:
        """``with ctx.guard(rec, sobject) as attempt:``: a refusal or library error in the
        block reports the record as refused, and ``attempt.failed`` tells so after it.

        Store failures (:class:`~contactgraph.errors.ConcurrencyError`,
        :class:`~contactgraph.errors.StoreUnavailableError`) are not a row's
        fault: they pass through and end the import.
        """
        return Attempt(self, rec, sobject)

    def refused(self, rec: SourceRecord, sobject: str, exc: BaseException) -> bool:
        """Report ``exc`` as the record's refusal if it is one (see :meth:`guard`); whether it was.

        What a guard's block does with an exception, for a loop that catches it itself
        (``except BaseException as exc: if not ctx.refused(rec, sobject, exc): raise``):
        no guard object a record.
        """
        errors: list[tuple[str | None, str]]
        if isinstance(exc, _Problems):
            errors = list(exc.problems)
        elif isinstance(exc, Refused):
            errors = [(exc.field, exc.reason)]
        elif isinstance(exc, PolicyViolationError):
            errors = _errors_of(exc)
        elif isinstance(exc, ConcurrencyError | StoreUnavailableError | ImportRejectedError):
            return False
        elif isinstance(exc, ContactGraphError):
            errors = [(None, str(exc))]
        elif isinstance(exc, ArithmeticError):  # a value the domain could not convert
            errors = [(None, f"a value is out of range: {exc}")]
        else:
            return False
        self.fail(rec, sobject, errors)
        return True

    def fail(self, rec: SourceRecord, sobject: str, errors: list[tuple[str | None, str]]) -> None:
        """Report a refused record, in the report and the error file."""
        self.report.of(sobject).failed += 1
        for field, reason in errors:
            self.report.errors.append(
                RowError(rec.row, reason, field, rec.source, rec.ref or self.index.sf_id(rec))
            )
        self.results.error(rec, "; ".join(f"{f}: {r}" if f else r for f, r in errors))
        key = self.index.key_of(rec)
        if key:
            self.index.refused[sobject].add(key)

    def ok(self, rec: SourceRecord, sobject: str, our_id: str, status: str) -> None:
        """Report a written record (``created``, ``updated`` or ``unchanged``)."""
        if our_id in self.blocked:
            self.fail(rec, sobject, [(None, self.blocked.pop(our_id))])
            return
        for remark in self.alerts.pop(our_id, ()):
            self.warn(rec, None, remark)
        counts = self.report.of(sobject)
        if status != "unchanged" and sobject != "Contact":
            self._rows.setdefault(our_id, (rec.row, rec.source, rec.ref or self.index.sf_id(rec)))
        if status == "created":
            counts.created += 1
        elif status == "updated":
            counts.updated += 1
        else:
            counts.unchanged += 1
        self.results.success(rec, our_id, status)

    def ok_all(self, sobject: str, outcomes: Iterable[tuple[SourceRecord, str, str]]) -> None:
        """:meth:`ok` for each ``(record, our id, status)``, in order.

        When no write left a remark or a block to tell and the type's rows are
        not kept (contacts), each outcome only counts and goes to the success file.
        """
        if self.blocked or self.alerts or sobject != "Contact":
            for rec, our_id, status in outcomes:
                self.ok(rec, sobject, our_id, status)
            return
        success = self.results.success if self.results.directory is not None else None
        created = updated = unchanged = 0
        for rec, our_id, status in outcomes:
            if status == "created":
                created += 1
            elif status == "updated":
                updated += 1
            else:
                unchanged += 1
            if success is not None:
                success(rec, our_id, status)
        if created or updated or unchanged:  # no outcome, no counts (as ``ok``)
            counts = self.report.of(sobject)
            counts.created += created
            counts.updated += updated
            counts.unchanged += unchanged

    def warn(self, rec: SourceRecord, field: str | None, remark: str) -> None:
        """A remark about a record that is written anyway."""
        self.report.warnings.append(RowError(rec.row, remark, field, rec.source, rec.ref))

    def keep_opt_outs(self, rec: SourceRecord, values: dict[str, Any], current: Any) -> None:
        """Drop a source's ``false`` for a consent flag the stored contact has set (with a
        warning), unless ``options.restore_consent``: an import never opts a person back in."""
        if current is None or self.options.restore_consent:
            return
        for field, api in CONSENT.items():
            if values.get(field) is False and getattr(current, field):
                del values[field]
                self.warn(
                    rec,
                    api,
                    "the stored opt-out is kept (the source says false); import with "
                    "ImportOptions(restore_consent=True) to turn it off",
                )

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
        if self.index.seen_twice(sobject, rec, mapped):
            raise Refused(None, "this record appears twice in the import")

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
        self.regions[account.id] = account.default_region
        self._accounts[account.id] = account
        self._accounts.move_to_end(account.id)
        while len(self._accounts) > _ACCOUNT_CACHE:
            self._accounts.popitem(last=False)

    def save(self, account: Account) -> Account:
        """Add or save the account, and keep the stored version in the cache.

        The store's remarks on the write (a duplicate rule's alerts) wait in
        :attr:`alerts` for the record's outcome. Contacts a duplicate rule
        blocks are taken back out of the write and wait in :attr:`blocked`
        (their rows are refused; the others land).
        """
        while True:
            try:
                with self.store.collect_warnings() as remarks:
                    stored = (
                        self.store.accounts.add(account)
                        if account.version == 0
                        else self.store.accounts.save(account)
                    )
                break
            except PolicyViolationError as exc:
                account = self._without_blocked(account, exc)
        for remark in remarks:
            self.alerts.setdefault(remark.record_id, []).append(str(remark))
        self._cache(stored)
        return stored

    def _without_blocked(self, account: Account, exc: PolicyViolationError) -> Account:
        """``account`` without the contacts a duplicate rule refused; else ``exc`` again."""
        blocked: dict[str, str] = {}
        for v in exc.errors:
            if v.code != "duplicate.contact" or v.entity_id not in account.contacts:
                raise exc
            assert v.entity_id is not None
            blocked[v.entity_id] = "; ".join(filter(None, (blocked.get(v.entity_id), v.message)))
        if not blocked:
            raise exc
        stored = self.store.accounts.contacts_by_id(blocked)
        for contact_id, reason in blocked.items():
            self.blocked[contact_id] = f"{reason} (duplicate rule: block)"
            if contact_id in stored and stored[contact_id].account_id == account.id:
                account = account.revert_contact(stored[contact_id])
            else:
                account = account.remove_contact(contact_id, reassign_reports_to=None)
                self.index.forget_id("Contact", contact_id)
        return account

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
        if self.index.exists("Account", name):
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
