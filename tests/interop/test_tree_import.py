"""Every sObject Tree file and plan of the real Salesforce fixtures: imported, or refused with a reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from interopkit import US_GUESTS

import contactgraph as cg
from contactgraph.interop import import_tree

OK = "ok"
REFUSED = "refused"

# file -> (outcome, created per sObject or the reason every refused record gives, skipped per type)
EXPECTED: dict[str, tuple[str, Any, dict[str, int]]] = {
    "apex-recipes/Accounts.json": (OK, {"Account": 50}, {}),
    "apex-recipes/Contacts.json": (REFUSED, "missing reference @AccountRef", {}),
    "apex-recipes/Opportunities.json": (REFUSED, "missing reference @AccountRef", {}),
    "apex-recipes/data-plan.json": (OK, {"Account": 50, "Contact": 150, "Opportunity": 50}, {}),
    "coral-cloud/data-Case.json": (REFUSED, "missing reference @ContactRef155", {}),
    "coral-cloud/data-Contact-large.json": (OK, {"Account": 1, "Contact": 992}, {}),
    "coral-cloud/data-Contact.json": (OK, {"Account": 1, "Contact": 156}, {}),
    "coral-cloud/data-Experience__c-large.json": (OK, {}, {"Experience__c": 54}),
    "coral-cloud/data-Experience__c.json": (OK, {}, {"Experience__c": 35}),
    "coral-cloud/data-Guest_Review__c.json": (OK, {}, {"Guest_Review__c": 10}),
    "coral-cloud/data-plan-large.json": (
        OK,
        {"Account": 1, "Contact": 992, "Case": 2},
        {"Experience__c": 54, "Guest_Review__c": 10},
    ),
    "coral-cloud/data-plan.json": (
        OK,
        {"Account": 1, "Contact": 156, "Case": 2},
        {"Experience__c": 35, "Guest_Review__c": 10},
    ),
    "lwc-recipes/Accounts.json": (OK, {"Account": 10}, {}),
    "lwc-recipes/Contacts.json": (REFUSED, "missing reference @AccountRef", {}),
    "lwc-recipes/Opportunities.json": (REFUSED, "missing reference @AccountRef", {}),
    "lwc-recipes/data-plan.json": (OK, {"Account": 10, "Contact": 6, "Opportunity": 20}, {}),
    "plugin-data/accounts-contacts-plan.json": (OK, {"Account": 3, "Contact": 6}, {}),
    "plugin-data/accounts-contacts-tree.json": (OK, {"Account": 2, "Contact": 2}, {}),
    "plugin-data/accounts-contacts-tree2.json": (OK, {"Account": 2, "Contact": 2}, {}),
    "plugin-data/accounts-only.json": (OK, {"Account": 2, "Contact": 2}, {}),
    "plugin-data/contacts-only-1.json": (REFUSED, "missing reference @SampleAc", {}),
    "plugin-data/contacts-only-2.json": (OK, {"Account": 1, "Contact": 2}, {}),
    "plugin-data/commonChild/Account-Opportunity-Task-Case-plan.json": (
        OK,
        {"Account": 2, "Opportunity": 1, "Case": 1},
        {"Task": 2},
    ),
    "plugin-data/commonChild/Account.json": (OK, {"Account": 2}, {}),
    "plugin-data/commonChild/Case.json": (REFUSED, "missing reference @AccountRef1", {}),
    "plugin-data/commonChild/Opportunity.json": (REFUSED, "missing reference @AccountRef1", {}),
    "plugin-data/commonChild/Task.json": (OK, {}, {"Task": 2}),
    "plugin-data/junction/Account-AccountContactRelation-Contact-plan.json": (
        OK,
        {"Account": 5, "Contact": 4, "AccountContactRelation": 3},
        {},
    ),
    "plugin-data/junction/Account.json": (OK, {"Account": 5}, {}),
    "plugin-data/junction/AccountContactRelation.json": (REFUSED, "missing reference @", {}),
    "plugin-data/junction/Contact.json": (REFUSED, "missing reference @AccountRef5", {}),
    "plugin-data/missingRef/Account-Opportunity-plan.json": (
        REFUSED,
        "missing reference @AccountRef2000",
        {},
    ),
    "plugin-data/missingRef/Account.json": (OK, {"Account": 2}, {}),
    "plugin-data/missingRef/Opportunity.json": (REFUSED, "missing reference @AccountRef2000", {}),
    "plugin-data/missingSelfRef/Account-plan.json": (
        REFUSED,
        "missing reference @AccountRef2000",
        {},
    ),
    "plugin-data/missingSelfRef/Account.json": (REFUSED, "missing reference @AccountRef2000", {}),
    "plugin-data/self-referencing/Account-plan.json": (OK, {"Account": 12}, {}),
    "plugin-data/self-referencing/Account.json": (OK, {"Account": 12}, {}),
    "visualforce-to-lwc/Accounts.json": (OK, {"Account": 10}, {}),
    "visualforce-to-lwc/Contacts.json": (REFUSED, "missing reference @AccountRef", {}),
    "visualforce-to-lwc/sample-data-plan.json": (OK, {"Account": 10, "Contact": 30}, {}),
}


def test_every_json_fixture_has_an_expectation(salesforce_dir: Path) -> None:
    found = {p.relative_to(salesforce_dir).as_posix() for p in salesforce_dir.rglob("*.json")}
    assert found == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_imports_or_is_refused_with_a_reason(
    salesforce_dir: Path, name: str, store: Any
) -> None:
    outcome, detail, skipped = EXPECTED[name]
    if outcome == REFUSED:
        with pytest.raises(cg.ImportRejectedError) as info:
            import_tree(store, salesforce_dir / name, options=US_GUESTS)
        errors = info.value.errors
        assert errors
        assert all(detail in e.reason for e in errors), errors
        assert all(e.row >= 1 and e.field and e.source for e in errors)
        assert store.accounts.count() == 0
        assert store.opportunities.count() == 0
        return
    report = import_tree(store, salesforce_dir / name, options=US_GUESTS)
    assert report.ok
    created = {k: c.created for k, c in report.counts.items() if c.created}
    assert created == detail
    assert {k: c.skipped for k, c in report.counts.items() if c.skipped} == skipped
    assert len(report.skipped) == sum(skipped.values())
    assert all("not modelled" in s.reason for s in report.skipped)
    assert store.accounts.count() == detail.get("Account", 0)
    assert store.accounts.count_contacts() == detail.get("Contact", 0)
    assert store.opportunities.count() == detail.get("Opportunity", 0)
    assert store.cases.count() == detail.get("Case", 0)
    assert store.relations.count() == detail.get("AccountContactRelation", 0)


def test_malformed_files_are_refused_naming_the_file(tmp_path: Path) -> None:
    store = cg.open_store()
    cases = {
        "broken.json": "{not json",
        "list-of-junk.json": "[1, 2]",
        "no-records.json": '{"rows": []}',
        "scalar.json": "42",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        with pytest.raises(cg.ImportRejectedError) as info:
            import_tree(store, tmp_path / name)
        assert info.value.errors[0].source == name
    with pytest.raises(cg.ImportRejectedError, match="file not found"):
        import_tree(store, tmp_path / "nowhere.json")
    plan = tmp_path / "plan.json"
    plan.write_text('[{"sobject": "Account", "files": ["missing.json"]}]', encoding="utf-8")
    with pytest.raises(cg.ImportRejectedError, match=r"missing\.json"):
        import_tree(store, plan)
    assert store.accounts.count() == 0


def test_hostile_records(tmp_path: Path) -> None:
    store = cg.open_store()
    records = [
        {"attributes": {"type": "Account", "referenceId": "AccountRef1"}, "Name": "ACME SA"},
        {"attributes": {"type": "Account", "referenceId": "AccountRef1"}, "Name": "Twice"},
        {
            "attributes": {"type": "Contact", "referenceId": "ContactRef1"},
            "LastName": "Null\x00Byte",
            "AccountId": "@AccountRef1",
        },
        {
            "attributes": {"type": "Contact", "referenceId": "ContactRef2"},
            "LastName": "Martin",
            "Email": "not-an-email",
            "AccountId": "@AccountRef1",
        },
        {
            "attributes": {"type": "Contact", "referenceId": "ContactRef3"},
            "LastName": "Robert'); DROP TABLE contacts;--",
            "AccountId": "@AccountRef1",
        },
        {"attributes": {"type": "Contact"}, "LastName": "No ref", "AccountId": "@AccountRef1"},
        {"LastName": "No attributes"},
        "a string",
    ]
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps({"records": records}), encoding="utf-8")
    with pytest.raises(cg.ImportRejectedError) as info:
        import_tree(store, path)
    reasons = {(e.row, e.field): e.reason for e in info.value.errors}
    assert "duplicate referenceId" in reasons[(2, "referenceId")]
    assert "control character" in reasons[(3, "last_name")]
    assert "email" in reasons[(4, "email")]
    assert "attributes.type is missing" in reasons[(7, "attributes")]
    assert (8, None) in reasons
    assert store.accounts.count() == 0
