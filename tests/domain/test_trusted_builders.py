"""The value objects' ``trusted`` builders give what their constructors give.

``Email.trusted``, ``PersonName.trusted`` and ``Address.trusted`` set each
slot through its descriptor's setter, looked up once (what
``object.__setattr__`` finds and calls for it): the instance must be the one
the constructor builds from the same normal values (fields, equality, hash),
still frozen, and the one the generic builder ``values._trusted`` makes.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given

from contactgraph.domain import values
from contactgraph.domain.values import Address, Email, PersonName
from contactgraph.testing.strategies import addresses
from contactgraph.testing.values import emails, person_name_fields


def _same(built: Any, expected: Any) -> None:
    assert type(built) is type(expected)
    assert attrs.astuple(built, recurse=False) == attrs.astuple(expected, recurse=False)
    assert built == expected
    assert hash(built) == hash(expected)
    cls = type(expected)
    generic = values._trusted(cls, **attrs.asdict(expected, recurse=False))
    assert attrs.astuple(built, recurse=False) == attrs.astuple(generic, recurse=False)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        built.__setattr__(attrs.fields(cls)[0].name, "x")


@given(emails())
def test_a_trusted_email_is_the_parsed_one(text: str) -> None:
    parsed = Email(text)
    _same(Email.trusted(parsed.address), parsed)


@given(person_name_fields())
def test_a_trusted_name_is_the_constructed_one(fields: dict[str, Any]) -> None:
    parts = {
        "last_name": "last",
        "first_name": "first",
        "salutation": "salutation",
        "middle_name": "middle",
        "suffix": "suffix",
    }
    name = PersonName(**{parts[k]: v for k, v in fields.items()})
    _same(PersonName.trusted(**attrs.asdict(name, recurse=False)), name)
    _same(PersonName.trusted(name.last), PersonName(name.last))


@given(addresses())
def test_a_trusted_address_is_the_constructed_one(parts: dict[str, str]) -> None:
    address = Address(**parts)
    _same(Address.trusted(**attrs.asdict(address, recurse=False)), address)
    _same(Address.trusted(), Address())
