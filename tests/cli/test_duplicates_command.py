"""`contactgraph duplicates`: clusters with their evidence, as text and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import contactgraph as cg
from contactgraph.cli import EXIT_OK, EXIT_USAGE, main
from contactgraph.testing.people import generate


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('dup') / 'crm.sqlite'}"
    planted = generate(600, seed=9)
    acme = cg.Account.create(name="ACME SA", website="acme.fr")
    acme, _ = acme.add_contact(first_name="Robert", last_name="Grzybowski", phone="+33144274427")
    acme, _ = acme.add_contact(first_name="Bob", last_name="Grzybowski", phone="+33 1 44 27 44 27")
    acme, _ = acme.add_contact(last_name="Martin", email="alice@acme.fr")
    acme, _ = acme.add_contact(last_name="Martin", email="\u0430lice@acme.fr")
    with cg.open_store(url) as store, store.transaction():
        for account in (*planted.accounts, acme):
            store.accounts.add(account)
    return url


def test_json_lists_clusters_with_members_and_reasons(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--store", store_url, "duplicates", "--json", "--lookalikes"])
    out = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK
    bob = next(
        c
        for c in out["clusters"]
        if {m["name"] for m in c["members"]} == {"Robert Grzybowski", "Bob Grzybowski"}
    )
    assert len(bob["contact_ids"]) == 2
    assert {"field": "first_name", "level": "nickname"} in [
        {k: r[k] for k in ("field", "level")} for r in bob["reasons"]
    ]
    assert ["alice@acme.fr", "\u0430lice@acme.fr"] in [p["values"] for p in out["lookalikes"]]


def test_text_names_the_people_and_the_evidence(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--store", store_url, "duplicates"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Bob Grzybowski" in out
    assert "first_name nickname" in out


def test_accounts(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--store", store_url, "duplicates", "--accounts", "--json"]) == EXIT_OK
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "accounts"
    assert all(len(c["account_ids"]) >= 2 for c in out["clusters"])


@pytest.mark.parametrize("value", ["0", "1.5", "high"])
def test_a_threshold_outside_0_1_is_a_usage_error(
    store_url: str, value: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["--store", store_url, "duplicates", "--threshold", value]) == EXIT_USAGE
    assert "--threshold" in capsys.readouterr().err
