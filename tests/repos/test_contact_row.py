"""A contact's row (and its creation entry's text) is what the generic derivation gives.

``contact_rows.contact_row`` (the tuple ``COPY`` sends) and ``contact_values``
(the same keyed by column, both re-exported by ``rows``) compute each derived text once and share it (the
full name's key is also the search key's first line, the email's key its
second). The reference below derives every column on its own, with the
search helpers of :mod:`contactgraph.repos.keys`, as the row builder did
before; the property compares the two on generated contacts, unverified
phones, non-text custom fields and later updates included. The creation text
``contact_rows.contact_creation_text`` writes in one walk is held to the history's own
``encode(values_of(c))``.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from contactgraph.domain import Account, Address, Contact, Phone
from contactgraph.domain.contact import CONTACT_FIELD_NAMES
from contactgraph.repos import contact_rows, rows
from contactgraph.repos.history import account_entries, encode, values_of
from contactgraph.repos.keys import contact_search_key, key, name_keys, to_micros
from contactgraph.repos.schema import contacts
from contactgraph.testing.strategies import contact_fields, emails, phones


def _address(prefix: str, address: Address | None) -> dict[str, Any]:
    parts = ("street", "city", "state", "postal_code", "country")
    return {f"{prefix}_{p}": getattr(address, p) if address else None for p in parts}


def _json_map(value: Any) -> str | None:
    return json.dumps(dict(value), separators=(",", ":")) if value else None


def reference_values(tenant: str, c: Contact) -> dict[str, Any]:
    """Each column derived on its own (the row builder of 9af367e)."""
    name, email = c.name, c.email
    last_key, first_key, middle_key, full_key = name_keys(c)
    return {
        "tenant": tenant,
        "id": c.id,
        "account_id": c.account_id,
        "salutation": name.salutation.value if name.salutation is not None else None,
        "first_name": name.first,
        "middle_name": name.middle,
        "last_name": name.last,
        "suffix": name.suffix,
        "email": email.address if email is not None else None,
        "email_key": email.match_key if email is not None else None,
        "email_search": key(email.address) if email is not None else None,
        "phone": c.phone.e164 if c.phone is not None else None,
        "mobile": c.mobile.e164 if c.mobile is not None else None,
        "title": c.title,
        "title_key": key(c.title or ""),
        "department": c.department,
        "department_key": key(c.department or ""),
        **_address("mailing", c.mailing_address),
        "reports_to": c.reports_to,
        "decision_role": c.decision_role.value if c.decision_role is not None else None,
        "active": c.active,
        "email_opt_out": c.email_opt_out,
        "do_not_call": c.do_not_call,
        "description": c.description,
        "birthdate": c.birthdate.isoformat() if c.birthdate is not None else None,
        "lead_source": c.lead_source,
        "alternate_emails": (
            json.dumps([e.address for e in c.alternate_emails]) if c.alternate_emails else None
        ),
        "alternate_phones": (
            json.dumps([p.e164 for p in c.alternate_phones]) if c.alternate_phones else None
        ),
        "external_ids": _json_map(c.external_ids),
        "extra": _json_map(c.extra),
        "created_at": to_micros(c.created_at),
        "updated_at": to_micros(c.updated_at),
        "last_key": last_key,
        "first_key": first_key,
        "middle_key": middle_key,
        "full_key": full_key,
        "search_key": contact_search_key(c),
    }


_TEXT = 'aZ0-"\\/é€😀'
"""Characters JSON writes as they are, escaped, or as \\u escapes (one a surrogate pair)."""
_EXTRA = st.dictionaries(
    st.sampled_from(["Score__c", "Région__c", 'Fl"ag__c']),
    st.text(_TEXT, max_size=5) | st.integers(-5, 5) | st.booleans() | st.none(),
    max_size=3,
)
_UNVERIFIED = st.sampled_from(["01 44 27 44 27", "(415) 555-0100 x12", "4427"])


@settings(max_examples=150, deadline=None)
@given(
    contact_fields(),
    st.dictionaries(
        st.sampled_from(["salesforce", "hübspot"]), st.text(_TEXT, min_size=1, max_size=6)
    ),
    _EXTRA,
    st.lists(emails(), max_size=2),
    st.lists(phones("FR"), max_size=2),
    st.sampled_from([None, "phone", "mobile"]),
    st.integers(0, 2),
    st.none() | st.dates(),
)
def test_the_contact_row_is_each_column_derived_alone(  # noqa: PLR0917 - generated parts
    fields: dict[str, Any],
    external_ids: dict[str, str],
    extra: dict[str, Any],
    alternate_emails: list[str],
    alternate_phones: list[str],
    unverified: str | None,
    later: int,
    birthdate: date | None,
) -> None:
    account = Account.create("ACME SA", billing_address={"country": "France"})
    _, contact = account.add_contact(
        **fields,
        external_ids=external_ids,
        extra=extra,
        alternate_emails=alternate_emails,
        alternate_phones=alternate_phones,
    )
    if unverified is not None:
        contact = attrs.evolve(contact, **{unverified: Phone.unverified("01 44 27 44 27")})
    if birthdate is not None:
        contact = attrs.evolve(contact, birthdate=birthdate)
    if later:  # updated after its creation: the two times differ
        contact = attrs.evolve(
            contact, updated_at=contact.created_at + timedelta(microseconds=later)
        )
    found = rows.contact_values("t1", contact)
    assert found == reference_values("t1", contact)
    assert list(found) == list(reference_values("t1", contact))
    assert rows.contact_row("t1", contact) == tuple(reference_values("t1", contact).values())
    assert list(reference_values("t1", contact)) == [c.name for c in contacts.columns]
    assert rows.contact_creation_text(contact) == encode(values_of(contact))


def test_the_creation_text_writes_every_field_a_creation_may_hold() -> None:
    """The one-walk writer names each field by hand: the list it writes is the
    history's list of contact fields, sorted (a new field must be added there)."""
    assert tuple(f for f, _ in contact_rows._CREATION_FIELDS) == contact_rows._WRITTEN_FIELDS
    assert set(contact_rows._WRITTEN_FIELDS) == {"account_id", *CONTACT_FIELD_NAMES}
    written = ("city", "country", "postal_code", "state", "street")  # _address_text's lines
    assert written == contact_rows._ADDRESS_SORTED


