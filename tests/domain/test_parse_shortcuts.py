"""Shortcuts of the contact parsers give what the general reading gives.

- ``external_ids`` (:func:`contactgraph.domain.parsers.string_map`): a value of
  printable ASCII that fits is taken as ``text.strip()`` without
  ``clean_single_line``; any map must give the same map, or the same refusal, as
  every key and value read by ``clean_single_line``.
- an email (:func:`contactgraph.domain.parsers.email`) is the ``Email`` its
  converter gives, built without attrs' ``__init__``: the same as ``Email(value)``;
  the converter takes printable ASCII as its strip without ``clean_single_line``:
  the same address, or refusal, as through it.
- a mailing address given as a dict of parts (a source's) is read with each
  part's converter, those not given skipped: the same as through ``Address(**parts)``
  (what any other mapping of parts takes).
- one-line text of printable ASCII that fits (``title``, a first or last name, a
  city) is taken as ``text.strip()`` without ``clean_single_line``: the same
  text, or the same refusal, as through it.
- the salutation (``values._optional_salutation``) remembers the text it read:
  the same text read again, in any order, gives what ``Salutation.parse`` gives
  it, or the same refusal.
"""

from __future__ import annotations

import unicodedata
from types import MappingProxyType
from typing import Any

import immutables
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contactgraph.domain import Email, parsers, values
from contactgraph.domain.picklists import Salutation
from contactgraph.domain.text import clean_single_line
from contactgraph.errors import InvalidValueError

_texts = st.one_of(
    st.sampled_from(["003000000000000001", " 7 ", "", "  ", "a\tb", "x\r", "ÿ", "é", "e\u0301"]),
    st.text(alphabet=st.sampled_from("ab 7\t\x7f\u0301\u00e9\u2028-"), max_size=8),
    st.integers(250, 300).map(lambda n: "x" * n),
    st.integers(250, 300).map(lambda n: " " * 3 + "y" * n + " " * 3),
    st.integers(1015, 1030).map(lambda n: "z" * n),
    st.sampled_from([None, 7, b"7"]),
)


def _general(value: dict[Any, Any]) -> immutables.Map[str, str]:
    """string_map's reading, every key and value through clean_single_line."""
    out: dict[str, str] = {}
    for key, item in value.items():
        k = clean_single_line(key, "external_ids", max_length=80)
        if not k:
            raise InvalidValueError("keys cannot be empty", field="external_ids", value=value)
        out[k] = clean_single_line(item, f"external_ids.{k}")
    return immutables.Map(out)


def _outcome(read: Any, value: Any) -> Any:
    try:
        return "value", read(value)
    except InvalidValueError as exc:
        return "refused", exc.reason, exc.field, exc.code, repr(exc.value)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.sampled_from(["salesforce", " hubspot ", "", "k\x00"]), _texts))
def test_external_ids_read_as_clean_single_line_reads_them(value: dict[str, Any]) -> None:
    read = parsers.string_map("external_ids")
    assert _outcome(lambda v: read(v, None), value) == _outcome(_general, value)


_salutations = st.one_of(
    st.sampled_from([*(s.value for s in Salutation), "mr", " Dr ", "MME", "Mlle.", "Sir", "x"]),
    st.sampled_from(["", " ", "M\u0301", "Mr.\n", "Dr.\u200b", 3, None, Salutation.MS]),
    st.text(alphabet="MrsDP. ", max_size=6),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_salutations, min_size=1, max_size=12))
def test_a_salutation_read_again_is_what_salutation_parse_gives(texts: list[Any]) -> None:
    values._SALUTATIONS_READ.clear()
    for text in texts * 2:  # each read twice: the second time, from what was remembered
        expected = None if text is None or text == "" else Salutation.parse
        got = _outcome(values._optional_salutation, text)
        if expected is None:
            assert got == ("value", None)
        else:
            assert got == _outcome(Salutation.parse, text)


def test_what_is_remembered_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(values, "_MAX_SALUTATIONS_READ", 2)
    values._SALUTATIONS_READ.clear()
    for text in ["Mr.", "Ms.", "Dr.", "mr", "Dr."]:
        assert values._optional_salutation(text) is Salutation.parse(text)
    assert len(values._SALUTATIONS_READ) == 2


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.emails(),
        st.sampled_from(["Alice@ACME.fr", " bob@x.org ", "no-at", "a@b", "Postmaster@acme.fr"]),
        st.sampled_from(["zoë@exämple.fr", "a@xn--bcher-kva.de", "a\n@b.fr", 7]),
        st.text(alphabet="ab@.é ", max_size=10),
    )
)
def test_an_email_is_what_email_gives(value: Any) -> None:
    def general(v: Any) -> Any:
        return Email(v)

    got = _outcome(lambda v: parsers.email(v, None), value)
    if got == ("value", None):  # blank: no address
        assert value is None or (isinstance(value, str) and not value.strip())
        return
    assert got == _outcome(general, value)
    if got[0] == "value":
        assert type(got[1]) is Email


