"""Single-line text, multi-line text and match keys: the rules every field shares."""

from __future__ import annotations

import unicodedata

import pytest

from contactgraph.domain.text import clean_multiline, clean_single_line, match_key
from contactgraph.errors import InvalidValueError
from contactgraph.testing.strategies import CONTROL_CHARACTERS


@pytest.mark.parametrize("char", CONTROL_CHARACTERS)
@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_a_single_line_field_refuses_control_characters_anywhere(char: str, where: str) -> None:
    value = {"start": f"{char}Martin", "middle": f"Mar{char}tin", "end": f"Martin{char}"}[where]
    with pytest.raises(InvalidValueError, match=f"U\\+{ord(char):04X}") as info:
        clean_single_line(value, "last_name")
    assert info.value.field == "last_name"


def test_a_single_line_field_refuses_lone_surrogates_no_store_could_encode() -> None:
    with pytest.raises(InvalidValueError, match="surrogate") as info:
        clean_single_line("Mart\ud800in", "last_name")
    assert info.value.field == "last_name"


def test_a_single_line_field_is_stripped_and_nfc_normalised() -> None:
    nfd = unicodedata.normalize("NFD", "  Hélène ")
    assert clean_single_line(nfd, "first_name") == unicodedata.normalize("NFC", "Hélène")


@pytest.mark.parametrize("length", [256, 1_021, 10_000])
def test_a_single_line_field_refuses_overlong_text(length: int) -> None:
    with pytest.raises(InvalidValueError, match="longer than 255") as info:
        clean_single_line("A" * length, "title")
    assert info.value.field == "title"


def test_a_single_line_field_takes_exactly_its_maximum() -> None:
    assert clean_single_line("A" * 255, "title") == "A" * 255


@pytest.mark.parametrize("value", [None, 42, b"Martin", ["Martin"]])
def test_a_single_line_field_must_be_text(value: object) -> None:
    with pytest.raises(InvalidValueError, match="must be text") as info:
        clean_single_line(value, "last_name")
    assert (info.value.field, info.value.value) == ("last_name", value)


def test_multiline_text_keeps_line_breaks_and_tabs() -> None:
    notes = "Met at the Lyon fair.\r\n\tCall back in May."
    assert clean_multiline(notes, "description") == notes


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\ud800"])
def test_multiline_text_refuses_other_control_characters(char: str) -> None:
    with pytest.raises(InvalidValueError, match=f"U\\+{ord(char):04X}") as info:
        clean_multiline(f"Call back{char} in May", "description")
    assert info.value.field == "description"


def test_match_key_ignores_case_accents_and_normal_form() -> None:
    nfd = unicodedata.normalize("NFD", "Hélène")
    assert nfd != "Hélène"
    assert match_key("Hélène") == match_key("HELENE") == match_key(nfd) == "helene"


def test_match_key_case_folds_and_collapses_white_space() -> None:
    assert match_key("  Straße   Müller ") == "strasse muller"
    assert match_key("Martin") != match_key("Martine")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ISTANBUL", "İstanbul"),
        ("KIRMIZI", "Kırmızı"),
        ("Lukasiewicz", "Łukasiewicz"),
        ("Soren", "Søren"),
        ("Aegir", "Ægir"),
        ("H", "ℌ"),
    ],
)
def test_match_key_also_ignores_letters_whose_accent_does_not_decompose(
    typed: str, stored: str
) -> None:
    assert match_key(typed) == match_key(stored)
