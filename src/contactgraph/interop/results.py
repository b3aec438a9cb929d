"""Success and error files: every input row lands in exactly one of them.

As with Salesforce's Data Loader, each input file gets two CSV files in the
results folder: ``<file>.success.csv`` (the original columns, then
``CONTACTGRAPH_ID`` and ``STATUS``: created, updated or unchanged) and
``<file>.error.csv`` (the original columns, then ``ROW`` and ``ERROR``); a
file in a plan's subfolder ``a/Account.json`` gives ``a__Account.json.success.csv``. Rows
of sObject Tree files are flattened: ``sObject``, ``referenceId``, then their
fields. Cells are neutralised against formula injection (see
:mod:`contactgraph.interop.cells`).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from contactgraph.interop.cells import cell
from contactgraph.interop.records import SourceRecord
from contactgraph.interop.report import ImportReport

__all__ = ["ResultFiles"]


class _Pair:
    def __init__(self, directory: Path, source: str, columns: Sequence[str]) -> None:
        stem = "__".join(Path(source).parts) or "records"
        self.columns = list(columns)
        self.success_path = directory / f"{stem}.success.csv"
        self.error_path = directory / f"{stem}.error.csv"
        self._files: list[IO[str]] = []
        self.success = self._open(self.success_path, [*self.columns, "CONTACTGRAPH_ID", "STATUS"])
        self.error = self._open(self.error_path, [*self.columns, "ROW", "ERROR"])

    def _open(self, path: Path, header: list[str]) -> Any:
        handle = path.open("w", encoding="utf-8", newline="")
        self._files.append(handle)
        writer = csv.writer(handle)
        writer.writerow(header)
        return writer

    def close(self) -> None:
        for handle in self._files:
            handle.close()


class ResultFiles:
    """Writes the success and error files of an import (nothing when ``directory`` is ``None``)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._pairs: dict[str, _Pair] = {}
        self._columns: dict[str, list[str]] = {}
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    def declare(self, source: str, columns: Sequence[str]) -> None:
        """The columns of ``source``'s rows (CSV header, or the union of a JSON file's fields)."""
        self._columns[source] = list(columns)

    def _pair(self, rec: SourceRecord) -> _Pair | None:
        if self.directory is None:
            return None
        pair = self._pairs.get(rec.source)
        if pair is None:
            columns = self._columns.get(rec.source) or list((rec.original or rec.fields).keys())
            pair = _Pair(self.directory, rec.source, columns)
            self._pairs[rec.source] = pair
        return pair

    def _cells(self, pair: _Pair, rec: SourceRecord) -> list[str]:
        original = rec.original if rec.original is not None else rec.fields
        return [cell(original.get(c)) for c in pair.columns]

    def success(self, rec: SourceRecord, our_id: str, status: str) -> None:
        pair = self._pair(rec)
        if pair is not None:
            pair.success.writerow([*self._cells(pair, rec), our_id, status])

    def error(self, rec: SourceRecord, reason: str) -> None:
        pair = self._pair(rec)
        if pair is not None:
            pair.error.writerow([*self._cells(pair, rec), rec.row, cell(reason)])

    def close(self, *, rejected: bool, report: ImportReport) -> None:
        """Close every file; after a rejected import the success files are removed (nothing landed)."""
        for pair in self._pairs.values():
            pair.close()
            if rejected:
                pair.success_path.unlink(missing_ok=True)
            else:
                report.success_files.append(pair.success_path)
            report.error_files.append(pair.error_path)
