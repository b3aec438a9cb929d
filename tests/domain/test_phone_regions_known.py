"""A stored number's region is never libphonenumber's unknown region ``"ZZ"``.

Why ``_home_region`` and ``Phone.in_region`` need no ``"ZZ"`` comparison:
``region_code_for_number`` answers a region of the calling code's list or
``None``; ``region_code_for_country_code`` answers ``"ZZ"`` only for a calling
code outside the library's table; and a number whose calling code is outside
it never parses, so no :class:`~contactgraph.Phone` holds one.
"""

from __future__ import annotations

import phonenumbers
from hypothesis import given
from hypothesis import strategies as st
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

import contactgraph as cg
from contactgraph.domain import phones
from contactgraph.errors import InvalidValueError

_KNOWN = sorted(COUNTRY_CODE_TO_REGION_CODE)


def _examples() -> list[str]:
    """Every region's example numbers of every type, and each non-geographic code's."""
    found: set[str] = set()
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                found.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        number = phonenumbers.example_number_for_non_geo_entity(code)
        if number is not None:
            found.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return sorted(found)


def test_no_calling_code_of_the_library_maps_to_the_unknown_region() -> None:
    assert "ZZ" not in {region for code in _KNOWN for region in COUNTRY_CODE_TO_REGION_CODE[code]}
    assert {phonenumbers.region_code_for_country_code(code) for code in _KNOWN} - {"ZZ"} == {
        phonenumbers.region_code_for_country_code(code) for code in _KNOWN
    }


@given(st.text("0123456789", min_size=2, max_size=17))
def test_a_number_parses_only_with_a_calling_code_the_library_knows(digits: str) -> None:
    try:
        phone = cg.Phone(f"+{digits}")
    except InvalidValueError:
        return
    assert phone.country_code in COUNTRY_CODE_TO_REGION_CODE
    assert phonenumbers.region_code_for_country_code(phone.country_code) != "ZZ"


def test_every_example_number_has_a_home_region_and_is_in_it() -> None:
    examples = _examples()
    assert len(examples) > 400
    for e164 in examples:
        phone = cg.Phone(e164)
        home = phones._home_region(phone.e164)
        assert home is not None
        assert home != "ZZ"
        assert phone.region != "ZZ"
        assert phone.in_region(phone.region or home)
        assert not phone.in_region("ZZ")


@given(
    code=st.sampled_from(_KNOWN),
    digits=st.text("0123456789", min_size=4, max_size=12),
    region=st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS | {"001", "ZZ"})),
)
def test_a_stored_number_is_in_its_own_region_else_in_every_region_of_its_code(
    code: int, digits: str, region: str
) -> None:
    """Assigned or not: the region it belongs to, else all of its calling code's (never "ZZ")."""
    try:
        phone = cg.Phone(f"+{code}{digits}")
    except InvalidValueError:
        return
    home = phones._home_region(phone.e164)
    assert home is not None
    assert home != "ZZ"
    own = phonenumbers.region_code_for_number(phonenumbers.parse(phone.e164, None))
    wanted = {own} if own is not None else set(COUNTRY_CODE_TO_REGION_CODE[phone.country_code])
    assert home in wanted or home == COUNTRY_CODE_TO_REGION_CODE[phone.country_code][0]
    assert phone.in_region(region) == (region in wanted)
    assert phone.in_region(region.lower()) == (region in wanted)
