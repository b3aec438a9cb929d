"""PersonName and Salutation: display, sort and match keys, and names that break naive code."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given

from contactgraph import InvalidValueError, PersonName, Salutation
from contactgraph.testing import strategies as cgst


def test_a_name_displays_with_its_salutation() -> None:
    name = PersonName(last="Martin", first="Alice", salutation="Ms.")
    assert name.full == "Alice Martin"
    assert name.display == "Ms. Alice Martin"
    assert str(name) == "Ms. Alice Martin"


def test_all_parts_appear_in_order() -> None:
    name = PersonName(last="King", first="Martin", middle="Luther", suffix="Jr.", salutation="Dr")
    assert name.display == "Dr. Martin Luther King Jr."


def test_a_one_word_name_is_a_whole_name() -> None:
    name = PersonName(last="Teller")
    assert (name.full, name.display, name.first) == ("Teller", "Teller", None)


@pytest.mark.parametrize("last", cgst.NOTABLE_NAMES)
def test_unusual_but_valid_names_are_kept_as_written(last: str) -> None:
    assert PersonName(last=last, first="Alice").last == unicodedata.normalize("NFC", last)


def test_apostrophes_and_hyphens_are_kept_and_searchable() -> None:
    name = PersonName(last="Oldfield-Cherry", first="Ann-Marie")
    assert name.full == "Ann-Marie Oldfield-Cherry"
    assert name.matches("oldfield-cherry")
    assert PersonName(last="O'Carney").matches("o'carney")


def test_non_latin_names_are_matched_as_written() -> None:
    name = PersonName(last="Иванова", first="Ольга")
    assert name.matches("ИВАНОВА")
    assert name.matches("Ольга Иванова")
    assert PersonName(last="山田", first="太郎").matches("山田")


def test_the_match_key_ignores_case_accents_and_normal_form() -> None:
    name = PersonName(last="Dupont", first="Hélène")
    assert name.matches("Hélène")
    assert name.matches("HELENE")
    assert name.matches(unicodedata.normalize("NFD", "Hélène"))
    assert name.matches("helene dupont")
    assert name.matches("DUPONT Hélène")


def test_a_name_does_not_match_a_fragment() -> None:
    name = PersonName(last="Martin", first="Alice")
    assert not name.matches("Mart")
    assert not name.matches("Alice Durand")


def test_names_sort_by_last_then_first_ignoring_case_and_accents() -> None:
    names = [
        PersonName(last="Zola", first="Émile"),
        PersonName(last="élie", first="Bob"),
        PersonName(last="Elie", first="Anne"),
        PersonName(last="Durand"),
    ]
    ordered = [n.full for n in sorted(names, key=lambda n: n.sort_key)]
    assert ordered == ["Durand", "Anne Elie", "Bob élie", "Émile Zola"]


@pytest.mark.parametrize("part", ["last", "first", "middle", "suffix"])
@pytest.mark.parametrize("char", ["\n", "\r", "\x00", "\t", "\u2028"])
def test_control_characters_are_refused_in_every_part(part: str, char: str) -> None:
    parts = {"last": "Martin", part: f"Ali{char}ce"}
    with pytest.raises(InvalidValueError) as info:
        PersonName(**parts)
    assert info.value.field == (f"{part}_name" if part != "suffix" else "suffix")
    assert "not allowed in a single-line field" in info.value.reason


@pytest.mark.parametrize("last", ["", "   ", None])
def test_a_last_name_is_required(last: str | None) -> None:
    with pytest.raises(InvalidValueError, match="last name") as info:
        PersonName(last=last)  # type: ignore[arg-type]
    assert (info.value.field, info.value.reason) == ("last_name", "a contact needs a last name")


def test_a_10000_character_name_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="longer than 80") as info:
        PersonName(last="A" * 10_000)
    assert info.value.field == "last_name"
    with pytest.raises(InvalidValueError, match="longer than 255") as info:
        PersonName(last="Martin", first="A" * 10_000)
    assert info.value.field == "first_name"


def test_an_empty_first_name_is_no_first_name() -> None:
    assert PersonName(last="Martin", first="  ").first is None


@given(cgst.person_name_fields())
def test_every_generated_name_is_accepted_and_matches_its_own_parts(
    fields: dict[str, str],
) -> None:
    name = PersonName(
        last=fields["last_name"],
        first=fields.get("first_name"),
        salutation=fields.get("salutation"),
    )
    assert name.matches(fields["last_name"].upper())
    assert name.matches(name.full)
    if name.first:
        assert name.matches(unicodedata.normalize("NFD", name.first))


# ---------------------------------------------------------------- salutation


@pytest.mark.parametrize("salutation", list(Salutation))
def test_every_salesforce_salutation_parses_to_itself(salutation: Salutation) -> None:
    assert Salutation.parse(salutation.value) is salutation
    assert Salutation.parse(salutation) is salutation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("M.", Salutation.MR),
        ("M", Salutation.MR),
        ("Monsieur", Salutation.MR),
        ("Mme", Salutation.MRS),
        ("Madame", Salutation.MRS),
        ("Mlle", Salutation.MS),
        ("Dr", Salutation.DR),
        ("Docteur", Salutation.DR),
        ("Pr", Salutation.PROF),
        ("Pr.", Salutation.PROF),
        ("  mr ", Salutation.MR),
        ("MRS.", Salutation.MRS),
    ],
)
def test_french_and_loose_forms_parse(text: str, expected: Salutation) -> None:
    assert Salutation.parse(text) is expected


@pytest.mark.parametrize("text", ["Sir", "Herr", "Your Majesty", ""])
def test_unknown_salutations_are_refused_listing_the_choices(text: str) -> None:
    with pytest.raises(InvalidValueError, match=r"Mr\., Ms\.") as info:
        Salutation.parse(text)
    assert info.value.field == "salutation"


@pytest.mark.parametrize("text", ["M.\n", "Mme\r", "Dr\x00"])
def test_a_salutation_with_a_control_character_is_refused(text: str) -> None:
    with pytest.raises(InvalidValueError, match="control character") as info:
        Salutation.parse(text)
    assert info.value.field == "salutation"


def test_a_name_takes_a_french_salutation() -> None:
    assert PersonName(last="Petit", first="Chloé", salutation="Mme").display == "Mrs. Chloé Petit"
