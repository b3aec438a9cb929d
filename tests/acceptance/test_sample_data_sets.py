"""Every data set of ``../shared/fixtures/salesforce`` against an independent parse of its files.

Each plan, tree file and CSV set that imports (tests/interop/test_tree_import.py
holds which files are refused and why) is compared record by record and field
by field with what ``csv`` / ``json`` read from the same files. The only
differences are the ones each entry names, with its reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from acceptkit import PRIVATE, Allowed, check_data_set, from_its_contact, placed_under, unmodelled
from rawfiles import RawRecord, csv_records, plan_records, report_records, tree_records

import contactgraph as cg
from contactgraph.interop import ImportOptions, import_csv, import_tree

GUESTS = "Guests"
CLOSED_WON = Allowed(
    3,
    "'Closed/Won' is read as the standard 'Closed Won' (the other unknown stages keep their"
    " original in extra['StageName__original'])",
    lambda expected, actual: (expected, actual) == ("Closed/Won", "Closed Won"),
)


def _private(count: int) -> Allowed:
    return Allowed(count, PRIVATE, placed_under(GUESTS))


@dataclass(frozen=True)
class DataSet:
    """One data set: its files, how it is imported and what may differ."""

    files: tuple[str, ...]
    region: str | None = None
    allowed: Mapping[tuple[str, str], Allowed] = field(default_factory=dict)
    made: Mapping[str, int] = field(default_factory=dict)


SINGULAR = {"Accounts": "Account", "Contacts": "Contact", "Opportunities": "Opportunity"}
APEX_CSV = (
    "apex-recipes/Accounts.csv",
    "apex-recipes/Contacts.csv",
    "apex-recipes/Opportunities.csv",
)

CASES: dict[str, DataSet] = {
    "apex-recipes/data-plan.json": DataSet(
        ("apex-recipes/data-plan.json",), allowed={("Opportunity", "StageName"): CLOSED_WON}
    ),
    "apex-recipes CSV": DataSet(APEX_CSV, allowed={("Opportunity", "StageName"): CLOSED_WON}),
    "lwc-recipes/data-plan.json": DataSet(("lwc-recipes/data-plan.json",), "US"),
    "lwc-recipes report": DataSet(("lwc-recipes/Accounts-Contacts.csv",), "US"),
    "visualforce-to-lwc/sample-data-plan.json": DataSet(
        ("visualforce-to-lwc/sample-data-plan.json",), "US"
    ),
    "visualforce-to-lwc report": DataSet(("visualforce-to-lwc/Accounts-Contacts.csv",), "US"),
    "coral-cloud/data-plan.json": DataSet(
        ("coral-cloud/data-plan.json",),
        "US",
        {
            ("Contact", "AccountId"): _private(156),
            ("Case", "AccountId"): Allowed(2, "a case with only a ContactId", from_its_contact),
        },
        {"Account": 1},
    ),
    "coral-cloud/data-plan-large.json": DataSet(
        ("coral-cloud/data-plan-large.json",),
        "US",
        {
            ("Contact", "AccountId"): _private(992),
            ("Case", "AccountId"): Allowed(2, "a case with only a ContactId", from_its_contact),
        },
        {"Account": 1},
    ),
    "plugin-data/accounts-contacts-plan.json": DataSet(
        ("plugin-data/accounts-contacts-plan.json",),
        "US",
        {("Contact", "AccountId"): _private(2)},
        {"Account": 1},
    ),
    "plugin-data/accounts-contacts-tree.json": DataSet(
        ("plugin-data/accounts-contacts-tree.json",), "US"
    ),
    "plugin-data/accounts-contacts-tree2.json": DataSet(
        ("plugin-data/accounts-contacts-tree2.json",), "US"
    ),
    "plugin-data/contacts-only-2.json": DataSet(
        ("plugin-data/contacts-only-2.json",),
        None,
        {("Contact", "AccountId"): _private(2)},
        {"Account": 1},
    ),
    "plugin-data/commonChild": DataSet(
        ("plugin-data/commonChild/Account-Opportunity-Task-Case-plan.json",)
    ),
    "plugin-data/junction": DataSet(
        ("plugin-data/junction/Account-AccountContactRelation-Contact-plan.json",)
    ),
    "plugin-data/self-referencing": DataSet(("plugin-data/self-referencing/Account-plan.json",)),
}


def load(root: Path, case: DataSet) -> tuple[list[RawRecord], cg.Store, ImportOptions]:
    """Import ``case`` into a new store, and read its files independently."""
    store = cg.open_store()
    options = ImportOptions(default_region=case.region, orphan_account=GUESTS)
    paths = [root / name for name in case.files]
    if paths[0].suffix == ".csv":
        report = import_csv(store, paths, options=options)
        if len(paths) == 1:
            records = report_records(paths[0])
        else:
            records = [r for p in paths for r in csv_records(p, SINGULAR[p.stem])]
    else:
        report = import_tree(store, paths[0], options=options)
        records = plan_records(paths[0]) if "plan" in paths[0].name else tree_records(paths[0])
    assert report.ok
    assert {k: c.skipped for k, c in report.counts.items() if c.skipped} == unmodelled(records)
    return records, store, options


def test_every_csv_file_is_compared(salesforce_dir: Path) -> None:
    found = {p.relative_to(salesforce_dir).as_posix() for p in salesforce_dir.rglob("*.csv")}
    assert found == {f for case in CASES.values() for f in case.files if f.endswith(".csv")}


@pytest.mark.parametrize("name", sorted(CASES))
def test_sample_data_set_lands_as_the_files_say(salesforce_dir: Path, name: str) -> None:
    case = CASES[name]
    records, store, _ = load(salesforce_dir, case)
    check_data_set(records, store, default_region=case.region, allowed=case.allowed, made=case.made)
