"""The per-domain cache of email parsing agrees with email-validator on every input."""

from __future__ import annotations

import email_validator
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from contactgraph.domain import email_syntax
from contactgraph.domain.email_syntax import normalized, validated_by_library
from contactgraph.domain.values import Email
from contactgraph.errors import InvalidValueError
from contactgraph.testing.values import INVALID_EMAIL_EXAMPLES, emails

_DOMAINS = [
    "acme.fr",
    "ACME.FR",
    "ａｃｍｅ.fr",  # full-width letters
    "bücher.de",
    "xn--bcher-kva.de",
    "BÜCHER.de",
    "例え.テスト",
    "münchen.example",
    "acme..fr",
    ".acme.fr",
    "acme.fr.",
    "acme",
    "localhost",
    "acme.test",
    "-acme.fr",
    "acme-.fr",
    "ab--cd.fr",
    "xn--zz.fr",
    "a" * 64 + ".fr",
    ".".join(["a" * 60] * 5) + ".fr",
    "[127.0.0.1]",
    "[IPv6:::1]",
    "acme.fr\u0301",
    "acme.fr\u200b",
    "ac me.fr",
    "acme.f_r",
    "",
    "@acme.fr",
    "acme.ﬀ",  # a ligature that NFKC splits
    "ﬁnance.fr",
    "straße.de",
    "ǅ.fr",
    "K.fr",  # Kelvin sign
    "ex\u0430mple.com",  # Cyrillic a
]

_LOCALS = [
    "alice",
    "Alice.Martin",
    "postmaster",
    "POSTMASTER",
    "Abuse",
    "jürgen",
    "\u212aim",  # Kelvin sign, NFC makes it K
    "e\u0301lodie",  # combining accent, NFC composes it
    "\u0301",
    "zoë+tag",
    "a..b",
    ".alice",
    "alice.",
    '"alice martin"',
    '"a\\"b"',
    "Alice <alice",
    "alice martin",
    "ali\x00ce",
    "ali\u202ece",
    "a" * 64,
    "a" * 65,
    "",
    "ſam",
    "straße",
    "oﬃce",
    "用户",
    "<",
    '"',
    "a\u0338",
]

_hostile = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=20
)
_local = st.one_of(st.sampled_from(_LOCALS), _hostile)
_domain = st.one_of(st.sampled_from(_DOMAINS), _hostile)
addresses = st.one_of(
    emails(),
    st.builds(lambda a, b: f"{a}@{b}", _local, _domain),
    st.builds(lambda a, b, c: f"{a}@{b}@{c}", _local, _local, _domain),
    st.builds(
        lambda n, a, d: f"{n} <{a}@{d}>", st.sampled_from(["Alice", '"A, B"', ""]), _local, _domain
    ),
    st.sampled_from(INVALID_EMAIL_EXAMPLES),
    _hostile,
)


def _outcome(parse: object, text: str) -> tuple[str, str]:
    try:
        return "ok", parse(text)  # type: ignore[operator]
    except email_validator.EmailNotValidError as exc:
        return "refused", str(exc)


@settings(max_examples=600, deadline=None)
@given(addresses)
@example("alice@acme.fr")
@example("Kim@ａｃｍｅ.fr")
@example('"alice"@acme.fr')
@example("alice@[127.0.0.1]")
@example("Alice <alice@acme.fr>")
@example("alice@acme.fr@acme.fr")
def test_cached_parsing_agrees_with_email_validator(text: str) -> None:
    expected = _outcome(validated_by_library, text)
    assert _outcome(normalized, text) == expected
    assert _outcome(normalized, text) == expected  # the domain's verdict now comes from the cache


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_local, st.sampled_from(_DOMAINS)), min_size=2, max_size=12))
def test_one_domain_cached_for_many_local_parts_agrees(pairs: list[tuple[str, str]]) -> None:
    for local, domain in pairs:
        text = f"{local}@{domain}"
        assert _outcome(normalized, text) == _outcome(validated_by_library, text)


def test_the_domain_part_is_checked_once_per_domain() -> None:
    email_syntax._domain.cache_clear()
    for n in range(50):
        Email(f"p{n}@company.example")
    info = email_syntax._domain.cache_info()
    assert (info.misses, info.hits) == (1, 49)


def test_a_refused_domain_is_refused_from_the_cache_too() -> None:
    email_syntax._domain.cache_clear()
    for local in ("alice", "bob"):
        with pytest.raises(InvalidValueError, match="period") as caught:
            Email(f"{local}@acme")
        assert caught.value.field == "email"
    assert email_syntax._domain.cache_info().hits == 1


def test_a_bad_local_part_is_refused_before_the_domain_is_judged() -> None:
    email_syntax._domain.cache_clear()
    with pytest.raises(InvalidValueError, match="before the @-sign"):
        Email("alice martin@acme")
    assert email_syntax._domain.cache_info().misses == 0


def test_library_options_changed_at_runtime_are_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _outcome(normalized, "alice@acme.test")[0] == "refused"
    monkeypatch.setattr(email_validator, "TEST_ENVIRONMENT", True)
    assert _outcome(normalized, "alice@acme.test") == ("ok", "alice@acme.test")
