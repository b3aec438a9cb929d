"""Single-line text: the ASCII fast path and the general path give one answer."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactgraph.domain.text import clean_single_line
from contactgraph.errors import InvalidValueError

_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _model(text: str, max_length: int) -> str | None:
    """What a single-line field keeps, or ``None`` when it refuses (written from the rules)."""
    if len(text) > max_length * 4 or _FORBIDDEN.search(text):
        return None
    kept = unicodedata.normalize("NFC", text.strip())
    return kept if len(kept) <= max_length else None


@given(
    st.one_of(
        st.text(st.characters(max_codepoint=127), max_size=30),
        st.text(max_size=30),
        st.builds(lambda a, b: a + b, st.text(" \t\x7f\x85", max_size=3), st.text(max_size=10)),
    ),
    st.sampled_from([3, 10, 255]),
)
def test_clean_single_line_follows_the_rules(text: str, max_length: int) -> None:
    expected = _model(text, max_length)
    if expected is None:
        with pytest.raises(InvalidValueError) as info:
            clean_single_line(text, "title", max_length=max_length)
        assert (info.value.field, info.value.value) == ("title", text)
    else:
        assert clean_single_line(text, "title", max_length=max_length) == expected
