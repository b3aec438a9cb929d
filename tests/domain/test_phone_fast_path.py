"""Plain national phone text read without ``phonenumbers.parse`` gives what ``parse`` gives.

:func:`contactgraph.domain.phones._national_fast` reads digits and the usual
separators in a region for imports (most of a file's numbers); whatever it returns
must be the general path's E.164, in every region libphonenumber knows, for
realistic numbers (each region's examples of every type, national format, with
digits changed, added or dropped, and separators moved) and for random digit text.
"""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contactgraph.domain import Phone, national_phones
from contactgraph.domain.phones import _national_fast, _placed, _placed_slow

REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
_TYPES = [
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.VOIP,
]


def _examples() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for region in REGIONS:
        for kind in _TYPES:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
                found.append((region, text))
    return found


EXAMPLES = _examples()
_separators = st.sampled_from(["", "", " ", "-", ".", "(", ")"])


@st.composite
def _national_texts(draw: st.DrawFn) -> tuple[str, str]:
    """A region's example number in national format, its digits edited, maybe written after
    its calling code (no plus sign), its separators moved."""
    region, text = draw(st.sampled_from(EXAMPLES))
    digits = [ch for ch in text if ch.isdigit()]
    for _ in range(draw(st.integers(0, 3))):
        edit = draw(st.sampled_from(["change", "add", "drop"]))
        at = draw(st.integers(0, max(len(digits) - 1, 0)))
        digit = draw(st.sampled_from("0123456789"))
        if edit == "change" and digits:
            digits[at] = digit
        elif edit == "add":
            digits.insert(at, digit)
        elif digits:
            del digits[at]
    if draw(st.integers(0, 4)) == 0:  # written after the calling code, without a plus sign
        code = str(phonenumbers.country_code_for_region(region))
        digits = [*code, *(d for d in digits[1 if digits[:1] == ["0"] else 0 :])]
    if draw(st.booleans()):
        return region, text if draw(st.booleans()) else "".join(digits)
    return region, "".join(d + draw(_separators) for d in digits).strip()


@settings(max_examples=3000, deadline=None)
@given(_national_texts())
def test_the_fast_path_reads_national_text_as_parse_does(case: tuple[str, str]) -> None:
    region, text = case
    fast = _national_fast(text, region)
    if fast is not None:
        assert fast == _placed_slow(text, region), (region, text)


@settings(max_examples=2000, deadline=None)
@given(
    st.sampled_from(REGIONS),
    st.text(alphabet="0123456789 -.()", min_size=1, max_size=24),
)
def test_the_fast_path_reads_any_digit_text_as_parse_does(region: str, text: str) -> None:
    fast = _national_fast(text, region)
    if fast is not None:
        assert fast == _placed_slow(text, region), (region, text)


@settings(max_examples=2000, deadline=None)
@given(
    st.sampled_from(REGIONS),
    st.text(alphabet="0123456789 -.()\u0660\u0661\u06f5\uff11\u00b2x+/", min_size=1, max_size=20),
)
def test_digits_of_other_scripts_and_other_marks_take_the_general_path(
    region: str, text: str
) -> None:
    """Only ASCII digits and `` -.()`` are plain national text: Arabic-Indic or full-width
    digits, superscripts, letters, plus signs and slashes are read by ``parse`` itself."""
    fast = _national_fast(text, region)
    if fast is not None:
        assert set(text) <= set("0123456789 -.()"), (region, text)
        assert fast == _placed_slow(text, region), (region, text)


@pytest.mark.parametrize(("region", "text"), EXAMPLES)
def test_every_regions_examples_agree(region: str, text: str) -> None:
    fast = _national_fast(text, region)
    if fast is not None:
        assert fast == _placed_slow(text, region)


def test_the_fast_path_serves_the_common_formats_and_leaves_the_rest() -> None:
    assert _national_fast("01 44 27 44 27", "FR") == "+33144274427"
    assert _national_fast("(415) 555-0100", "US") == "+14155550100"
    for other in ("+33 1 44 27 44 27", "00 33 1 44 27 44 27", "0144274427 x12", "01/44/27"):
        assert _national_fast(other, "FR") is None
    assert _national_fast("33 1 44 27 44 27", "FR") is None  # the calling code: general path
    _placed.cache_clear()
    assert Phone.parse("01 44 27 44 27", "FR").e164 == "+33144274427"
    assert Phone.parse("01 44 27 44 27 ext. 5", "FR").e164 == "+33144274427;ext=5"


def test_without_the_private_helpers_every_number_takes_parse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A phonenumbers release without the helpers the fast path borrows: same results."""
    from contactgraph.domain import phones

    def unavailable(cleaned: str, region: str) -> str | None:
        raise AssertionError("the fast path ran without its helpers")

    assert phones._FAST  # the pinned phonenumbers has them: the fast path is in use
    monkeypatch.setattr(phones, "_FAST", False)
    monkeypatch.setattr(phones, "_national_fast", unavailable)
    _placed.cache_clear()
    try:
        assert Phone.parse("01 44 27 44 27", "FR").e164 == "+33144274427"
        assert Phone.parse("(415) 555-0100", "US").e164 == "+14155550100"
    finally:
        _placed.cache_clear()


def _digits_after_prefixes(region: str) -> st.SearchStrategy[str]:
    """Digit text starting with what the region's national prefix pattern may match."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
    starts = ["", "0", "1", "8", "00", "01", "011", "0800", "15", "044", "045", "9"]
    if metadata is not None and metadata.national_prefix:
        starts.append(metadata.national_prefix)
    return st.tuples(st.sampled_from(starts), st.text(alphabet="0123456789", max_size=14)).map(
        "".join
    )


@settings(max_examples=4000, deadline=None)
@given(st.sampled_from(REGIONS).flatmap(lambda r: st.tuples(st.just(r), _digits_after_prefixes(r))))
def test_the_national_prefix_is_stripped_as_libphonenumber_strips_it(
    case: tuple[str, str],
) -> None:
    """The fast path's own strip (patterns compiled once a region) leaves the number
    ``_maybe_strip_national_prefix_carrier_code`` leaves, transform rules included."""
    region, digits = case
    plan = national_phones._region_plan(region)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
    if plan is None or metadata is None or not digits:
        return
    _, _, _, prefix, transform, general = plan
    expected = phonenumbers.phonenumberutil._maybe_strip_national_prefix_carrier_code(
        digits, metadata
    )[1]
    assert national_phones._strip_national_prefix(digits, prefix, transform, general) == expected


@pytest.mark.parametrize(("region", "text"), EXAMPLES)
def test_every_regions_examples_lose_their_prefix_as_libphonenumber_strips_it(
    region: str, text: str
) -> None:
    digits = "".join(ch for ch in text if ch.isdigit())
    plan = national_phones._region_plan(region)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
    assert plan is not None
    assert metadata is not None
    _, _, _, prefix, transform, general = plan
    expected = phonenumbers.phonenumberutil._maybe_strip_national_prefix_carrier_code(
        digits, metadata
    )[1]
    assert national_phones._strip_national_prefix(digits, prefix, transform, general) == expected
