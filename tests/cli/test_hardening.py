"""What a hostile day tried on the command line: empty and bad option values, missing stores,
files in the way, look-alike characters, and errors that must never show a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy.exc
from clikit import run, snapshot

from contactgraph.cli import (
    EXIT_BUG,
    EXIT_INTERRUPTED,
    EXIT_IO,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_STORE,
    EXIT_USAGE,
    read,
)

Capsys = pytest.CaptureFixture[str]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in an empty folder, with no store URL in the environment."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONTACTGRAPH_STORE_URL", raising=False)


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["--tenant", "", "accounts"], "--tenant"),
        (["accounts", "--tenant", ""], "--tenant"),
        (["--tenant", "bad tenant!", "accounts"], "--tenant"),
        (["--store", "", "accounts"], "--store"),
        (["--store", "sqlite:///", "import", "x.csv"], "--store"),
        (["accounts", "--limit", "-3"], "--limit"),
        (["search", "acme", "--limit", "0"], "--limit"),
        (["import", "x.csv", "--region", "XX"], "--region"),
        (["import", "x.csv", "--currency", "FOO"], "--currency"),
        (
            [
                "add",
                "opportunity",
                "ACME SA",
                "--name",
                "X",
                "--stage",
                "Prospecting",
                "--close-date",
                "2027-02-30",
            ],
            "--close-date",
        ),
        (
            [
                "add",
                "opportunity",
                "ACME SA",
                "--name",
                "X",
                "--stage",
                "Prospecting",
                "--close-date",
                "2027-01-31",
                "--currency",
                "FOO",
            ],
            "--currency",
        ),
        (["move", "Alice", "--to", "Globex", "--on", "tomorrow"], "--on"),
        (["ready", "ACME SA", "--for", "lunch"], "--for"),
        (["add", "account", "X", "--employees", "-1"], "--employees"),
        (["edit", "contact", "Alice", "--email-opt-out", "maybe"], "--email-opt-out"),
    ],
)
def test_bad_option_values_are_usage_errors_before_any_work(
    tmp_path: Path, capsys: Capsys, argv: list[str], option: str
) -> None:
    result = run(capsys, *argv, "--json")
    assert result.code == EXIT_USAGE
    assert option in result.err
    assert result.err.count("\n") == 1
    assert result.json["error"]["kind"] == "usage"
    assert list(tmp_path.iterdir()) == []  # no store file, nothing else


def test_no_command_and_unknown_command_are_usage_errors(capsys: Capsys) -> None:
    assert run(capsys).code == EXIT_USAGE
    result = run(capsys, "frobnicate", "--json")
    assert result.code == EXIT_USAGE
    assert result.json["error"]["exit_code"] == EXIT_USAGE


def test_a_store_url_naming_no_file_in_the_environment_is_refused(
    tmp_path: Path, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTACTGRAPH_STORE_URL", "sqlite:///")
    result = run(capsys, "demo")
    assert result.code == EXIT_USAGE
    assert "$CONTACTGRAPH_STORE_URL" in result.err


@pytest.mark.parametrize(
    "argv",
    [
        ["accounts"],
        ["account", "ACME SA"],
        ["contact", "Alice"],
        ["search", "acme"],
        ["org-chart", "ACME SA"],
        ["check"],
        ["opportunities", "ACME SA"],
        ["cases", "ACME SA"],
        ["hierarchy", "ACME SA"],
        ["ready", "ACME SA"],
        ["export", "out"],
    ],
)
def test_read_commands_never_create_a_store(
    tmp_path: Path, capsys: Capsys, argv: list[str]
) -> None:
    result = run(capsys, "--store", "sqlite:///typo.db", *argv, "--json")
    assert result.code == EXIT_STORE
    assert "no store at typo.db" in result.err
    assert "demo" in result.err  # how to create one
    assert result.json["error"]["kind"] == "store"
    assert list(tmp_path.iterdir()) == []


def test_the_default_store_is_not_created_by_a_read(tmp_path: Path, capsys: Capsys) -> None:
    result = run(capsys, "accounts")
    assert result.code == EXIT_STORE
    assert "contactgraph.sqlite" in result.err
    assert not (tmp_path / "contactgraph.sqlite").exists()


def test_export_over_a_file_is_a_one_line_usage_error(
    demo: str, tmp_path: Path, capsys: Capsys
) -> None:
    target = tmp_path / "report.txt"
    target.write_text("keep me", encoding="utf-8")
    result = run(capsys, "--store", demo, "export", str(target))
    assert result.code == EXIT_USAGE
    assert result.err.count("\n") == 1
    assert "is a file" in result.err
    assert target.read_text(encoding="utf-8") == "keep me"


def test_export_under_a_file_is_a_one_line_io_error(
    demo: str, tmp_path: Path, capsys: Capsys
) -> None:
    (tmp_path / "plain").write_text("", encoding="utf-8")
    result = run(capsys, "--store", demo, "export", str(tmp_path / "plain" / "out"), "--json")
    assert result.code == EXIT_IO
    assert result.err.count("\n") == 1
    assert "Traceback" not in result.err
    assert result.json["error"]["kind"] == "io"


def test_export_to_a_missing_folder_creates_it(demo: str, tmp_path: Path, capsys: Capsys) -> None:
    result = run(capsys, "--store", demo, "export", str(tmp_path / "new" / "csv"))
    assert result.code == EXIT_OK, result.err
    assert (tmp_path / "new" / "csv" / "Account.csv").is_file()


def test_vcard_export_never_writes_through_a_link(
    demo: str, tmp_path: Path, capsys: Capsys
) -> None:
    cards = tmp_path / "cards"
    run(capsys, "--store", demo, "export", str(cards), "--format", "vcard", "--account", "ACME SA")
    [card] = list(cards.glob("*.vcf"))
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    card.unlink()
    card.symlink_to(victim)
    result = run(capsys, "--store", demo, "export", str(cards), "--format", "vcard")
    assert result.code == EXIT_IO
    assert victim.read_text(encoding="utf-8") == "precious"


def test_results_folder_that_is_a_file_is_a_usage_error(
    tmp_path: Path, store_url: str, capsys: Capsys
) -> None:
    (tmp_path / "data.csv").write_text("Name\r\nACME SA\r\n", encoding="utf-8")
    (tmp_path / "results").write_text("", encoding="utf-8")
    result = run(
        capsys, "--store", store_url, "import", str(tmp_path / "data.csv"), "--results",
        str(tmp_path / "results"),
    )  # fmt: skip
    assert result.code == EXIT_USAGE
    assert "--results" in result.err
    assert not (tmp_path / "crm.sqlite").exists()


def test_bidi_controls_in_names_are_neutralised_in_text(demo: str, capsys: Capsys) -> None:
    spoof = "Eve \u202egnp.exe"
    assert run(capsys, "--store", demo, "add", "contact", "ACME SA", "--last-name", spoof).code == 0
    card = run(capsys, "--store", demo, "account", "ACME SA").out
    chart = run(capsys, "--store", demo, "org-chart", "ACME SA").out
    assert "\u202e" not in card
    assert "\u202e" not in chart
    assert "Eve \N{REPLACEMENT CHARACTER}gnp.exe" in chart
    data = run(capsys, "--store", demo, "account", "ACME SA", "--json").json
    assert any(c["last_name"] == spoof for c in data["contacts"])  # JSON keeps the data


def test_a_huge_name_is_refused_before_any_search(demo: str, capsys: Capsys) -> None:
    result = run(capsys, "--store", demo, "contact", "x" * 100_000)
    assert result.code == EXIT_REFUSED
    assert "longer than" in result.err


def test_an_unexpected_error_is_one_line_and_exit_70(
    demo: str, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(read, "cmd_accounts", broken)
    before = snapshot(demo)
    result = run(capsys, "--store", demo, "accounts", "--json")
    assert result.code == EXIT_BUG
    assert result.err.count("\n") == 1
    assert "bug in contactgraph" in result.err
    assert result.json["error"]["kind"] == "bug"
    assert snapshot(demo) == before


@pytest.mark.parametrize(
    "error",
    [
        sqlite3.OperationalError("database is locked"),
        sqlalchemy.exc.OperationalError(
            "BEGIN", {}, sqlite3.OperationalError("database is locked")
        ),
    ],
)
def test_a_raw_database_error_is_a_one_line_store_error(
    demo: str, capsys: Capsys, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def locked(*_: object) -> int:
        raise error

    monkeypatch.setattr(read, "cmd_accounts", locked)
    result = run(capsys, "--store", demo, "accounts")
    assert result.code == EXIT_STORE
    assert result.err.startswith("contactgraph: error: the store failed: ")
    assert "database is locked" in result.err
    assert result.err.count("\n") == 1


def test_ctrl_c_is_exit_130_with_a_json_document(
    demo: str, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*_: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(read, "cmd_accounts", interrupted)
    result = run(capsys, "--store", demo, "accounts", "--json")
    assert result.code == EXIT_INTERRUPTED
    assert result.json["error"]["kind"] == "interrupted"


def test_debug_shows_the_traceback(demo: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTACTGRAPH_DEBUG", "1")
    from contactgraph.cli import main
    from contactgraph.errors import NotFoundError

    with pytest.raises(NotFoundError):
        main(["--store", demo, "account", "Nowhere Inc"])
