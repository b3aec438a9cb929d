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
import io
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from contactgraph.domain import Account
from contactgraph.errors import ImportRejectedError, RowError
from contactgraph.interop.bounds import Budget, check_count, check_size, refuse
from contactgraph.interop.cells import cell, restore
from contactgraph.interop.importer import ORDER, run_import
from contactgraph.interop.mapping import (
    SOBJECTS,
    account_fields,
    case_fields,
    contact_fields,
    contact_role_fields,
    opportunity_fields,
    relation_fields,
    sobject_of,
    standard_columns,
    union_columns,
)
from contactgraph.interop.paths import open_for_writing
from contactgraph.interop.records import SourceRecord
from contactgraph.interop.report import ExportReport, ImportOptions, ImportReport, Progress
from contactgraph.interop.results import ResultFiles
from contactgraph.repos.protocol import StoreProtocol

__all__ = ["export_csv", "import_csv", "sobject_for_file"]

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


def _header(path: Path) -> list[str]:
    with _open(path) as handle:
        try:
            return next(csv.reader(handle), [])
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ImportRejectedError(
                [RowError(1, f"not a UTF-8 CSV file: {exc}", None, path.name)]
            ) from None


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
    """``(row number, row)`` for each data row (the header is row 1), streamed."""
    with _open(path) as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header is None:
                return
            width = len(header)
            for row, raw in enumerate(reader, start=2):
                if not raw or (len(raw) == 1 and not raw[0].strip() and width > 1):
                    continue
                values = [restore(v) for v in raw] if unescape else raw
                record: dict[str, Any] = dict(zip(header, values, strict=False))
                if len(values) > width:
                    record["__more__"] = values[width:]
                yield row, record
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ImportRejectedError(
                [RowError(reader.line_num, f"malformed CSV: {exc}", None, path.name)]
            ) from None


def _records(
    path: Path,
    sobject: str,
    options: ImportOptions,
    report_rows: list[RowError],
    budget: Budget,
) -> Iterator[SourceRecord]:
    header = _header(path)
    folded = {h.strip().casefold() for h in header}
    implicit = "id" not in folded and "referenceid" not in folded
    for n, (row, data) in enumerate(_rows(path, options.unescape_formulas), start=1):
        budget.take(path.name, row)
        more = data.pop("__more__", None)
        if more is not None:
            report_rows.append(
                RowError(row, f"{len(more)} value(s) beyond the header's columns", None, path.name)
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
        yield SourceRecord(sobject, fields, path.name, row, ref, data)


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
    with _open(path) as handle:
        reader = csv.reader(handle)
        next(reader, None)
        for row, raw in enumerate(reader, start=2):
            if not raw:
                continue
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
        header = _header(path)
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
    for part in parts:
        yield from part


# ------------------------------------------------------------------ export


def export_csv(
    store: StoreProtocol,
    directory: str | os.PathLike[str],
    *,
    account_ids: Iterable[str] | None = None,
    neutralise_formulas: bool = True,
    progress: Progress | None = None,
) -> ExportReport:
    """Write Data Loader CSV files: ``Account.csv``, ``Contact.csv``, ``Opportunity.csv``,
    ``OpportunityContactRole.csv``, ``Case.csv``, ``AccountContactRelation.csv``.

    UTF-8 without BOM, CRLF line ends (as Data Loader writes), API names as
    headers, custom fields (``extra``) as their own columns. Reference columns
    (``AccountId``, ``ReportsToId``…) hold the record's Salesforce id when it
    has one, else our id; ``ContactGraph_Id__c`` holds our id, so
    :func:`import_csv` reads the files back to the same data. Cells that
    could run as spreadsheet formulas get a leading apostrophe (see
    :mod:`contactgraph.interop.cells`), which :func:`import_csv` removes.

    Args:
        store: The store to read.
        directory: Folder to write into (created if needed).
        account_ids: Only these accounts and what hangs off them.
        neutralise_formulas: Set to ``False`` only for a consumer that is
            not a spreadsheet and does not strip the apostrophe.
        progress: Called as ``progress(done, total)``.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    selected = None if account_ids is None else list(account_ids)
    report = ExportReport()
    sf_ids: dict[str, dict[str, str]] = {name: {} for name in ORDER}

    def accounts() -> Iterator[Account]:
        if selected is None:
            yield from store.accounts
        else:
            for account_id in selected:
                yield store.accounts.get(account_id)

    # First pass: custom field names (columns) and the Salesforce ids references need.
    extra_keys: dict[str, dict[str, None]] = {name: {} for name in ORDER}
    wanted: set[str] = set()
    for account in accounts():
        wanted.add(account.id)
        extra_keys["Account"].update(dict.fromkeys(account.extra))
        if "salesforce" in account.external_ids:
            sf_ids["Account"][account.id] = account.external_ids["salesforce"]
        for contact in account.contacts.values():
            extra_keys["Contact"].update(dict.fromkeys(contact.extra))
            if "salesforce" in contact.external_ids:
                sf_ids["Contact"][contact.id] = contact.external_ids["salesforce"]
    opportunities = [
        o for o in store.opportunities.list() if selected is None or o.account_id in wanted
    ]
    for opp in opportunities:
        extra_keys["Opportunity"].update(dict.fromkeys(opp.extra))
        if "salesforce" in opp.external_ids:
            sf_ids["Opportunity"][opp.id] = opp.external_ids["salesforce"]
    cases = [c for c in store.cases.list() if selected is None or c.account_id in wanted]
    for case in cases:
        extra_keys["Case"].update(dict.fromkeys(case.extra))
    relations = [r for r in store.relations.list() if selected is None or r.account_id in wanted]

    def ref_of(sobject: str, our_id: str | None) -> str:
        if not our_id:
            return ""
        return sf_ids[sobject].get(our_id, our_id)

    writers: dict[str, tuple[IO[str], csv.DictWriter[str]]] = {}

    def writer(sobject: str) -> csv.DictWriter[str]:
        if sobject not in writers:
            path = out / f"{sobject}.csv"
            handle = open_for_writing(path)
            columns = union_columns(standard_columns(sobject), extra_keys[sobject])
            w = csv.DictWriter(handle, fieldnames=columns, lineterminator="\r\n")
            w.writeheader()
            writers[sobject] = (handle, w)
            report.files.append(path)
            report.counts[sobject] = 0
        return writers[sobject][1]

    def write(sobject: str, fields: Mapping[str, Any]) -> None:
        writer(sobject).writerow({k: cell(v, safe=neutralise_formulas) for k, v in fields.items()})
        report.counts[sobject] += 1

    total = None
    done = 0
    try:
        for name in ORDER:
            writer(name)
        for account in accounts():
            write("Account", account_fields(account, ref_of))
            for contact in account.sorted_contacts():
                write("Contact", contact_fields(contact, ref_of))
            done += 1 + len(account)
            if progress is not None:
                progress(done, total)
        for opp in opportunities:
            write("Opportunity", opportunity_fields(opp, ref_of))
            for role in opp.contact_roles:
                write("OpportunityContactRole", contact_role_fields(opp, role, ref_of))
        for case in cases:
            write("Case", case_fields(case, ref_of))
        for rel in relations:
            write("AccountContactRelation", relation_fields(rel, ref_of))
    finally:
        for handle, _ in writers.values():
            handle.close()
    if progress is not None:
        progress(done, done)
    return report


def read_csv_text(text: str) -> list[dict[str, str]]:
    """Rows of a CSV text with formula escapes removed (a small helper for tests and tools)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return [{k: restore(v) for k, v in row.items()} for row in reader]
