"""One entry point per direction, for command lines: the format follows the file names."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from contactgraph.errors import ImportRejectedError, RowError
from contactgraph.interop.dataloader import export_csv, import_csv
from contactgraph.interop.report import ExportReport, ImportOptions, ImportReport, Progress
from contactgraph.interop.sobject_tree import export_tree, import_tree
from contactgraph.repos.protocol import StoreProtocol

__all__ = ["export_files", "import_files"]

Format = Literal["csv", "tree"]


def import_files(
    store: StoreProtocol,
    files: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    options: ImportOptions | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one sObject Tree file or plan (``.json``), or Data Loader CSV files (``.csv``).

    Raises:
        ImportRejectedError: the files mix formats, or several JSON files are
            given (list them in a data plan instead); and as
            :func:`import_tree` / :func:`import_csv` raise.
    """
    paths = [Path(files)] if isinstance(files, str | os.PathLike) else [Path(f) for f in files]
    if not paths:
        raise ImportRejectedError([RowError(0, "no file to import")])
    kinds = {p.suffix.casefold() for p in paths}
    if kinds == {".json"}:
        if len(paths) > 1:
            raise ImportRejectedError(
                [
                    RowError(
                        0, "import one tree file or data plan at a time; a plan lists several files"
                    )
                ]
            )
        return import_tree(store, paths[0], options=options, progress=progress)
    if ".json" in kinds:
        raise ImportRejectedError(
            [RowError(0, "mixing JSON and CSV files in one import is not supported")]
        )
    return import_csv(store, paths, options=options, progress=progress)


def export_files(
    store: StoreProtocol,
    directory: str | os.PathLike[str],
    *,
    format: Format = "csv",
    account_ids: Iterable[str] | None = None,
    progress: Progress | None = None,
    salesforce_compatible: bool = False,
) -> ExportReport:
    """Export to ``directory`` as Data Loader CSV (``format="csv"``) or a tree data plan (``"tree"``).

    ``salesforce_compatible`` (tree only) writes only fields an insert into
    a Salesforce org can set; see :func:`~contactgraph.interop.export_tree`.
    """
    if format == "csv":
        return export_csv(store, directory, account_ids=account_ids, progress=progress)
    if format == "tree":
        return export_tree(
            store,
            directory,
            account_ids=account_ids,
            progress=progress,
            salesforce_compatible=salesforce_compatible,
        )
    raise ValueError(f"unknown export format {format!r}; use 'csv' or 'tree'")
