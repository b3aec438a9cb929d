"""The simple-address path of email parsing gives what email-validator gives, or steps aside.

``email_syntax.simple_normalized`` reads a dot-atom local part of ASCII and
``SIMPLE_LETTERS`` before an ASCII domain without the library's local-part
checks; ``email_key`` takes the look-up key from it. Both must agree with the
full path (``validate_email``, ``Email(text).key``) on every text: valid,
invalid, non-ASCII, hostile, too long.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

import email_validator
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from contactgraph.domain import email_syntax, values
from contactgraph.domain.email_syntax import (
    SIMPLE_LETTERS,
    normalized,
    simple_normalized,
    validated_by_library,
)
from contactgraph.domain.values import Email, email_key
from contactgraph.errors import InvalidValueError
from contactgraph.testing.values import INVALID_EMAIL_EXAMPLES, emails

_LETTERS = [c for c in map(chr, range(0x80, 0x500)) if re.fullmatch(f"[{SIMPLE_LETTERS}]", c)]
_ATEXT = "abcXYZ019!#$%&'*+/=?^_`{|}~-"
_NEAR = (
    '\u0301\u0308\u0338\u200b\u202e\u00a0 \t\x00\x85\u2028.@"<>[]()\\,;:'
    "\u212a\u0130\u0131\u017f\ufb03\uff41\uff20\ufe6b\u00d7\u00f7\u00b5\u0387\u0483"
)
"""Characters next to the simple ones: combining marks, spaces, controls, the
specials, singletons NFC replaces, full-width and small at-signs, symbols."""

_local = st.text(st.sampled_from(_LETTERS + list(_ATEXT) + list(_NEAR)), min_size=0, max_size=70)
_simple_local = st.lists(
    st.text(st.sampled_from(_LETTERS + list(_ATEXT)), min_size=1, max_size=12),
    min_size=1,
    max_size=3,
).map(".".join)
_domain = st.one_of(
    st.sampled_from(
        [
            "acme.fr",
            "ACME.Example",
            "company-1.example",
            "acme",
            "acme.test",
            "localhost",
            "acme..fr",
            ".acme.fr",
            "-acme.fr",
            "xn--bcher-kva.de",
            "xn--zz.fr",
            "bücher.de",
            "ａｃｍｅ.fr",
            "a" * 64 + ".fr",
            ".".join(["a" * 60] * 4) + ".fr",
            ".".join(["b" * 40] * 5) + ".fr",
            "[127.0.0.1]",
            "",
        ]
    ),
    st.text(st.sampled_from("abcXY019.-_"), max_size=30),
)
addresses = st.one_of(
    st.builds(lambda a, b: f"{a}@{b}", _simple_local, _domain),
    st.builds(lambda a, b: f"{a}@{b}", _local, _domain),
    st.builds(lambda a, b, c: f"{a}@{b}@{c}", _simple_local, _simple_local, _domain),
    st.builds(lambda a: f"{a}@{'d' * 63}.{'e' * 63}.{'f' * 60}.fr", _simple_local),
    emails(),
    emails().map(str.upper),
    st.sampled_from(INVALID_EMAIL_EXAMPLES),
)


def _outcome(parse: object, text: str) -> tuple[str, str]:
    try:
        return "ok", parse(text)  # type: ignore[operator]
    except email_validator.EmailNotValidError as exc:
        return "refused", str(exc)


def _full_key(text: str) -> str | None:
    try:
        return Email(text).key
    except InvalidValueError:
        return None


@settings(max_examples=1500, deadline=None)
@given(addresses)
@example("hélène.3@company-1.example")
@example("HÉLÈNE.3@COMPANY-1.EXAMPLE")
@example("zoë@acme.test")
@example("zoë@acme")
@example("zoë..x@acme.fr")
@example("zoë.@acme.fr")
@example("e\u0301@acme.fr")
@example("\u212aoë@acme.fr")
@example("zoë@" + ".".join(["b" * 40] * 5) + ".fr")
@example("é" * 100 + "@acme.fr")
@example("Ǆ@acme.fr")
@example("Ωмега@acme.fr")
def test_the_simple_path_gives_the_library_normal_form_or_steps_aside(text: str) -> None:
    simple = _outcome(simple_normalized, text)
    expected = _outcome(validated_by_library, text)
    if simple != ("ok", None):
        assert simple == expected
    assert _outcome(normalized, text) == expected


@settings(max_examples=1500, deadline=None)
@given(st.one_of(addresses, addresses.map(lambda t: f" {t}\t"), addresses.map(str.swapcase)))
@example("HÉLÈNE.3@COMPANY-1.EXAMPLE")
@example("ŻÓŁW@acme.fr")
@example("jürgen@acme.test")
@example("jürgen@acme")
@example("é" * 200 + "@acme.fr")
@example("é" * 127 + "@acme.fr")
@example("0@acme.test")
@example("İ@acme.fr")  # matched [a-z] case-insensitively before re.ASCII
@example("ſam@acme.fr")
@example("\u212aim@acme.fr")
def test_email_key_of_any_text_is_the_key_of_its_email(text: str) -> None:
    full = _full_key(text)
    if full is None and values._PLAIN_ASCII.match(text):
        # As documented: plain ASCII text skips the validator, and an address it would
        # refuse (a special-use domain such as .test) gets None or a key no stored address has.
        assert email_key(text) in (None, text.lower())
        return
    assert email_key(text) == full


def test_a_simple_address_takes_the_simple_path() -> None:
    """The shapes the benchmark and most look-ups use (the test fails if the path is lost)."""
    for text in ("hélène.3@company-1.example", "HÉLÈNE.3@COMPANY-1.EXAMPLE", "Zoë+x@acme.fr"):
        assert simple_normalized(text) == validated_by_library(text)
    assert simple_normalized("hélène@ACME.FR") == "hélène@acme.fr"
    assert email_key("HÉLÈNE.3@COMPANY-1.EXAMPLE") == "hÉlÈne.3@company-1.example"
    for text in ("e\u0301@acme.fr", "zoë@bücher.de", '"zoë"@acme.fr'):
        assert simple_normalized(text) is None
    with pytest.raises(email_validator.EmailNotValidError, match="period"):
        simple_normalized("zoë@acme")  # the domain's cached verdict: the library's error


def test_an_invalid_domain_gets_the_library_error() -> None:
    with pytest.raises(email_validator.EmailNotValidError, match="special-use"):
        simple_normalized("zoë@acme.test")
    with pytest.raises(email_validator.EmailNotValidError, match="special-use"):
        normalized("zoë@acme.test")
    assert email_key("zoë@acme.test") is None


def test_the_library_strict_option_sends_every_text_to_the_full_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "é" * 65 + "@acme.fr"
    assert simple_normalized(text) == text
    monkeypatch.setattr(email_validator, "STRICT", True)
    assert simple_normalized(text) is None
    assert _outcome(normalized, text)[0] == "refused"
    assert email_key(text) is None


def test_every_simple_letter_is_a_letter_its_own_nfc_and_composes_with_nothing() -> None:
    """What the simple path relies on instead of ``check_unsafe_chars`` and NFC."""
    assert len(_LETTERS) > 600
    assert re.fullmatch(f"[{SIMPLE_LETTERS}]", "\u00d7") is None  # ×, a symbol
    others = [*_LETTERS, *map(chr, range(0x21, 0x7F))]
    for c in _LETTERS:
        assert unicodedata.category(c).startswith("L"), c
        assert unicodedata.combining(c) == 0, c
        assert unicodedata.is_normalized("NFC", c), c
    for a, b in itertools.product(others, repeat=2):
        if not a.isascii() or not b.isascii():
            assert unicodedata.is_normalized("NFC", a + b), (a, b)


def test_only_the_less_than_sign_starts_a_canonical_composition_among_the_specials() -> None:
    """Why ``_split`` may cut at the first ``@`` of text without ``"`` or ``<``."""
    starts = {
        d.split()[0]
        for d in map(unicodedata.decomposition, map(chr, range(0x110000)))
        if d and not d.startswith("<")
    }
    assert {"0040", "0022"} & starts == set()
    assert "003C" in starts


def test_the_split_without_the_library_walk_matches_it_on_non_ascii_text() -> None:
    email_syntax._domain.cache_clear()
    for text in (
        "zoë@acme.fr",
        "e\u0301@acme.fr",
        "zoë@@acme.fr",
        "a\u0338@b.fr",
        "用户@例え.テスト",
    ):
        assert _outcome(normalized, text) == _outcome(validated_by_library, text)
