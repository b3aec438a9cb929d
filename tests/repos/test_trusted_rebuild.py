"""The stores' trusted read path builds what the validated path builds.

Rows are rebuilt without running the converters again
(:mod:`contactgraph.domain.rebuild`, used by :mod:`contactgraph.repos.rows`);
for every valid value the result must equal the validated object, field by
field, or a read would hand out something the domain could never have made.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contactgraph.domain import Account, Address, Contact, Email, Phone, rebuild
from contactgraph.repos import rows
from contactgraph.testing import strategies as cgst


def _fields(obj: Any) -> tuple[Any, ...]:
    return tuple(getattr(obj, a.name) for a in attrs.fields(type(obj)))


@given(cgst.emails())
def test_a_rebuilt_email_is_the_validated_one(text: str) -> None:
    validated = Email(text)
    rebuilt = rebuild.email(validated.address)
    assert rebuilt == validated
    assert type(rebuilt) is Email
    assert rebuilt.key == validated.key


@given(cgst.phones("FR"))
def test_a_rebuilt_phone_is_the_validated_one(text: str) -> None:
    validated = Phone.parse(text, "FR")
    rebuilt = rebuild.phone(validated.e164)
    assert rebuilt == validated
    assert (rebuilt.number, rebuilt.extension) == (validated.number, validated.extension)


@given(cgst.person_name_fields())
def test_a_rebuilt_name_is_the_validated_one(fields: dict[str, Any]) -> None:
    _, contact = Account.create(name="ACME SA").add_contact(**fields)
    validated = contact.name
    rebuilt = rebuild.person_name(*_fields(validated))
    assert rebuilt == validated
    assert rebuilt.full == validated.full


@given(cgst.addresses())
def test_a_rebuilt_address_is_the_validated_one(parts: dict[str, str]) -> None:
    validated = Address(**parts)
    assert rebuild.address(*_fields(validated)) == validated


def _row(values: dict[str, Any]) -> tuple[Any, ...]:
    """The row a SELECT of the reader's columns returns for a written row."""
    return tuple(values[c.name] for c in rows.CONTACT.columns)


@settings(max_examples=60)
@given(cgst.accounts(max_contacts=6, max_commands=6))
def test_a_contact_read_back_from_its_row_equals_the_stored_one(account: Account) -> None:
    for contact in account.contacts.values():
        rebuilt = rows.CONTACT.build(*_row(rows.contact_values("acme", contact)))
        assert type(rebuilt) is Contact
        assert _fields(rebuilt) == _fields(contact)
        assert rebuilt == contact


@given(st.text(max_size=20), st.text(max_size=20))
def test_a_rebuilder_sets_exactly_the_values_given(last: str, first: str) -> None:
    name = rebuild.person_name(last, first, None, None, None)
    assert (name.last, name.first, name.salutation, name.middle, name.suffix) == (
        last,
        first,
        None,
        None,
        None,
    )


def test_a_rebuilder_takes_every_field_in_declaration_order() -> None:
    names = [a.name for a in attrs.fields(Contact)]
    with pytest.raises(TypeError):
        rebuild.contact(*range(len(names) - 1))
    built = rebuild.contact(*range(len(names)))
    assert [getattr(built, n) for n in names] == list(range(len(names)))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        built.id = "other"  # type: ignore[misc]
