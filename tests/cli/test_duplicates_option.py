"""``--duplicates allow|alert|block`` on the commands that write: the store's rule for a write
that looks like stored records, and on ``serve`` the rule the web face answers with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from clikit import run, snapshot

import contactgraph as cg
import contactgraph.web
from contactgraph.cli import EXIT_OK, EXIT_REFUSED, EXIT_USAGE

ALICE = ["--first-name", "Alice", "--last-name", "Martin", "--email", "alice@acme.fr"]


@pytest.fixture
def acme(store_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    """ACME SA with Alice Martin; returns the id of Alice."""
    assert run(capsys, "--store", store_url, "add", "account", "ACME SA").code == EXIT_OK
    added = run(capsys, "--store", store_url, "--json", "add", "contact", "ACME SA", *ALICE)
    assert added.code == EXIT_OK
    return str(added.json["id"])


def test_alert_writes_and_warns_naming_the_stored_record(
    store_url: str, acme: str, capsys: pytest.CaptureFixture[str]
) -> None:
    done = run(
        capsys, "--store", store_url, "add", "contact", "ACME SA", *ALICE, "--duplicates", "alert"
    )
    assert done.code == EXIT_OK
    assert "looks like Alice Martin" in done.err
    assert acme in done.err
    with cg.open_store(store_url) as store:
        assert len(store.accounts.find_contacts(email="alice@acme.fr")) == 2


def test_without_the_option_nothing_is_checked(
    store_url: str, acme: str, capsys: pytest.CaptureFixture[str]
) -> None:
    done = run(capsys, "--store", store_url, "add", "contact", "ACME SA", *ALICE)
    assert done.code == EXIT_OK
    assert "looks like" not in done.err


def test_block_refuses_naming_the_stored_record_and_writes_nothing(
    store_url: str, acme: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(store_url)
    refused = run(
        capsys, "--store", store_url, "--json", "add", "contact", "ACME SA", *ALICE,
        "--duplicates", "BLOCK",
    )  # fmt: skip
    assert refused.code == EXIT_REFUSED
    error = refused.json["error"]
    assert [v["code"] for v in error["violations"]] == ["duplicate.contact"]
    assert [c["id"] for d in error["duplicates"] for c in d["candidates"]] == [acme]
    edit = run(
        capsys, "--store", store_url, "edit", "account", "ACME SA", "--website", "acme.fr",
        "--duplicates", "block",
    )  # fmt: skip
    assert edit.code == EXIT_OK  # a change that makes no duplicate goes through
    after = snapshot(store_url)
    assert [c["id"] for a in after["accounts"] for c in a["contacts"]] == [
        c["id"] for a in before["accounts"] for c in a["contacts"]
    ]


@pytest.fixture
def twin(store_url: str, acme: str, capsys: pytest.CaptureFixture[str]) -> str:
    """Another Alice Martin (same email) at Globex, written without a rule; returns her id."""
    assert run(capsys, "--store", store_url, "add", "account", "Globex").code == EXIT_OK
    added = run(capsys, "--store", store_url, "--json", "add", "contact", "Globex", *ALICE)
    assert added.code == EXIT_OK
    return str(added.json["id"])


def test_a_move_next_to_a_likely_duplicate_warns_or_is_refused(
    store_url: str, acme: str, twin: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(store_url)
    refused = run(
        capsys, "--store", store_url, "--json", "move", twin, "--to", "ACME SA",
        "--duplicates", "block",
    )  # fmt: skip
    assert refused.code == EXIT_REFUSED
    assert [c["id"] for d in refused.json["error"]["duplicates"] for c in d["candidates"]] == [acme]
    assert snapshot(store_url) == before
    moved = run(
        capsys, "--store", store_url, "move", twin, "--to", "ACME SA", "--duplicates", "alert"
    )
    assert moved.code == EXIT_OK
    assert "looks like Alice Martin" in moved.err
    assert acme in moved.err


@pytest.mark.parametrize(
    "argv",
    [
        ["add", "account", "Globex", "--duplicates", "sometimes"],
        ["accounts", "--duplicates", "alert"],
    ],
)
def test_a_bad_rule_or_a_read_command_is_a_usage_error(
    store_url: str, argv: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    refused = run(capsys, "--store", store_url, *argv)
    assert refused.code == EXIT_USAGE
    assert "--duplicates" in refused.err
    assert not (tmp_path / "crm.sqlite").exists()


def test_serve_opens_the_store_with_the_rule(
    store_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: dict[str, Any] = {}

    def fake_serve(store: cg.Store, **options: Any) -> None:
        served["rules"] = store.duplicate_rules

    monkeypatch.setattr(contactgraph.web, "serve", fake_serve)
    assert run(capsys, "--store", store_url, "serve", "--duplicates", "block").code == EXIT_OK
    assert served["rules"] == cg.DuplicateRules(contacts="block", accounts="block")
    assert run(capsys, "--store", store_url, "serve").code == EXIT_OK
    assert served["rules"] == cg.DuplicateRules()
