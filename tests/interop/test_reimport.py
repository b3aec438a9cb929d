"""A re-import in another format finds the records already there; duplicate rules on import."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from interopkit import US

import contactgraph as cg
from contactgraph.interop import ImportMode, ImportOptions, import_csv, import_tree
from contactgraph.rules import DuplicateRules
from contactgraph.store import Store

DATA = Path(__file__).resolve().parents[1] / "data" / "salesforce"
CRM_CSV = [DATA / "crm/Opportunities.csv", DATA / "crm/Contacts.csv", DATA / "crm/Accounts.csv"]
CRM_TREE = DATA / "crm/data-plan.json"


def _tree(store: Any, options: ImportOptions = US) -> Any:
    return import_tree(store, CRM_TREE, options=options)


def _csv(store: Any, options: ImportOptions = US) -> Any:
    return import_csv(store, CRM_CSV, options=options)


def _counts(store: Any) -> tuple[int, int, int]:
    return store.accounts.count(), store.accounts.count_contacts(), store.opportunities.count()


@pytest.mark.parametrize(("first", "second"), [(_tree, _csv), (_csv, _tree)])
def test_the_same_records_in_the_other_format_are_found_not_created(
    store: Store, first: Any, second: Any
) -> None:
    first(store)
    assert _counts(store) == (4, 5, 3)
    report = second(store)
    assert _counts(store) == (4, 5, 3)
    assert {k: c.created for k, c in report.counts.items()} == {
        "Account": 0,
        "Contact": 0,
        "Opportunity": 0,
    }
    recognised = Counter(
        w.reason.split(" by ")[0] for w in report.warnings if w.reason.startswith("recognised")
    )
    assert recognised == {
        "recognised as a stored account": 4,
        "recognised as a stored contact": 5,
        "recognised as a stored opportunity": 3,
    }
    names = Counter(a.name for a in store.accounts)
    assert set(names.values()) == {1}


def test_recognition_can_be_turned_off(store: Store) -> None:
    _tree(store)
    _csv(store, ImportOptions(default_region="US", recognise_existing=False))
    assert _counts(store) == (8, 10, 6)


def test_a_record_with_another_salesforce_id_is_another_record(
    store: Store, tmp_path: Path
) -> None:
    _tree(store)
    [acme] = store.accounts.find_by_name("ACME SA")
    store.accounts.save(acme.update(external_ids={"salesforce": "001000000000001AAA"}))
    path = tmp_path / "Account.csv"
    path.write_text(
        "Id,Name,Phone,Website\n001000000000002AAA,ACME SA,+33 1 40 00 00 00,https://acme.example\n",
        encoding="utf-8",
    )
    report = import_csv(store, path, options=US)
    assert report.of("Account").created == 1
    assert len(store.accounts.find_by_name("ACME SA")) == 2


def test_a_namesake_company_with_another_phone_is_created(store: Store, tmp_path: Path) -> None:
    _tree(store)
    path = tmp_path / "Account.csv"
    path.write_text("Name,Phone\nInitech,+1 212 555 0199\n", encoding="utf-8")
    report = import_csv(store, path, options=US)
    assert report.of("Account").created == 1
    assert not [w for w in report.warnings if w.reason.startswith("recognised")]


def test_records_of_one_import_are_never_recognised_as_each_other(
    store: Store, tmp_path: Path
) -> None:
    _tree(store)
    path = tmp_path / "Account.csv"
    path.write_text("Name,Phone\nUmbrella,+1 212 555 0100\nUmbrella,+1 212 555 0100\n")
    report = import_csv(store, path, options=US)
    assert report.of("Account").created == 2


def test_a_contact_without_email_is_recognised_by_name_in_its_account(
    store: Store, tmp_path: Path
) -> None:
    _tree(store)
    [globex] = store.accounts.find_by_name("Globex Corporation")
    globex, _ = globex.add_contact(last_name="Smithers", first_name="Waylon")
    store.accounts.save(globex)
    accounts = tmp_path / "Account.csv"
    accounts.write_text("Name,Phone\nGlobex Corporation,1(302)556-4395\n", encoding="utf-8")
    contacts = tmp_path / "Contact.csv"
    contacts.write_text(
        "LastName,FirstName,Title,AccountId\nSmithers,Waylon,Assistant,@AccountRef1\n",
        encoding="utf-8",
    )
    report = import_csv(store, [accounts, contacts], options=US)
    assert report.of("Contact").created == 0
    [waylon] = store.accounts.find_contacts(name="Waylon Smithers")
    assert waylon.title == "Assistant"


# -------------------------------------------------------- rules on import


def test_alerts_of_an_import_are_warnings_of_its_report(tmp_path: Path) -> None:
    store = cg.open_store(duplicates="alert")
    _tree(store)
    path = tmp_path / "Contact.csv"
    path.write_text(
        "LastName,FirstName,Phone,AccountId\nMartin,Alice,+33 1 23 45 67 89,"
        + store.accounts.find_by_name("ACME SA")[0].id
        + "\n",
        encoding="utf-8",
    )
    [alice] = store.accounts.find_contacts(email="alice.martin@acme.example")
    report = import_csv(store, path, options=US)
    assert report.of("Contact").created == 1
    [alert] = [w for w in report.warnings if "looks like" in w.reason]
    assert alert.row == 2
    assert alice.id in alert.reason


def _two_contacts(tmp_path: Path, acme_id: str) -> Path:
    path = tmp_path / "Contact.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["LastName", "FirstName", "MobilePhone", "AccountId"])
        writer.writerow(["Durand", "Robert", "+33 6 12 34 56 78", acme_id])
        writer.writerow(["Lambert", "Zoé", "+33 6 99 99 99 99", acme_id])
    return path


def test_block_on_import_refuses_the_duplicate_rows_and_keeps_the_others(tmp_path: Path) -> None:
    store = cg.open_store(duplicates=DuplicateRules(contacts="block"))
    _tree(store)
    acme = store.accounts.find_by_name("ACME SA")[0]
    path = _two_contacts(tmp_path, acme.id)
    partial = ImportOptions(default_region="US", mode=ImportMode.PARTIAL)
    report = import_csv(store, path, options=partial)
    assert (report.of("Contact").created, report.of("Contact").failed) == (1, 1)
    [error] = report.errors
    assert error.row == 2
    assert "duplicate rule: block" in error.reason
    [bob] = store.accounts.find_contacts(name="Bob Durand")
    assert bob.id in error.reason
    assert store.accounts.find_contacts(name="Zoé Lambert")
    assert not store.accounts.find_contacts(name="Robert Durand")


def test_block_on_an_all_or_nothing_import_writes_nothing(tmp_path: Path) -> None:
    store = cg.open_store(duplicates=DuplicateRules(contacts="block"))
    _tree(store)
    before = _counts(store)
    path = _two_contacts(tmp_path, store.accounts.find_by_name("ACME SA")[0].id)
    with pytest.raises(cg.ImportRejectedError) as caught:
        import_csv(store, path, options=US)
    assert [e.row for e in caught.value.errors] == [2]
    assert _counts(store) == before


def test_a_reimport_under_block_rules_is_recognised_not_refused() -> None:
    store = cg.open_store(duplicates="block")
    _tree(store)
    report = _csv(store)
    assert report.ok
    assert _counts(store) == (4, 5, 3)


# -------------------------------------------------------------- acceptance


def test_public_sample_tree_then_report_export_leaves_every_account_once(
    salesforce_dir: Path,
) -> None:
    folder = salesforce_dir / "lwc-recipes"
    store = cg.open_store()
    import_tree(store, folder / "data-plan.json", options=US)
    counts = _counts(store)
    report = import_csv(store, folder / "Accounts-Contacts.csv", options=US)
    assert _counts(store) == counts
    assert report.of("Account").created == report.of("Contact").created == 0
    assert Counter(a.name for a in store.accounts)["Alpha Dynamics"] == 1
    tree = json.loads((folder / "Accounts.json").read_text("utf-8"))
    assert store.accounts.count() == len(tree["records"])
