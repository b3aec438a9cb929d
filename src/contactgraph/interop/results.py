"""Success and error files: every input row lands in exactly one of them.

As with Salesforce's Data Loader, each input file gets two CSV files in the
results folder: ``<file>.success.csv`` (the original columns, then
``CONTACTGRAPH_ID`` and ``STATUS``: created, updated or unchanged) and
``<file>.error.csv`` (the original columns, then ``ROW`` and ``ERROR``); a
file in a plan's subfolder ``a/Account.json`` gives ``a__Account.json.success.csv``. Rows
of sObject Tree files are flattened: ``sObject``, ``referenceId``, then their
fields. Cells, and the column names the source brought, are neutralised
against formula injection (see :mod:`contactgraph.interop.cells`).

The files describe what the store holds. While the import runs they are
written as ``<name>.provisional``; they get their final names only once the
transaction has committed. An import that is killed leaves only provisional
files; one whose commit is refused (a rule checked at commit time) leaves no
success file, and its error file lists every row: those the refusal names
with its reason, the others as rolled back.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from contactgraph.interop.cells import cell, neutralise
from contactgraph.interop.paths import open_for_writing, safe_name
from contactgraph.interop.records import SourceRecord
from contactgraph.interop.report import ImportReport

__all__ = ["PROVISIONAL", "ResultFiles"]

PROVISIONAL = ".provisional"
"""Suffix of result files whose import has not committed (yet)."""

ROLLED_BACK = (
    "not written: the import was rolled back when its commit was refused (see the rows named)"
)


def _provisional(path: Path) -> Path:
    return path.with_name(path.name + PROVISIONAL)


class _Pair:
    def __init__(self, directory: Path, source: str, columns: Sequence[str]) -> None:
        stem = safe_name(source)
        self.columns = list(columns)
        self.success_path = directory / f"{stem}.success.csv"
        self.error_path = directory / f"{stem}.error.csv"
        self._handles: list[IO[str]] = []
        header = [neutralise(c) for c in self.columns]
        # the provisional success file carries the row number last, for a refused commit
        try:
            self.success = self._open(
                _provisional(self.success_path), [*header, "CONTACTGRAPH_ID", "STATUS", "ROW"]
            )
            self.error = self._open(_provisional(self.error_path), [*header, "ROW", "ERROR"])
        except BaseException:
            self._close_handles()
            if self._handles:
                _provisional(self.success_path).unlink(missing_ok=True)
            raise

    def _open(self, path: Path, header: list[str]) -> Any:
        handle = open_for_writing(path)
        self._handles.append(handle)
        writer = csv.writer(handle)
        writer.writerow(header)
        return writer

    def _close_handles(self) -> None:
        for handle in self._handles:
            handle.close()

    def commit(self) -> None:
        """The store holds the rows: the files take their final names."""
        self._close_handles()
        source = _provisional(self.success_path)
        with (
            source.open(encoding="utf-8", newline="") as src,
            open_for_writing(self.success_path) as dst,
        ):
            writer = csv.writer(dst)
            for line in csv.reader(src):
                writer.writerow(line[:-1])
        source.unlink()
        os.replace(_provisional(self.error_path), self.error_path)

    def abandon(self, refused: Mapping[str, str] | None) -> None:
        """Nothing landed: no success file; with ``refused``, its rows move to the error file."""
        source = _provisional(self.success_path)
        self._handles[0].close()
        if refused is not None:
            with source.open(encoding="utf-8", newline="") as src:
                reader = csv.reader(src)
                next(reader, None)
                for line in reader:
                    *cells, our_id, _status, row = line
                    self.error.writerow([*cells, row, cell(refused.get(our_id, ROLLED_BACK))])
        self._close_handles()
        source.unlink()
        os.replace(_provisional(self.error_path), self.error_path)


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
            pair.success.writerow([*self._cells(pair, rec), our_id, status, rec.row])

    def error(self, rec: SourceRecord, reason: str) -> None:
        pair = self._pair(rec)
        if pair is not None:
            pair.error.writerow([*self._cells(pair, rec), rec.row, cell(reason)])

    def close(
        self,
        *,
        committed: bool,
        report: ImportReport,
        refused: Mapping[str, str] | None = None,
    ) -> None:
        """Give the files their final names.

        Args:
            committed: The transaction committed: the success files list what landed.
            report: Gets the paths of the files written.
            refused: When the commit itself was refused: our id -> the reason,
                for the rows the refusal names; every success row then goes to
                the error file.
        """
        for pair in self._pairs.values():
            if committed:
                pair.commit()
                report.success_files.append(pair.success_path)
            else:
                pair.abandon(refused)
            report.error_files.append(pair.error_path)
