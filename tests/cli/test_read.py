"""The `contactgraph` command, run in-process on an SQLite store (and once as a real process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from contactgraph import open_store
from contactgraph.cli import (
    EXIT_CHECK_FAILED,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_STORE,
    EXIT_USAGE,
    main,
)


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'crm.sqlite'}"


@pytest.fixture
def demo(store_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["--store", store_url, "demo"]) == EXIT_OK
    capsys.readouterr()
    return store_url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_demo_shows_account_contact_org_chart_and_readiness(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--store", store_url, "demo")
    assert code == EXIT_OK
    assert "(demo data created)" in out
    assert "== Account: ACME SA ==" in out
    assert "Alice Martin" in out
    assert "CFO" in out
    assert "Reports to: Hélène Dubois, Directrice générale" in out
    assert "Opportunity: ACME renewal 2027 [Proposal/Price Quote] as Economic Buyer, primary" in out
    assert "└── Bob Durand, Comptable" in out
    assert "Soylent Corp: NOT actionable" in out


def test_demo_twice_reuses_the_data(demo: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--store", demo, "demo")
    assert code == EXIT_OK
    assert "already there" in out
    with open_store(demo) as store:
        assert store.accounts.count() == 5
        assert store.opportunities.count() == 1
        assert store.cases.count() == 1


def test_accounts_json_lists_every_account(demo: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "accounts", "--store", demo, "--json")
    assert code == EXIT_OK
    names = [a["name"] for a in json.loads(out)]
    assert names == ["ACME SA", "ACME Services SAS", "Globex GmbH", "Initech Ltd", "Soylent Corp"]


def test_account_by_name_ignores_case_and_accents(
    demo: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--store", demo, "account", "acme sa", "--json")
    assert code == EXIT_OK
    data = json.loads(out)
    assert data["name"] == "ACME SA"
    assert len(data["contacts"]) == 5
    assert data["readiness"]["actions"]["campaign"]["possible"] is True


def test_contact_by_email_with_related_objects(
    demo: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--store", demo, "contact", "ALICE.MARTIN@acme.example.fr", "--json")
    assert code == EXIT_OK
    data = json.loads(out)
    assert data["account"]["name"] == "ACME SA"
    assert data["manager"]["name"] == "Hélène Dubois"
    assert [r["name"] for r in data["reports"]] == ["Bob Durand"]
    assert data["opportunities"][0]["role"] == "Economic Buyer"
    assert data["opportunities"][0]["is_primary"] is True


def test_contact_by_name_with_accents(demo: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--store", demo, "contact", "helene dubois")
    assert code == EXIT_OK
    assert "Directrice générale" in out


def test_search_finds_contacts_and_accounts(demo: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--store", demo, "search", "acme", "--json")
    assert code == EXIT_OK
    data = json.loads(out)
    assert {a["name"] for a in data["accounts"]} == {"ACME SA", "ACME Services SAS"}
    assert any(c["name"] == "Alice Martin" for c in data["contacts"])


@pytest.mark.parametrize(
    ("fmt", "marker"), [("text", "└──"), ("mermaid", "flowchart"), ("dot", "digraph")]
)
def test_org_chart_formats(
    demo: str, capsys: pytest.CaptureFixture[str], fmt: str, marker: str
) -> None:
    code, out, _ = run(capsys, "--store", demo, "org-chart", "ACME SA", "--format", fmt)
    assert code == EXIT_OK
    assert marker in out
    assert "Chloé Petit" in out


def test_check_reports_the_account_that_is_not_actionable(
    demo: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--store", demo, "check", "--json")
    assert code == EXIT_OK  # no error-level violation in the demo
    report = {r["account"]["name"]: r for r in json.loads(out)}
    assert report["Soylent Corp"]["readiness"]["actionable"] is False
    assert report["ACME SA"]["readiness"]["actionable"] is True


def test_check_strict_exits_1_when_an_account_needs_attention(
    demo: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--store", demo, "check", "--strict")
    assert code == EXIT_CHECK_FAILED
    assert "Soylent Corp: NOT actionable" in out


def test_unknown_account_is_exit_3_with_one_line(
    demo: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--store", demo, "account", "Nowhere Inc")
    assert code == EXIT_NOT_FOUND
    assert out == ""
    assert err.count("\n") == 1
    assert "Nowhere Inc" in err
    assert "Traceback" not in err


def test_bad_store_url_is_exit_5(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--store", "ftp://example/crm", "accounts")
    assert code == EXIT_STORE
    assert "ftp" in err


def test_usage_error_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["org-chart"])
    assert exc.value.code == EXIT_USAGE


def test_import_and_export_round_trip_through_the_command(
    tmp_path: Path, store_url: str, salesforce_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = salesforce_dir / "apex-recipes" / "data-plan.json"
    code, out, _ = run(
        capsys, "--store", store_url, "import", str(plan), "--region", "US", "--json"
    )
    assert code == EXIT_OK, out
    counts = json.loads(out)[0]["counts"]
    assert counts["Account"]["created"] == 50
    assert counts["Contact"]["created"] == 150
    code, out, _ = run(capsys, "--store", store_url, "export", str(tmp_path / "csv"), "--json")
    assert code == EXIT_OK
    files = json.loads(out)["files"]
    assert any(f.endswith("Contact.csv") for f in files)
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    code, out, _ = run(capsys, "--store", other, "import", *files, "--json")
    assert code == EXIT_OK, out
    with open_store(store_url) as first, open_store(other) as second:
        assert first.accounts.count_contacts() == second.accounts.count_contacts() == 150


def test_import_refuses_a_missing_reference_and_writes_nothing(
    store_url: str, salesforce_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = salesforce_dir / "plugin-data" / "missingRef" / "Account-Opportunity-plan.json"
    code, _, err = run(capsys, "--store", store_url, "import", str(plan))
    assert code == EXIT_REFUSED
    assert "AccountRef2000" in err
    with open_store(store_url) as store:
        assert store.accounts.count() == 0


def test_vcard_export(demo: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(
        capsys,
        "--store",
        demo,
        "export",
        str(tmp_path / "cards"),
        "--format",
        "vcard",
        "--account",
        "ACME SA",
    )
    assert code == EXIT_OK
    [card] = list((tmp_path / "cards").glob("*.vcf"))
    text = card.read_text(encoding="utf-8")
    assert text.count("BEGIN:VCARD") == 5
    assert "VERSION:4.0" in text


def test_the_console_script_runs_as_a_process(tmp_path: Path) -> None:
    """`contactgraph demo` with no --store writes ./contactgraph.sqlite (the README's command)."""
    env = {k: v for k, v in os.environ.items() if k != "CONTACTGRAPH_STORE_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "contactgraph.cli", "demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "contactgraph.sqlite").exists()
    assert "ACME SA" in result.stdout


def test_a_closed_pipe_ends_quietly(demo: str) -> None:
    """`contactgraph demo | head -1` prints no traceback when head stops reading."""
    process = subprocess.Popen(
        [sys.executable, "-m", "contactgraph.cli", "--store", demo, "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    first = process.stdout.read(10)
    process.stdout.close()
    code = process.wait(timeout=120)
    err = process.stderr.read().decode()
    process.stderr.close()
    assert first.startswith(b"contactg")
    assert "Traceback" not in err
    assert code in (0, 141)
