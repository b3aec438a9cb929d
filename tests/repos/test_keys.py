"""Look-up keys: the fast paths agree with the domain's definitions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from contactgraph.domain import match_key
from contactgraph.repos.keys import is_storable, key


@given(st.text())
def test_the_ascii_fast_path_is_the_match_key(text: str) -> None:
    assert key(text) == match_key(text)


@given(st.text(alphabet=st.characters(codec="ascii")))
def test_ascii_text_agrees_too(text: str) -> None:
    assert key(text) == match_key(text)


@given(st.text())
def test_storable_means_no_nul_and_no_lone_surrogate(text: str) -> None:
    expected = "\x00" not in text and not any(0xD800 <= ord(c) <= 0xDFFF for c in text)
    assert is_storable(text) is expected
