"""The plain-ASCII path of email parsing gives what email-validator gives, or steps aside.

``email_syntax.simple_normalized`` reads a dot-atom ASCII local part before a
domain part of letters, digits, dots and hyphens without the library's
local-part steps (the import's common address). It must agree with
``validate_email`` on every text it answers, and ``normalized`` (which tries
it first) with ``validate_email`` on every text: valid, invalid, the
case-insensitive mailbox names, local parts past 64 characters, too long.
"""

from __future__ import annotations

import email_validator
import pytest
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES
from hypothesis import example, given, settings
from hypothesis import strategies as st

from contactgraph.domain.email_syntax import normalized, simple_normalized, validated_by_library
from contactgraph.domain.values import Email
from contactgraph.testing.values import INVALID_EMAIL_EXAMPLES, emails

_ATEXT = "abcXYZ019!#$%&'*+/=?^_`{|}~-"
_atom = st.text(st.sampled_from(_ATEXT), min_size=1, max_size=12)
_mailbox = st.sampled_from(CASE_INSENSITIVE_MAILBOX_NAMES).flatmap(
    lambda name: st.sampled_from([name, name.upper(), name.capitalize()])
)
_local = st.one_of(
    st.lists(_atom, min_size=1, max_size=4).map(".".join),
    _mailbox,
    st.text(st.sampled_from(_ATEXT + '. "\\@<>()[],;:\t'), max_size=20),  # bad dots, specials
    st.integers(60, 70).map(lambda n: "a" * n),  # around the local part's 64 (strict only)
)
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
            "acme-.fr",
            "xn--bcher-kva.de",
            "XN--BCHER-KVA.DE",
            "xn--zz.fr",
            "123.456",
            "a" * 64 + ".fr",
            ".".join(["a" * 60] * 4) + ".fr",
            ".".join(["b" * 40] * 5) + ".fr",
            "[127.0.0.1]",
            "",
        ]
    ),
    st.text(st.sampled_from("abcXY019.-"), max_size=30),
)
addresses = st.one_of(
    st.builds(lambda a, b: f"{a}@{b}", _local, _domain),
    st.builds(lambda a: f"{a}@{'d' * 63}.{'e' * 63}.{'f' * 60}.fr", _local),
    st.builds(lambda a: f"{a}@xn--bcher-kva.{'e' * 63}.{'f' * 60}.{'g' * 40}.de", _local),
    st.builds(lambda a, n: f"{a * n}@xn--l8jaaaaaaaaaaaaaaaaaaa.jp", _atom, st.integers(1, 60)),
    emails(),
    emails().map(str.upper),
    st.sampled_from(INVALID_EMAIL_EXAMPLES),
)


def _outcome(parse: object, text: str) -> tuple[str, str]:
    try:
        return "ok", parse(text)  # type: ignore[operator]
    except email_validator.EmailNotValidError as exc:
        return "refused", str(exc)


@settings(max_examples=2000, deadline=None)
@given(addresses)
@example("p1@company1.example")
@example("Postmaster@ACME.fr")
@example("SALES.x@acme.fr")
@example("a" * 65 + "@acme.fr")
@example("a" * 200 + "@" + "b" * 50 + ".fr")
@example("a" * 185 + "@xn--bcher-kva.de")  # 254 as typed, 250 decoded
@example("a" * 189 + "@xn--bcher-kva.de")  # 258 as typed
@example("a" * 222 + "@xn--l8jaaaaaaaaaaaaaaaaaaa.jp")  # 252 typed, 286 bytes decoded
@example("user@xn--bcher-kva.de")
@example("user@acme.test")
@example("user@acme")
@example("user.@acme.fr")
def test_the_ascii_path_gives_the_library_normal_form_or_steps_aside(text: str) -> None:
    plain = _outcome(simple_normalized, text)
    expected = _outcome(validated_by_library, text)
    if plain != ("ok", None):
        assert plain == expected
    assert _outcome(normalized, text) == expected


def test_the_import_address_takes_the_ascii_path() -> None:
    """The shapes of the benchmark and of most files (the test fails if the path is lost)."""
    for text in ("p1@company1.example", "Alice.Martin@ACME.FR", "Postmaster@acme.fr"):
        found = simple_normalized(text)
        assert found is not None
        assert found == validated_by_library(text)
    assert simple_normalized("Postmaster@ACME.FR") == "postmaster@acme.fr"
    assert Email("Alice@ACME.fr").address == "Alice@acme.fr"
    for text in ('"a b"@acme.fr', "a@[127.0.0.1]", "a..b@acme.fr", "a@b@acme.fr"):
        assert simple_normalized(text) is None
    with pytest.raises(email_validator.EmailSyntaxError, match="special-use"):
        simple_normalized("a@acme.test")


def test_the_library_strict_option_sends_every_text_to_the_full_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "a" * 65 + "@acme.fr"
    assert simple_normalized(text) == text
    monkeypatch.setattr(email_validator, "STRICT", True)
    assert simple_normalized(text) is None
    assert _outcome(normalized, text)[0] == "refused"
