"""Exports never write through links; plans and result files stay inside their folders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import contactgraph as cg
from contactgraph.errors import ContactGraphError, ImportRejectedError
from contactgraph.interop import ImportMode, ImportOptions, export_csv, export_tree, import_tree


def _store_with_acme() -> Any:
    store = cg.open_store()
    acme, _ = cg.Account.create("ACME SA").add_contact(last_name="Martin", first_name="Alice")
    store.accounts.add(acme)
    return store


@pytest.mark.parametrize(
    ("export", "target"),
    [
        (export_csv, "Account.csv"),
        (export_csv, "Contact.csv"),
        (export_tree, "Account.json"),
        (export_tree, "contactgraph-plan.json"),
    ],
)
def test_an_export_refuses_a_link_planted_at_a_target(
    tmp_path: Path, export: Any, target: str
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / target).symlink_to(victim)
    with pytest.raises(ContactGraphError, match="symbolic link") as caught:
        export(_store_with_acme(), out)
    assert isinstance(caught.value, PermissionError)
    assert victim.read_text(encoding="utf-8") == "precious"


def _plan(folder: Path, files: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    plan = folder / "plan.json"
    plan.write_text(json.dumps([{"sobject": "Account", "files": files}]), encoding="utf-8")
    return plan


def _accounts_file(path: Path, name: str = "Globex") -> None:
    record = {"attributes": {"type": "Account", "referenceId": "AccountRef1"}, "Name": name}
    path.write_text(json.dumps({"records": [record]}), encoding="utf-8")


@pytest.mark.parametrize("how", ["absolute", "climbing", "link"])
def test_a_plan_entry_outside_the_plan_folder_is_refused(tmp_path: Path, how: str) -> None:
    outside = tmp_path / "elsewhere" / "Accounts.json"
    outside.parent.mkdir()
    _accounts_file(outside)
    folder = tmp_path / "plans" / "mine"
    folder.mkdir(parents=True)
    if how == "absolute":
        entry = str(outside)
    elif how == "climbing":
        entry = "../../elsewhere/Accounts.json"
    else:
        (folder / "Accounts.json").symlink_to(outside)
        entry = "Accounts.json"
    plan = _plan(folder, [entry])
    store = cg.open_store()
    with pytest.raises(ImportRejectedError) as caught:
        import_tree(store, plan)
    (error,) = caught.value.errors
    assert (error.row, error.field, error.source) == (1, "files", "plan.json")
    assert "outside" in error.reason or "absolute" in error.reason
    assert store.accounts.count() == 0


def test_the_caller_may_allow_plan_files_anywhere(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "Accounts.json"
    outside.parent.mkdir()
    _accounts_file(outside)
    plan = _plan(tmp_path / "plans", [str(outside)])
    store = cg.open_store()
    results = tmp_path / "results"
    options = ImportOptions(plan_files_anywhere=True, results_dir=results)
    report = import_tree(store, plan, options=options)
    assert report.of("Account").created == 1
    written = list(tmp_path.rglob("*.csv"))
    assert written
    assert all(p.parent == results for p in written), written


def test_a_file_inside_the_plan_folder_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "plan"
    (folder / "data").mkdir(parents=True)
    _accounts_file(folder / "data" / "Accounts.json")
    report = import_tree(cg.open_store(), _plan(folder, ["data/Accounts.json"]))
    assert report.of("Account").created == 1


def test_result_files_refuse_a_planted_link(tmp_path: Path) -> None:
    source = tmp_path / "Accounts.json"
    _accounts_file(source)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    results = tmp_path / "results"
    results.mkdir()
    (results / "Accounts.json.error.csv.provisional").symlink_to(victim)
    options = ImportOptions(mode=ImportMode.PARTIAL, results_dir=results)
    with pytest.raises(ContactGraphError, match="symbolic link"):
        import_tree(cg.open_store(), source, options=options)
    assert victim.read_text(encoding="utf-8") == "precious"
