"""Hostile text through every single-line entry point: refused cleanly or kept faithfully."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactgraph import Account, PolicyViolationError
from contactgraph.testing import strategies as cgst

FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
SINGLE_LINE_FIELDS = [
    "last_name",
    "first_name",
    "middle_name",
    "suffix",
    "title",
    "department",
    "lead_source",
    "email",
    "phone",
    "salutation",
    "decision_role",
]


def _stored_text(value: object) -> str:
    return str(getattr(value, "value", value))


@given(field=st.sampled_from(SINGLE_LINE_FIELDS), text=cgst.hostile_strings())
def test_a_hostile_value_is_refused_with_its_field_or_stored_as_clean_text(
    field: str, text: str
) -> None:
    acme = Account.create(name="ACME SA", phone_region="FR")
    fields = {"last_name": "Martin", field: text}
    try:
        after, contact = acme.add_contact(**fields)
    except PolicyViolationError as refused:
        refusal = refused
    else:
        refusal = None
    if refusal is not None:
        assert {v.field for v in refusal.violations} == {field}
        assert len(acme) == 0
        return
    stored = contact.field_value(field)
    if stored is None:  # blank input means "not given"
        assert not text.strip()
        return
    shown = _stored_text(stored)
    assert not FORBIDDEN.search(shown)
    shown.encode("utf-8")  # a store or a file can keep it
    assert after.contact(contact.id) == contact


@given(cgst.control_strings())
def test_a_control_character_in_an_account_name_is_refused(name: str) -> None:
    with pytest.raises(PolicyViolationError) as info:
        Account.create(name=name)
    assert [v.field for v in info.value.violations] == ["name"]


@given(cgst.hostile_strings())
def test_searching_with_hostile_text_finds_nothing_and_raises_nothing(text: str) -> None:
    acme, _ = Account.create(name="ACME SA").add_contact(last_name="Martin", email="a@acme.fr")
    assert acme.find_contacts(name=text) == [] or text.strip().casefold() == "martin"
    assert acme.find_contacts(email=text, title=text, department=text) == []
    assert acme.find_contacts(phone=text) == []
