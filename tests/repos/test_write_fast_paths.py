"""The write path's shortcuts give exactly what the generic code gave.

A save turns every created contact into a history row (``values_of`` then
``encode``) and a contact row (``contact_values``). Their hot paths skip the
generic machinery (``json.dumps`` making an encoder per call, ``plain`` going
through ``attrs.asdict`` for an address, per-row dicts on ``COPY``): each
property here compares the shortcut with the generic code on generated
input.
"""

from __future__ import annotations

import json
from collections.abc import Sized
from typing import Any

import immutables
from hypothesis import given, settings
from hypothesis import strategies as st

from contactgraph.domain import Account, Address, Contact
from contactgraph.domain.contact import CONTACT_FIELD_NAMES, NAME_FIELDS
from contactgraph.domain.fields import plain
from contactgraph.repos import rows
from contactgraph.repos.history import encode, values_of
from contactgraph.testing.strategies import addresses, contact_fields, emails, phones

_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_json = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(_json)
def test_encode_is_json_dumps_of_the_history_format(value: Any) -> None:
    expected = (
        None
        if value is None
        else json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    )
    assert encode(value) == expected


@given(st.dictionaries(st.text(), st.text() | st.integers() | st.booleans() | st.none()))
def test_json_map_is_json_dumps_of_the_column_format(value: dict[str, Any]) -> None:
    stored = immutables.Map(value)
    expected = json.dumps(dict(stored), separators=(",", ":")) if value else None
    assert rows._json_map(stored) == expected


def _generic_values_of(contact: Contact) -> dict[str, Any]:
    """``values_of`` as the generic code computed it: ``plain`` of every field with a value."""
    out: dict[str, Any] = {"account_id": contact.account_id}
    for field in CONTACT_FIELD_NAMES:
        value = (
            getattr(contact.name, NAME_FIELDS[field])
            if field in NAME_FIELDS
            else getattr(contact, field)
        )
        if value is None or (isinstance(value, Sized) and len(value) == 0):
            continue
        out[field] = plain(value)
    return out


_EXTRA = st.dictionaries(
    st.sampled_from(["Score__c", "Region__c", "Flag__c"]),
    st.text(alphabet="abcXYZ é", max_size=5) | st.integers(-5, 5) | st.booleans(),
    max_size=3,
)


@settings(max_examples=60, deadline=None)
@given(
    contact_fields(),
    st.dictionaries(st.sampled_from(["salesforce", "hubspot"]), st.sampled_from(["003A", "x-1"])),
    _EXTRA,
    st.lists(emails(), max_size=2),
    st.lists(phones("FR"), max_size=2),
)
def test_values_of_a_contact_is_plain_of_each_field(
    fields: dict[str, Any],
    external_ids: dict[str, str],
    extra: dict[str, Any],
    alternate_emails: list[str],
    alternate_phones: list[str],
) -> None:
    account = Account.create("ACME SA", billing_address={"country": "France"})
    _, contact = account.add_contact(
        **fields,
        external_ids=external_ids,
        extra=extra,
        alternate_emails=alternate_emails,
        alternate_phones=alternate_phones,
    )
    found = values_of(contact)
    assert found == _generic_values_of(contact)
    assert list(found) == list(_generic_values_of(contact))  # the creation lists them in order
    assert encode(found) == json.dumps(
        _generic_values_of(contact), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )


@given(addresses())
def test_an_address_in_history_is_plain_of_it(parts: dict[str, str]) -> None:
    address = Address(**parts)
    account = Account.create("ACME SA")
    _, contact = account.add_contact("Martin", mailing_address=parts)
    if contact.mailing_address is None:
        assert address.is_empty
        return
    assert values_of(contact)["mailing_address"] == plain(address)


def test_copy_cells_are_the_columns_in_order() -> None:
    """``COPY`` writes a row's values by the table's column order, for every table."""
    from contactgraph.repos.schema import metadata
    from contactgraph.repos.sql.copy import _cells

    for table in metadata.sorted_tables:
        row = {c.name: f"{table.name}.{c.name}" for c in table.columns}
        assert _cells(table)(row) == tuple(row[c.name] for c in table.columns), table.name
