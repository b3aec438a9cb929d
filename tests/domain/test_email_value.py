"""Email: validated with email-validator (never DNS), normalised, refused when bad."""

from __future__ import annotations

import string
import unicodedata

import email_validator
import pytest
from hypothesis import given

from contactgraph import Email, InvalidValueError
from contactgraph.testing import strategies as cgst


def test_an_email_keeps_its_local_part_and_lower_cases_its_domain() -> None:
    assert Email("Alice.Martin@ACME.FR").address == "Alice.Martin@acme.fr"
    assert str(Email("  alice@acme.fr  ")) == "alice@acme.fr"


def test_an_email_is_nfc_normalised() -> None:
    nfd = unicodedata.normalize("NFD", "hélène@acme.fr")
    assert Email(nfd).address == unicodedata.normalize("NFC", "hélène@acme.fr")


def test_emails_compare_case_insensitively_through_their_match_key() -> None:
    assert Email("Alice@acme.fr") != Email("alice@acme.fr")
    assert Email("Alice@acme.fr").match_key == Email("ALICE@Acme.fr").match_key


def test_an_email_reports_its_domain() -> None:
    assert Email("alice@Sub.ACME.fr").domain == "sub.acme.fr"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "Alice Martin <alice@acme.fr>",
        "alice@acme.fr\r\n",
        *cgst.INVALID_EMAIL_EXAMPLES,
    ],
    ids=lambda text: f"{len(text)}:{text[:24]!r}",
)
def test_invalid_emails_are_refused_naming_the_field(bad: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        Email(bad)
    assert info.value.field == "email"


@given(cgst.invalid_emails())
def test_generated_invalid_emails_are_refused(bad: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        Email(bad)
    assert info.value.field == "email"


def test_a_non_text_email_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="must be text") as info:
        Email(42)  # type: ignore[arg-type]
    assert (info.value.field, info.value.value) == ("email", 42)


def _address_of_254() -> str:
    """The longest address allowed: a 64-character local part and a 189-character domain."""
    return "a" * 64 + "@" + ".".join(["b" * 63, "c" * 63, "d" * 58]) + ".fr"


def test_an_email_of_254_characters_is_accepted() -> None:
    address = _address_of_254()
    assert len(address) == 254
    assert Email(address).address == address


@pytest.mark.parametrize("length", [255, 10_000])
def test_an_overlong_email_is_refused_before_any_parsing(
    length: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("email-validator was called on an over-long address")

    monkeypatch.setattr(email_validator, "validate_email", must_not_parse)
    with pytest.raises(InvalidValueError, match="at most 254 characters") as info:
        Email("a" * (length - len("@acme.fr")) + "@acme.fr")
    assert info.value.field == "email"


def test_a_trusted_email_is_rebuilt_without_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    validated = Email("alice@acme.fr")

    def must_not_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("trusted() parsed again")

    monkeypatch.setattr(email_validator, "validate_email", must_not_parse)
    assert Email.trusted("alice@acme.fr") == validated


@given(cgst.emails())
def test_a_normalised_email_normalises_to_itself(address: str) -> None:
    once = Email(address)
    assert Email(once.address) == once
    upper = address.translate(str.maketrans(string.ascii_lowercase, string.ascii_uppercase))
    assert Email(upper).key == once.key
