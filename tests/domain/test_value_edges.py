"""Edges of the value objects that mutation testing showed no test held."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contactgraph.domain import Address, Email, Money, PersonName, Phone
from contactgraph.errors import InvalidValueError


def test_an_empty_salutation_is_no_salutation() -> None:
    assert PersonName(last="Martin", salutation="").salutation is None
    assert PersonName(last="Martin", salutation=None).salutation is None


def test_a_state_alone_is_its_own_line() -> None:
    assert Address(state="CA").lines() == ["CA"]
    assert Address(city="Austin", state="TX").lines() == ["Austin, TX"]
    assert Address(postal_code="75001", city="Paris").lines() == ["75001 Paris"]


def test_a_phone_of_exactly_64_characters_is_read_and_65_are_refused() -> None:
    number = "+33 1 23 45 67 89"
    assert Phone.parse(number + " " * (64 - len(number))).e164 == "+33123456789"
    with pytest.raises(InvalidValueError, match="at most 64 characters") as info:
        Phone.parse(number + " " * (65 - len(number)), field="mobile")
    assert info.value.field == "mobile"


@pytest.mark.parametrize("value", [123, 3.5, None, ["+33123456789"]])
def test_a_phone_that_is_not_text_is_refused_naming_the_field(value: object) -> None:
    with pytest.raises(InvalidValueError) as info:
        Phone.parse(value, field="mobile")  # type: ignore[arg-type]
    assert (info.value.field, info.value.reason, info.value.value) == (
        "mobile",
        "must be text",
        value,
    )


def test_a_region_that_is_not_text_is_refused_naming_it() -> None:
    with pytest.raises(InvalidValueError) as info:
        Phone.parse("01 23 45 67 89", 33)  # type: ignore[arg-type]
    assert info.value.field == "phone_region"
    with pytest.raises(InvalidValueError) as info:
        Phone("+33123456789").in_region(33)  # type: ignore[arg-type]
    assert info.value.field == "region"


def test_the_email_key_lowers_ascii_only() -> None:
    assert Email("Kim@ACME.fr").key == "kim@acme.fr"
    assert Email("Élodie@acme.fr").key == "Élodie@acme.fr"
    assert Email("Kim@ACME.fr").match_key == Email("Kim@ACME.fr").key


@pytest.mark.parametrize(
    ("currency", "default"), [(978, "EUR"), (None, None), ("", 5), ("EURO", "EUR")]
)
def test_a_currency_that_is_not_a_code_is_refused_naming_it(
    currency: object, default: object
) -> None:
    with pytest.raises(InvalidValueError) as info:
        Money.parse("12", currency, default_currency=default)  # type: ignore[arg-type]
    assert info.value.field == "currency"


def test_no_currency_takes_the_default() -> None:
    assert Money.parse("12", None) == Money(Decimal("12"), "EUR")
    assert Money.parse("12", " usd ").currency == "USD"
