"""Result files describe what the store holds: final only after the commit, never before."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from interopkit import exact_snapshot

import contactgraph as cg
from contactgraph.errors import ImportRejectedError
from contactgraph.interop import ImportMode, ImportOptions, import_csv, import_tree


def _tree(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"records": records}), encoding="utf-8")
    return path


def _account(ref: str, name: str, **fields: Any) -> dict[str, Any]:
    return {"attributes": {"type": "Account", "referenceId": ref}, "Name": name, **fields}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_parent_cycle_refused_at_commit_names_its_row_and_writes_no_success(
    store: Any, tmp_path: Path
) -> None:
    acme = cg.Account.create("ACME SA")
    store.accounts.add(acme)
    before = exact_snapshot(store)
    plan = _tree(
        tmp_path / "Accounts.json",
        [
            _account("AccountRef1", "Globex", ParentId="@AccountRef2"),
            _account("AccountRef2", "Initech", ParentId="@AccountRef1"),
            _account("AccountRef3", "Umbrella"),
        ],
    )
    results = tmp_path / "results"
    options = ImportOptions(mode=ImportMode.PARTIAL, results_dir=results)
    with pytest.raises(ImportRejectedError) as caught:
        import_tree(store, plan, options=options)
    named = [e for e in caught.value.errors if "parent_id.cycle" in e.reason]
    assert named
    assert named[0].source == "Accounts.json"
    assert named[0].row in (1, 2)
    assert named[0].field == "parent_id"
    assert named[0].record in ("AccountRef1", "AccountRef2")
    assert exact_snapshot(store) == before
    assert sorted(p.name for p in results.iterdir()) == ["Accounts.json.error.csv"]
    rows = {r["referenceId"]: r for r in _rows(results / "Accounts.json.error.csv")}
    assert sorted(rows) == ["AccountRef1", "AccountRef2", "AccountRef3"]
    assert "parent_id.cycle" in rows[named[0].record or ""]["ERROR"]
    assert "rolled back" in rows["AccountRef3"]["ERROR"]
    assert rows["AccountRef3"]["ROW"] == "3"


def test_success_files_are_provisional_until_the_commit(store: Any, tmp_path: Path) -> None:
    source = tmp_path / "Account.csv"
    source.write_text(
        "Name,BillingCountry\r\n" + "".join(f"Account {n},France\r\n" for n in range(30)),
        encoding="utf-8",
    )
    results = tmp_path / "results"
    seen: list[list[str]] = []

    def progress(done: int, total: int | None) -> None:
        seen.append(sorted(p.name for p in results.iterdir()))

    report = import_csv(
        store,
        source,
        options=ImportOptions(batch_size=10, results_dir=results),
        progress=progress,
    )
    during = [names for names in seen[:-1] if names]
    assert during, "the progress callback ran while rows were written"
    for names in during:
        assert all(name.endswith(".provisional") for name in names), names
    assert sorted(p.name for p in results.iterdir()) == [
        "Account.csv.error.csv",
        "Account.csv.success.csv",
    ]
    success = _rows(report.success_files[0])
    assert len(success) == 30
    assert list(success[0]) == ["Name", "BillingCountry", "CONTACTGRAPH_ID", "STATUS"]
    assert {r["CONTACTGRAPH_ID"] for r in success} == {a.id for a in store.accounts}
