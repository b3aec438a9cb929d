"""Shared helpers of the interop tests: import options and comparable store snapshots.

A module with its own name (not ``conftest``), so importing it cannot pick up
another folder's conftest.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from contactgraph.interop import ImportOptions
from contactgraph.serialization import unstructure

VOLATILE = frozenset({"created_at", "updated_at", "version", "opened_at", "closed_at"})
"""Timestamps and versions: set by the store and the clock, not by the data."""

US = ImportOptions(default_region="US")
US_GUESTS = ImportOptions(default_region="US", orphan_account="Coral Cloud Guests")


def _clean(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _clean(v) for k, v in data.items() if k not in VOLATILE}
    if isinstance(data, list):
        return [_clean(x) for x in data]
    return data


def snapshot(store: Any) -> dict[str, Any]:
    """Everything the store holds, as plain data without timestamps and versions."""
    return _clean(
        {
            "accounts": sorted((unstructure(a) for a in store.accounts), key=lambda a: a["id"]),
            "opportunities": sorted(
                (unstructure(o) for o in store.opportunities.list()), key=lambda o: o["id"]
            ),
            "cases": sorted((unstructure(c) for c in store.cases.list()), key=lambda c: c["id"]),
            "relations": sorted(
                (unstructure(r) for r in store.relations.list()), key=lambda r: r["id"]
            ),
        }
    )


def exact_snapshot(store: Any) -> dict[str, Any]:
    """Everything, versions and timestamps included: for "nothing changed" checks."""
    return {
        "accounts": sorted((unstructure(a) for a in store.accounts), key=lambda a: a["id"]),
        "opportunities": [unstructure(o) for o in store.opportunities.list()],
        "cases": [unstructure(c) for c in store.cases.list()],
        "relations": [unstructure(r) for r in store.relations.list()],
    }


@contextmanager
def counted_ids() -> Iterator[None]:
    """New ids counted from 1 (``00000000-0000-4000-8000-000000000001``…), so two
    imports of one file give the very same ids."""
    counter = itertools.count(1)

    def fake() -> str:
        return f"00000000-0000-4000-8000-{next(counter):012d}"

    with (
        mock.patch("contactgraph.domain.account.new_id", fake),
        mock.patch("contactgraph.domain.placing.new_id", fake),
    ):
        yield


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """``rows`` under ``header`` as a CSV file at ``path``."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def import_outcome(store: Any, results: Path, run: Callable[[], Any]) -> Any:
    """What an import leaves, comparable between two runs: the store (``snapshot``),
    each contact's field history, the report (or the rejection) as text, and the
    result files. ``run`` does the import into ``store`` with ``results`` as its
    results folder; an :class:`~contactgraph.ImportRejectedError` is an outcome too."""
    import contactgraph as cg

    try:
        report: Any = run()
    except cg.ImportRejectedError as exc:
        report = exc
    history = sorted(
        (c.id, [(e.action, e.field, e.new) for e in store.history(c.id)])
        for a in store.accounts
        for c in a.contacts.values()
    )
    stored = snapshot(store)
    if isinstance(report, cg.ImportRejectedError):
        told: Any = ("rejected", [str(e) for e in report.errors])
    else:
        told = (
            report.counts,
            [str(e) for e in report.errors],
            [str(w) for w in report.warnings],
        )
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(results.glob("*"))}
    return stored, history, told, files
