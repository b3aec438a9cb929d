"""Every sObject Tree file and plan of the real Salesforce fixtures: imported, or refused with a reason."""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from interopkit import US, US_GUESTS, exact_snapshot, snapshot

import contactgraph as cg
from contactgraph.interop import ImportOptions, import_tree

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


def test_missing_references_name_the_record_field_and_target(salesforce_dir: Path) -> None:
    store = cg.open_store()
    with pytest.raises(cg.ImportRejectedError) as info:
        import_tree(store, salesforce_dir / "plugin-data/missingRef/Account-Opportunity-plan.json")
    [error] = info.value.errors
    assert (error.record, error.field, error.source, error.row) == (
        "OpportunityRef1",
        "AccountId",
        "Opportunity.json",
        1,
    )
    assert "@AccountRef2000" in str(info.value)
    with pytest.raises(cg.ImportRejectedError) as info:
        import_tree(store, salesforce_dir / "plugin-data/missingSelfRef/Account-plan.json")
    [error] = info.value.errors
    assert (error.record, error.field, error.row) == ("AccountRef5", "ParentId", 5)
    assert store.accounts.count() == 0


def test_without_options_the_reasons_say_what_to_set(salesforce_dir: Path) -> None:
    store = cg.open_store()
    # no country anywhere: the phones are kept as typed, unverified, each with a warning
    report = import_tree(store, salesforce_dir / "lwc-recipes/data-plan.json")
    phones = [w for w in report.warnings if w.field == "Phone"]
    assert phones
    assert all("no country" in w.reason and "default_region" in w.reason for w in phones)
    assert all(a.phone is None or not a.phone.verified for a in store.accounts)
    store = cg.open_store()
    with pytest.raises(cg.ImportRejectedError) as info:
        import_tree(store, salesforce_dir / "coral-cloud/data-plan.json")
    first = info.value.errors[0]
    assert first.field == "AccountId"
    assert "orphan_account" in first.reason
    assert store.accounts.count() == 0


def _by_name(store: Any) -> dict[str, cg.Account]:
    return {a.name: a for a in store.accounts}


def test_apex_recipes_values_land_converted(salesforce_dir: Path, store: Any) -> None:
    import_tree(store, salesforce_dir / "apex-recipes/data-plan.json")
    accounts = _by_name(store)
    zoo = accounts["Zoonoodle 37"]
    assert zoo.phone is not None
    assert zoo.phone.e164 == "+13025564395"
    assert zoo.annual_revenue == Decimal("5117586")
    assert zoo.number_of_employees == 28549
    assert zoo.billing_address is not None
    assert zoo.billing_address.state == "DE"
    assert zoo.extra["fax"] == "1(256)771-8962"
    assert zoo.external_ids["salesforce_ref"].endswith("data-plan.json:AccountRef1")
    [lianna] = store.accounts.find_contacts(email="lsinisbury0@dropbox.com")
    assert lianna.phone is not None
    assert lianna.phone.e164 == "+15624081052"
    assert lianna.title == "Statistician I"
    raw = json.loads((salesforce_dir / "apex-recipes/Opportunities.json").read_text("utf-8"))
    by_ref = {
        o.external_ids["salesforce_ref"].rpartition(":")[2]: o for o in store.opportunities.list()
    }
    for record in raw["records"]:
        opp = by_ref[record["attributes"]["referenceId"]]
        # naughty strings kept (in Unicode NFC, as the domain stores all text)
        assert opp.description == unicodedata.normalize("NFC", record["description"])
        assert opp.amount is not None
        assert opp.amount.amount == Decimal(record["amount"])
        assert opp.amount.currency == "USD"
    cape = by_ref["OpportunityRef1"]
    assert cape.close_date == date(2020, 12, 22)
    assert cape.stage is cg.Stage.ID_DECISION_MAKERS


def test_unknown_picklist_values_are_kept_and_reported(salesforce_dir: Path) -> None:
    store = cg.open_store()
    report = import_tree(store, salesforce_dir / "apex-recipes/data-plan.json")
    dynamic = [o for o in store.opportunities.list() if "StageName__original" in o.extra]
    assert len(dynamic) == len([w for w in report.warnings if w.field == "StageName"]) == 8
    assert {o.extra["StageName__original"] for o in dynamic} == {"Assigned dynamically"}
    won = [o for o in store.opportunities.list() if o.stage is cg.Stage.CLOSED_WON]
    assert won  # "Closed/Won" is read as the standard "Closed Won"


def test_coral_cloud_contacts_under_the_named_account(salesforce_dir: Path, store: Any) -> None:
    report = import_tree(store, salesforce_dir / "coral-cloud/data-plan.json", options=US_GUESTS)
    [guests] = store.accounts.list()
    assert guests.name == "Coral Cloud Guests"
    assert len(guests) == 156
    assert len([w for w in report.warnings if w.field == "AccountId"]) == 156
    [frayda] = guests.find_contacts(email="fraydadowsing@example.com")
    assert frayda.mobile is not None
    assert frayda.mobile.e164 == "+17074908673"
    assert frayda.mailing_address is not None
    assert frayda.mailing_address.state == "Hawaii"
    assert frayda.lead_source == "Online Travel Agent"
    assert frayda.birthdate == date(1994, 11, 19)
    assert frayda.extra["Interest1__c"] == "Dining Experiences"
    assert frayda.extra["External_Id__c"] == "10008756"
    cases = store.cases.list()
    assert len(cases) == 2
    for case in cases:
        assert case.account_id == guests.id
        assert case.contact_id in guests
    first = next(c for c in cases if c.subject.startswith("Urgent"))
    assert "\r\n\r\n" in (first.description or "")
    again = import_tree(store, salesforce_dir / "coral-cloud/data-plan.json", options=US_GUESTS)
    assert again.written == 0
    assert store.accounts.count_contacts() == 156


