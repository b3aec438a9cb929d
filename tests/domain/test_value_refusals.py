"""Every refusal of a value object says why, names its field and keeps the value it refused.

Import row reports print all three, so each is asserted whole: a refusal that
loses its field or its value, or says something else, fails here (mutation
testing, `./dev mutate`, found refusals that only a type check held).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import phonenumbers
import pytest

from contactgraph.domain import (
    Address,
    DecisionRole,
    Email,
    PersonName,
    Phone,
    Salutation,
)
from contactgraph.domain.email_syntax import EmailNotValidError, normalized
from contactgraph.domain.values import parse_date
from contactgraph.errors import InvalidValueError

SALUTATIONS = "Mr., Ms., Mrs., Mx., Dr., Prof."
ROLES = (
    "Business User, Decision Maker, Economic Buyer, Economic Decision Maker, Evaluator,"
    " Executive Sponsor, Influencer, Technical Buyer, Other"
)


def _refusal(build: Callable[[], object]) -> tuple[str, str | None, object]:
    with pytest.raises(InvalidValueError) as info:
        build()
    return info.value.reason, info.value.field, info.value.value


def _phone_error(text: str, region: str | None) -> str:
    with pytest.raises(phonenumbers.NumberParseException) as info:
        phonenumbers.parse(text, region)
    return str(info.value)


def _email_error(text: str) -> str:
    with pytest.raises(EmailNotValidError) as info:
        normalized(text)
    return str(info.value)


LONG_EMAIL = "a" * 250 + "@acme.fr"

REFUSALS: dict[str, tuple[Callable[[], object], tuple[str, str | None, object]]] = {
    "email not text": (lambda: Email(42), ("must be text", "email", 42)),  # type: ignore[arg-type]
    "email too long": (
        lambda: Email(LONG_EMAIL),
        ("an email address has at most 254 characters", "email", LONG_EMAIL),
    ),
    "email blank": (lambda: Email("   "), ("an email address cannot be empty", "email", "   ")),
    "email no at": (
        lambda: Email("alice.acme.fr"),
        (f"not a valid email address: {_email_error('alice.acme.fr')}", "email", "alice.acme.fr"),
    ),
    "phone not text": (lambda: Phone(42), ("must be text", "phone", 42)),  # type: ignore[arg-type]
    "phone parse not text": (
        lambda: Phone.parse(123, field="mobile"),  # type: ignore[arg-type]
        ("must be text", "mobile", 123),
    ),
    "phone parse not text, blank field": (
        lambda: Phone.parse(123, field=""),  # type: ignore[arg-type]
        ("must be text", "phone", 123),
    ),
    "phone too long": (
        lambda: Phone.parse("1" * 65, "FR", field="mobile"),
        ("a phone number has at most 64 characters", "mobile", "1" * 65),
    ),
    "phone blank": (
        lambda: Phone.parse("  ", "FR", field="mobile"),
        ("a phone number cannot be empty", "mobile", "  "),
    ),
    "phone longer than 64 once in NFC": (  # U+0958 is two characters in NFC
        lambda: Phone.parse("1" + "\u0958" * 32, "FR", field="mobile"),
        ("longer than 64 characters", "mobile", "1" + "\u0958" * 32),
    ),
    "phone region not text": (
        lambda: Phone.parse("01 23 45 67 89", 33, field="mobile"),  # type: ignore[arg-type]
        ("a default region is an ISO 3166 alpha-2 code such as 'FR'", "phone_region", 33),
    ),
    "phone region too long": (
        lambda: Phone.parse("01 23 45 67 89", "FRAN"),
        ("a default region is an ISO 3166 alpha-2 code such as 'FR'", "phone_region", "FRAN"),
    ),
    "phone letters with a region": (
        lambda: Phone.parse("abc", "FR", field="mobile"),
        (f"not a phone number: {_phone_error('abc', 'FR')}", "mobile", "abc"),
    ),
    "phone letters after a plus": (
        lambda: Phone.parse("+abc", field="mobile"),
        (f"not a phone number: {_phone_error('+abc', None)}", "mobile", "+abc"),
    ),
    "phone national without a region": (
        lambda: Phone.parse("01 23 45 67 89", field="mobile"),
        (
            f"not a phone number: {_phone_error('01 23 45 67 89', None)}"
            " (no country code and no default region)",
            "mobile",
            "01 23 45 67 89",
        ),
    ),
    "phone too short": (
        lambda: Phone.parse("12", "FR", field="mobile"),
        ("not a possible phone number", "mobile", "12"),
    ),
    "unverified phone not text": (
        lambda: Phone.unverified(42, field="mobile"),  # type: ignore[arg-type]
        ("must be text", "mobile", 42),
    ),
    "unverified phone not text, blank field": (
        lambda: Phone.unverified(42, field=""),  # type: ignore[arg-type]
        ("must be text", "phone", 42),
    ),
    "unverified phone too long": (
        lambda: Phone.unverified("1" * 65, field="mobile"),
        ("a phone number has at most 64 characters", "mobile", "1" * 65),
    ),
    "unverified phone longer than 64 once in NFC": (  # U+0958 is two characters in NFC
        lambda: Phone.unverified("1" + "\u0958" * 32, field="mobile"),
        ("longer than 64 characters", "mobile", "1" + "\u0958" * 32),
    ),
    "unverified phone on two lines": (
        lambda: Phone.unverified("01\n44", field="mobile"),
        ("control character U+000A is not allowed in a single-line field", "mobile", "01\n44"),
    ),
    "unverified phone blank": (
        lambda: Phone.unverified("   ", field="mobile"),
        ("a phone number cannot be empty", "mobile", "   "),
    ),
    "unverified phone letters": (
        lambda: Phone.unverified("abc", field="mobile"),
        (f"not a phone number: {_phone_error('abc', None)}", "mobile", "abc"),
    ),
    "unverified phone letters, default field": (
        lambda: Phone.unverified("abc"),
        (f"not a phone number: {_phone_error('abc', None)}", "phone", "abc"),
    ),
    "stored unverified phone too long": (
        lambda: Phone.parse("unverified:" + "1" * 65, field="mobile"),
        ("a phone number has at most 64 characters", "mobile", "1" * 65),
    ),
    "stored unverified phone blank": (
        lambda: Phone.parse("unverified: ", "FR", field="mobile"),
        ("a phone number cannot be empty", "mobile", " "),
    ),
    "unverified phone placed in a region not text": (
        lambda: Phone.unverified("01 44 27 44 27").place(33),  # type: ignore[arg-type]
        ("must be an ISO 3166 alpha-2 code", "region", 33),
    ),
    "phone compared with no phone": (
        lambda: Phone("+33144274427").same_number("+33144274427"),  # type: ignore[arg-type]
        ("must be a Phone", "other", "+33144274427"),
    ),
    "phone kept unplaced is still one number": (
        lambda: Phone.parse("1", keep_unplaced=True, field="mobile"),
        (
            f"not a phone number: {_phone_error('1', None)} (no country code and no default region)",
            "mobile",
            "1",
        ),
    ),
    "phone kept unplaced in an unknown region": (
        lambda: Phone.parse("01 44 27 44 27", "XX", keep_unplaced=True, field="mobile"),
        (f"not a phone number: {_phone_error('01 44 27 44 27', 'XX')}", "mobile", "01 44 27 44 27"),
    ),
    "unverified phone with a country code": (
        lambda: Phone.unverified("+33 1 44 27 44 27", field="mobile"),
        (
            "an unverified phone has no country code (this one can be placed: parse it)",
            "mobile",
            "+33 1 44 27 44 27",
        ),
    ),
    "phone region to test not text": (
        lambda: Phone("+33123456789").in_region(33),  # type: ignore[arg-type]
        ("must be an ISO 3166 alpha-2 code", "region", 33),
    ),
    "last name missing": (
        lambda: PersonName(last=None),  # type: ignore[arg-type]
        ("a contact needs a last name", "last_name", None),
    ),
    "last name blank": (
        lambda: PersonName(last="  "),
        ("a contact needs a last name", "last_name", "  "),
    ),
    "street not text": (lambda: Address(street=12), ("must be text", "street", 12)),  # type: ignore[arg-type]
    "date not a date": (
        lambda: parse_date("31/12/2027", "close_date"),
        ("must be a date (YYYY-MM-DD)", "close_date", "31/12/2027"),
    ),
    "date of another type": (
        lambda: parse_date(20271231, "close_date"),
        ("must be a date (YYYY-MM-DD)", "close_date", 20271231),
    ),
    "date too long": (
        lambda: parse_date("2027-12-31".ljust(65), "close_date"),
        ("must be a date (YYYY-MM-DD)", "close_date", "2027-12-31".ljust(65)),
    ),
    "date without a field name": (
        lambda: parse_date("soon", ""),
        ("must be a date (YYYY-MM-DD)", "date", "soon"),
    ),
    "date with a field name that is no text": (
        lambda: parse_date("soon", 5),  # type: ignore[arg-type]
        ("must be a date (YYYY-MM-DD)", "date", "soon"),
    ),
    "decision role, field name no text": (
        lambda: DecisionRole.parse("Boss", field=5),  # type: ignore[arg-type]
        (f"unknown decision role; use one of {ROLES}", "decision_role", "Boss"),
    ),
    "phone parse not text, field name no text": (
        lambda: Phone.parse(123, field=5),  # type: ignore[arg-type]
        ("must be text", "phone", 123),
    ),
    "email padded past four times its bound": (
        lambda: Email("alice@acme.fr" + " " * 1004),
        ("longer than 254 characters", "email", "alice@acme.fr" + " " * 1004),
    ),
    "decision role too long": (
        lambda: DecisionRole.parse("x" * 81),
        ("longer than 80 characters", "decision_role", "x" * 81),
    ),
    "salutation too long": (
        lambda: Salutation.parse("x" * 41),
        ("longer than 40 characters", "salutation", "x" * 41),
    ),
    "salutation unknown": (
        lambda: Salutation.parse("Sir"),
        (
            f"unknown salutation; use one of {SALUTATIONS} (or M., Mme, Mlle, Dr, Pr)",
            "salutation",
            "Sir",
        ),
    ),
    "salutation in a name": (
        lambda: PersonName(last="Martin", salutation="Sir"),
        (
            f"unknown salutation; use one of {SALUTATIONS} (or M., Mme, Mlle, Dr, Pr)",
            "salutation",
            "Sir",
        ),
    ),
    "decision role unknown": (
        lambda: DecisionRole.parse("Boss", field="role"),
        (f"unknown decision role; use one of {ROLES}", "role", "Boss"),
    ),
    "decision role not text": (
        lambda: DecisionRole.parse(3),  # type: ignore[arg-type]
        (f"unknown decision role; use one of {ROLES}", "decision_role", 3),
    ),
    "decision role, blank field": (
        lambda: DecisionRole.parse("Boss", field=""),
        (f"unknown decision role; use one of {ROLES}", "decision_role", "Boss"),
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_refusal_says_why_names_the_field_and_keeps_the_value(case: str) -> None:
    build, expected = REFUSALS[case]
    assert _refusal(build) == expected


@pytest.mark.parametrize(
    ("text", "salutation"),
    [("Dr .", Salutation.DR), ("  mrs. ", Salutation.MRS), ("Mx", Salutation.MX)],
)
def test_a_salutation_is_read_past_its_dot_and_spaces(text: str, salutation: Salutation) -> None:
    assert Salutation.parse(text) is salutation


def test_a_decision_role_of_80_characters_is_judged_by_name() -> None:
    assert _refusal(lambda: DecisionRole.parse("x" * 80))[0].startswith("unknown decision role")
    assert DecisionRole.parse("Economic Buyer".ljust(80)) is DecisionRole.ECONOMIC_BUYER


def test_a_phone_of_64_characters_is_read_whatever_the_field() -> None:
    text = "+33 1 23 45 67 89".ljust(64)
    assert Phone.parse(text, field="mobile").e164 == "+33123456789"
    assert Phone(text).e164 == "+33123456789"


def test_an_unverified_phone_of_64_characters_is_kept_whatever_the_field() -> None:
    text = "01 44 27 44 27".ljust(64)
    assert Phone.unverified(text, field="mobile").typed == "01 44 27 44 27"
    assert Phone.unverified("1" * 64).typed == "1" * 64


def test_a_region_of_three_letters_reaches_the_parser() -> None:
    """Three characters is the bound (``len > 3`` is refused); libphonenumber judges the rest."""
    assert _refusal(lambda: Phone.parse("01 23 45 67 89", "FRA"))[1] == "phone"
    assert Phone.parse("+33 1 23 45 67 89", "FRA").e164 == "+33123456789"


def test_an_extension_is_read_in_ascii_digits_and_bounded_at_20() -> None:
    assert Phone.parse("+33144274427;ext=" + "1" * 20).extension == "1" * 20
    assert Phone.parse("+33 1 44 27 44 27 x\u0663").extension == "3"


@pytest.mark.parametrize("extension", ["1" * 21, "x"])
def test_an_extension_libphonenumber_would_let_through_is_still_bounded(
    extension: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """libphonenumber stops at 20 digits today; the bound holds if a release reads more."""
    real = phonenumbers.parse

    def lenient(text: str, region: str | None) -> phonenumbers.PhoneNumber:
        number = real("+33 1 44 27 44 27", None)
        number.extension = extension
        return number

    monkeypatch.setattr(phonenumbers, "parse", lenient)
    assert _refusal(lambda: Phone.parse("+33 1 44 27 44 27 x1", field="mobile")) == (
        "a phone extension has 1 to 20 digits",
        "mobile",
        "+33 1 44 27 44 27 x1",
    )


def test_the_international_display_of_an_extension() -> None:
    phone = Phone.parse("+33 1 44 27 44 27 x123")
    assert phone.international == "+33 1 44 27 44 27 ext. 123"
    assert phone.national == "01 44 27 44 27 ext. 123"
    assert (phone.region, phone.country_code) == ("FR", 33)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        (date(2027, 3, 31), date(2027, 3, 31)),
        (datetime(2027, 3, 31, 23, 59), date(2027, 3, 31)),
        ("2027-03-31", date(2027, 3, 31)),
        (" 2027-03-31T10:00:00+02:00 ", date(2027, 3, 31)),
        ("2027-03-31".ljust(64), date(2027, 3, 31)),
    ],
)
def test_a_date_is_read_from_a_date_a_day_or_a_timestamp(value: object, expected: object) -> None:
    assert parse_date(value, "close_date") == expected
    assert type(parse_date(value, "close_date")) is type(expected)


def test_an_address_without_a_street_has_only_its_locality_and_country() -> None:
    assert Address(city="Paris", country="France").lines() == ["Paris", "France"]
    assert Address(postal_code="75002", state="IDF").lines() == ["75002, IDF"]
    assert str(Address(state="CA", country="USA")) == "CA, USA"
    assert Address().lines() == []
    assert Address(street="12 rue de la Paix").lines() == ["12 rue de la Paix"]


def test_a_trusted_address_is_the_address_it_was() -> None:
    parts = {
        "street": "1 Main St\nSuite 400",
        "city": "Austin",
        "state": "TX",
        "postal_code": "78701",
        "country": "USA",
    }
    rebuilt = Address.trusted(**parts)
    assert rebuilt == Address(**parts)
    assert [getattr(rebuilt, part) for part in parts] == list(parts.values())
    assert Address.trusted() == Address()
