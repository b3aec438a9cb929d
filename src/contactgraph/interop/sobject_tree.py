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

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from contactgraph.errors import ImportRejectedError, InvalidValueError, RowError
from contactgraph.interop.bounds import Budget, check_count, check_size, load_json, refuse
from contactgraph.interop.importer import ORDER, run_import
from contactgraph.interop.mapping import (
    CHILD_LINKS,
    sobject_of,
)
from contactgraph.interop.paths import UnsafePathError, inside
from contactgraph.interop.records import SourceRecord
from contactgraph.interop.report import ImportOptions, ImportReport, Progress
from contactgraph.interop.results import ResultFiles
from contactgraph.interop.tree_export import export_tree
from contactgraph.repos.protocol import StoreProtocol

__all__ = ["TreeImport", "export_tree", "import_tree", "read_tree"]


class TreeImport:
    """Every record of a tree file or plan, read and checked, ready for the importer.

    Attributes:
        records: Records by sObject type (our canonical name, or the source's
            name for types we do not model), in plan order.
        refs: ``referenceId`` -> sObject type, for every record.
        columns: Per source file, the fields its records use (for result files).
        errors: File-level problems (malformed JSON, duplicate referenceIds…).
        warnings: Remarks that do not stop a record (a reference matched by letter case only).
        total: Number of records.
    """

    def __init__(self, max_records: int = 5_000_000) -> None:
        self._budget = Budget(max_records)
        self.records: dict[str, list[SourceRecord]] = {}
        self.refs: dict[str, str] = {}
        self.columns: dict[str, list[str]] = {}
        self.errors: list[RowError] = []
        self.warnings: list[RowError] = []
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


def _one_path(path: object) -> Path:
    """``path`` as a :class:`Path`; anything but one path is refused, naming the argument."""
    if isinstance(path, str | os.PathLike):
        try:
            return Path(path)
        except TypeError:  # an os.PathLike whose __fspath__ gives no text
            pass
    raise InvalidValueError(
        "one tree file or data plan, as a str or os.PathLike path "
        "(to import several files, list them in a data plan)",
        field="path",
        value=path,
    )


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
        InvalidValueError: ``path`` is not one path (a list of files, say);
            its ``field`` is ``"path"``.
    """
    options = options or ImportOptions()
    path = _one_path(path)
    data = _load(path, path.name, options)
    tree = TreeImport(options.max_records)
    if isinstance(data, list):
        for file_path, name, sobject in _plan_files(path, data, options):
            _read_file(tree, file_path, name, _load(file_path, name, options), sobject)
    elif isinstance(data, Mapping):
        _read_file(tree, path, path.name, data, None)
    else:
        refuse(0, 'neither a tree file ({"records": [...]}) nor a plan (a list)', None, path.name)
    _match_letter_case(tree)
    _flag_parent_loops(tree)
    return tree


def _flag_parent_loops(tree: TreeImport) -> None:
    """Flag the accounts whose ``ParentId`` references loop back to them, before any is written.

    The store would refuse the loop only at commit, taking every row with
    it; flagged here, those accounts are refused as rows (and the accounts
    under them, which name a refused parent), and the others land in a
    partial import.
    """
    parent_of: dict[str, str] = {}
    accounts = tree.records.get("Account", [])
    for rec in accounts:
        for key, value in rec.fields.items():
            if key.casefold() == "parentid" and isinstance(value, str) and value[:1] == "@":
                parent_of[rec.ref or ""] = value[1:]
    loops: dict[str, list[str]] = {}
    for start in parent_of:
        path = [start]
        current = parent_of.get(start)
        while current is not None and current not in path and current not in loops:
            path.append(current)
            current = parent_of.get(current)
        if current is not None and current in path:
            loop = path[path.index(current) :]
            for ref in loop:
                loops[ref] = loop
    for rec in accounts:
        if rec.ref in loops:
            loop = loops[rec.ref]
            chain = " -> ".join("@" + r for r in [*loop, loop[0]])
            rec.refusal = ("ParentId", f"the parent chain loops: {chain}")


def _match_letter_case(tree: TreeImport) -> None:
    """Resolve ``@refs`` that differ from one referenceId only in letter case, with a warning.

    Files written for the older Salesforce CLI, which matched them
    (``@accountRef10`` for ``AccountRef10``), then import; a reference that
    matches several referenceIds that way stays unresolved.
    """
    folded: dict[str, str | None] = {}
    for ref in tree.refs:
        key = ref.casefold()
        folded[key] = None if key in folded else ref
    for records in tree.records.values():
        for rec in records:
            for field, value in rec.fields.items():
                if not (isinstance(value, str) and value.startswith("@")):
                    continue
                if value[1:] in tree.refs:
                    continue
                match = folded.get(value[1:].casefold())
                if match is None:
                    continue
                rec.fields[field] = "@" + match
                tree.warnings.append(
                    RowError(
                        rec.row,
                        f"reference {value} matches referenceId {match!r} only when letter case "
                        "is ignored; resolved to it (Salesforce matches references exactly)",
                        field,
                        rec.source,
                        rec.ref,
                    )
                )


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
        InvalidValueError: ``path`` is not one path (a list of files, say):
            nothing is read, and its ``field`` is ``"path"``.
    """
    options = options or ImportOptions()
    path = _one_path(path)
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
        warnings=tree.warnings,
    )
