"""Look-up keys: the fast paths agree with the domain's definitions."""

from __future__ import annotations

import inspect
from typing import get_type_hints

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactgraph.domain import match_key
from contactgraph.errors import InvalidValueError
from contactgraph.repos.keys import ContactQuery, is_storable, key
from contactgraph.repos.protocol import AccountRepository, ContactCriteria
from contactgraph.repos.repositories import Accounts


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


def test_the_query_keeps_one_field_per_find_contacts_keyword() -> None:
    """``ContactCriteria`` declares the keywords; the normalised query follows it."""
    fields = [f.name for f in attrs.fields(ContactQuery)]
    assert fields == [*get_type_hints(ContactCriteria), "impossible", "phone_also", "line"]


def test_every_repository_takes_the_declared_keywords() -> None:
    for find in (Accounts.find_contacts, AccountRepository.find_contacts):
        kinds = [p.kind for p in inspect.signature(find).parameters.values()]
        assert kinds == [inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.VAR_KEYWORD]


def test_a_keyword_that_is_no_criterion_is_refused_naming_it() -> None:
    with pytest.raises(InvalidValueError) as caught:
        ContactQuery.build(nickname="Ali")  # type: ignore[call-arg]
    assert caught.value.field == "nickname"
    assert "email" in str(caught.value)


def test_criteria_are_normalised_into_keys() -> None:
    query = ContactQuery.build(
        email=" Alice@ACME.fr ", phone="+33 1 23 45 67 89", name="ÉLODIE", active=True, limit=3
    )
    assert (query.email, query.phone, query.name) == ("alice@acme.fr", "+33123456789", "elodie")
    assert (query.active, query.limit, query.impossible) == (True, 3, False)
    assert ContactQuery.build(phone="not a number").impossible
    assert ContactQuery.build(name=" ").impossible
    assert ContactQuery.build(title="CFO", limit=0) == ContactQuery(
        title="cfo", limit=0, impossible=True
    )
