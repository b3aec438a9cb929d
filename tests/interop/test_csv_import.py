"""Data Loader CSV: the quirks of real exports, on files written by each test.

The public sample CSV files are compared field by field in tests/acceptance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from interopkit import exact_snapshot

import contactgraph as cg
from contactgraph.interop import (
    ImportMode,
    ImportOptions,
    import_csv,
    sobject_for_file,
)


def test_file_names_tell_the_sobject() -> None:
    assert sobject_for_file("Accounts.csv") == "Account"
    assert sobject_for_file("data/Opportunities.csv") == "Opportunity"
    assert sobject_for_file("OpportunityContactRoles.csv") == "OpportunityContactRole"
    assert sobject_for_file("extract-AccountContactRelation.csv") == "AccountContactRelation"
    assert sobject_for_file("Cases.csv") == "Case"
    assert sobject_for_file("people.csv") is None


def _write(path: Path, text: str, *, bom: bool = False, crlf: bool = False) -> Path:
    data = text.replace("\n", "\r\n") if crlf else text
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode("utf-8"))
    return path


ACCOUNTS = """Id,NAME,billingCountry,Phone,Industry,Rating__c
001A,ACME SA,France,01 23 45 67 89,Manufacturing,Hot
001B,Globex,United States,(415) 555-0100,Energy,
"""

CONTACTS = """Id,accountid,LASTNAME,FirstName,Email,Phone,ReportsToId,Title,MailingStreet,HasOptedOutOfEmail,Shoe_Size__c
003A,001A,Martin,Alice,alice@acme.fr,01 23 45 67 80,,CFO,"1 rue de la Paix
Bâtiment B",false,38
003B,001A,Durand,Bob,bob@acme.fr,,003C,Accountant,,TRUE,
003C,001A,Petit,Chloé,chloe@acme.fr,,003A,Controller,,0,
003D,001B,Smith,Dana,dana@globex.com,4155550101,,CEO,,,
"""


def test_dataloader_quirks(tmp_path: Path, store: Any) -> None:
    accounts = _write(tmp_path / "Account.csv", ACCOUNTS, bom=True, crlf=True)
    contacts = _write(tmp_path / "Contact.csv", CONTACTS)
    report = import_csv(store, {"contact": contacts, "ACCOUNT": accounts})
    assert report.ok, report.errors
    acme = store.accounts.find_by_external_id("salesforce", "001A")
    assert dict(acme.extra) == {"Rating__c": "Hot"}
    alice = store.accounts.find_contact_by_external_id("salesforce", "003A")
    bob = store.accounts.find_contact_by_external_id("salesforce", "003B")
    chloe = store.accounts.find_contact_by_external_id("salesforce", "003C")
    dana = store.accounts.find_contact_by_external_id("salesforce", "003D")
    assert alice.phone.e164 == "+33123456780"  # France, from the account's billing country
    assert dana.phone.e164 == "+14155550101"
    assert alice.mailing_address.street == "1 rue de la Paix\nBâtiment B"
    assert dict(alice.extra) == {"Shoe_Size__c": "38"}
    assert bob.reports_to == chloe.id  # a forward reference
    assert chloe.reports_to == alice.id
    assert bob.email_opt_out is True
    assert chloe.email_opt_out is False


def test_all_or_nothing_lists_every_bad_row_and_writes_nothing(tmp_path: Path, store: Any) -> None:
    import_csv(store, _write(tmp_path / "Account.csv", ACCOUNTS))
    before = exact_snapshot(store)
    bad = CONTACTS + (
        "003E,001A,,Nameless,,,,,,,\n"
        "003F,001Z,Ghost,Casper,,,,,,,\n"
        "003G,001A,Loop,Lou,lou@acme.fr,,003G,,,,\n"
        "003H,001A,Typo,Tina,tina@@acme,,,,,maybe,\n"
        "003I,001A,Lost,Larry,,,003X,,,,\n"
    )
    with pytest.raises(cg.ImportRejectedError) as info:
        import_csv(store, _write(tmp_path / "Contact.csv", bad))
    found = {(e.row, e.field) for e in info.value.errors}
    assert {
        (6, "last_name"),
        (7, "AccountId"),
        (8, "reports_to"),
        (9, "HasOptedOutOfEmail"),
        (10, "ReportsToId"),
    } <= found
    assert all(e.source == "Contact.csv" for e in info.value.errors)
    assert exact_snapshot(store) == before


def test_partial_mode_lands_good_rows_and_accounts_for_every_row(
    tmp_path: Path, store: Any
) -> None:
    import_csv(store, _write(tmp_path / "Account.csv", ACCOUNTS))
    bad = (
        CONTACTS
        + "003E,001A,,Nameless,,,,,,,\n003I,001A,Lost,Larry,,,003X,,,,\n003J,001A,Équipe,=cmd|' /C calc'!A0,,,,,,,\n"
    )
    results = tmp_path / "results"
    options = ImportOptions(mode=ImportMode.PARTIAL, results_dir=results)
    report = import_csv(store, _write(tmp_path / "Contact.csv", bad), options=options)
    assert report.of("Contact").created == 5
    assert report.of("Contact").failed == 2
    assert store.accounts.count_contacts() == 5
    assert store.accounts.find_contact_by_external_id("salesforce", "003I") is None
    success = import_csv_rows(results / "Contact.csv.success.csv")
    errors = import_csv_rows(results / "Contact.csv.error.csv")
    assert sorted(r["Id"] for r in success) == ["003A", "003B", "003C", "003D", "003J"]
    assert sorted(r["Id"] for r in errors) == ["003E", "003I"]
    assert all(r["CONTACTGRAPH_ID"] and r["STATUS"] == "created" for r in success)
    assert {r["ROW"] for r in errors} == {"6", "7"}
    assert "003X" in next(r["ERROR"] for r in errors if r["Id"] == "003I")
    raw = (results / "Contact.csv.success.csv").read_text("utf-8")
    assert "'=cmd" in raw  # the formula is neutralised in the result file too
    [equipe] = store.accounts.find_contacts(name="Équipe")
    assert equipe.first_name == "=cmd|' /C calc'!A0"


def import_csv_rows(path: Path) -> list[dict[str, str]]:
    from contactgraph.interop.dataloader import read_csv_text

    return read_csv_text(path.read_text("utf-8"))


def test_orphans_and_default_region(tmp_path: Path, store: Any) -> None:
    contacts = _write(tmp_path / "Contact.csv", "LastName,Phone\nWilliams,4155550123\n")
    with pytest.raises(cg.ImportRejectedError, match="orphan_account"):
        import_csv(store, contacts)
    # no region anywhere: the number is kept as typed, unverified, with a warning
    elsewhere = cg.open_store()
    kept = import_csv(elsewhere, contacts, options=ImportOptions(orphan_account="Walk-ins"))
    [unplaced] = elsewhere.accounts.list()[0].contacts.values()
    assert (unplaced.phone.verified, unplaced.phone.typed) == (False, "4155550123")
    assert [(w.row, w.field) for w in kept.warnings if "no country" in w.reason] == [(2, "Phone")]
    report = import_csv(
        store, contacts, options=ImportOptions(orphan_account="Walk-ins", default_region="US")
    )
    [walk_ins] = store.accounts.list()
    assert walk_ins.name == "Walk-ins"
    [williams] = walk_ins.contacts.values()
    assert williams.phone.e164 == "+14155550123"
    assert report.of("Account").created == 1
    import_csv(
        store, contacts, options=ImportOptions(orphan_account="Walk-ins", default_region="US")
    )
    assert store.accounts.count() == 1
    assert store.accounts.count_contacts() == 1
    import_csv(
        store, contacts, options=ImportOptions(orphan_account=walk_ins.id, default_region="US")
    )
    assert store.accounts.count() == 1


def test_updates_in_place_by_salesforce_id(tmp_path: Path, store: Any) -> None:
    accounts = _write(tmp_path / "Account.csv", ACCOUNTS)
    import_csv(store, [accounts, _write(tmp_path / "Contact.csv", CONTACTS)])
    alice = store.accounts.find_contact_by_external_id("salesforce", "003A")
    changed = "Id,Title,Email\n003A,Chief Financial Officer,alice.martin@acme.fr\n"
    report = import_csv(store, _write(tmp_path / "Contact-update.csv", changed))
    assert report.of("Contact").updated == 1
    again = store.accounts.find_contact_by_external_id("salesforce", "003A")
    assert again.id == alice.id
    assert again.title == "Chief Financial Officer"
    assert again.email.address == "alice.martin@acme.fr"
    assert again.first_name == "Alice"  # columns not in the file are left alone
    assert store.accounts.count_contacts() == 4


def test_partial_mode_leaves_an_existing_contact_as_it_was_when_its_row_is_refused(
    tmp_path: Path, store: Any
) -> None:
    """The row's title change must not land when its manager turns out to be missing."""
    accounts = _write(tmp_path / "Account.csv", ACCOUNTS)
    import_csv(store, [accounts, _write(tmp_path / "Contact.csv", CONTACTS)])
    before = store.accounts.find_contact_by_external_id("salesforce", "003A")
    changed = "Id,Title,ReportsToId\n003A,Chief Financial Officer,003NOBODY\n"
    report = import_csv(
        store,
        _write(tmp_path / "Contact-update.csv", changed),
        options=ImportOptions(mode=ImportMode.PARTIAL),
    )
    assert report.of("Contact").failed == 1
    assert report.errors[0].field == "ReportsToId"
    after = store.accounts.find_contact_by_external_id("salesforce", "003A")
    assert after.title == before.title
    assert after.reports_to == before.reports_to


