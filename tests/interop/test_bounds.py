"""Bounds on what an import reads: checked before the expensive work, raisable by the caller."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import contactgraph as cg
from contactgraph.errors import ImportRejectedError
from contactgraph.interop import ImportMode, ImportOptions, bounds, import_csv, import_tree


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Sizes of the JSON texts parsed (the expensive step), in order."""
    calls: list[int] = []
    real = bounds.parse

    def counting(raw: bytes) -> Any:
        calls.append(len(raw))
        return real(raw)

    monkeypatch.setattr(bounds, "parse", counting)
    return calls


def _accounts(path: Path, count: int, prefix: str = "Account") -> Path:
    records = [
        {"attributes": {"type": "Account", "referenceId": f"{prefix}Ref{n}"}, "Name": f"Co {n}"}
        for n in range(1, count + 1)
    ]
    path.write_text(json.dumps({"records": records}), encoding="utf-8")
    return path


def _plan(folder: Path, files: list[str]) -> Path:
    plan = folder / "plan.json"
    plan.write_text(json.dumps([{"sobject": "Account", "files": files}]), encoding="utf-8")
    return plan


def test_a_plan_naming_one_file_2000_times_is_refused_before_reading_it(
    tmp_path: Path, parsed: list[int]
) -> None:
    _accounts(tmp_path / "Accounts.json", 50)
    plan = _plan(tmp_path, ["Accounts.json"] * 2000)
    store = cg.open_store()
    with pytest.raises(ImportRejectedError, match="listed twice") as caught:
        import_tree(store, plan)
    assert caught.value.errors[0].field == "files"
    assert len(parsed) == 1, "only the plan itself was parsed"
    assert store.accounts.count() == 0


def test_more_plan_files_than_allowed_are_refused_before_any_is_read(
    tmp_path: Path, parsed: list[int]
) -> None:
    names = []
    for n in range(5):
        _accounts(tmp_path / f"Accounts{n}.json", 2, prefix=f"F{n}")
        names.append(f"Accounts{n}.json")
    plan = _plan(tmp_path, names)
    with pytest.raises(ImportRejectedError, match=r"max_files"):
        import_tree(cg.open_store(), plan, options=ImportOptions(max_files=4))
    assert len(parsed) == 1
    report = import_tree(cg.open_store(), plan, options=ImportOptions(max_files=5))
    assert report.of("Account").created == 10


def test_deep_nesting_is_refused_before_parsing(tmp_path: Path, parsed: list[int]) -> None:
    hostile = tmp_path / "deep.json"
    hostile.write_text("[" * 100_000, encoding="utf-8")
    with pytest.raises(ImportRejectedError, match="nested deeper than 100") as caught:
        import_tree(cg.open_store(), hostile)
    assert caught.value.errors[0].source == "deep.json"
    assert parsed == []


def test_the_nesting_bound_can_be_raised(tmp_path: Path) -> None:
    nested = {"attributes": {"type": "Account", "referenceId": "Top"}, "Name": "Top"}
    current = nested
    for depth in range(4):
        child = {"attributes": {"type": "Account", "referenceId": f"Sub{depth}"}}
        child["Name"] = f"Subsidiary {depth}"
        current["ChildAccounts"] = {"records": [child]}
        current = child
    path = tmp_path / "tree.json"
    path.write_text(json.dumps({"records": [nested]}), encoding="utf-8")
    with pytest.raises(ImportRejectedError, match="max_nesting"):
        import_tree(cg.open_store(), path, options=ImportOptions(max_nesting=8))
    report = import_tree(cg.open_store(), path, options=ImportOptions(max_nesting=20))
    assert report.of("Account").created == 5


def test_a_file_past_the_size_bound_is_not_read(
    tmp_path: Path, parsed: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _accounts(tmp_path / "Accounts.json", 20)
    size = path.stat().st_size
    with pytest.raises(ImportRejectedError, match="max_file_bytes"):
        import_tree(cg.open_store(), path, options=ImportOptions(max_file_bytes=size - 1))
    assert parsed == []
    csv_path = tmp_path / "Account.csv"
    csv_path.write_text("Name\r\n" + "ACME SA\r\n" * 100, encoding="utf-8")
    from contactgraph.interop import dataloader

    def never(path: Path) -> Any:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(dataloader, "_open", never)
    with pytest.raises(ImportRejectedError, match="max_file_bytes"):
        import_csv(cg.open_store(), csv_path, options=ImportOptions(max_file_bytes=100))


def test_records_past_the_bound_refuse_the_import_before_writing(tmp_path: Path) -> None:
    store = cg.open_store()
    with pytest.raises(ImportRejectedError, match="more than 5 records"):
        import_tree(
            store, _accounts(tmp_path / "Accounts.json", 6), options=ImportOptions(max_records=5)
        )
    csv_path = tmp_path / "Account.csv"
    csv_path.write_text("Name\r\n" + "".join(f"Co {n}\r\n" for n in range(6)), encoding="utf-8")
    options = ImportOptions(mode=ImportMode.PARTIAL, max_records=5, batch_size=2)
    with pytest.raises(ImportRejectedError, match="max_records") as caught:
        import_csv(store, csv_path, options=options)
    assert caught.value.errors[0].row == 7
    assert store.accounts.count() == 0


def test_a_csv_file_given_twice_is_refused(tmp_path: Path) -> None:
    csv_path = tmp_path / "Account.csv"
    csv_path.write_text("Name\r\nACME SA\r\n", encoding="utf-8")
    with pytest.raises(ImportRejectedError, match="given twice"):
        import_csv(cg.open_store(), [csv_path, csv_path])


def test_infinite_employee_counts_are_row_errors_in_a_partial_import(tmp_path: Path) -> None:
    records = [
        {"attributes": {"type": "Account", "referenceId": "R1"}, "Name": "ACME SA"},
        {"attributes": {"type": "Account", "referenceId": "R2"}, "Name": "Globex"},
    ]
    records[1]["NumberOfEmployees"] = float("inf")
    tree = tmp_path / "Accounts.json"
    tree.write_text(json.dumps({"records": records}), encoding="utf-8")
    csv_path = tmp_path / "Account.csv"
    csv_path.write_text(
        "Name,NumberOfEmployees,AnnualRevenue\r\nInitech,12,\r\nUmbrella,Infinity,\r\n"
        "Hooli,,NaN\r\n",
        encoding="utf-8",
    )
    partial = ImportOptions(mode=ImportMode.PARTIAL)
    for path, good, bad in ((tree, 1, 1), (csv_path, 1, 2)):
        store = cg.open_store()
        importer = import_tree if path.suffix == ".json" else import_csv
        report = importer(store, path, options=partial)
        assert report.of("Account").created == good
        assert report.of("Account").failed == bad
        assert {e.field for e in report.errors} <= {"NumberOfEmployees", "AnnualRevenue"}
        assert all("finite" in e.reason for e in report.errors)
