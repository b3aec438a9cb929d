"""``read_phone``'s shortcut for text cells reads them as its general path does.

A CSV cell is a ``str``: the shortcut checks no other type. Every value (text,
numbers, booleans, phones, anything else) must give what the general reading
(the function as it was, below) gives: the same value or phone, and the same
flag for a number kept unverified. ``Phone.trusted`` sets its slot directly:
the same phone as one built through ``object.__setattr__``. Text of printable
ASCII is taken as its strip without ``clean_single_line``: ``Phone.parse`` gives
what it gave through it.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from contactgraph.domain import Phone
from contactgraph.domain import phones as domain_phones
from contactgraph.domain.text import clean_single_line
from contactgraph.errors import InvalidValueError
from contactgraph.interop.phones import read_phone


def _general(value: Any, region: str | None, field: str) -> tuple[Any, bool]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str | Phone) or (isinstance(value, str) and not value.strip()):
        return value, False
    try:
        phone = Phone.parse(value, region, field=field, keep_unplaced=True)
    except InvalidValueError:
        return value, False
    return phone, not phone.verified


class _Cell(str):
    __slots__ = ()


_values = st.one_of(
    st.sampled_from(["", "  ", "01 44 27 44 27", "(415) 555-0100", "+33 1 44 27 44 27"]),
    st.sampled_from(["12", "not a phone", "0144274427 x12", "unverified:01 44", "\u0661\u0662"]),
    st.text(alphabet="0123456789 +-()x", max_size=16),
    st.text(alphabet="0123456789 +-()x", max_size=16).map(_Cell),
    st.integers(-10, 10**12),
    st.floats(allow_nan=True),
    st.booleans(),
    st.sampled_from([None, [], b"0144274427"]),
    st.sampled_from(["+33144274427", "unverified:01 44 27 44 27"]).map(Phone.trusted),
)


@settings(max_examples=500, deadline=None)
@given(_values, st.sampled_from([None, "FR", "US", "fr"]))
def test_read_phone_reads_every_value_as_its_general_path(value: Any, region: str | None) -> None:
    got = read_phone(value, region, "Phone")
    expected = _general(value, region, "Phone")
    assert got == expected
    assert type(got[0]) is type(expected[0])


@given(st.sampled_from(["+33144274427", "+14155550100;ext=12", "unverified:01 44 27 44 27"]))
def test_a_trusted_phone_is_the_phone_object_setattr_builds(e164: str) -> None:
    built = object.__new__(Phone)
    object.__setattr__(built, "e164", e164)
    trusted = Phone.trusted(e164)
    assert type(trusted) is Phone
    assert trusted == built
    assert hash(trusted) == hash(built)
    assert trusted.e164 == e164


def _parse_phone_through_clean_single_line(
    text: str, region: object, field: str, keep_unplaced: bool = False
) -> str:
    """domain.phones._parse_phone as it was (commit 76b00ff)."""
    p = domain_phones
    wanted = p._phone_region(region)
    if text.startswith(p.UNVERIFIED_MARK):
        typed = p._check_unverified(text[len(p.UNVERIFIED_MARK) :], field)
        if wanted is not None:
            found = p._placed(typed, wanted)
            if isinstance(found, str):
                return found
        return p.UNVERIFIED_MARK + typed
    if len(text) > 64:
        raise InvalidValueError("a phone number has at most 64 characters", field=field, value=text)
    cleaned = clean_single_line(text, field, max_length=64)
    if not cleaned:
        raise InvalidValueError("a phone number cannot be empty", field=field, value=text)
    found = p._placed(cleaned, wanted)
    if isinstance(found, str):
        return found
    reason, unplaced = found
    if keep_unplaced and unplaced:
        return p.UNVERIFIED_MARK + cleaned
    raise InvalidValueError(reason, field=field, value=text)


def _outcome(read: Any, *args: Any) -> Any:
    try:
        return "value", read(*args)
    except InvalidValueError as exc:
        return "refused", exc.reason, exc.field, exc.code, repr(exc.value)


_texts = st.one_of(
    st.sampled_from(["", " ", "01 44 27 44 27", " (415) 555-0100 ", "+33 1 44 27 44 27"]),
    st.sampled_from(["01 44\t27", "0144\r", "\u0661\u0662\u0663", "+33 1 44 27 44 27 x5"]),
    st.text(alphabet="0123456789 +-()x\t\u00a0\u2028", max_size=20),
    st.integers(60, 70).map(lambda n: "1" * n),
)


@settings(max_examples=500, deadline=None)
@given(_texts, st.sampled_from([None, "FR", "US"]), st.booleans())
def test_phone_text_reads_as_through_clean_single_line(
    text: str, region: str | None, keep: bool
) -> None:
    assert _outcome(domain_phones._parse_phone, text, region, "phone", keep) == _outcome(
        _parse_phone_through_clean_single_line, text, region, "phone", keep
    )
