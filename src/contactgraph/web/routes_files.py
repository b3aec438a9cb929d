"""Import uploads and streamed exports, through :mod:`contactgraph.interop`.

Exports never hold the whole data set in memory: vCards are written one
page of accounts at a time; CSV and tree exports are written by the
importer's own exporters to a temporary directory, zipped on disk and
streamed from there in chunks, then deleted.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import zipfile
from collections import OrderedDict
from collections.abc import AsyncIterator
from pathlib import Path, PurePath
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Stream

import contactgraph as cg
from contactgraph import interop
from contactgraph.serialization import unstructure
from contactgraph.web.context import Api, TenantApi
from contactgraph.web.schemas import documented

__all__ = ["HANDLERS", "MAX_UPLOAD", "ImportResults"]

MAX_UPLOAD = 50_000_000
"""Largest import upload (bytes); 413 above."""

_PAGE = 100
_CHUNK = 64 * 1024


async def _vcards(api: Api) -> AsyncIterator[bytes]:
    offset = 0
    while True:
        page = await api.run(api.store.accounts.list, order_by="id", offset=offset, limit=_PAGE)
        for account in page:
            yield interop.account_vcards(account).encode("utf-8")
        if len(page) < _PAGE:
            return
        offset += _PAGE


def _zip_export(store: cg.Store, format: str) -> Path:
    work = Path(tempfile.mkdtemp(prefix="contactgraph-export-"))
    try:
        out = work / "files"
        out.mkdir()
        interop.export_files(store, out, format="tree" if format == "tree" else "csv")
        archive = Path(tempfile.mkstemp(prefix="contactgraph-export-", suffix=".zip")[1])
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(out.rglob("*")):
                if path.is_file():
                    z.write(path, path.relative_to(out).as_posix())
        return archive
    finally:
        shutil.rmtree(work, ignore_errors=True)


async def _file_chunks(api: Api, path: Path, *, keep: bool = False) -> AsyncIterator[bytes]:
    try:
        with path.open("rb") as handle:
            while chunk := await api.run(handle.read, _CHUNK):
                yield chunk
    finally:
        if not keep:
            path.unlink(missing_ok=True)


@get(
    "/export",
    tags=["import-export"],
    operation_class=documented(text=("application/zip", "text/vcard; charset=utf-8")),
)
async def export(api: TenantApi, format: FromQuery[str] = "csv") -> Stream:
    """Stream the tenant's data: ``csv`` (Data Loader files, zipped), ``tree`` (sObject Tree plan, zipped) or ``vcard``."""
    if format == "vcard":
        return Stream(
            _vcards(api),
            media_type="text/vcard; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="contacts.vcf"'},
        )
    if format not in ("csv", "tree"):
        raise cg.InvalidValueError("use csv, tree or vcard", field="format", value=format)
    archive = await api.run(_zip_export, api.store, format)
    return Stream(
        _file_chunks(api, archive),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="contactgraph-{format}.zip"'},
    )


class ImportResults:
    """The success and error files of recent imports, kept on disk for download.

    Each import gets an unguessable token; a file is served only to the
    tenant that ran the import. The oldest results go when more than
    ``keep`` imports are held; everything goes at shutdown.
    """

    def __init__(self, keep: int = 32) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="contactgraph-results-"))
        self._keep = keep
        self._owners: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def new(self, tenant: str) -> tuple[str, Path]:
        token = secrets.token_urlsafe(16)
        folder = self.root / token
        folder.mkdir()
        with self._lock:
            self._owners[token] = tenant
            while len(self._owners) > self._keep:
                old, _ = self._owners.popitem(last=False)
                shutil.rmtree(self.root / old, ignore_errors=True)
        return token, folder

    def file(self, tenant: str, token: str, name: str) -> Path:
        with self._lock:
            owner = self._owners.get(token)
        path = self.root / token / PurePath(name).name
        if owner != tenant or name != path.name or not path.is_file():
            raise cg.NotFoundError("import result", f"{token}/{name}")
        return path

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _import(
    store: cg.Store, files: list[tuple[str, bytes]], mode: str, results: ImportResults
) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="contactgraph-import-"))
    try:
        paths = []
        for name, content in files:
            safe = PurePath(name.replace("\\", "/")).name
            if not safe.lower().endswith((".csv", ".json")):
                raise cg.InvalidValueError("upload .csv or .json files", field="files", value=name)
            path = work / safe
            path.write_bytes(content)
            paths.append(path)
        if not paths:
            raise cg.InvalidValueError("no file uploaded", field="files")
        token, folder = results.new(store.tenant)
        options = interop.ImportOptions(mode=mode.replace("_", "-"), results_dir=folder)
        report = interop.import_files(store, paths, options=options)
        written = [*report.success_files, *report.error_files]
        return {
            "ok": report.ok,
            "rows": report.rows,
            "counts": {k: unstructure(v) for k, v in report.counts.items()},
            "errors": [unstructure(e) for e in report.errors],
            "warnings": [unstructure(e) for e in report.warnings],
            "skipped": [unstructure(e) for e in report.skipped],
            "summary": report.summary(),
            "result_files": [f"/imports/{token}/{p.name}" for p in written],
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


@post(
    "/import",
    tags=["import-export"],
    status_code=200,
    request_max_body_size=MAX_UPLOAD,
    operation_class=documented(upload=True),
)
async def import_upload(
    api: TenantApi, request: Request[Any, Any, Any], mode: FromQuery[str] = "all_or_nothing"
) -> dict[str, Any]:
    """Import Data Loader CSV files or one sObject Tree file (multipart, any field name).

    ``mode=all_or_nothing`` (422 listing every bad row, nothing written) or ``partial``.
    """
    if mode not in ("all_or_nothing", "partial"):
        raise cg.InvalidValueError("use all_or_nothing or partial", field="mode", value=mode)
    if not request.content_type[0].startswith("multipart/"):
        raise cg.InvalidValueError("upload the files as multipart/form-data", field="files")
    form = await request.form()
    files = [
        (value.filename or "upload", await value.read())
        for _name, value in form.multi_items()
        if isinstance(value, UploadFile)
    ]
    results: ImportResults = request.app.state["import_results"]
    return await api.run(_import, api.store, files, mode, results)


@get(
    "/imports/{token:str}/{name:str}",
    tags=["import-export"],
    operation_class=documented(text=("text/csv; charset=utf-8",)),
)
async def import_result(
    api: TenantApi, token: FromPath[str], name: FromPath[str], request: Request[Any, Any, Any]
) -> Stream:
    """Download a success or error file of an import this tenant ran (Data Loader CSV)."""
    results: ImportResults = request.app.state["import_results"]
    path = results.file(api.store.tenant, token, name)
    return Stream(_file_chunks(api, path, keep=True), media_type="text/csv; charset=utf-8")


HANDLERS = [export, import_upload, import_result]
