"""Edges of ``Phone`` that ``./dev mutate`` on domain/phones.py found unguarded.

Each test pins one promise a surviving mutant broke: the fields a refusal
names, ``place``'s strict default, that an unverified number is in no region,
the trunk-prefix bounds between two unverified numbers, and numbers no region
claims (unassigned ones read in their calling code's main region).
"""

from __future__ import annotations

import pytest

import contactgraph as cg
from contactgraph.errors import InvalidValueError


def test_same_number_names_what_is_not_a_phone() -> None:
    with pytest.raises(InvalidValueError) as refused:
        cg.Phone("+33144274427").same_number("+33144274427")  # type: ignore[arg-type]
    assert (refused.value.field, refused.value.value) == ("other", "+33144274427")
    assert "must be a Phone" in str(refused.value)


def test_place_is_strict_by_default_and_names_the_phone() -> None:
    short = cg.Phone.unverified("12")
    with pytest.raises(InvalidValueError) as refused:
        short.place("FR")
    assert (refused.value.field, refused.value.value) == ("phone", "12")
    assert "not a possible phone number" in str(refused.value)
    assert short.place("FR", strict=False) is short


@pytest.mark.parametrize("region", [33, None, b"FR"])
def test_place_and_in_region_name_a_region_that_is_not_text(region: object) -> None:
    for call in (cg.Phone.unverified("01 44 27 44 27").place, cg.Phone("+33144274427").in_region):
        with pytest.raises(InvalidValueError) as refused:
            call(region)  # type: ignore[arg-type]
        assert (refused.value.field, refused.value.value) == ("region", region)
        assert "ISO 3166 alpha-2" in str(refused.value)


def test_an_unverified_number_is_in_no_region() -> None:
    typed = cg.Phone.unverified("01 44 27 44 27")
    assert not typed.in_region("FR")
    assert typed.place("FR").in_region("FR")


def test_two_unverified_numbers_compare_by_digits_within_the_trunk_bounds() -> None:
    same = cg.Phone.unverified("01 44 27 44 27")
    assert same.same_number(cg.Phone.unverified("(01) 44.27.44.27"))
    assert same.same_number(same)
    assert not same.same_number(cg.Phone.unverified("01 44 27 44 28"))
    # a trunk prefix is at most two digits, before at least six
    assert cg.Phone.unverified("12 212 555 0100").same_number(cg.Phone.unverified("212 555 0100"))
    assert not cg.Phone.unverified("123 212 555 0100").same_number(
        cg.Phone.unverified("212 555 0100")
    )
    assert not cg.Phone.unverified("1 23456").same_number(cg.Phone.unverified("23456"))
    assert cg.Phone.unverified("1 234567").same_number(cg.Phone.unverified("234567"))
    # digits elsewhere than in front are another number
    assert not cg.Phone.unverified("212 555 0100 1").same_number(
        cg.Phone.unverified("212 555 0100")
    )


def test_an_unassigned_number_is_read_in_its_calling_codes_main_region() -> None:
    """``+7 123…`` is possible but in no region: dialled nationally it is Russia's, trunk 8."""
    unassigned = cg.Phone("+71234567890")
    assert not unassigned.is_valid
    assert unassigned.in_region("RU")
    assert unassigned.in_region("KZ")  # every region of its calling code
    assert not unassigned.in_region("FR")
    assert cg.Phone.unverified("8 123 456-78-90").same_number(unassigned)
    assert cg.Phone.unverified("8 (123) 456-78-90").same_number(unassigned)
    assert not cg.Phone.unverified("9 123 456-78-90").same_number(unassigned)


def test_a_calling_code_typed_without_its_plus_is_matched_without_parsing() -> None:
    """libphonenumber reads ``7 123…`` in Russia as no number (it is unassigned), so only the
    digits typed in front tell it is ``+7 123…``; and only those, not any digits."""
    unassigned = cg.Phone("+71234567890")
    assert cg.Phone.unverified("7 123 456-78-90").same_number(unassigned)
    assert unassigned.same_number(cg.Phone.unverified("7 (123) 456 78 90"))
    assert not cg.Phone.unverified("77 123 456-78-90").same_number(unassigned)
    assert not cg.Phone.unverified("123 456-78-90 7").same_number(unassigned)


def test_the_stored_unverified_form_is_read_back_and_placed_when_a_region_is_given() -> None:
    kept = cg.Phone("unverified:01 44 27 44 27")
    assert (kept.verified, kept.typed) == (False, "01 44 27 44 27")
    assert cg.Phone.parse("unverified:01 44 27 44 27").typed == "01 44 27 44 27"
    assert cg.Phone.parse("unverified:01 44 27 44 27", "FR").e164 == "+33144274427"
    assert cg.Phone.parse("unverified:12", "FR").e164 == "unverified:12"  # not possible there


def test_an_unverified_phone_given_to_parse_with_a_region_is_placed_if_it_can_be() -> None:
    assert cg.Phone.parse(cg.Phone.unverified("01 44 27 44 27"), "FR").e164 == "+33144274427"
    assert cg.Phone.parse(cg.Phone.unverified("12"), "FR").e164 == "unverified:12"
    assert cg.Phone.parse(cg.Phone.unverified("12")).e164 == "unverified:12"


def test_unverified_numbers_whose_digits_cannot_be_read_are_never_the_same() -> None:
    """National digits stop where the number text does: ``Tel 01…`` has none to compare."""
    tel, fax = cg.Phone.unverified("Tel 01 44 27 44 27"), cg.Phone.unverified("Fax 01 44 27 44 27")
    assert tel.national_digits == ""
    assert not tel.same_number(fax)


def test_a_six_digit_number_matches_its_calling_code_typed_in_front() -> None:
    """Andorra's numbers have six national digits: the least a prefix may stand before."""
    andorra = cg.Phone("+376712345")
    assert andorra.national_digits == "712345"
    assert cg.Phone.unverified("376 712 345").same_number(andorra)
    assert andorra.same_number(cg.Phone.unverified("376 712 345"))
    assert not cg.Phone.unverified("377 712 345").same_number(andorra)


def test_a_number_is_read_in_its_own_region_not_its_calling_codes_main_one() -> None:
    """Barbados (+1 246) is dialled locally in seven digits: its metadata puts 246 in front,
    the United States' (the main region of +1) reads no such number."""
    barbados = cg.Phone("+12464123456")
    assert cg.Phone.unverified("412 3456").same_number(barbados)
    assert not cg.Phone.unverified("412 3456").same_number(cg.Phone("+12124123456"))
