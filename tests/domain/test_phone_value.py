"""Phone: possible numbers accepted (assigned or not), stored in E.164, shown two ways."""

from __future__ import annotations

import re

import phonenumbers
import pytest
from hypothesis import given

from contactgraph import InvalidValueError, Phone
from contactgraph.testing import strategies as cgst

E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")


def test_a_french_national_number_is_read_in_the_default_region() -> None:
    phone = Phone.parse("01 23 45 67 89", "FR")
    assert phone.e164 == "+33123456789"
    assert phone.national == "01 23 45 67 89"
    assert phone.international == "+33 1 23 45 67 89"
    assert str(phone) == "+33 1 23 45 67 89"
    assert phone.region == "FR"
    assert phone.country_code == 33


def test_the_region_is_case_insensitive() -> None:
    assert Phone.parse("01 23 45 67 89", "fr") == Phone.parse("01 23 45 67 89", "FR")


def test_an_international_number_ignores_the_default_region() -> None:
    assert Phone.parse("+44 20 7946 0958", "FR").region == "GB"


def test_a_us_number_shows_in_us_formats() -> None:
    phone = Phone.parse("(415) 555-0132", "US")
    assert phone.e164 == "+14155550132"
    assert phone.national == "(415) 555-0132"
    assert phone.international == "+1 415-555-0132"


def test_the_constructor_takes_international_numbers_only() -> None:
    assert Phone("+33 1 23 45 67 89").e164 == "+33123456789"
    with pytest.raises(InvalidValueError, match="no default region") as info:
        Phone("01 23 45 67 89")
    assert info.value.field == "phone"


def test_a_national_number_without_a_region_is_refused_with_a_hint() -> None:
    with pytest.raises(InvalidValueError, match="no country code and no default region") as info:
        Phone.parse("01 23 45 67 89", field="mobile")
    assert info.value.field == "mobile"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("12", "possible"),
        ("+33 1 23", "possible"),
        ("abc", "not a phone number"),
        ("", "cannot be empty"),
        ("1" * 70, "at most 64"),
        ("01 23 45\n67 89", "control character"),
        ("01 23 45 67 89\r", "control character"),
    ],
)
def test_impossible_or_hostile_numbers_are_refused(text: str, reason: str) -> None:
    with pytest.raises(InvalidValueError, match=reason) as info:
        Phone.parse(text, "FR", field="mobile")
    assert info.value.field == "mobile"


@pytest.mark.parametrize(
    ("text", "region", "written"),
    [
        ("+33 1 44 27 44 27 x123", None, "+33144274427;ext=123"),
        ("01 44 27 44 27 ext. 45", "FR", "+33144274427;ext=45"),
        ("+33 1 44 27 44 27 #12", None, "+33144274427;ext=12"),
        ("+33144274427;ext=7", None, "+33144274427;ext=7"),
        ("tel:+33144274427;ext=7", None, "+33144274427;ext=7"),
        ("(415) 555-0132 extension 9", "US", "+14155550132;ext=9"),
        ("+1 415 555 0132 x\u0661\u0662", None, "+14155550132;ext=12"),  # Arabic-Indic digits
    ],
)
def test_an_extension_is_kept_after_the_number_rfc_3966_style(
    text: str, region: str | None, written: str
) -> None:
    phone = Phone.parse(text, region)
    assert phone.e164 == written
    assert (phone.number, phone.extension) == tuple(written.split(";ext="))
    assert phone.uri == "tel:" + written
    assert Phone(phone.e164) == phone == Phone.trusted(written)
    assert str(phone).endswith(f" ext. {phone.extension}")
    assert phone.is_valid


def test_a_number_without_extension_has_none() -> None:
    phone = Phone("+33 1 44 27 44 27")
    assert (phone.e164, phone.number, phone.extension) == ("+33144274427",) * 2 + (None,)


def test_a_number_with_an_extension_is_another_line() -> None:
    assert Phone("+33144274427;ext=1") != Phone("+33144274427") != Phone("+33144274427;ext=2")


def test_an_overlong_extension_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="phone") as info:
        Phone.parse("+33 1 44 27 44 27 x123456789012345678901")
    assert info.value.field == "phone"


def test_a_possible_but_unassigned_number_is_accepted_and_flagged_not_valid() -> None:
    phone = Phone.parse("9264429205", "US")  # area code 926 is not assigned
    assert phone.e164 == "+19264429205"
    assert not phone.is_valid
    assert phone.region is None
    assert phone.in_region("US")
    assert not phone.in_region("FR")


def test_an_assigned_number_is_valid_and_in_its_own_region_only() -> None:
    phone = Phone.parse("5624081052", "US")
    assert phone.is_valid
    assert phone.in_region("us")
    assert not phone.in_region("CA")


def test_a_trusted_phone_is_rebuilt_without_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    validated = Phone.parse("01 23 45 67 89", "FR")

    def must_not_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("trusted() parsed again")

    monkeypatch.setattr(phonenumbers, "parse", must_not_parse)
    assert Phone.trusted("+33123456789") == validated


def test_parse_returns_a_phone_unchanged() -> None:
    phone = Phone.parse("01 23 45 67 89", "FR")
    assert Phone.parse(phone) is phone
    assert Phone(phone) == phone


@given(cgst.phones_with_region())
def test_any_accepted_number_round_trips_through_e164(typed: tuple[str, str]) -> None:
    text, region = typed
    phone = Phone.parse(text, region)
    assert E164.match(phone.e164)
    assert Phone(phone.e164) == phone
    assert Phone.parse(phone.international) == phone
    assert Phone.parse(phone.national, region) == phone
