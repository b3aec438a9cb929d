"""`contactgraph import` and `export` on the project's own Salesforce-shaped files (tests/data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contactgraph import open_store
from contactgraph.cli import EXIT_OK, EXIT_REFUSED, main

DATA = Path(__file__).resolve().parents[1] / "data" / "salesforce"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_import_and_export_round_trip_through_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    plan = DATA / "crm" / "data-plan.json"
    code, out, _ = run(
        capsys, "--store", store_url, "import", str(plan), "--region", "US", "--json"
    )
    assert code == EXIT_OK, out
    counts = json.loads(out)["counts"]
    assert counts["Account"]["created"] == 4
    assert counts["Contact"]["created"] == 5
    assert counts["Opportunity"]["created"] == 3
    code, out, _ = run(capsys, "--store", store_url, "export", str(tmp_path / "csv"), "--json")
    assert code == EXIT_OK
    files = json.loads(out)["files"]
    assert any(f.endswith("Contact.csv") for f in files)
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    code, out, _ = run(capsys, "--store", other, "import", *files, "--json")
    assert code == EXIT_OK, out
    with open_store(store_url) as first, open_store(other) as second:
        assert first.accounts.count_contacts() == second.accounts.count_contacts() == 5


def test_import_refuses_a_missing_reference_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    plan = DATA / "broken" / "Account-Opportunity-plan.json"
    code, _, err = run(capsys, "--store", store_url, "import", str(plan))
    assert code == EXIT_REFUSED
    assert "AccountRef2000" in err
    with open_store(store_url) as store:
        assert store.accounts.count() == 0