def test_malformed_csv_files(tmp_path: Path) -> None:
    store = cg.open_store()
    latin = tmp_path / "Contact.csv"
    latin.write_bytes("LastName\nHélène\n".encode("latin-1"))
    with pytest.raises(cg.ImportRejectedError, match="UTF-8"):
        import_csv(store, latin)
    with pytest.raises(cg.ImportRejectedError, match="file not found"):
        import_csv(store, tmp_path / "Account.csv")
    with pytest.raises(cg.ImportRejectedError, match="sObject type"):
        import_csv(store, _write(tmp_path / "people.csv", "LastName\nMartin\n"))
    with pytest.raises(cg.ImportRejectedError, match="header"):
        import_csv(store, _write(tmp_path / "Account2.csv", ""))
    assert store.accounts.count() == 0


def test_a_contact_is_updated_where_it_is_not_moved(tmp_path: Path, store: Any) -> None:
    import_csv(
        store,
        [_write(tmp_path / "Account.csv", ACCOUNTS), _write(tmp_path / "Contact.csv", CONTACTS)],
    )
    moved = "Id,AccountId,LastName\n003D,001A,Smith-Jones\n"
    report = import_csv(store, _write(tmp_path / "Contact-moved.csv", moved))
    dana = store.accounts.find_contact_by_external_id("salesforce", "003D")
    assert dana.last_name == "Smith-Jones"
    assert store.accounts.account_of(dana.id).name == "Globex"
    assert any("not moved" in w.reason for w in report.warnings)


