"""Look-alikes: one email normalisation, one id rule, bidi controls neutralised for display."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactgraph import Account, policies
from contactgraph.domain import (
    Email,
    Opportunity,
    check_id,
    email_key,
    is_valid_id,
    neutralise_bidi,
)
from contactgraph.domain.values import parse_date
from contactgraph.errors import InvalidValueError, NotFoundError, PolicyViolationError

# Distinct mailboxes that Unicode case folding (casefold) would merge.
FOLD_LOOKALIKES = {"ſam": "sam", "straße": "strasse", "oﬃce": "office"}


@pytest.mark.parametrize(("lookalike", "plain"), sorted(FOLD_LOOKALIKES.items()))
def test_a_case_fold_lookalike_never_finds_another_mailbox(lookalike: str, plain: str) -> None:
    acme = Account.create(name="ACME SA", id="acme")
    acme, kept = acme.add_contact(last_name="Kept", id="kept", email=f"{plain}@acme.fr")
    assert acme.find_contacts(email=f"{lookalike}@acme.fr") == []
    assert acme.find_contacts(email=f"{plain.upper()}@ACME.fr") == [kept]
    assert email_key(f"{lookalike}@acme.fr") != email_key(f"{plain}@acme.fr")


@pytest.mark.parametrize(("lookalike", "plain"), sorted(FOLD_LOOKALIKES.items()))
def test_the_email_unique_rule_does_not_merge_lookalikes(lookalike: str, plain: str) -> None:
    acme = Account.create(name="ACME SA", id="acme")
    acme, _ = acme.add_contact(last_name="A", id="a", email=f"{plain}@acme.fr")
    acme, _ = acme.add_contact(last_name="B", id="b", email=f"{lookalike}@acme.fr")
    rule = policies.EmailUniquePerAccount()
    assert rule.check(acme) == []
    acme, _ = acme.add_contact(last_name="C", id="c", email=f"{plain.upper()}@acme.fr")
    found = rule.check(acme)
    assert {(v.code, v.field, v.entity_id) for v in found} == {
        ("email.duplicate", "email", "a"),
        ("email.duplicate", "email", "c"),
    }


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("alice@acme.fr", "alice@ａｃｍｅ.fr"),
        ("user@bücher.de", "user@xn--bcher-kva.de"),
        ("user@bücher.de", "user@BÜCHER.de"),
        ("kim@acme.fr", "\u212aim@acme.fr"),  # Kelvin sign: canonically K (NFC), stored as K
    ],
)
def test_a_spelling_of_the_same_address_finds_it(stored: str, typed: str) -> None:
    acme = Account.create(name="ACME SA", id="acme")
    acme, holder = acme.add_contact(last_name="Holder", id="h", email=stored)
    assert acme.find_contacts(email=typed) == [holder]
    assert Email(typed).key == holder.email.key  # type: ignore[union-attr]


def test_the_kelvin_sign_is_stored_as_the_letter_mail_goes_to() -> None:
    assert Email("\u212aim@acme.fr").address == "Kim@acme.fr"


def test_text_that_is_no_address_has_no_key_and_finds_nobody() -> None:
    acme = Account.create(name="ACME SA", id="acme")
    acme, _ = acme.add_contact(last_name="Holder", id="h", email="kim@acme.fr")
    assert email_key("kim@") is None
    assert acme.find_contacts(email="kim@") == []


_LOCAL = st.text(
    alphabet=st.characters(codec="utf-8", categories=["Ll", "Lu"]), min_size=1, max_size=8
)


@given(_LOCAL)
def test_two_addresses_share_a_key_only_if_they_differ_in_ascii_case_or_normal_form(
    local: str,
) -> None:
    """Generated look-alikes: the key never merges what ASCII lower-casing would not."""
    try:
        mine = Email(f"{local}@acme.fr")
        folded = Email(f"{local.casefold()}@acme.fr")
    except InvalidValueError:
        return
    same_key = mine.key == folded.key
    ascii_same = mine.address.translate(_LOWER) == folded.address.translate(_LOWER)
    assert same_key == ascii_same


_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


INVISIBLE = [
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u202e",
    "\u202d",
    "\u2066",
    "\u200f",
]


@pytest.mark.parametrize("char", INVISIBLE)
def test_ids_with_invisible_or_bidi_characters_are_refused_everywhere(char: str) -> None:
    bad = f"acme{char}1"
    assert not is_valid_id(bad)
    with pytest.raises(InvalidValueError) as info:
        check_id(bad, "reports_to")
    assert info.value.field == "reports_to"
    with pytest.raises(PolicyViolationError) as refused:
        Account.create(name="ACME SA", id=bad)
    [v] = refused.value.violations
    assert (v.code, v.field, v.policy) == ("id.invalid", "id", "account_identity")
    acme = Account.create(name="ACME SA", id="acme")
    with pytest.raises(PolicyViolationError) as refused:
        acme.add_contact(last_name="Martin", id="c1", reports_to=bad)
    [v] = refused.value.violations
    assert (v.code, v.field, v.entity_id) == ("reports_to.invalid", "reports_to", "c1")
    with pytest.raises(PolicyViolationError) as refused:
        Opportunity.create(name="Deal", account_id=bad, id="o1")
    [v] = refused.value.violations
    assert (v.code, v.field, v.entity_id) == ("account_id.invalid", "account_id", "o1")


def test_bidi_controls_are_shown_not_obeyed() -> None:
    assert neutralise_bidi("Alice\u202eecilA") == "Alice<U+202E>ecilA"
    assert neutralise_bidi("Hélène Dupont") == "Hélène Dupont"
    assert neutralise_bidi("\u2066x\u2069") == "<U+2066>x<U+2069>"


def test_an_empty_date_is_no_date_but_blank_text_is_refused() -> None:
    assert parse_date("", "close_date") is None
    with pytest.raises(InvalidValueError) as info:
        parse_date(" ", "close_date")
    assert info.value.field == "close_date"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"number_of_employees": float("inf")}, "number_of_employees"),
        ({"number_of_employees": 2**63}, "number_of_employees"),
        ({"number_of_employees": "1e400"}, "number_of_employees"),
        ({"phone_region": 33}, "phone_region"),
        ({"extra": {"k": 10**5000}}, "extra.k"),
        ({"extra": {"k": float("nan")}}, "extra.k"),
        ({"extra": {"k": float("-inf")}}, "extra.k"),
        ({"annual_revenue": 10**5000}, "annual_revenue"),
    ],
)
def test_hostile_numbers_are_refused_naming_the_field(
    fields: dict[str, object], field: str
) -> None:
    with pytest.raises(PolicyViolationError) as info:
        Account.create(name="ACME SA", id="acme", **fields)
    [v] = info.value.violations
    assert (v.field, v.entity_id, v.policy) == (field, "acme", "account_fields")
    assert v.code == f"{field.split('.', maxsplit=1)[0]}.invalid"


def test_the_largest_bigint_is_a_valid_head_count() -> None:
    assert Account.create(name="A", number_of_employees=2**63 - 1).number_of_employees == 2**63 - 1


ACME = Account.create(name="ACME SA", id="acme")


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: ACME.find_contacts(email=5), "email"),
        (lambda: ACME.find_contacts(active="yes"), "active"),
        (lambda: ACME.receive_contact("x", "globex"), "contact"),
        (lambda: ACME.release_contact("nobody", 5), None),
        (lambda: ACME.committed("1"), "version"),
    ],
)
def test_wrong_argument_types_name_the_argument(call: object, field: str | None) -> None:
    with pytest.raises((InvalidValueError, NotFoundError)) as info:
        call()  # type: ignore[operator]
    if field is not None:
        assert isinstance(info.value, InvalidValueError)
        assert info.value.field == field


def test_a_currency_that_is_not_text_is_refused_naming_it() -> None:
    with pytest.raises(PolicyViolationError) as info:
        Opportunity.create(name="D", account_id="acme", id="o1", amount=1, currency=978)  # type: ignore[arg-type]
    [v] = info.value.violations
    assert (v.code, v.field, v.entity_id) == ("currency.invalid", "currency", "o1")


def test_primary_must_be_a_bool() -> None:
    deal = Opportunity.create(name="D", account_id="acme", id="o1")
    with pytest.raises(PolicyViolationError) as info:
        deal.add_contact_role("alice", primary="no")  # type: ignore[arg-type]
    [v] = info.value.violations
    assert (v.code, v.field, v.entity_id) == ("primary.invalid", "primary", "o1")


def test_a_huge_refused_value_is_still_reported() -> None:
    assert "(got <int of" in str(InvalidValueError("too big", field="f", value=10**5000))


@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=12),
    st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_any_ascii_case_variant_finds_the_stored_address(local: str, flips: list[bool]) -> None:
    try:
        stored = Email(f"{local}@acme.fr")
    except InvalidValueError:
        return
    typed = "".join(c.upper() if flip else c for c, flip in zip(local, flips, strict=False))
    assert email_key(f"{typed}@ACME.fr") == stored.key


@given(st.sampled_from(sorted(FOLD_LOOKALIKES.items())), st.text(alphabet="abc", max_size=4))
def test_generated_fold_lookalikes_keep_distinct_keys(pair: tuple[str, str], tail: str) -> None:
    lookalike, plain = pair
    assert email_key(f"{lookalike}{tail}@acme.fr") != email_key(f"{plain}{tail}@acme.fr")


@given(st.emails())
def test_the_fast_path_gives_the_validators_key(address: str) -> None:
    try:
        stored = Email(address)
    except InvalidValueError:
        return
    assert email_key(address) == stored.key
    assert email_key(address.upper()) == stored.key
