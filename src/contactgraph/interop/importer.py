"""Runs an import: one :class:`~contactgraph.interop.context.ImportContext` drives the steps.

The readers (:func:`~contactgraph.interop.import_tree`,
:func:`~contactgraph.interop.import_csv`) call :func:`run_import` with the
records they read, grouped by sObject type in write order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from contactgraph.errors import RowError
from contactgraph.interop.context import ORDER, ImportContext
from contactgraph.interop.records import SourceRecord
from contactgraph.interop.report import ImportOptions, ImportReport, Progress
from contactgraph.interop.results import ResultFiles
from contactgraph.interop.steps import STEPS
from contactgraph.repos.protocol import StoreProtocol

__all__ = ["ORDER", "run_import"]


def run_import(
    store: StoreProtocol,
    options: ImportOptions,
    namespace: str,
    groups: Iterable[tuple[str, Iterable[SourceRecord]]],
    *,
    known_refs: Mapping[str, str] | None = None,
    results: ResultFiles | None = None,
    progress: Progress | None = None,
    total: int | None = None,
    errors: Iterable[RowError] = (),
    warnings: Iterable[RowError] = (),
) -> ImportReport:
    """Write ``groups`` (``(sObject type, records)``) into ``store`` in one transaction.

    ``errors`` are problems the reader found in the files; they count as
    refused rows. ``warnings`` are the reader's remarks, reported as such. See :class:`~contactgraph.interop.context.ImportContext`
    for the other arguments.
    """
    context = ImportContext(
        store,
        options,
        namespace,
        known_refs=known_refs,
        results=results,
        progress=progress,
        total=total,
    )
    context.report.errors.extend(errors)
    context.report.warnings.extend(warnings)
    return context.run(groups, STEPS)
