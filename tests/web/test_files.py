"""Exports stream out and import back in; an all-or-nothing import refuses bad rows whole."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from litestar.testing import TestClient
from webkit import seed

import contactgraph as cg
from contactgraph.web import create_app

Client = TestClient[Any]


def test_csv_export_imports_into_another_tenant(client: Client) -> None:
    crm = seed(client)
    exported = client.get("/export?format=csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(exported.content))
    assert {"Account.csv", "Contact.csv"} <= set(archive.namelist())
    uploads = [("files", (name, archive.read(name), "text/csv")) for name in archive.namelist()]
    imported = client.post("/import", files=uploads, headers={"X-Tenant": "copy"})
    assert imported.status_code == 200, imported.text
    assert imported.json()["counts"]["Contact"]["created"] == 2
    found = client.get("/search?q=martin", headers={"X-Tenant": "copy"}).json()["items"]
    assert [c["email"] for c in found] == ["alice@acme.fr"]
    assert client.get("/search?q=martin").json()["items"][0]["id"] == crm.alice


def test_tree_export_is_a_zip_of_a_data_plan(client: Client) -> None:
    seed(client)
    exported = client.get("/export?format=tree")
    assert exported.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(exported.content)).namelist()
    assert any(n.endswith(".json") for n in names)


def test_vcard_export_streams_every_contact(client: Client) -> None:
    seed(client)
    cards = client.get("/export?format=vcard")
    assert cards.headers["content-type"].startswith("text/vcard")
    assert cards.text.count("BEGIN:VCARD") == 2
    assert "FN:Alice Martin" in cards.text


def test_vcard_export_pages_through_many_accounts(web_store: cg.Store) -> None:
    for i in range(230):
        account = cg.Account.create(name=f"Account {i:03}")
        account, _ = account.add_contact(last_name=f"Person{i:03}")
        web_store.accounts.add(account)
    with TestClient(create_app(web_store)) as client:
        text = client.get("/export?format=vcard").text
    assert text.count("BEGIN:VCARD") == 230


ACCOUNTS = "Id,Name\n001A,ACME SA\n001B,Globex\n"
CONTACTS = (
    "Id,AccountId,LastName,Email\n003A,001A,Martin,alice@acme.fr\n003B,001B,Durand,not-an-email\n"
)


def _upload() -> list[tuple[str, tuple[str, bytes, str]]]:
    return [
        ("files", ("Account.csv", ACCOUNTS.encode(), "text/csv")),
        ("files", ("Contact.csv", CONTACTS.encode(), "text/csv")),
    ]


def test_all_or_nothing_import_refuses_every_bad_row_and_writes_nothing(client: Client) -> None:
    refused = client.post("/import", files=_upload())
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    rows = refused.json()["rows"]
    assert [(r["source"], r["row"], r["field"], r["record"]) for r in rows] == [
        ("Contact.csv", 3, "email", "003B")
    ]
    assert client.get("/accounts").json()["items"] == []


def test_partial_import_keeps_the_good_rows_and_reports_the_bad(client: Client) -> None:
    done = client.post("/import?mode=partial", files=_upload())
    assert done.status_code == 200, done.text
    report = done.json()
    assert report["ok"] is False
    assert len(report["errors"]) == 1
    assert [c["last_name"] for c in client.get("/search?q=mar").json()["items"]] == ["Martin"]


def test_uploads_must_be_csv_or_json(client: Client) -> None:
    refused = client.post("/import", files=[("files", ("evil.sh", b"rm -rf /", "text/plain"))])
    assert refused.status_code == 422
    assert client.post("/import?mode=sometimes", files=_upload()).status_code == 422


def test_a_partial_import_s_result_files_download_for_its_tenant_only(client: Client) -> None:
    report = client.post("/import?mode=partial", files=_upload()).json()
    links = report["result_files"]
    errors = [link for link in links if link.endswith("Contact.csv.error.csv")]
    assert len(errors) == 1, links
    got = client.get(errors[0])
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/csv")
    assert "003B" in got.text
    assert client.get(errors[0], headers={"X-Tenant": "other"}).status_code == 404
    token = errors[0].split("/")[2]
    assert client.get(f"/imports/{token}/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert client.get("/imports/no-such-token/Contact.error.csv").status_code == 404
