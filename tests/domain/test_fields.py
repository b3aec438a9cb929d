"""One way to parse caller fields: the same mistake gets the same violation on every entity."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contactgraph import Account, Case, Contact, Opportunity
from contactgraph.domain import ACCOUNT_FIELDS, CONTACT_FIELD_NAMES, CONTACT_FIELDS
from contactgraph.domain.contact import NAME_FIELDS
from contactgraph.domain.fields import (
    CASE_FIELDS,
    OPPORTUNITY_FIELDS,
    parse_contact_fields,
    parse_fields,
    plain,
)
from contactgraph.errors import InvalidValueError, PolicyViolationError, Violation
from contactgraph.testing.strategies import contact_fields, invalid_contact_fields

ACME = Account.create(name="ACME SA", id="acme", phone_region="FR")


def _create_account(**fields: Any) -> object:
    return Account.create(name="ACME SA", id="a1", **fields)


def _add_contact(**fields: Any) -> object:
    return ACME.add_contact(last_name="Martin", id="c1", **fields)


def _create_case(**fields: Any) -> object:
    return Case.create(subject="Invoice", account_id="acme", id="k1", **fields)


def _create_opportunity(**fields: Any) -> object:
    extra = fields.pop("extra", None)
    if fields:  # Opportunity.create has explicit keywords; route the rest through update
        opp = Opportunity.create(name="Renewal", account_id="acme", id="o1")
        return opp.update(**fields, **({"extra": extra} if extra is not None else {}))
    return Opportunity.create(name="Renewal", account_id="acme", id="o1", extra=extra)


MAKERS: dict[str, tuple[Callable[..., object], str]] = {
    "account": (_create_account, "a1"),
    "contact": (_add_contact, "c1"),
    "case": (_create_case, "k1"),
    "opportunity": (_create_opportunity, "o1"),
}


def _refusal(make: Callable[..., object], **fields: Any) -> Violation:
    with pytest.raises(PolicyViolationError) as info:
        make(**fields)
    assert len(info.value.violations) == 1, info.value.violations
    return info.value.violations[0]


@pytest.mark.parametrize("entity", sorted(MAKERS))
def test_an_unknown_field_is_the_same_violation_on_every_entity(entity: str) -> None:
    make, entity_id = MAKERS[entity]
    found = _refusal(make, nickname="Al")
    article = "an" if entity[0] in "aeiou" else "a"
    assert found == Violation(
        "field.unknown",
        f"'nickname' is not {article} {entity} field; custom fields go in extra={{...}}",
        "nickname",
        entity_id,
        policy=f"{entity}_fields",
    )


@pytest.mark.parametrize("entity", sorted(MAKERS))
@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"description": 42}, "description", "must be text"),
        ({"description": "a\x00b"}, "description", "control character U+0000 is not allowed"),
        ({"extra": {"Score__c": [1]}}, "extra.Score__c", "a custom field holds text, a number"),
        ({"extra": {"Score__c": float("nan")}}, "extra.Score__c", "must be finite"),
        ({"extra": {"Score__c": 2**70}}, "extra.Score__c", "must fit in 64 bits"),
        ({"extra": "x"}, "extra", "must be a mapping of custom fields"),
        ({"external_ids": {"sf": 1}}, "external_ids.sf", "must be text"),
        ({"external_ids": []}, "external_ids", "must be a mapping"),
    ],
)
def test_the_same_bad_value_is_the_same_violation_on_every_entity(
    entity: str, fields: dict[str, Any], field: str, message: str
) -> None:
    make, entity_id = MAKERS[entity]
    found = _refusal(make, **fields)
    assert (found.code, found.field, found.entity_id) == (
        f"{field.split('.', maxsplit=1)[0]}.invalid",
        field,
        entity_id,
    )
    assert message in found.message
    assert found.policy == f"{entity}_fields"


@pytest.mark.parametrize(
    ("make", "field", "code", "entity_id"),
    [
        (lambda: Account.create(name=" ", id="a1"), "name", "account_name.required", "a1"),
        (
            lambda: Opportunity.create(name="", account_id="acme", id="o1"),
            "name",
            "opportunity_name.required",
            "o1",
        ),
        (
            lambda: Opportunity.create(name="Renewal", account_id="", id="o1"),
            "account_id",
            "account_id.required",
            "o1",
        ),
        (
            lambda: Case.create(subject=None, account_id="acme", id="k1"),  # type: ignore[arg-type]
            "subject",
            "subject.required",
            "k1",
        ),
        (
            lambda: Case.create(subject="Invoice", account_id=None, id="k1"),  # type: ignore[arg-type]
            "account_id",
            "account_id.required",
            "k1",
        ),
        (lambda: ACME.add_contact(last_name="", id="c1"), "last_name", "last_name.required", "c1"),
    ],
)
def test_a_missing_required_field_says_required(
    make: Callable[[], object], field: str, code: str, entity_id: str
) -> None:
    with pytest.raises(PolicyViolationError) as info:
        make()
    [found] = info.value.violations
    assert (found.code, found.field, found.entity_id) == (code, field, entity_id)
    assert "needs" in found.message


@pytest.mark.parametrize(
    ("table", "field"),
    [
        (ACCOUNT_FIELDS, "billing_address"),
        (CONTACT_FIELDS, "mailing_address"),
    ],
)
def test_an_unknown_address_part_is_named_the_same_way(table: Any, field: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        table[field]({"zip": "75001", "city": "Paris"}, None)
    assert info.value.field == field
    assert "unknown address part(s) ['zip']" in info.value.reason


def test_a_bad_address_part_is_named_inside_its_address() -> None:
    with pytest.raises(PolicyViolationError) as info:
        ACME.add_contact(last_name="Martin", id="c1", mailing_address={"city": 5})
    [found] = info.value.violations
    assert (found.code, found.field, found.entity_id) == (
        "mailing_address.invalid",
        "mailing_address.city",
        "c1",
    )


def test_the_contact_field_list_is_derived_from_the_contact_attributes() -> None:
    managed = {"id", "account_id", "name", "created_at", "updated_at"}
    attributes = [a.name for a in attrs.fields(Contact) if a.name not in managed]
    assert list(CONTACT_FIELD_NAMES) == [
        "last_name",
        "first_name",
        "salutation",
        "middle_name",
        "suffix",
        *attributes,
    ]
    assert list(CONTACT_FIELDS) == list(CONTACT_FIELD_NAMES)


def test_every_table_names_only_fields_its_entity_has() -> None:
    for table, entity in (
        (ACCOUNT_FIELDS, Account),
        (CASE_FIELDS, Case),
        (OPPORTUNITY_FIELDS, Opportunity),
    ):
        names = {a.name for a in attrs.fields(entity)}
        assert set(table) <= names, (entity, set(table) - names)


def test_change_records_are_plain_data_the_same_way_for_every_entity() -> None:
    opp = Opportunity.create(name="Renewal", account_id="acme", id="o1")
    opp = opp.update(amount="12000", currency="eur", close_date="2027-03-31", stage="won")
    changes = {c.field: c.new for c in opp.pending_events[-1].changes}  # type: ignore[attr-defined]
    assert changes == {
        "amount": {"amount": "12000", "currency": "EUR"},
        "close_date": "2027-03-31",
        "stage": "Closed Won",
    }
    case = Case.create(subject="Invoice", account_id="acme", id="k1").update(priority="high")
    assert case.pending_events[-1].changes[0].new == "High"  # type: ignore[attr-defined]
    account = ACME.update(billing_address={"city": "Lyon"}, annual_revenue="1.50")
    news = {c.field: c.new for c in account.pending_events[-1].changes}  # type: ignore[attr-defined]
    assert news == {"billing_address": {"city": "Lyon"}, "annual_revenue": "1.50"}
    assert plain((Decimal("2"), None)) == ["2", None]


_extra_keys = st.sampled_from(["nickname", "Email", "last name", 3, ("t",)])


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(contact_fields(), invalid_contact_fields()),
    st.dictionaries(_extra_keys, st.sampled_from(["x", None, 1])),
    st.sampled_from([None, "FR", "US"]),
)
def test_contact_fields_but_the_name_parse_as_parse_fields_does(
    fields: dict[str, Any], unknown: dict[Any, Any], region: str | None
) -> None:
    """parse_contact_fields runs the table in one pass of its own (the import's hot path):
    what it finds for the fields but the name parts is what parse_fields finds."""
    raw = {**fields, **unknown}
    values, violations = parse_contact_fields(raw, region=region, entity_id="c1")
    others = {k: v for k, v in raw.items() if k not in NAME_FIELDS}
    expected, found = parse_fields(
        CONTACT_FIELDS, others, entity="contact", entity_id="c1", region=region
    )
    assert {k: v for k, v in values.items() if k != "name"} == expected
    assert violations[: len(found)] == found
    assert all(v.field in NAME_FIELDS for v in violations[len(found) :])
