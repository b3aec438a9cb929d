"""import and export through the command: round trips, refusals, messages in CLI words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clikit import run, snapshot

from contactgraph import open_store
from contactgraph.cli import EXIT_NOT_FOUND, EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from contactgraph.cli.transfer import flag_words, fold
from contactgraph.errors import RowError

Capsys = pytest.CaptureFixture[str]


def _tree(folder: Path, records: list[dict[str, object]], name: str = "Account.json") -> Path:
    path = folder / name
    path.write_text(json.dumps({"records": records}), encoding="utf-8")
    return path


def _account(ref: str, name: str, **fields: object) -> dict[str, object]:
    return {"attributes": {"type": "Account", "referenceId": ref}, "Name": name, **fields}


def test_export_then_import_round_trips(demo: str, tmp_path: Path, capsys: Capsys) -> None:
    result = run(capsys, "--store", demo, "export", str(tmp_path / "csv"), "--json")
    assert result.code == EXIT_OK, result.err
    files = result.json["files"]
    assert any(f.endswith("Contact.csv") for f in files)
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    result = run(capsys, "--store", other, "import", *files, "--json")
    assert result.code == EXIT_OK, result.err
    assert result.json["counts"]["Contact"]["created"] == 11
    with open_store(demo) as first, open_store(other) as second:
        assert first.accounts.count_contacts() == second.accounts.count_contacts() == 11


def test_a_tree_file_imports(store_url: str, tmp_path: Path, capsys: Capsys) -> None:
    path = _tree(tmp_path, [_account("A1", "ACME SA"), _account("A2", "Globex GmbH")])
    result = run(capsys, "--store", store_url, "import", str(path))
    assert result.code == EXIT_OK, result.err
    assert "Account" in result.out
    with open_store(store_url) as store:
        assert store.accounts.count() == 2


def test_a_refused_import_prints_a_json_document_and_writes_nothing(
    store_url: str, tmp_path: Path, capsys: Capsys
) -> None:
    plan = tmp_path / "plan.json"
    _tree(tmp_path, [_account("AccountRef1", "ACME SA")])
    opportunity = {
        "attributes": {"type": "Opportunity", "referenceId": "Opp1"},
        "Name": "Renewal",
        "StageName": "Prospecting",
        "CloseDate": "2027-03-31",
        "AccountId": "@AccountRef2000",
    }
    _tree(tmp_path, [opportunity], "Opportunity.json")
    plan.write_text(
        json.dumps(
            [
                {"sobject": "Account", "saveRefs": True, "files": ["Account.json"]},
                {"sobject": "Opportunity", "resolveRefs": True, "files": ["Opportunity.json"]},
            ]
        ),
        encoding="utf-8",
    )
    assert run(capsys, "--store", store_url, "add", "account", "Initech Ltd").code == EXIT_OK
    before = snapshot(store_url)
    result = run(capsys, "--store", store_url, "import", str(plan), "--json")
    assert result.code == EXIT_REFUSED
    assert "AccountRef2000" in result.err
    error = result.json["error"]
    assert error["kind"] == "refused"
    assert any("AccountRef2000" in e["reason"] for e in error["errors"])
    assert snapshot(store_url) == before


def test_several_tree_files_are_a_usage_error(
    store_url: str, tmp_path: Path, capsys: Capsys
) -> None:
    first = _tree(tmp_path, [_account("A1", "ACME SA")], "a.json")
    second = _tree(tmp_path, [_account("A2", "Globex GmbH")], "b.json")
    result = run(capsys, "--store", store_url, "import", str(first), str(second))
    assert result.code == EXIT_USAGE
    assert "data plan" in result.err
    assert not (tmp_path / "crm.sqlite").exists()


def test_a_missing_file_is_not_found(store_url: str, tmp_path: Path, capsys: Capsys) -> None:
    result = run(capsys, "--store", store_url, "import", str(tmp_path / "nope.csv"))
    assert result.code == EXIT_NOT_FOUND
    assert "nope.csv" in result.err


def test_vcard_export(demo: str, tmp_path: Path, capsys: Capsys) -> None:
    result = run(
        capsys, "--store", demo, "export", str(tmp_path / "cards"), "--format", "vcard",
        "--account", "ACME SA", "--json",
    )  # fmt: skip
    assert result.code == EXIT_OK, result.err
    assert result.json["counts"] == {"Contact": 5}
    [card] = list((tmp_path / "cards").glob("*.vcf"))
    assert card.name.startswith("ACME_SA-")
    text = card.read_text(encoding="utf-8")
    assert text.count("BEGIN:VCARD") == 5
    assert "VERSION:4.0" in text


def test_library_hints_are_told_as_command_line_flags() -> None:
    region = "no default region; give the account a billing country or import with "
    region += "ImportOptions(default_region=...), e.g. 'US'"
    assert "--region" in flag_words(region)
    assert "ImportOptions" not in flag_words(region)
    orphan = "import it with orphan_account=<account name or id> to place it under one"
    assert (
        flag_words(orphan) == "import it with --orphans-to ACCOUNT NAME OR ID to place it under one"
    )
    raw = "not a phone number: (0) Missing or invalid default region. (no country code)"
    assert flag_words(raw) == "not a phone number: no country code"
    assert "(0)" not in flag_words("phone: (0) Missing or invalid default region.")


def test_repeated_row_messages_are_folded() -> None:
    rows = [RowError(n, "phone has no country", "Phone", "Contact.csv") for n in range(2, 140)]
    rows.append(RowError(200, "email is not valid", "Email", "Contact.csv", "C-9"))
    lines = fold(rows)
    assert lines == [
        "Contact.csv: 138 rows (2, 3, 4, 5, 6, …): field 'Phone': phone has no country",
        "Contact.csv: row 200 [C-9]: field 'Email': email is not valid",
    ]


def test_csv_export_without_the_formula_guard(demo: str, tmp_path: Path, capsys: Capsys) -> None:
    run(capsys, "--store", demo, "edit", "account", "Globex GmbH", "--description", "=1+2")
    run(capsys, "--store", demo, "export", str(tmp_path / "guarded"))
    result = run(capsys, "--store", demo, "export", str(tmp_path / "raw"), "--no-formula-guard")
    assert result.code == EXIT_OK, result.err
    guarded = (tmp_path / "guarded" / "Account.csv").read_text(encoding="utf-8")
    raw = (tmp_path / "raw" / "Account.csv").read_text(encoding="utf-8")
    assert "'=1+2" in guarded
    assert "'=1+2" not in raw
    assert "=1+2" in raw


def test_salesforce_compatible_tree_export(demo: str, tmp_path: Path, capsys: Capsys) -> None:
    result = run(
        capsys, "--store", demo, "export", str(tmp_path / "sf"), "--format", "tree",
        "--salesforce-compatible",
    )  # fmt: skip
    assert result.code == EXIT_OK, result.err
    contacts = json.loads((tmp_path / "sf" / "Contact.json").read_text(encoding="utf-8"))
    assert all("Name" not in r for r in contacts["records"])


@pytest.mark.parametrize(
    "argv",
    [["--format", "csv", "--salesforce-compatible"], ["--format", "tree", "--no-formula-guard"]],
)
def test_export_flags_of_another_format_are_usage_errors(
    demo: str, tmp_path: Path, capsys: Capsys, argv: list[str]
) -> None:
    result = run(capsys, "--store", demo, "export", str(tmp_path / "out"), *argv)
    assert result.code == EXIT_USAGE
    assert not (tmp_path / "out").exists()
