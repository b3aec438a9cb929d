"""Salesforce sObject Tree JSON, as ``sf data import tree`` reads and ``sf data export tree`` writes.

Import a single tree file (``{"records": [...]}``) or a data plan (a JSON
list of ``{"sobject", "files", "saveRefs", "resolveRefs"}`` whose file paths
are relative to the plan)::

    report = import_tree(store, "data/data-plan.json",
                         options=ImportOptions(default_region="US"))

Like the current Salesforce CLI, the ``saveRefs`` and ``resolveRefs`` flags
are ignored: any top-level string ``@<referenceId>`` that names a record of
the import is a reference, wherever the record is (a later file, a later
plan entry, the same file: forward references and self references work).
A reference to a ``referenceId`` that no record has is refused, naming it.
Nested child records (``"Contacts": {"records": [...]}``) get their link to
the parent from the nesting.

Records carry no Salesforce ``Id`` in tree files, so re-imports are matched
by ``external_ids["salesforce_ref"] = "<namespace>:<referenceId>"``; the
namespace defaults to ``"<folder>/<file name>"`` of the plan or file
(:attr:`ImportOptions.namespace` overrides it). An ``Id`` field, when
present, is used as the Salesforce id instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from contactgraph.domain import Account
from contactgraph.errors import ImportRejectedError, RowError
from contactgraph.interop.bounds import Budget, check_count, check_size, load_json, refuse
from contactgraph.interop.importer import ORDER, run_import
from contactgraph.interop.mapping import (
    CHILD_LINKS,
    ID_FIELD,
    OUR_EXTERNAL_IDS_FIELD,
    OUR_ID_FIELD,
    account_fields,
    case_fields,
    contact_fields,
    contact_role_fields,
    opportunity_fields,
    relation_fields,
    sobject_of,
)
from contactgraph.interop.paths import UnsafePathError, inside, open_for_writing
from contactgraph.interop.records import SourceRecord
from contactgraph.interop.report import ExportReport, ImportOptions, ImportReport, Progress
from contactgraph.interop.results import ResultFiles
from contactgraph.repos.protocol import StoreProtocol

__all__ = ["TreeImport", "export_tree", "import_tree", "read_tree"]

PLAN_NAME = "contactgraph-plan.json"


class TreeImport:
    """Every record of a tree file or plan, read and checked, ready for the importer.

    Attributes:
        records: Records by sObject type (our canonical name, or the source's
            name for types we do not model), in plan order.
        refs: ``referenceId`` -> sObject type, for every record.
        columns: Per source file, the fields its records use (for result files).
        errors: File-level problems (malformed JSON, duplicate referenceIds…).
        total: Number of records.
    """

    def __init__(self, max_records: int = 5_000_000) -> None:
        self._budget = Budget(max_records)
        self.records: dict[str, list[SourceRecord]] = {}
        self.refs: dict[str, str] = {}
        self.columns: dict[str, list[str]] = {}
        self.errors: list[RowError] = []
        self.total = 0
        self._where: dict[str, str] = {}

    def groups(self) -> list[tuple[str, list[SourceRecord]]]:
        """``(type, records)`` in write order; unmodelled types first (they are only reported)."""
        modelled = [(t, self.records[t]) for t in ORDER if t in self.records]
        others = [(t, r) for t, r in self.records.items() if t not in ORDER]
        return others + modelled

    def add(self, rec: SourceRecord) -> None:
        if rec.ref:
            if rec.ref in self.refs:
                self.errors.append(
                    RowError(
                        rec.row,
                        f"duplicate referenceId {rec.ref!r} (also in {self._where[rec.ref]})",
                        "referenceId",
                        rec.source,
                        rec.ref,
                    )
                )
                return
            self.refs[rec.ref] = rec.sobject
            self._where[rec.ref] = f"{rec.source} record {rec.row}"
        self.records.setdefault(rec.sobject, []).append(rec)
        self.total += 1
        self._budget.take(rec.source, rec.row)
        cols = self.columns.setdefault(rec.source, ["sObject", "referenceId"])
        for key in rec.fields:
            if key not in cols:
                cols.append(key)


def read_tree(path: str | os.PathLike[str], *, options: ImportOptions | None = None) -> TreeImport:
    """Read a tree file or a data plan, with every file it names.

    A plan's files must lie inside the plan's folder (no absolute path, no
    ``..`` climbing out, no link leading out) unless
    ``options.plan_files_anywhere``; the bounds of ``options`` (file size,
    number of files and records, nesting) are checked before the work they
    protect (see :mod:`contactgraph.interop.bounds`).

    Raises:
        ImportRejectedError: a file is missing, is not JSON, is not a tree
            file or plan (row 0 names the file), a plan entry names a file
            outside the plan's folder or twice (the entry's position is the
            row), or a bound is crossed.
    """
    options = options or ImportOptions()
    path = Path(path)
    data = _load(path, path.name, options)
    tree = TreeImport(options.max_records)
    if isinstance(data, list):
        for file_path, name, sobject in _plan_files(path, data, options):
            _read_file(tree, file_path, name, _load(file_path, name, options), sobject)
    elif isinstance(data, Mapping):
        _read_file(tree, path, path.name, data, None)
    else:
        refuse(0, 'neither a tree file ({"records": [...]}) nor a plan (a list)', None, path.name)
    return tree


def _load(path: Path, source: str, options: ImportOptions) -> Any:
    return load_json(
        path, source, max_bytes=options.max_file_bytes, max_nesting=options.max_nesting
    )


def _plan_files(path: Path, plan: list[Any], options: ImportOptions) -> list[tuple[Path, str, Any]]:
    """Every file a plan names, checked (inside the folder, once each, within the bounds)."""
    out: list[tuple[Path, str, Any]] = []
    seen: dict[Path, int] = {}
    for position, entry in enumerate(plan, start=1):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("files"), list):
            refuse(position, 'a plan entry needs "sobject" and "files"', "files", path.name)
        for item in entry["files"]:
            name = item.get("file") if isinstance(item, Mapping) else item
            if not isinstance(name, str) or not name:
                refuse(position, f"not a file name: {item!r}", "files", path.name)
            try:
                file_path = inside(path.parent, name, allow_outside=options.plan_files_anywhere)
            except UnsafePathError as exc:
                refuse(position, str(exc), "files", path.name)
            key = file_path.resolve()
            if key in seen:
                refuse(
                    position,
                    f"{name!r} is listed twice (also in entry {seen[key]})",
                    "files",
                    path.name,
                )
            seen[key] = position
            out.append((file_path, name, entry.get("sobject")))
            check_count(
                len(out),
                options.max_files,
                "files",
                option="max_files",
                source=path.name,
                row=position,
            )
    for file_path, name, _ in out:
        check_size(file_path, name, options.max_file_bytes)
    return out


def _read_file(tree: TreeImport, path: Path, source: str, data: Any, sobject: Any) -> None:
    records = data.get("records") if isinstance(data, Mapping) else None
    if not isinstance(records, list):
        raise ImportRejectedError(
            [RowError(0, 'a tree file is an object with a "records" list', "records", source)]
        )
    for position, raw in enumerate(records, start=1):
        for rec in _flatten(
            raw,
            source,
            position,
            default_type=sobject if isinstance(sobject, str) else None,
            parent=None,
            tree=tree,
        ):
            tree.add(rec)


def _flatten(
    raw: Any,
    source: str,
    row: int,
    *,
    default_type: str | None,
    parent: tuple[str, str, Mapping[str, Any]] | None,
    tree: TreeImport,
) -> Iterator[SourceRecord]:
    if not isinstance(raw, Mapping):
        tree.errors.append(RowError(row, "a record is a JSON object", None, source))
        return
    attributes = raw.get("attributes")
    attributes = attributes if isinstance(attributes, Mapping) else {}
    kind = attributes.get("type") or default_type
    ref = attributes.get("referenceId")
    if not isinstance(kind, str) or not kind:
        tree.errors.append(RowError(row, "attributes.type is missing", "attributes", source))
        return
    if ref is not None and (not isinstance(ref, str) or not ref.strip()):
        tree.errors.append(
            RowError(row, "attributes.referenceId must be text", "attributes", source)
        )
        return
    canonical = sobject_of(kind) or kind
    fields: dict[str, Any] = {}
    children: list[tuple[str, Any]] = []
    for key, value in raw.items():
        if key == "attributes":
            continue
        if isinstance(value, Mapping) and isinstance(value.get("records"), list):
            children.append((key, value["records"]))
        else:
            fields[key] = value
    if parent is not None:
        link = CHILD_LINKS.get((parent[0], canonical))
        if link is None:
            tree.errors.append(
                RowError(
                    row, f"a {canonical} cannot be nested under a {parent[0]}", None, source, ref
                )
            )
            return
        fields[link] = "@" + parent[1]
        for inherited in INHERITED.get((parent[0], canonical), ()):
            _inherit(fields, parent[2], inherited)
    original = {"sObject": kind, "referenceId": ref, **fields}
    yield SourceRecord(canonical, fields, source, row, ref, original)
    for _name, child_records in children:
        if not ref:
            tree.errors.append(
                RowError(row, "a record with children needs a referenceId", "attributes", source)
            )
            return
        for child in child_records:
            yield from _flatten(
                child, source, row, default_type=None, parent=(canonical, ref, fields), tree=tree
            )


INHERITED: Mapping[tuple[str, str], tuple[str, ...]] = {("Contact", "Contact"): ("AccountId",)}
"""Fields a nested child takes from its parent when it has none: a report works at its manager's account."""