def test_nested_children_self_references_and_junctions(salesforce_dir: Path, store: Any) -> None:
    import_tree(store, salesforce_dir / "plugin-data/accounts-contacts-tree.json", options=US)
    sample = _by_name(store)["SampleAccount"]
    assert sorted((c.last_name, c.title) for c in sample.contacts.values()) == [
        ("Evans", "Vice President"),
        ("Smith", "President"),
    ]
    import_tree(store, salesforce_dir / "plugin-data/self-referencing/Account-plan.json")
    accounts = _by_name(store)
    assert accounts["Grandchild"].parent_id == accounts["Child"].id
    assert accounts["Child"].parent_id == accounts["Original"].id
    import_tree(
        store,
        salesforce_dir / "plugin-data/junction/Account-AccountContactRelation-Contact-plan.json",
    )
    names = {a.id: a.name for a in store.accounts}
    people = {c.id: c.last_name for a in store.accounts for c in a.contacts.values()}
    pairs = sorted((people[r.contact_id], names[r.account_id]) for r in store.relations.list())
    assert pairs == [("Person A", "Acct 2"), ("Person X", "Acct 2"), ("Person X", "Acct 4")]


def test_unmodelled_types_are_reported_not_lost(salesforce_dir: Path) -> None:
    store = cg.open_store()
    plan = salesforce_dir / "plugin-data/commonChild/Account-Opportunity-Task-Case-plan.json"
    report = import_tree(store, plan)
    assert [(s.record, s.source) for s in report.skipped] == [
        ("TaskRef1", "Task.json"),
        ("TaskRef2", "Task.json"),
    ]
    [case] = store.cases.list()
    assert case.subject == "(no subject)"
    assert any(w.field == "Subject" for w in report.warnings)


def test_reimport_is_idempotent_and_updates_in_place(
    salesforce_dir: Path, store: Any, tmp_path: Path
) -> None:
    plan = salesforce_dir / "visualforce-to-lwc/sample-data-plan.json"
    options = ImportOptions(default_region="US", namespace="vf")
    import_tree(store, plan, options=options)
    before = snapshot(store)
    again = import_tree(store, plan, options=options)
    assert again.written == 0
    assert again.of("Contact").unchanged == 30
    assert snapshot(store) == before
    # the same records, changed, from another path: matched by namespace + referenceId
    data = json.loads((salesforce_dir / "visualforce-to-lwc/Contacts.json").read_text("utf-8"))
    data["records"][0]["Title"] = "Chief Engineer"
    (tmp_path / "Contacts.json").write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / "Accounts.json").write_bytes(
        (salesforce_dir / "visualforce-to-lwc/Accounts.json").read_bytes()
    )
    plan_copy = tmp_path / "plan.json"
    plan_copy.write_bytes(
        (salesforce_dir / "visualforce-to-lwc/sample-data-plan.json").read_bytes()
    )
    report = import_tree(store, plan_copy, options=options)
    assert report.of("Contact").updated == 1
    assert report.of("Contact").created == 0
    assert store.accounts.count_contacts() == 30
    [amy] = store.accounts.find_contacts(email="amy@alpha.net")
    assert amy.title == "Chief Engineer"


def test_a_refused_import_leaves_the_store_exactly_as_it_was(
    salesforce_dir: Path, store: Any
) -> None:
    import_tree(store, salesforce_dir / "lwc-recipes/data-plan.json", options=US)
    before = exact_snapshot(store)
    with pytest.raises(cg.ImportRejectedError):
        import_tree(store, salesforce_dir / "plugin-data/missingRef/Account-Opportunity-plan.json")
    with pytest.raises(cg.ImportRejectedError):
        import_tree(store, salesforce_dir / "coral-cloud/data-plan.json")
    assert exact_snapshot(store) == before


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


def test_partial_mode_accounts_for_every_record(
    salesforce_dir: Path, store: Any, tmp_path: Path
) -> None:
    import csv

    from contactgraph.interop import ImportMode

    options = ImportOptions(mode=ImportMode.PARTIAL, results_dir=tmp_path / "results")
    report = import_tree(store, salesforce_dir / "coral-cloud/data-plan.json", options=options)
    assert report.of("Contact").failed == 156
    assert report.of("Case").failed == 2
    assert all("refused" in e.reason for e in report.errors if e.source == "data-Case.json")
    assert store.accounts.count() == 0
    lines = 0
    for path in [*report.success_files, *report.error_files]:
        with path.open(encoding="utf-8", newline="") as handle:
            lines += sum(1 for _ in csv.reader(handle)) - 1
    assert lines == 35 + 156 + 10 + 2
    with (tmp_path / "results" / "data-Case.json.error.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["referenceId"] for r in rows] == ["CaseRef1", "CaseRef2"]
    assert rows[0]["Description"].startswith("Today, Sofia Rodriguez")