def test_fifteen_and_eighteen_character_ids_match(tmp_path: Path, store: Any) -> None:
    accounts = _write(tmp_path / "Account.csv", "Id,Name\n001D000000IqhSL,ACME SA\n")
    contacts = _write(
        tmp_path / "Contact.csv",
        "Id,AccountId,LastName\n003D000000AbCdE,001D000000IqhSLIAZ,Martin\n",
    )
    import_csv(store, [accounts, contacts])
    acme = store.accounts.find_by_external_id("salesforce", "001D000000IqhSLIAZ")
    assert acme.name == "ACME SA"
    again = _write(tmp_path / "Contact2.csv", "Id,LastName\n003D000000AbCdEIAV,Martin-Durand\n")
    report = import_csv(store, again, options=ImportOptions(orphan_account="Nobody"))
    assert report.of("Contact").updated == 1
    assert store.accounts.count_contacts() == 1


def _people(store: Any) -> set[tuple[Any, ...]]:
    return {
        (
            a.name,
            c.last_name,
            c.email.address if c.email else None,
            c.phone.e164 if c.phone else None,
            c.mobile.e164 if c.mobile else None,
            a.contacts[c.reports_to].last_name if c.reports_to else None,
        )
        for a in store.accounts
        for c in a.contacts.values()
    }


def test_validation_workers_change_nothing_but_speed(tmp_path: Path) -> None:
    accounts = _write(tmp_path / "Account.csv", ACCOUNTS)
    bad = CONTACTS + "003E,001A,Typo,Tina,tina@@acme,,,,,,\n003F,001B,Short,Sam,,12,,,,,\n"
    contacts = _write(tmp_path / "Contact.csv", bad)
    outcomes = []
    for workers in (0, 1):
        store = cg.open_store()
        options = ImportOptions(mode=ImportMode.PARTIAL, validation_workers=workers, batch_size=2)
        report = import_csv(store, [accounts, contacts], options=options)
        outcomes.append((_people(store), [(e.row, e.field, e.reason) for e in report.errors]))
    assert outcomes[0] == outcomes[1]
    assert len(outcomes[0][1]) == 2
