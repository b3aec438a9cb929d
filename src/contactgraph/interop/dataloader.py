"""Salesforce Data Loader CSV: one file per sObject, API names as headers.

Import one or several files in one transaction; they are written in the
order the types depend on each other, whatever order they are given in::

    report = import_csv(store, ["Account.csv", "Contact.csv"],
                        options=ImportOptions(default_region="US"))

What the reader accepts:

* headers matched without regard to case (``lastName``, ``LastName``);
  UTF-8 with or without a BOM; CRLF or LF; quoted multi-line values;
* the sObject of each file from a mapping key, else from its name
  (``Accounts.csv``, ``data-Contact.csv``, ``OpportunityContactRole.csv``);
* references by Salesforce ``Id``, by our id, or ``@AccountRef<n>``: a file
  without ``Id`` and ``referenceId`` columns gives its row *n* the implicit
  reference ``<Type>Ref<n>`` (apex-recipes' ``Contacts.csv`` points at
  ``Accounts.csv`` that way);
* report exports whose headers are ``Object: Label`` (``Account: Account
  Name``, ``Contact: Email``): each row gives an account (de-duplicated by
  name) and, when it has contact columns with a value, a contact of it.
  Labels map to API names (``Employees`` -> ``NumberOfEmployees``); an
  unknown label ``Picture`` becomes the custom field ``Picture__c``.

Rows are streamed; memory holds the index of ids, not the file.
"""

from __future__ import annotations

import csv
import itertools
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from contactgraph.errors import ImportRejectedError, RowError
from contactgraph.interop.bounds import Budget, check_count, check_size, refuse
from contactgraph.interop.cells import restore
from contactgraph.interop.csv_export import export_csv, read_csv_text
from contactgraph.interop.importer import ORDER, run_import
from contactgraph.interop.mapping import (
    SOBJECTS,
    sobject_of,
)
from contactgraph.interop.records import SourceRecord
from contactgraph.interop.report import ImportOptions, ImportReport, Progress
from contactgraph.interop.results import ResultFiles
from contactgraph.repos.protocol import StoreProtocol

__all__ = ["export_csv", "import_csv", "read_csv_text", "sobject_for_file"]

CsvFiles = (
    str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | Mapping[str, str | os.PathLike[str]]
)

_REPORT_HEADER = re.compile(r"^\s*([A-Za-z][\w ]*?)\s*:\s*(.+?)\s*$")
_BY_LENGTH = sorted(SOBJECTS, key=len, reverse=True)

_LABELS: Mapping[str, Mapping[str, str]] = {
    "Account": {
        "account name": "Name",
        "account id": "Id",
        "account type": "Type",
        "employees": "NumberOfEmployees",
        "parent account id": "ParentId",
        "account description": "Description",
        "account phone": "Phone",
    },
    "Contact": {
        "contact id": "Id",
        "mobile": "MobilePhone",
        "email opt out": "HasOptedOutOfEmail",
        "reports to id": "ReportsToId",
        "account id": "AccountId",
    },
}


def sobject_for_file(path: str | os.PathLike[str]) -> str | None:
    """The sObject type a file name suggests (``Accounts.csv`` -> ``Account``), or ``None``."""
    stem = re.sub(r"[^a-z]", "", Path(path).stem.casefold()).replace("ies", "y")
    for name in _BY_LENGTH:
        if name.casefold() in stem:
            return name
    return None


