"""The address parser's shortcut for a dict of parts gives what its general path gives.

A source's address comes as a plain ``dict`` of parts: the parser converts
the parts given and builds the ``Address`` trusted, instead of running attrs'
``__init__`` over all five. Any other mapping (here a read-only view of the
same dict) takes the general path: both must give the same address, or the
same error (reason, field, code), for every input.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from contactgraph.domain import parsers
from contactgraph.errors import InvalidValueError

_parse = parsers.address("mailing_address")

_parts = st.sampled_from(["street", "city", "state", "postal_code", "country"])
_values = st.one_of(
    st.none(),
    st.sampled_from(["Lyon", "  ", "", "1 rue X\nBât. B", "a\r\nb", "\u2028", "x\x00", "ＡＢ"]),
    st.text(max_size=8),
    st.text(min_size=250, max_size=300),
    st.integers(),
)
_keys = st.one_of(_parts, st.sampled_from(["City", "zip", "", 3]))


def _outcome(value: Any) -> tuple[str, Any]:
    try:
        return "ok", _parse(value, None)
    except InvalidValueError as exc:
        return "refused", (exc.reason, exc.field, exc.code)


@given(st.dictionaries(_keys, _values, max_size=6))
@example({"city": "Lyon"})
@example({"street": "1 rue X\n\nBât. B", "country": "France"})
@example({"state": "x\x00", "city": 3})  # the first bad part in Address's order is reported
@example({})
@example({"city": "  "})
def test_a_dict_of_parts_parses_as_any_mapping_of_them(parts: dict[Any, Any]) -> None:
    assert _outcome(parts) == _outcome(MappingProxyType(parts))


def test_the_shortcut_reports_the_part_as_the_general_path_does() -> None:
    found = _outcome({"city": "x\x00"})
    assert found[0] == "refused"
    assert found[1][1] == "mailing_address.city"
    assert _outcome({"city": "Lyon", "street": None}) == ("ok", _parse({"city": "Lyon"}, None))