def _inherit(fields: dict[str, Any], parent: Mapping[str, Any], name: str) -> None:
    folded = name.casefold()
    if any(k.casefold() == folded and v not in (None, "") for k, v in fields.items()):
        return
    for key, value in parent.items():
        if key.casefold() == folded and value not in (None, ""):
            fields[name] = value
            return


def _default_namespace(path: Path) -> str:
    resolved = path.resolve()
    return f"{resolved.parent.name}/{resolved.name}"


def import_tree(
    store: StoreProtocol,
    path: str | os.PathLike[str],
    *,
    options: ImportOptions | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a tree file or data plan into ``store``, in one transaction.

    Args:
        store: The store to write to.
        path: A tree file or a data plan.
        options: Mode, default phone region, orphan account, namespace…
        progress: Called as ``progress(done, total)`` while records are written.

    Returns:
        What was created, updated, left unchanged, refused and skipped.

    Raises:
        ImportRejectedError: the file cannot be read (nothing written), or in
            all-or-nothing mode any record was refused (nothing written; the
            error lists every bad record).
    """
    options = options or ImportOptions()
    path = Path(path)
    tree = read_tree(path, options=options)
    results = ResultFiles(options.results_dir)
    for source, columns in tree.columns.items():
        results.declare(source, columns)
    return run_import(
        store,
        options,
        options.namespace or _default_namespace(path),
        tree.groups(),
        known_refs=tree.refs,
        results=results,
        progress=progress,
        total=tree.total,
        errors=tree.errors,
    )


# ------------------------------------------------------------------ export


class _Refs:
    """Our ids -> ``<Type>Ref<n>`` referenceIds (the pattern the CLI waits for)."""

    def __init__(self) -> None:
        self._refs: dict[str, dict[str, str]] = {}

    def ref(self, sobject: str, our_id: str | None) -> str:
        if not our_id:
            return ""
        table = self._refs.setdefault(sobject, {})
        found = table.get(our_id)
        if found is None:
            found = f"{sobject}Ref{len(table) + 1}"
            table[our_id] = found
        return found

    def at(self, sobject: str, our_id: str | None) -> str:
        return "@" + self.ref(sobject, our_id) if our_id else ""


class _RecordsFile:
    """Writes ``{"records": [...]}`` one record at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._handle: IO[str] = open_for_writing(path)
        self._handle.write('{\n  "records": [')

    def write(self, record: Mapping[str, Any]) -> None:
        self._handle.write(("," if self.count else "") + "\n    ")
        self._handle.write(json.dumps(record, ensure_ascii=False))
        self.count += 1

    def close(self) -> None:
        self._handle.write("\n  ]\n}\n")
        self._handle.close()


def _clean(fields: Mapping[str, Any], salesforce_compatible: bool) -> dict[str, Any]:
    out = {k: v for k, v in fields.items() if v is not None}
    if salesforce_compatible:
        for key in (ID_FIELD, OUR_ID_FIELD, OUR_EXTERNAL_IDS_FIELD):
            out.pop(key, None)
        out = {k: v for k, v in out.items() if not k.startswith("ContactGraph_")}
    return out


def _accounts(store: StoreProtocol, account_ids: Iterable[str] | None) -> Iterator[Account]:
    if account_ids is None:
        yield from store.accounts
    else:
        for account_id in account_ids:
            yield store.accounts.get(account_id)


def export_tree(
    store: StoreProtocol,
    directory: str | os.PathLike[str],
    *,
    account_ids: Iterable[str] | None = None,
    salesforce_compatible: bool = False,
    progress: Progress | None = None,
) -> ExportReport:
    """Write the store (or some accounts and what hangs off them) as a tree data plan.

    Writes ``Account.json``, ``Contact.json``, ``Opportunity.json``,
    ``OpportunityContactRole.json``, ``Case.json``,
    ``AccountContactRelation.json`` and the plan ``contactgraph-plan.json``
    that lists them in load order. References are ``@<Type>Ref<n>``.

    Args:
        store: The store to read.
        directory: Folder to write into (created if needed).
        account_ids: Only these accounts, with their contacts, opportunities,
            cases and relations.
        salesforce_compatible: Leave out ``Id`` and the ``ContactGraph_*``
            fields, for ``sf data import tree`` into an org that lacks them.
            Without it (the default) the export reads back without loss.
        progress: Called as ``progress(done, total)``.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    refs = _Refs()
    report = ExportReport()
    selected = None if account_ids is None else list(account_ids)
    total = (
        None if selected is not None else store.accounts.count() + store.accounts.count_contacts()
    )
    done = 0
    files = {name: _RecordsFile(out / f"{name}.json") for name in ORDER}
    wanted: set[str] = set()
    try:
        for account in _accounts(store, selected):
            wanted.add(account.id)
            fields = account_fields(account, refs.at)
            files["Account"].write(
                _record(
                    "Account",
                    refs.ref("Account", account.id),
                    _clean(fields, salesforce_compatible),
                )
            )
            for contact in account.sorted_contacts():
                fields = contact_fields(contact, refs.at)
                files["Contact"].write(
                    _record(
                        "Contact",
                        refs.ref("Contact", contact.id),
                        _clean(fields, salesforce_compatible),
                    )
                )
            done += 1 + len(account)
            if progress is not None:
                progress(done, total)
        for opp in store.opportunities.list():
            if selected is not None and opp.account_id not in wanted:
                continue
            fields = opportunity_fields(opp, refs.at)
            files["Opportunity"].write(
                _record(
                    "Opportunity",
                    refs.ref("Opportunity", opp.id),
                    _clean(fields, salesforce_compatible),
                )
            )
            for n, role in enumerate(opp.contact_roles, start=1):
                fields = contact_role_fields(opp, role, refs.at)
                files["OpportunityContactRole"].write(
                    _record(
                        "OpportunityContactRole",
                        f"{refs.ref('Opportunity', opp.id)}Role{n}",
                        _clean(fields, False),
                    )
                )
        for case in store.cases.list():
            if selected is not None and case.account_id not in wanted:
                continue
            fields = case_fields(case, refs.at)
            files["Case"].write(
                _record("Case", refs.ref("Case", case.id), _clean(fields, salesforce_compatible))
            )
        for rel in store.relations.list():
            if selected is not None and rel.account_id not in wanted:
                continue
            fields = relation_fields(rel, refs.at)
            files["AccountContactRelation"].write(
                _record(
                    "AccountContactRelation",
                    refs.ref("AccountContactRelation", rel.id),
                    _clean(fields, salesforce_compatible),
                )
            )
    finally:
        for f in files.values():
            f.close()
    plan = []
    for name in ORDER:
        f = files[name]
        report.counts[name] = f.count
        if f.count:
            plan.append(
                {"sobject": name, "saveRefs": True, "resolveRefs": True, "files": [f.path.name]}
            )
            report.files.append(f.path)
        else:
            f.path.unlink()
    plan_path = out / PLAN_NAME
    with open_for_writing(plan_path) as handle:
        handle.write(json.dumps(plan, indent=2) + "\n")
    report.files.insert(0, plan_path)
    if progress is not None:
        progress(done, total)
    return report


def _record(sobject: str, ref: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {"attributes": {"type": sobject, "referenceId": ref}, **fields}
