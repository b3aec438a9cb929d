"""A phone no region places is kept as typed, unverified, and survives every format and store.

Issue 12: national text with no country code, under an account with no
country, for a contact with no mailing country, imported without
``--region``, is kept (``unverified:01 44 27 44 27``) with a warning, never
the reason a row is refused; the region comes from the account, else the
contact's mailing country, else the import's option.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import contactgraph as cg
from contactgraph.domain.phones import UNVERIFIED_MARK
from contactgraph.interop import (
    ImportOptions,
    export_csv,
    export_tree,
    import_csv,
    import_tree,
    restore,
    vcard,
)
from contactgraph.interop.phones import region_for
from contactgraph.serialization import from_json, to_json
from contactgraph.testing import values as cgv

DESK = "01 44 27 44 27"
MOBILE = "06 12 34 56 78"


def _acme() -> tuple[cg.Account, str]:
    """An account and a contact with no country anywhere, their phones kept unverified."""
    acme = cg.Account.create(name="ACME SA", phone=cg.Phone.unverified("01 40 00 00 00"))
    acme, alice = acme.add_contact(
        last_name="Martin",
        phone=cg.Phone.unverified(DESK),
        mobile=cg.Phone.unverified(MOBILE),
        alternate_phones=[cg.Phone.unverified("01 45 00 00 00 x12"), "+33 1 46 00 00 00"],
    )
    return acme, alice.id


def _phones(account: cg.Account, contact_id: str) -> tuple[Any, ...]:
    alice = account.contact(contact_id)
    return (account.phone, alice.phone, alice.mobile, alice.alternate_phones)


def _expected() -> tuple[Any, ...]:
    acme, alice = _acme()
    return _phones(acme, alice)


# ---------------------------------------------------------------- the value


def test_an_unverified_phone_says_so_and_shows_as_typed() -> None:
    phone = cg.Phone.parse(DESK, keep_unplaced=True)
    assert (phone.verified, phone.typed, phone.e164) == (False, DESK, UNVERIFIED_MARK + DESK)
    assert (str(phone), phone.national, phone.international) == (DESK, DESK, DESK)
    assert (phone.region, phone.country_code, phone.is_valid, phone.extension) == (
        None,
        0,
        False,
        None,
    )
    assert not phone.in_region("FR")
    assert phone.uri == "tel:0144274427"
    assert phone.place("FR") == cg.Phone("+33144274427")
    assert cg.Phone.parse(phone, "FR") == cg.Phone("+33144274427")
    assert cg.Phone.parse(phone) is phone


def test_without_keep_unplaced_national_text_is_still_refused() -> None:
    with pytest.raises(cg.InvalidValueError, match="no country code and no default region"):
        cg.Phone.parse(DESK)
    with pytest.raises(cg.InvalidValueError, match="no default region"):
        cg.Phone(DESK)


@pytest.mark.parametrize("text", ["abc", "+999 12", "", "1" * 70, "01 44\n27 44 27"])
def test_what_is_no_phone_at_all_is_refused_even_unplaced(text: str) -> None:
    with pytest.raises(cg.InvalidValueError):
        cg.Phone.parse(text, keep_unplaced=True)
    with pytest.raises(cg.InvalidValueError):
        cg.Phone(UNVERIFIED_MARK + text)


def test_a_number_with_a_country_code_is_never_unverified() -> None:
    assert cg.Phone.parse("+33 1 44 27 44 27", keep_unplaced=True).verified
    with pytest.raises(cg.InvalidValueError, match="can be placed"):
        cg.Phone.unverified("+33 1 44 27 44 27")


def test_placing_where_the_number_is_impossible_is_refused_or_kept() -> None:
    phone = cg.Phone.unverified("12")
    with pytest.raises(cg.InvalidValueError, match="possible"):
        phone.place("FR")
    assert phone.place("FR", strict=False) is phone
    assert cg.Phone.parse(phone.e164, "FR") == phone


@given(cgv.phones_with_region())
def test_unverified_phones_round_trip_and_place_as_parsing_would(pair: tuple[str, str]) -> None:
    text, region = pair
    phone = cg.Phone.parse(text, keep_unplaced=True)
    assert cg.Phone(phone.e164) == phone
    assert cg.Phone.trusted(phone.e164) == phone
    assert cg.Phone.parse(phone.e164) == phone
    if phone.verified:  # typed with its country code
        assert phone == cg.Phone.parse(text, region)
    else:
        assert phone.typed == text.strip()
        assert phone.place(region) == cg.Phone.parse(text, region)


# ------------------------------------------------------------ region order

_REGIONS = st.sampled_from([None, "FR", "US", "GB", "DE"])


@given(_REGIONS, _REGIONS, _REGIONS)
def test_region_for_takes_the_first_region_known(
    account: str | None, mailing: str | None, option: str | None
) -> None:
    known = [r for r in (account, mailing, option) if r]
    assert region_for(account, mailing, option) == (known[0] if known else None)


_COUNTRY = {None: "", "FR": "France", "US": "United States", "GB": "United Kingdom", "DE": "DE"}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(account=_REGIONS, mailing=_REGIONS, option=_REGIONS, text=cgv.phones("FR"))
def test_an_imported_contact_phone_is_read_in_account_then_mailing_then_option_region(
    tmp_path: Path, account: str | None, mailing: str | None, option: str | None, text: str
) -> None:
    folder = tmp_path / f"{account}-{mailing}-{option}-{abs(hash(text))}"
    folder.mkdir(exist_ok=True)
    with (folder / "Account.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [["Id", "Name", "BillingCountry"], ["A1", "ACME", _COUNTRY[account]]]
        )
    with (folder / "Contact.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [
                ["AccountId", "LastName", "Phone", "MailingCountry"],
                ["A1", "Martin", text, _COUNTRY[mailing]],
            ]
        )
    store = cg.open_store()
    report = import_csv(
        store,
        [folder / "Account.csv", folder / "Contact.csv"],
        options=ImportOptions(default_region=option, mode="partial"),
    )
    expected_region = region_for(account, mailing, option)
    try:
        expected = cg.Phone.parse(text, expected_region, keep_unplaced=True)
    except cg.InvalidValueError:
        assert report.of("Contact").failed == 1  # refused as before: impossible where it is read
        return
    (acme,) = list(store.accounts)
    (martin,) = acme.contacts.values()
    assert martin.phone == expected
    unverified_notes = [w for w in report.warnings if "no country" in w.reason]
    assert len(unverified_notes) == (0 if expected.verified else 1)


def test_a_later_import_that_knows_the_region_places_the_stored_number(tmp_path: Path) -> None:
    path = tmp_path / "Contact.csv"
    path.write_text(f"Id,LastName,Phone\r\n003A,Martin,{DESK}\r\n", encoding="utf-8")
    store = cg.open_store()
    first = import_csv(store, path, options=ImportOptions(orphan_account="Guests"))
    assert [w.field for w in first.warnings if "no country" in w.reason] == ["Phone"]
    path.write_text("Id,LastName,MailingCountry\r\n003A,Martin,France\r\n", encoding="utf-8")
    second = import_csv(store, path, options=ImportOptions(orphan_account="Guests"))
    assert second.ok
    (guests,) = list(store.accounts)
    (martin,) = guests.contacts.values()
    assert martin.phone == cg.Phone("+33144274427")


# ------------------------------------------------------ formats and stores


@pytest.mark.parametrize("trusted", [True, False])
def test_json_round_trip(trusted: bool) -> None:
    acme, alice = _acme()
    text = to_json(acme)
    assert json.loads(text)["contacts"][0]["phone"] == UNVERIFIED_MARK + DESK
    again = from_json(text, cg.Account, trusted=trusted)
    assert _phones(again, alice) == _expected()


def test_a_store_keeps_them(store: Any) -> None:
    acme, alice = _acme()
    store.accounts.add(acme)
    again = store.accounts.get(acme.id)
    assert _phones(again, alice) == _expected()
    assert not again.contact(alice).phone.verified


def test_data_loader_csv_round_trip(store: Any, new_store: Any, tmp_path: Path) -> None:
    acme, _ = _acme()
    store.accounts.add(acme)
    report = export_csv(store, tmp_path / "out")
    contacts_file = next(p for p in report.files if "Contact" in p.name)
    with contacts_file.open(encoding="utf-8", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert restore(row["Phone"]) == UNVERIFIED_MARK + DESK
    fresh = new_store()
    assert import_csv(fresh, report.files).ok
    (again,) = list(fresh.accounts)
    (contact,) = again.contacts.values()
    assert _phones(again, contact.id) == _expected()


def test_tree_json_round_trip(store: Any, new_store: Any, tmp_path: Path) -> None:
    acme, _ = _acme()
    store.accounts.add(acme)
    report = export_tree(store, tmp_path / "out")
    fresh = new_store()
    assert import_tree(fresh, report.files[0]).ok
    (again,) = list(fresh.accounts)
    (alice,) = again.contacts.values()
    assert _phones(again, alice.id) == _expected()


def test_vcard_writes_the_text_as_typed() -> None:
    acme, alice = _acme()
    card = vcard(acme.contact(alice), acme)
    assert f'TEL;VALUE=text;TYPE="work,voice";PREF=1:{DESK}\r\n' in card
    assert f'TEL;VALUE=text;TYPE="cell,voice":{MOBILE}\r\n' in card
    assert "TEL;VALUE=uri:tel:+33146000000\r\n" in card


def test_dataframes_round_trip() -> None:
    pytest.importorskip("pandas")
    from contactgraph.interop import frames

    acme, alice = _acme()
    df = frames.contacts_frame(acme)
    assert df.loc[alice, "Phone"] == UNVERIFIED_MARK + DESK
    emptied = acme.update_contact(alice, phone=None, mobile=None, alternate_phones=None)
    again = frames.contacts_from_frame(df, emptied)
    assert _phones(again, alice) == _expected()
    accounts = frames.accounts_frame([acme])
    (reread,) = frames.accounts_from_frame(accounts, [acme.update(phone=None)])
    assert reread.phone == acme.phone


@given(cgv.phones_with_region(), st.booleans())
def test_cached_parsing_agrees_with_libphonenumber_each_time(
    pair: tuple[str, str], national: bool
) -> None:
    from contactgraph.domain import phones

    text, region = pair
    wanted = region if national else None
    cached = phones._placed(text.strip(), wanted)
    assert phones._placed(text.strip(), wanted) == cached
    assert phones._placed.__wrapped__(text.strip(), wanted) == cached


def test_search_finds_an_unverified_phone_by_its_digits_never_by_the_mark(store: Any) -> None:
    acme = cg.Account.create(name="ACME SA", phone=cg.Phone.unverified("01 40 00 00 01"))
    acme, martin = acme.add_contact(last_name="Martin", phone=cg.Phone.unverified("01 44 27 44 27"))
    store.accounts.add(acme)
    assert [c.id for c in store.accounts.search("0144274427").contacts] == [martin.id]
    assert [a.id for a in store.accounts.search_accounts("0140000001").accounts] == [acme.id]
    assert store.accounts.search("unverified").total == 0
    assert store.accounts.search_accounts("verified").total == 0
