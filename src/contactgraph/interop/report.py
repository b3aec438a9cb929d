"""What an import is told (options) and what it tells back (the report)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from pathlib import Path

import attrs

from contactgraph.errors import RowError

__all__ = [
    "ExportReport",
    "ImportMode",
    "ImportOptions",
    "ImportReport",
    "ObjectCounts",
    "Progress",
]

Progress = Callable[[int, int | None], None]
"""``progress(done, total)``: records (or rows) handled so far, and the total when known."""


class ImportMode(enum.StrEnum):
    """How an import treats bad rows, as Salesforce's own loaders do."""

    ALL_OR_NOTHING = "all-or-nothing"
    """One bad row and nothing is written; :class:`~contactgraph.errors.ImportRejectedError` lists every bad row."""
    PARTIAL = "partial"
    """Good rows land; bad rows are reported (and written to the error file)."""


def _region(value: str | None) -> str | None:
    return value.upper() if value else None


@attrs.frozen(kw_only=True)
class ImportOptions:
    """Choices an import needs from its caller.

    Attributes:
        mode: :attr:`ImportMode.ALL_OR_NOTHING` (default) or :attr:`ImportMode.PARTIAL`.
        default_region: ISO region (``"US"``, ``"FR"``) for national phone
            numbers whose account has no billing country (or ``phone_region``).
        orphan_account: Contacts without an account (Salesforce "private
            contacts") are refused unless this names the account to place them
            under: the id of an existing account, or a name (the account is
            found by that name among earlier orphan imports, or created).
        namespace: Prefix that makes ``referenceId``-based external ids unique
            (``external_ids["salesforce_ref"] = "<namespace>:<referenceId>"``).
            Defaults to ``"<folder>/<file name>"`` of the imported file; give
            one explicitly when the same data may be imported from another path.
        default_currency: Currency of amounts that have no ``CurrencyIsoCode``.
        batch_size: Rows written per batch (inside the one transaction).
        results_dir: Folder for the success and error files
            (``<file>.success.csv`` and ``<file>.error.csv``), if wanted.
        unescape_formulas: Strip the apostrophe that :func:`export_csv` puts
            before a cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR.
        validation_workers: Worker processes that parse the next batch's
            emails and phones while the current one is written (0: none).
            Worth it for large files; see :mod:`contactgraph.interop.prevalidate`.
        plan_files_anywhere: Let a data plan's ``files`` name absolute paths
            or paths outside the plan's folder (refused by default: a plan
            from elsewhere must not make the import read any file).
        max_file_bytes: Largest file read (checked before reading it).
        max_files: Most files in one import (a plan's entries, or CSV files);
            a plan naming the same file twice is refused whatever the bound.
        max_records: Most records (rows) in one import, counted while
            reading, before they are written.
        max_nesting: Deepest nesting of arrays and objects in a JSON file
            (checked before parsing it).
        recognise_existing: A record that no id of the source names (a
            re-import of the same data in another format, or from another
            path) updates the stored record it matches by exact keys instead of
            creating it again: an account by name (and website or phone), a
            contact by email (else full name in its account), an opportunity by
            name in its account. Each match is a warning of the report.
        restore_consent: Let the source turn a stored opt-out
            (``HasOptedOutOfEmail``, ``DoNotCall``) back off. Off by default:
            a source that says ``false`` for a contact stored as opted out
            keeps the opt-out, with a warning.
    """

    mode: ImportMode = attrs.field(default=ImportMode.ALL_OR_NOTHING, converter=ImportMode)
    default_region: str | None = attrs.field(default=None, converter=_region)
    orphan_account: str | None = None
    namespace: str | None = None
    default_currency: str = "USD"
    batch_size: int = attrs.field(default=1000, validator=attrs.validators.ge(1))
    results_dir: Path | None = attrs.field(default=None, converter=attrs.converters.optional(Path))
    unescape_formulas: bool = True
    validation_workers: int = attrs.field(default=0, validator=attrs.validators.ge(0))
    plan_files_anywhere: bool = False
    max_file_bytes: int = attrs.field(default=2**30, validator=attrs.validators.ge(1))
    max_files: int = attrs.field(default=500, validator=attrs.validators.ge(1))
    max_records: int = attrs.field(default=5_000_000, validator=attrs.validators.ge(1))
    max_nesting: int = attrs.field(default=100, validator=attrs.validators.ge(1))
    recognise_existing: bool = True
    restore_consent: bool = False


@attrs.define
class ObjectCounts:
    """What happened to the records of one sObject type."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.failed + self.skipped


@attrs.define
class ImportReport:
    """The outcome of an import.

    Attributes:
        counts: Per sObject type (``"Account"``, ``"Contact"``…), what happened.
        errors: Every refused row or record (empty after a successful
            all-or-nothing import; the same rows are in the error file).
        warnings: Rows that landed with a remark (a value kept in ``extra``
            because it is outside our picklist, a relation that was implied…).
        skipped: Records of sObject types contactgraph does not model, with the reason.
        success_files: Success files written, one per input file.
        error_files: Error files written, one per input file.
        rows: Rows or records read.
    """

    counts: dict[str, ObjectCounts] = attrs.field(factory=dict)
    errors: list[RowError] = attrs.field(factory=list)
    warnings: list[RowError] = attrs.field(factory=list)
    skipped: list[RowError] = attrs.field(factory=list)
    success_files: list[Path] = attrs.field(factory=list)
    error_files: list[Path] = attrs.field(factory=list)
    rows: int = 0

    def of(self, sobject: str) -> ObjectCounts:
        """The counts of one sObject type (zeros when none was seen)."""
        found = self.counts.get(sobject)
        if found is None:
            found = self.counts[sobject] = ObjectCounts()
        return found

    @property
    def ok(self) -> bool:
        """No row was refused."""
        return not self.errors

    @property
    def written(self) -> int:
        """Records created or updated."""
        return sum(c.created + c.updated for c in self.counts.values())

    def summary(self) -> str:
        """One line per sObject type, for people."""
        lines = []
        for name, c in sorted(self.counts.items()):
            lines.append(
                f"{name}: {c.created} created, {c.updated} updated, {c.unchanged} unchanged, "
                f"{c.failed} refused, {c.skipped} skipped"
            )
        if self.warnings:
            lines.append(f"{len(self.warnings)} warning(s)")
        return "\n".join(lines)


@attrs.define
class ExportReport:
    """What an export wrote.

    Attributes:
        files: Files written, in the order a loader should read them.
        counts: Records written per sObject type.
    """

    files: list[Path] = attrs.field(factory=list)
    counts: dict[str, int] = attrs.field(factory=dict)