def _open(path: Path) -> IO[str]:
    try:
        return path.open("r", encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise ImportRejectedError([RowError(0, "file not found", None, path.name)]) from None
    except OSError as exc:
        raise ImportRejectedError([RowError(0, f"cannot read: {exc}", None, path.name)]) from None


def _reader(handle: IO[str]) -> Any:
    """A strict reader: a quote left open is an error, not a field that swallows the next rows."""
    return csv.reader(handle, strict=True)


def _header(path: Path, unescape: bool = True) -> list[str]:
    """The header row (formula guards removed, as from cells); a repeated column is refused.

    Raises:
        ImportRejectedError: not a UTF-8 CSV file, or two columns with one
            name (in any letter case: the second would silently win).
    """
    with _open(path) as handle:
        try:
            raw: list[str] = next(_reader(handle), [])
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ImportRejectedError(
                [RowError(1, f"not a UTF-8 CSV file: {exc}", None, path.name)]
            ) from None
    header = [restore(h) for h in raw] if unescape else raw
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        key = name.strip().casefold()
        if key and key in seen:
            raise ImportRejectedError(
                [
                    RowError(
                        1,
                        f"column {name.strip()!r} appears twice (columns {seen[key]} and "
                        f"{position}); each field may have one column",
                        name.strip(),
                        path.name,
                    )
                ]
            )
        seen[key] = position
    return header


def _malformed(path: Path, row: int, line: int, exc: Exception) -> ImportRejectedError:
    if isinstance(exc, UnicodeDecodeError):
        return ImportRejectedError([RowError(row, f"not UTF-8 text: {exc}", None, path.name)])
    text = str(exc)
    hint = (
        ' (a quote (") left open runs into the rows after it)'
        if "end of data" in text or "expected after" in text
        else ""
    )
    return ImportRejectedError(
        [
            RowError(
                row,
                f"malformed CSV in the row starting at line {line}: {text}{hint}",
                None,
                path.name,
            )
        ]
    )


def _label_to_api(sobject: str, label: str) -> tuple[str, bool]:
    """The API name a report label stands for, and whether it is a guess (a custom field)."""
    key = " ".join(label.split()).casefold()
    found = _LABELS.get(sobject, {}).get(key)
    if found:
        return found, False
    spec = SOBJECTS.get(sobject)
    squeezed = key.replace(" ", "")
    if spec is not None and spec.field(squeezed) is not None:
        field = spec.field(squeezed)
        assert field is not None
        return field.api, False
    if squeezed in ("id",):
        return "Id", False
    return re.sub(r"\W+", "_", label.strip()) + "__c", True


def _rows(path: Path, unescape: bool) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(row number, row)`` for each data row (the header is row 1), streamed.

    Raises:
        ImportRejectedError: a row is malformed (an unbalanced quote), naming it.
    """
    header = _header(path, unescape)
    width = len(header)
    for row, raw in _raw_rows(path):
        if not raw or (len(raw) == 1 and not raw[0].strip() and width > 1):
            continue
        values = _restored(raw) if unescape else raw
        record: dict[str, Any] = dict(zip(header, values, strict=False))
        if len(values) > width:
            record["__more__"] = values[width:]
        yield row, record


def _restored(raw: list[str]) -> list[str]:
    """A row's cells with the formula escape taken off (:func:`restore`). ``restore``
    changes only a cell that starts with an apostrophe: a row without one anywhere
    (most) is returned as read."""
    if "'" not in "".join(raw):
        return raw
    return [restore(v) if v[:1] == "'" else v for v in raw]


def _raw_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """``(row number, cells)`` after the header, a malformed row named by its number."""
    with _open(path) as handle:
        reader = _reader(handle)
        row, line = 1, 1
        try:
            if next(reader, None) is None:
                return
            while True:
                row, line = row + 1, reader.line_num + 1
                raw = next(reader, None)
                if raw is None:
                    return
                yield row, raw
        except (UnicodeDecodeError, csv.Error) as exc:
            raise _malformed(path, row, line, exc) from None


def _records(
    path: Path,
    sobject: str,
    options: ImportOptions,
    report_rows: list[RowError],
    budget: Budget,
) -> Iterator[SourceRecord]:
    header = _header(path, options.unescape_formulas)
    folded = {h.strip().casefold() for h in header}
    implicit = "id" not in folded and "referenceid" not in folded
    # the header's names are read once: a row's fields are its cells under them
    if (
        "referenceid" not in folded
        and "__more__" not in header
        and all(h.strip() == h for h in header)
    ):
        yield from _plain_records(path, header, sobject, options, implicit, report_rows, budget)
        return
    source = path.name
    for n, (row, data) in enumerate(_rows(path, options.unescape_formulas), start=1):
        budget.take(source, row)
        more = data.pop("__more__", None)
        if more is not None:
            report_rows.append(
                RowError(row, f"{len(more)} value(s) beyond the header's columns", None, source)
            )
        ref: str | None = None
        fields: dict[str, Any] = {}
        for key, value in data.items():
            name = key.strip()
            if name.casefold() == "referenceid":
                ref = value.strip() or None
            else:
                fields[name] = value
        if implicit:
            ref = f"{sobject}Ref{n}"
        yield SourceRecord(sobject, fields, source, row, ref, data)


def _plain_records(  # noqa: PLR0917 - _records' own arguments, and what it read of the header
    path: Path,
    header: list[str],
    sobject: str,
    options: ImportOptions,
    implicit: bool,
    report_rows: list[RowError],
    budget: Budget,
) -> Iterator[SourceRecord]:
    """:func:`_records` of a header whose names are the fields as they are (no
    ``referenceId``, none to strip): :func:`_rows` read in the same loop, a row's
    dict is its record's fields and original at once (nothing changes a CSV
    record's fields)."""
    unescape = options.unescape_formulas
    width = len(header)
    source = path.name
    n = 0
    for row, raw in _raw_rows(path):
        if not raw or (len(raw) == 1 and not raw[0].strip() and width > 1):
            continue
        values = _restored(raw) if unescape else raw
        data: dict[str, Any] = dict(zip(header, values, strict=False))
        n += 1
        budget.take(source, row)
        if len(values) > width:
            report_rows.append(
                RowError(
                    row, f"{len(values) - width} value(s) beyond the header's columns", None, source
                )
            )
        yield SourceRecord(
            sobject, data, source, row, f"{sobject}Ref{n}" if implicit else None, data
        )


def _report_columns(header: list[str]) -> list[tuple[str, str, bool]] | None:
    """``(sObject, API name, guessed)`` per column of a report export, or ``None`` if it is not one."""
    out = []
    for column in header:
        match = _REPORT_HEADER.match(column)
        if not match:
            return None
        sobject = sobject_of(match.group(1).replace(" ", ""))
        if sobject is None:
            return None
        api, guessed = _label_to_api(sobject, match.group(2))
        out.append((sobject, api, guessed))
    return out if out else None


def _report_records(
    path: Path,
    columns: list[tuple[str, str, bool]],
    sobject: str,
    options: ImportOptions,
    budget: Budget,
) -> Iterator[SourceRecord]:
    """The accounts (de-duplicated by name) or the contacts of a report export."""
    seen: set[str] = set()
    for row, raw in _raw_rows(path):
        if raw:
            budget.take(path.name, row)
            values = [restore(v) for v in raw] if options.unescape_formulas else raw
            parts: dict[str, dict[str, Any]] = {"Account": {}, "Contact": {}}
            original: dict[str, Any] = {}
            for (kind, api, _), value in zip(columns, values, strict=False):
                parts.setdefault(kind, {})[api] = value
            for index, value in enumerate(values[: len(columns)]):
                original[_original_header(columns, index)] = value
            account = parts.get("Account", {})
            name = str(account.get("Name", "")).strip()
            if sobject == "Account":
                if not name or name in seen:
                    continue
                seen.add(name)
                yield SourceRecord("Account", account, path.name, row, f"Account:{name}", original)
            elif sobject == "Contact":
                contact = parts.get("Contact", {})
                if not any(str(v).strip() for v in contact.values()):
                    continue
                if name and "AccountId" not in contact:
                    contact["AccountId"] = f"@Account:{name}"
                yield SourceRecord("Contact", contact, path.name, row, f"ContactRow{row}", original)


def _original_header(columns: list[tuple[str, str, bool]], index: int) -> str:
    kind, api, _ = columns[index]
    return f"{kind}.{api}"


def _files(files: CsvFiles) -> list[tuple[str | None, Path]]:
    if isinstance(files, Mapping):
        out: list[tuple[str | None, Path]] = []
        for key, value in files.items():
            kind = sobject_of(key)
            if kind is None:
                raise ImportRejectedError(
                    [
                        RowError(
                            0,
                            f"{key!r} is not an sObject type contactgraph imports",
                            None,
                            str(value),
                        )
                    ]
                )
            out.append((kind, Path(value)))
        return out
    if isinstance(files, str | os.PathLike):
        return [(None, Path(files))]
    return [(None, Path(f)) for f in files]


def _default_namespace(path: Path) -> str:
    return path.resolve().parent.name or "csv"


def import_csv(
    store: StoreProtocol,
    files: CsvFiles,
    *,
    options: ImportOptions | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import Data Loader CSV files (or a report export) into ``store``, in one transaction.

    Args:
        store: The store to write to.
        files: One path, several paths, or ``{"Account": path, "Contact": path}``.
        options: Mode, default phone region, orphan account, namespace,
            results folder… The default namespace for ``referenceId``-based
            external ids is the name of the first file's folder.
        progress: Called as ``progress(rows done, None)`` after every batch.

    Raises:
        ImportRejectedError: a file cannot be read or its type cannot be
            told (nothing written); in all-or-nothing mode, any bad row
            (nothing written; the error lists every bad row).
    """
    options = options or ImportOptions()
    paths = _files(files)
    if not paths:
        raise ImportRejectedError([RowError(0, "no file to import")])
    check_count(
        len(paths), options.max_files, "files", option="max_files", source=str(paths[0][1]), row=0
    )
    seen: set[Path] = set()
    for _, path in paths:
        if path.resolve() in seen:
            refuse(0, "the file is given twice", None, path.name)
        seen.add(path.resolve())
        check_size(path, path.name, options.max_file_bytes)
    groups: dict[str, list[Iterable[SourceRecord]]] = {}
    results = ResultFiles(options.results_dir)
    header_errors: list[RowError] = []
    budget = Budget(options.max_records)
    for kind, path in paths:
        header = _header(path, options.unescape_formulas)
        if not header:
            raise ImportRejectedError([RowError(1, "the file has no header row", None, path.name)])
        report_columns = _report_columns(header) if kind is None else None
        if report_columns is not None:
            results.declare(path.name, [f"{k}.{a}" for k, a, _ in report_columns])
            for k, api, guessed in report_columns:
                if guessed:
                    header_errors.append(
                        RowError(
                            1, f"unknown {k} label: kept as custom field {api}", api, path.name
                        )
                    )
            for sobject in ("Account", "Contact"):
                groups.setdefault(sobject, []).append(
                    _report_records(path, report_columns, sobject, options, budget)
                )
            continue
        found = kind or sobject_for_file(path)
        if found is None:
            raise ImportRejectedError(
                [
                    RowError(
                        0,
                        "cannot tell the sObject type from the file name; pass "
                        "{'Contact': path} (or Account, Opportunity, OpportunityContactRole, "
                        "Case, AccountContactRelation)",
                        None,
                        path.name,
                    )
                ]
            )
        results.declare(path.name, header)
        groups.setdefault(found, []).append(_records(path, found, options, header_errors, budget))
    ordered = [(t, _chain(groups[t])) for t in ORDER if t in groups]
    report = run_import(
        store,
        options,
        options.namespace or _default_namespace(paths[0][1]),
        ordered,
        results=results,
        progress=progress,
    )
    report.warnings.extend(header_errors)
    return report


def _chain(parts: list[Iterable[SourceRecord]]) -> Iterator[SourceRecord]:
    """The parts' records, one part after the other (lazily: no generator of ours a record)."""
    return itertools.chain.from_iterable(parts)