_parts = st.dictionaries(
    st.sampled_from(["street", "city", "state", "postal_code", "country"]),
    st.one_of(
        st.sampled_from([None, "", "  ", " Lyon ", "France", "1 rue X\nBât. B", "a\x00b", 7]),
        st.text(alphabet="ab \t\u0301é", max_size=6),
    ),
)


@settings(max_examples=500, deadline=None)
@given(_parts)
def test_a_dict_of_address_parts_reads_as_address_reads_them(parts: dict[str, Any]) -> None:
    read = parsers.address("mailing_address")

    def outcome(value: Any) -> Any:
        try:
            return "value", read(value, None)
        except InvalidValueError as exc:
            return "refused", exc.reason, exc.field, exc.code

    assert outcome(parts) == outcome(MappingProxyType(parts))


_lines = st.one_of(
    st.sampled_from([None, "", "  ", "CFO", " Sales ", "a\tb", "x\r", "é", "e\u0301", 7, b"x"]),
    st.text(alphabet=st.sampled_from("ab \t\x7f\u0301\u00e9\u2028-"), max_size=8),
    st.integers(70, 90).map(lambda n: "x" * n),
    st.integers(120, 135).map(lambda n: " " + "y" * n + " "),
    st.integers(250, 260).map(lambda n: "z" * n),
    st.integers(250, 260).map(lambda n: "  " + "z" * n),
    st.integers(1015, 1030).map(lambda n: "w" * n),
)


def _through_clean_single_line(field: str, max_length: int) -> Any:
    def read(value: Any) -> Any:
        if value is None:
            return None
        return clean_single_line(value, field, max_length=max_length) or None

    return read


@settings(max_examples=500, deadline=None)
@given(_lines)
def test_one_line_texts_read_as_clean_single_line_reads_them(value: Any) -> None:
    for field, max_length in (("title", 128), ("department", 80), ("website", 255)):
        read = parsers.line(field, max_length)
        assert _outcome(lambda v, read=read: read(v, None), value) == _outcome(
            _through_clean_single_line(field, max_length), value
        )
    assert _outcome(values._first, value) == _outcome(
        _through_clean_single_line("first_name", 255), value
    )
    assert _outcome(values._city, value) == _outcome(_through_clean_single_line("city", 255), value)

    def last(v: Any) -> Any:
        text = None if v is None else clean_single_line(v, "last_name", max_length=80)
        if not text:
            raise InvalidValueError("a contact needs a last name", field="last_name", value=v)
        return text

    assert _outcome(values._required_last, value) == _outcome(last, value)


def _normalise_email_through_clean_single_line(value: object) -> str:
    """values._normalise_email as it was (commit 76b00ff)."""
    if isinstance(value, Email):
        return value.address
    if not isinstance(value, str):
        raise InvalidValueError("must be text", field="email", value=value)
    text = value.strip()
    if len(text) > values.MAX_EMAIL_LENGTH:
        raise InvalidValueError(
            f"an email address has at most {values.MAX_EMAIL_LENGTH} characters",
            field="email",
            value=value,
        )
    text = clean_single_line(value, "email", max_length=values.MAX_EMAIL_LENGTH)
    if not text:
        raise InvalidValueError("an email address cannot be empty", field="email", value=value)
    try:
        address = values.normalized_address(text)
    except values.EmailNotValidError as exc:
        raise InvalidValueError(
            f"not a valid email address: {exc}", field="email", value=value
        ) from None
    local, _, domain = address.rpartition("@")
    return unicodedata.normalize("NFC", local) + "@" + unicodedata.normalize("NFC", domain).lower()


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.emails(),
        st.sampled_from(["Alice@ACME.fr", " bob@x.org ", "", "  ", "a@b\t", "a\x00@b.fr"]),
        st.integers(250, 260).map(lambda n: "a" * (n - 9) + "@acme.fr"),
        st.integers(250, 260).map(lambda n: " " * n + "a@acme.fr"),
        st.integers(1010, 1030).map(lambda n: " " * n + "a@acme.fr"),
        st.text(alphabet="ab@.é \t", max_size=10),
    )
)
def test_an_email_converts_as_through_clean_single_line(value: Any) -> None:
    assert _outcome(values._normalise_email, value) == _outcome(
        _normalise_email_through_clean_single_line, value
    )
