"""``read_phone``'s shortcut for text cells reads them as its general path does.

A CSV cell is a ``str``: the shortcut checks no other type. Every value (text,
numbers, booleans, phones, anything else) must give what the general reading
(the function as it was, below) gives: the same value or phone, and the same
flag for a number kept unverified. ``Phone.trusted`` sets its slot directly:
the same phone as one built through ``object.__setattr__``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from contactgraph.domain import Phone
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
