"""An independent reading of Salesforce files: the standard library's ``csv`` and ``json`` only.

The acceptance tests compare what the library imported with what the files
hold, so the files are read here without any of the library's readers:
Data Loader CSV with ``csv.DictReader`` (a BOM and CRLF handled by
``utf-8-sig`` and ``newline=""``), sObject Tree JSON and data plans with
``json``. A record is its sObject type, the key other records use to point at
it, and its fields by API name in lower case (Salesforce matches names
without regard to case, and so do the files).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHILD_LINK = {
    ("Account", "Contact"): "accountid",
    ("Account", "Opportunity"): "accountid",
    ("Account", "Case"): "accountid",
    ("Account", "Account"): "parentid",
    ("Contact", "Case"): "contactid",
    ("Contact", "Contact"): "reportstoid",
}
"""The field a nested child's parent sets (Salesforce's child relationships)."""


@dataclass
class RawRecord:
    """One record as the file has it.

    Attributes:
        sobject: The sObject type (``Account``).
        key: What other records of the same import use to point at it: the
            ``Id`` (18 characters), else the referenceId, else ``<Type>Ref<n>``
            for row *n* of a CSV file without ids.
        fields: API name in lower case -> the value, blanks included.
        source: The file's name.
        row: Position in the file (1 = first record).
    """

    sobject: str
    key: str
    fields: dict[str, Any]
    source: str
    row: int
    names: dict[str, str] = field(default_factory=dict)
    """Lower-case API name -> the name as the file writes it (custom fields keep it)."""

    def get(self, name: str) -> Any:
        """The value of ``name`` (any case), ``None`` when absent or blank."""
        value = self.fields.get(name.casefold())
        if isinstance(value, str) and not value.strip():
            return None
        return value

    def ref(self, name: str) -> str | None:
        """The key a reference field points at (``@AccountRef1`` -> ``AccountRef1``)."""
        value = self.get(name)
        if value is None:
            return None
        text = str(value).strip()
        return text[1:] if text.startswith("@") else text


def csv_records(path: Path, sobject: str) -> list[RawRecord]:
    """The data rows of a Data Loader CSV file (multi-line cells count once)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out = []
    for n, row in enumerate(rows, start=1):
        fields = {k.casefold(): v for k, v in row.items() if k is not None}
        names = {k.casefold(): k for k in row if k is not None}
        key = fields.get("id") or fields.get("referenceid") or f"{sobject}Ref{n}"
        out.append(RawRecord(sobject, key, fields, path.name, n, names))
    return out


REPORT_LABELS = {
    "account name": "Name",
    "employees": "NumberOfEmployees",
    "first name": "FirstName",
    "last name": "LastName",
    "picture": "Picture__c",
}
"""Report labels that are not their API name (docs: an unknown label becomes a custom field)."""


def report_records(path: Path) -> list[RawRecord]:
    """A report export (``Object: Label`` headers, one row per contact) as accounts and contacts.

    Accounts are told apart by name (the report has nothing else); a contact
    is keyed by its line in the file (``ContactRow<n>``, the header is line 1).
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header = [h.split(":", 1) for h in rows[0]]
    accounts: dict[str, RawRecord] = {}
    out: list[RawRecord] = []
    for line, row in enumerate(rows[1:], start=2):
        parts: dict[str, dict[str, str]] = {"Account": {}, "Contact": {}}
        for (sobject, label), value in zip(header, row, strict=False):
            clean = label.strip()
            api = REPORT_LABELS.get(clean.casefold(), clean.replace(" ", ""))
            parts[sobject.strip()][api] = value
        name = parts["Account"]["Name"]
        if name not in accounts:
            fields = parts["Account"]
            accounts[name] = RawRecord(
                "Account",
                name,
                {k.casefold(): v for k, v in fields.items()},
                path.name,
                line,
                {k.casefold(): k for k in fields},
            )
            out.append(accounts[name])
        contact = parts["Contact"]
        if any(v.strip() for v in contact.values()):
            contact["AccountId"] = name
            out.append(
                RawRecord(
                    "Contact",
                    f"ContactRow{line}",
                    {k.casefold(): v for k, v in contact.items()},
                    path.name,
                    line,
                    {k.casefold(): k for k in contact},
                )
            )
    return out


def tree_records(path: Path) -> list[RawRecord]:
    """The records of an sObject Tree file, nested children flattened after their parent."""
    data = json.loads(path.read_text("utf-8"))
    out: list[RawRecord] = []
    counter = iter(range(1, 1_000_000))
    for record in data["records"]:
        out.extend(_flatten(record, path.name, counter, None))
    return out


def _flatten(
    record: dict[str, Any], source: str, counter: Iterator[int], parent: RawRecord | None
) -> Iterator[RawRecord]:
    attributes = record["attributes"]
    sobject = attributes["type"]
    fields: dict[str, Any] = {}
    names: dict[str, str] = {}
    children: list[dict[str, Any]] = []
    for name, value in record.items():
        if name == "attributes":
            continue
        if isinstance(value, dict) and "records" in value:
            children.extend(value["records"])
            continue
        fields[name.casefold()] = value
        names[name.casefold()] = name
    if parent is not None:
        link = CHILD_LINK[(parent.sobject, sobject)]
        fields[link] = "@" + parent.key
        names[link] = link
    raw = RawRecord(sobject, attributes["referenceId"], fields, source, next(counter), names)
    yield raw
    for child in children:
        yield from _flatten(child, source, counter, raw)


def plan_files(plan: Path) -> list[Path]:
    """The files a data plan lists, in order."""
    entries = json.loads(plan.read_text("utf-8"))
    return [plan.parent / name for entry in entries for name in entry["files"]]


def plan_records(plan: Path) -> list[RawRecord]:
    """Every record of a data plan's files."""
    return [r for path in plan_files(plan) for r in tree_records(path)]