@given(_UNVERIFIED, st.sampled_from(["phone", "mobile"]))
def test_an_unverified_phone_is_its_digits_in_the_search_key(text: str, field: str) -> None:
    account = Account.create("ACME SA")
    _, contact = account.add_contact("Martin")
    contact = attrs.evolve(contact, **{field: Phone.unverified(text)})
    search_key = rows.contact_values("t1", contact)["search_key"]
    assert search_key == contact_search_key(contact)
    assert "unverified" not in search_key


@settings(max_examples=60, deadline=None)
@given(contact_fields(), st.lists(emails(), max_size=2), st.booleans())
def test_the_history_writes_a_creation_entry_as_the_generic_encoding(
    fields: dict[str, Any], alternate_emails: list[str], changed_later: bool
) -> None:
    """``account_entries`` writes a contact's creation text in one walk when nothing
    later in the batch changed it, and from its values with the changes undone
    otherwise: either way the text ``encode`` gives of the values it was created with."""
    account = Account.create("ACME SA", billing_address={"country": "France"})
    account, created = account.add_contact(**fields, alternate_emails=alternate_emails)
    if changed_later:
        account = account.update_contact(created.id, title="Buyer", department="Purchasing")
    entries = [
        e
        for e in account_entries(account, None)
        if e.record_id == created.id and e.action == "created"
    ]
    assert [e.new for e in entries] == [encode(values_of(created))]
