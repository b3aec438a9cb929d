"""Result files describe what the store holds: final only after the commit, never before."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
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
    source = tmp_path / "Account.csv"
    source.write_text(
        "Id,Name,ParentId\r\n"
        "001000000000001AAA,Globex,001000000000002AAA\r\n"
        "001000000000002AAA,Initech,001000000000001AAA\r\n"
        "001000000000003AAA,Umbrella,\r\n",
        encoding="utf-8",
    )
    results = tmp_path / "results"
    options = ImportOptions(mode=ImportMode.PARTIAL, results_dir=results)
    with pytest.raises(ImportRejectedError) as caught:
        import_csv(store, source, options=options)
    named = [e for e in caught.value.errors if "parent_id.cycle" in e.reason]
    assert named
    assert named[0].source == "Account.csv"
    assert named[0].row in (2, 3)
    assert named[0].field == "parent_id"
    assert exact_snapshot(store) == before
    assert sorted(p.name for p in results.iterdir()) == ["Account.csv.error.csv"]
    rows = {r["Name"]: r for r in _rows(results / "Account.csv.error.csv")}
    assert sorted(rows) == ["Globex", "Initech", "Umbrella"]
    blamed = "Globex" if named[0].row == 2 else "Initech"
    assert "parent_id.cycle" in rows[blamed]["ERROR"]
    assert "rolled back" in rows["Umbrella"]["ERROR"]
    assert rows["Umbrella"]["ROW"] == "4"


def test_a_parent_loop_inside_a_tree_file_refuses_its_rows_and_lands_the_others(
    store: Any, tmp_path: Path
) -> None:
    plan = _tree(
        tmp_path / "Accounts.json",
        [
            _account("AccountRef1", "Globex", ParentId="@AccountRef2"),
            _account("AccountRef2", "Initech", ParentId="@AccountRef1"),
            _account("AccountRef3", "Umbrella"),
            _account("AccountRef4", "Hooli", ParentId="@AccountRef1"),
        ],
    )
    results = tmp_path / "results"
    options = ImportOptions(mode=ImportMode.PARTIAL, results_dir=results)
    report = import_tree(store, plan, options=options)
    assert [a.name for a in store.accounts] == ["Umbrella"]
    reasons = {e.record: e.reason for e in report.errors}
    assert "loops: @AccountRef1 -> @AccountRef2 -> @AccountRef1" in reasons["AccountRef1"]
    assert "loops" in reasons["AccountRef2"]
    assert "@AccountRef1, which was refused" in reasons["AccountRef4"]
    success = _rows(results / "Accounts.json.success.csv")
    assert [r["referenceId"] for r in success] == ["AccountRef3"]
    errors = _rows(results / "Accounts.json.error.csv")
    assert sorted(r["referenceId"] for r in errors) == ["AccountRef1", "AccountRef2", "AccountRef4"]


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


_KILLED_IMPORT = """
import os, signal, sys
import contactgraph as cg
from contactgraph.interop import ImportOptions, import_csv

store = cg.open_store(sys.argv[1])

def progress(done, total):
    if done >= 20:
        os.kill(os.getpid(), signal.SIGKILL)

import_csv(store, sys.argv[2], options=ImportOptions(batch_size=10, results_dir=sys.argv[3]),
           progress=progress)
"""


def test_a_killed_import_leaves_no_success_file(tmp_path: Path) -> None:
    source = tmp_path / "Account.csv"
    source.write_text("Name\r\n" + "".join(f"Account {n}\r\n" for n in range(50)), encoding="utf-8")
    results = tmp_path / "results"
    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_IMPORT, url, str(source), str(results)],
        check=False,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    names = sorted(p.name for p in results.iterdir())
    assert names, "the import had started writing result files"
    assert all(name.endswith(".provisional") for name in names), names
    store = cg.open_store(url)
    try:
        assert store.accounts.count() == 0
    finally:
        store.close()
