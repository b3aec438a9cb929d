"""A phone extension survives every format and store (``+33144274427;ext=123``)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

import contactgraph as cg
from contactgraph.interop import (
    export_csv,
    export_tree,
    import_csv,
    import_tree,
    restore,
    vcard,
)
from contactgraph.serialization import from_json, to_json

DESK = "+33144274427;ext=123"
MOBILE = "+33612345678;ext=7"


def _acme() -> tuple[cg.Account, str]:
    acme = cg.Account.create(name="ACME SA", phone="+33 1 44 27 44 27 #12")
    acme, alice = acme.add_contact(
        last_name="Martin",
        first_name="Alice",
        email="alice@acme.fr",
        phone="+33 1 44 27 44 27 x123",
        mobile="+33 6 12 34 56 78 ext. 7",
    )
    return acme, alice.id


def _phones(account: cg.Account, contact_id: str) -> tuple[str | None, ...]:
    alice = account.contact(contact_id)
    return (
        account.phone.e164 if account.phone else None,
        alice.phone.e164 if alice.phone else None,
        alice.mobile.e164 if alice.mobile else None,
    )


EXPECTED = ("+33144274427;ext=12", DESK, MOBILE)


def test_the_domain_keeps_the_extensions() -> None:
    acme, alice = _acme()
    assert _phones(acme, alice) == EXPECTED
    assert acme.contact(alice).phone.extension == "123"  # type: ignore[union-attr]


@pytest.mark.parametrize("trusted", [True, False])
def test_json_round_trip(trusted: bool) -> None:
    acme, alice = _acme()
    text = to_json(acme)
    assert json.loads(text)["contacts"][0]["phone"] == DESK
    again = from_json(text, cg.Account, trusted=trusted)
    assert _phones(again, alice) == EXPECTED


def test_a_store_keeps_and_finds_them(store: Any) -> None:
    acme, alice = _acme()
    store.accounts.add(acme)
    assert _phones(store.accounts.get(acme.id), alice) == EXPECTED
    assert [c.id for c in store.accounts.find_contacts(phone="01 44 27 44 27 ext 123")] == []
    found = store.accounts.find_contacts(phone="+33 1 44 27 44 27 x123")
    assert [c.id for c in found] == [alice]


def test_data_loader_csv_round_trip(store: Any, new_store: Any, tmp_path: Path) -> None:
    acme, _ = _acme()
    store.accounts.add(acme)
    report = export_csv(store, tmp_path / "out")
    contacts_file = next(p for p in report.files if "Contact" in p.name)
    with contacts_file.open(encoding="utf-8", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert (restore(row["Phone"]), restore(row["MobilePhone"])) == (DESK, MOBILE)
    fresh = new_store()
    assert import_csv(fresh, report.files).ok
    (again,) = list(fresh.accounts)
    (contact,) = again.contacts.values()
    assert _phones(again, contact.id) == EXPECTED


def test_a_data_loader_row_with_an_extension_is_imported_not_refused(
    store: Any, tmp_path: Path
) -> None:
    path = tmp_path / "Contact.csv"
    path.write_text(
        "LastName,Phone,MobilePhone\r\n"
        'Martin,"01 44 27 44 27 x123",06 12 34 56 78\r\n'
        'Durand,"+1 (415) 555-0132 ext. 45",\r\n'
        'Dubois,"+33 1 44 27 44 27 #12",\r\n'
        'Nguyen,"+33144274427;ext=7",\r\n',
        encoding="utf-8",
    )
    options = cg.interop.ImportOptions(default_region="FR", orphan_account="Guests")
    report = import_csv(store, path, options=options)
    assert report.ok, report.errors
    (guests,) = list(store.accounts)
    phones = {c.name.last: c.phone.e164 for c in guests.contacts.values() if c.phone}
    assert phones == {
        "Martin": DESK,
        "Durand": "+14155550132;ext=45",
        "Dubois": "+33144274427;ext=12",
        "Nguyen": "+33144274427;ext=7",
    }


def test_tree_json_round_trip(store: Any, new_store: Any, tmp_path: Path) -> None:
    acme, _ = _acme()
    store.accounts.add(acme)
    report = export_tree(store, tmp_path / "out")
    records = [
        r
        for p in report.files
        if isinstance(data := json.loads(p.read_text("utf-8")), dict)
        for r in data.get("records", [])
    ]
    contact = next(r for r in records if r["attributes"]["type"] == "Contact")
    assert (contact["Phone"], contact["MobilePhone"]) == (DESK, MOBILE)
    fresh = new_store()
    assert import_tree(fresh, report.files[0]).ok
    (again,) = list(fresh.accounts)
    (alice,) = again.contacts.values()
    assert _phones(again, alice.id) == EXPECTED


def test_vcard_writes_rfc_3966_uris() -> None:
    acme, alice = _acme()
    card = vcard(acme.contact(alice), acme)
    assert f"tel:{DESK}\r\n" in card
    assert f"tel:{MOBILE}\r\n" in card


def test_dataframes_round_trip() -> None:
    pytest.importorskip("pandas")
    from contactgraph.interop import frames

    acme, alice = _acme()
    df = frames.contacts_frame(acme)
    assert (df.loc[alice, "Phone"], df.loc[alice, "Mobile"]) == (DESK, MOBILE)
    emptied = acme.update_contact(alice, phone=None, mobile=None)
    again = frames.contacts_from_frame(df, emptied)
    assert _phones(again, alice) == EXPECTED
    accounts = frames.accounts_frame([acme])
    assert accounts.loc[acme.id, "Phone"] == "+33144274427;ext=12"
    (reread,) = frames.accounts_from_frame(accounts, [acme.update(phone=None)])
    assert reread.phone == acme.phone
