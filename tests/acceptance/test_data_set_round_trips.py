"""Every public data set survives import -> export -> import into a fresh store.

For each format the library writes (sObject Tree JSON, Data Loader CSV, and
the documented JSON shape of each record), the fresh store holds the same
records with the same fields and the same links as the first. Data sets with
truly broken records are imported in partial mode first: the round trip is
about what landed.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
from acceptkit import snapshot, through_csv, through_json, through_tree

import contactgraph as cg
from contactgraph.interop import ImportMode, ImportOptions, import_csv, import_tree

PARTIAL = ImportOptions(default_region="US", orphan_account="Guests", mode=ImportMode.PARTIAL)

DATA_SETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "apex-recipes": ("salesforce", ("apex-recipes/data-plan.json",)),
    "apex-recipes CSV": (
        "salesforce",
        (
            "apex-recipes/Accounts.csv",
            "apex-recipes/Contacts.csv",
            "apex-recipes/Opportunities.csv",
        ),
    ),
    "lwc-recipes": ("salesforce", ("lwc-recipes/data-plan.json",)),
    "lwc-recipes report": ("salesforce", ("lwc-recipes/Accounts-Contacts.csv",)),
    "visualforce-to-lwc": ("salesforce", ("visualforce-to-lwc/sample-data-plan.json",)),
    "coral-cloud": ("salesforce", ("coral-cloud/data-plan.json",)),
    "plugin-data plan": ("salesforce", ("plugin-data/accounts-contacts-plan.json",)),
    "plugin-data commonChild": (
        "salesforce",
        ("plugin-data/commonChild/Account-Opportunity-Task-Case-plan.json",),
    ),
    "plugin-data junction": (
        "salesforce",
        ("plugin-data/junction/Account-AccountContactRelation-Contact-plan.json",),
    ),
    "plugin-data self-referencing": (
        "salesforce",
        ("plugin-data/self-referencing/Account-plan.json",),
    ),
    "sfdc-security-demo": (
        "salesforce-more",
        tuple(f"sfdc-security-demo/data/{n}.csv" for n in ("Account", "Contact", "Case")),
    ),
    "data-cloud-workshop": (
        "salesforce-more",
        (
            *(f"data-cloud-workshop/data/{n}.csv" for n in ("Account", "Contact", "Case")),
            "data-cloud-workshop/data/Opportunity.csv",
            "data-cloud-workshop/Relation/AccountContactRelation.csv",
        ),
    ),
    "gen-ai-demo": (
        "salesforce-more",
        tuple(f"gen-ai-demo/data/{n}.csv" for n in ("Account", "Contact", "Case", "Opportunity")),
    ),
    "data-import-test-org": ("salesforce-more", ("data-import-test-org/data/new-data-plan.json",)),
    "easy-spaces-lwc": ("salesforce-more", ("easy-spaces-lwc/data/Plan2.json",)),
    "easy-spaces-lwc CSV": ("salesforce-more", ("easy-spaces-lwc/data/Contact_Data.csv",)),
    "ecars": ("salesforce-more", ("ecars/data/data-plan.json",)),
    "ActionPlans": ("salesforce-more", ("ActionPlans/data/data-plan.json",)),
    "Developer Edition CSV": (
        "salesforce-more",
        ("salesforce-data-loader-examples/data/initial/csv/Account.csv",),
    ),
    "Developer Edition contacts": (
        "salesforce-more",
        ("salesforce-data-loader-examples/data/initial/treeapi/Contact.json",),
    ),
}

TRIPS = {"tree": through_tree, "csv": through_csv, "json": through_json}


@functools.cache
def _imported(fixtures: Path, name: str) -> Any:
    """The data set in a memory store, imported once for the three trips (which only read it)."""
    store = cg.open_store()
    folder, files = DATA_SETS[name]
    paths = [fixtures / folder / f for f in files]
    if paths[0].suffix == ".json":
        import_tree(store, paths[0], options=PARTIAL)
    elif paths[0].name == "Contact_Data.csv":
        import_csv(store, {"Contact": paths[0]}, options=PARTIAL)
    else:
        import_csv(store, paths, options=PARTIAL)
    return store


@pytest.mark.parametrize("trip", sorted(TRIPS))
@pytest.mark.parametrize("name", sorted(DATA_SETS))
def test_data_set_survives_the_round_trip(
    fixtures_dir: Path, name: str, trip: str, tmp_path: Path
) -> None:
    store = _imported(fixtures_dir, name)
    expected = snapshot(store, text_extras=trip == "csv")
    assert expected["accounts"]
    fresh = TRIPS[trip](store, tmp_path, cg.open_store())
    assert snapshot(fresh, text_extras=trip == "csv") == expected
