"""One number however it was written: with an extension, unverified, or bare (issue 11)."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

import contactgraph as cg
from contactgraph.errors import InvalidValueError

_TYPES = (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE)


def _examples() -> list[phonenumbers.PhoneNumber]:
    found = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in _TYPES:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                found.append(number)
    return found


EXAMPLES = _examples()


@given(
    number=st.sampled_from(EXAMPLES),
    extension=st.from_regex(r"[0-9]{1,6}", fullmatch=True),
    other=st.from_regex(r"[0-9]{1,6}", fullmatch=True),
)
def test_a_number_is_itself_with_an_extension_unverified_or_bare(
    number: phonenumbers.PhoneNumber, extension: str, other: str
) -> None:
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    bare = cg.Phone(e164)
    desk = cg.Phone(f"{e164};ext={extension}")
    typed = cg.Phone.unverified(national)
    assert bare.national_digits == desk.national_digits == str(number.national_number)
    for a, b in ((bare, desk), (bare, typed), (desk, typed)):
        assert a.same_number(b)
        assert b.same_number(a)
        assert a.same_number(a)
    other_line = cg.Phone(f"{e164};ext={other}")
    assert desk.same_number(other_line) is (other == extension)


@given(number=st.sampled_from(EXAMPLES), digit=st.integers(0, 9))
def test_another_number_is_another_number_however_written(
    number: phonenumbers.PhoneNumber, digit: int
) -> None:
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    changed = e164[:-1] + str(digit)
    if changed == e164:
        return
    bare, other = cg.Phone(e164), cg.Phone.trusted(changed)
    assert not bare.same_number(other)
    assert not cg.Phone.unverified(bare.national).same_number(other)


def test_every_example_number_written_nationally_is_its_e164() -> None:
    """All of them, not a sample: national prefix rules differ region by region."""
    for number in EXAMPLES:
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        typed = cg.Phone.unverified(national)
        assert typed.same_number(cg.Phone(e164)), (national, e164)
        assert cg.Phone(e164).same_number(typed), (national, e164)


@pytest.mark.parametrize(
    ("typed", "verified"),
    [
        ("011 15-2345-6789", "+5491123456789"),  # Buenos Aires mobile: 15 becomes the 9
        ("(0351) 15 234-5678", "+5493512345678"),  # Córdoba: the same transform, a 3-digit area
        ("011 15 2345 6789 int. 12", "+5491123456789;ext=12"),  # an extension typed after it
    ],
)
def test_national_prefix_transforms_are_read_in_the_verified_numbers_region(
    typed: str, verified: str
) -> None:
    assert cg.Phone.unverified(typed).same_number(cg.Phone(verified))
    assert cg.Phone(verified).same_number(cg.Phone.unverified(typed))


def test_a_transformed_national_form_of_another_number_is_not_claimed() -> None:
    mobile = cg.Phone("+5491123456789")
    assert not cg.Phone.unverified("011 15-2345-6780").same_number(mobile)
    assert not cg.Phone.unverified("011 15-2345-6789").same_number(cg.Phone("+5491123456780"))


def test_a_calling_code_tells_two_countries_apart_when_both_are_known() -> None:
    paris, elsewhere = cg.Phone("+33144274427"), cg.Phone.trusted("+44144274427")
    assert paris.national_digits == elsewhere.national_digits
    assert not paris.same_number(elsewhere)
    typed = cg.Phone.unverified("01 44 27 44 27")
    assert typed.same_number(paris)
    assert typed.same_number(elsewhere)


@pytest.mark.parametrize(
    ("typed", "verified"),
    [
        ("1 212 555 0100", "+12125550100"),  # a North American trunk 1
        ("8 495 123 45 67", "+74951234567"),  # a Russian trunk 8
        ("06 1234 5678", "+390612345678"),  # an Italian leading zero is part of the number
        ("01 44 27 44 27 (standard)", "+33144274427"),  # a note after the number
    ],
)
def test_trunk_prefixes_and_notes_are_read_around_the_number(typed: str, verified: str) -> None:
    assert cg.Phone.unverified(typed).same_number(cg.Phone(verified))


@pytest.mark.parametrize(
    ("typed", "verified"),
    [
        ("27 44 27", "+33144274427"),  # a local number without its area code: too short
        ("444 1 44 27 44 27", "+33144274427"),  # three digits more than a trunk prefix
    ],
)
def test_a_number_missing_more_than_a_trunk_prefix_is_not_claimed(
    typed: str, verified: str
) -> None:
    assert not cg.Phone.unverified(typed).same_number(cg.Phone(verified))


def test_only_a_phone_is_compared_and_the_argument_is_named() -> None:
    with pytest.raises(InvalidValueError) as refused:
        cg.Phone("+33144274427").same_number("+33144274427")  # type: ignore[arg-type]
    assert refused.value.field == "other"


def _fixed_and_mobile() -> list[tuple[phonenumbers.PhoneNumber, phonenumbers.PhoneNumber]]:
    """Per region, its example landline and mobile when they are two numbers."""
    pairs = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        fixed, mobile = (phonenumbers.example_number_for_type(region, kind) for kind in _TYPES)
        if fixed is not None and mobile is not None and fixed != mobile:
            pairs.append((fixed, mobile))
    return pairs


def test_a_landline_written_nationally_is_never_the_regions_mobile_nor_the_reverse() -> None:
    """All regions: digits in front of another number's are a trunk prefix only when typed.

    The Argentine landline ``011 2345-6789`` is ``1123456789`` nationally; the
    mobile ``+54 9 11 2345-6789`` is ``91123456789``: one digit more, but on
    the verified side, and ``9`` is not Argentina's trunk prefix (``0``).
    """
    for fixed, mobile in _fixed_and_mobile():
        for typed, known in ((fixed, mobile), (mobile, fixed)):
            national = phonenumbers.format_number(typed, phonenumbers.PhoneNumberFormat.NATIONAL)
            e164 = phonenumbers.format_number(known, phonenumbers.PhoneNumberFormat.E164)
            unverified = cg.Phone.unverified(national)
            assert not unverified.same_number(cg.Phone(e164)), (national, e164)
            assert not cg.Phone(e164).same_number(unverified), (national, e164)


@pytest.mark.parametrize(
    ("typed", "verified"),
    [
        ("011 2345-6789", "+5491123456789"),  # a Buenos Aires landline is not its mobile
        ("9 11 2345 6789", "+541123456789"),  # a mobile's 9 is no trunk prefix of the landline
        ("91 44 27 44 27", "+33144274427"),  # nor any digit France does not dial in front
    ],
)
def test_digits_in_front_that_are_no_trunk_prefix_of_the_region_are_another_number(
    typed: str, verified: str
) -> None:
    assert not cg.Phone.unverified(typed).same_number(cg.Phone(verified))
    assert not cg.Phone(verified).same_number(cg.Phone.unverified(typed))


@pytest.mark.parametrize(
    ("typed", "verified"),
    [
        ("54 11 2345 6789", "+541123456789"),  # the calling code typed without its plus
        ("06 1 234 5678", "+3612345678"),  # a Hungarian trunk 06
        ("1 212 555 0100", "+12125550100"),
    ],
)
def test_a_trunk_prefix_or_calling_code_typed_in_front_is_the_same_number(
    typed: str, verified: str
) -> None:
    assert cg.Phone.unverified(typed).same_number(cg.Phone(verified))
    assert cg.Phone(verified).same_number(cg.Phone.unverified(typed))


def test_two_unverified_numbers_still_allow_a_trunk_prefix_either_way() -> None:
    bare, trunk = cg.Phone.unverified("212 555 0100"), cg.Phone.unverified("1 212 555 0100")
    assert bare.same_number(trunk)
    assert trunk.same_number(bare)
