"""DecisionRole, Address and the country-to-region lookup."""

from __future__ import annotations

import pytest

from contactgraph import Address, DecisionRole, InvalidValueError
from contactgraph.domain import region_of_country


@pytest.mark.parametrize(
    "text",
    ["Economic Buyer", "economic buyer", "ECONOMIC_BUYER", "economic-buyer", " Economic  Buyer "],
)
def test_a_decision_role_parses_from_loose_spellings(text: str) -> None:
    assert DecisionRole.parse(text) is DecisionRole.ECONOMIC_BUYER


def test_every_salesforce_contact_role_exists() -> None:
    assert {r.value for r in DecisionRole} == {
        "Business User",
        "Decision Maker",
        "Economic Buyer",
        "Economic Decision Maker",
        "Evaluator",
        "Executive Sponsor",
        "Influencer",
        "Technical Buyer",
        "Other",
    }


def test_only_deciding_roles_decide() -> None:
    deciding = {r for r in DecisionRole if r.decides}
    assert deciding == {
        DecisionRole.DECISION_MAKER,
        DecisionRole.ECONOMIC_BUYER,
        DecisionRole.ECONOMIC_DECISION_MAKER,
        DecisionRole.EXECUTIVE_SPONSOR,
    }


@pytest.mark.parametrize("bad", ["Boss", "", "Decision\nMaker", 3, None])
def test_an_unknown_decision_role_is_refused(bad: object) -> None:
    with pytest.raises(InvalidValueError) as info:
        DecisionRole.parse(bad)  # type: ignore[arg-type]
    assert info.value.field == "decision_role"


def test_an_address_displays_as_lines() -> None:
    address = Address(
        street="12 rue de la Paix\nBâtiment B", city="Paris", postal_code="75002", country="France"
    )
    assert address.lines() == ["12 rue de la Paix", "Bâtiment B", "75002 Paris", "France"]
    assert str(address) == "12 rue de la Paix, Bâtiment B, 75002 Paris, France"
    assert address.region == "FR"


def test_a_us_address_puts_the_state_after_the_city() -> None:
    address = Address(city="San Francisco", state="CA", postal_code="94105", country="USA")
    assert address.lines() == ["94105 San Francisco, CA", "USA"]
    assert address.region == "US"


def test_a_street_keeps_its_lines_and_drops_blank_ones() -> None:
    assert Address(street="1 Main St\r\n\r\nSuite 400").street == "1 Main St\nSuite 400"


def test_postal_codes_keep_their_leading_zeros() -> None:
    assert Address(postal_code="01000").postal_code == "01000"


@pytest.mark.parametrize("part", ["city", "state", "postal_code", "country"])
def test_address_parts_are_single_lines(part: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        Address(**{part: "Paris\nCedex"})
    assert info.value.field == part


def test_a_street_refuses_other_control_characters() -> None:
    with pytest.raises(InvalidValueError, match="U\\+0000") as info:
        Address(street="12 rue\x00 de la Paix")
    assert info.value.field == "street"


def test_an_address_of_blanks_is_empty() -> None:
    assert Address(city="  ", country="").is_empty
    assert not Address(city="Lyon").is_empty


@pytest.mark.parametrize(
    ("country", "region"),
    [
        ("France", "FR"),
        ("FRANCE", "FR"),
        ("fr", "FR"),
        ("République française", "FR"),
        ("Deutschland", "DE"),
        ("United States", "US"),
        ("U.S.A.", "US"),
        ("royaume-uni", "GB"),
        ("Suisse", "CH"),
        ("Narnia", None),
        ("ZZ", None),
        ("", None),
        (None, None),
    ],
)
def test_a_country_gives_its_region(country: str | None, region: str | None) -> None:
    assert region_of_country(country) == region
