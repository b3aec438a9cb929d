"""JSON round trips and the validating input edge of contactgraph.serialization."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given

import contactgraph as cg
from contactgraph.serialization import (
    from_json,
    make_converter,
    structure,
    to_json,
    unstructure,
)
from contactgraph.testing import strategies as cgst


@pytest.fixture
def acme() -> cg.Account:
    account = cg.Account.create(
        "ACME SA",
        industry="Manufacturing",
        billing_address={"street": "1 rue de la Paix", "city": "Paris", "country": "France"},
        annual_revenue="1250000.50",
        external_ids={"salesforce": "001000000000001"},
    )
    account, alice = account.add_contact(
        "Martin",
        first_name="Alice",
        salutation="Ms.",
        email="Alice@ACME.fr",
        phone="01 23 45 67 89",
        title="CFO",
        decision_role="Economic Buyer",
        extra={"Picture__c": "https://acme.fr/alice.jpg"},
        external_ids={"salesforce": "003000000000001"},
    )
    account, _ = account.add_contact(
        "Durand", first_name="Bob", reports_to=alice.id, email_opt_out=True
    )
    return account


def test_account_shape_is_plain_and_documented(acme: cg.Account) -> None:
    data = unstructure(acme)
    assert data["name"] == "ACME SA"
    assert data["annual_revenue"] == "1250000.50"
    assert data["version"] == 0
    assert "events" not in data
    assert "pending_events" not in data
    assert [c["last_name"] for c in data["contacts"]] == ["Durand", "Martin"]
    alice = data["contacts"][1]
    assert alice["email"] == "Alice@acme.fr"
    assert alice["phone"] == "+33123456789"
    assert alice["salutation"] == "Ms."
    assert alice["decision_role"] == "Economic Buyer"
    assert alice["extra"] == {"Picture__c": "https://acme.fr/alice.jpg"}
    assert data["contacts"][0]["reports_to"] == alice["id"]
    assert data["created_at"].endswith("+00:00")


@pytest.mark.parametrize("trusted", [False, True])
def test_account_round_trips_exactly(acme: cg.Account, trusted: bool) -> None:
    text = to_json(acme)
    again = from_json(text, cg.Account, trusted=trusted)
    assert again == acme
    assert again.version == acme.version
    assert again.pending_events == ()
    assert to_json(again) == text
    assert again.direct_reports(acme.find_contacts(name="Alice")[0].id)[0].last_name == "Durand"


def test_other_aggregates_round_trip(acme: cg.Account) -> None:
    alice = acme.find_contacts(name="Alice")[0]
    bob = acme.find_contacts(name="Bob")[0]
    deal = cg.Opportunity.create(
        "ACME renewal",
        acme.id,
        stage="Negotiation/Review",
        close_date=date(2027, 3, 31),
        amount=Decimal("12000.00"),
        currency="EUR",
    ).add_contact_role(alice.id, role="Economic Buyer", primary=True)
    deal = deal.add_contact_role(bob.id, role="Influencer")
    ticket = cg.Case.create("Invoice error", acme.id, bob.id, priority="High").close()
    relation = cg.AccountContactRelation.create(
        acme.id, alice.id, roles="Influencer;Evaluator", start_date="2020-01-01"
    )
    for obj in (deal, ticket, relation, alice, alice.name, cg.Address(city="Lyon"), deal.amount):
        for trusted in (False, True):
            assert from_json(to_json(obj), type(obj), trusted=trusted) == obj
    assert unstructure(deal)["amount"] == {"amount": "12000.00", "currency": "EUR"}
    assert unstructure(deal)["contact_roles"][0] == {
        "contact_id": alice.id,
        "role": "Economic Buyer",
        "is_primary": True,
    }


def test_violations_and_row_errors_round_trip() -> None:
    violation = cg.Violation(
        "email.invalid", "not an email", "email", "c1", cg.Severity.WARNING, "contact_fields"
    )
    row = cg.RowError(3, "unknown account", "AccountId", "Contact.csv", "003X")
    assert from_json(to_json(violation), cg.Violation) == violation
    assert from_json(to_json(row), cg.RowError) == row
    assert unstructure([violation])[0]["severity"] == "warning"


@given(cgst.accounts())
def test_accounts_built_by_commands_round_trip(account: cg.Account) -> None:
    text = to_json(account)
    assert from_json(text, cg.Account) == account
    assert from_json(text, cg.Account, trusted=True) == account
    assert to_json(from_json(text, cg.Account)) == text


def _bad(acme: cg.Account, change: Any) -> str:
    data = unstructure(acme)
    change(data)
    return json.dumps(data)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["contacts"][0].update(email="not an address"), "email"),
        (lambda d: d["contacts"][0].update(phone="12"), "phone"),
        (lambda d: d["contacts"][0].update(last_name="  "), "last_name"),
        (lambda d: d["contacts"][0].update(reports_to="nobody"), "reports_to"),
        (lambda d: d["contacts"][1].update(reports_to=d["contacts"][0]["id"]), "reports_to"),
        (lambda d: d["contacts"][0].update(account_id="elsewhere"), "account_id"),
        (lambda d: d["contacts"][0].update(decision_role="Boss"), "decision_role"),
        (lambda d: d["contacts"][0].update(birthdate="31/12/1990"), "birthdate"),
        (lambda d: d.update(name=""), "name"),
        (lambda d: d.update(annual_revenue="lots"), "annual_revenue"),
        (lambda d: d.update(annual_revenue=1.5), "annual_revenue"),
        (lambda d: d.update(title="CEO"), "title"),
        (lambda d: d.update(version=-1), "version"),
        (lambda d: d.update(created_at="yesterday"), "created_at"),
        (lambda d: d["contacts"][0].update(title="CFO\x00"), "title"),
        (lambda d: d.update(billing_address={"planet": "Mars"}), "planet"),
    ],
)
def test_bad_json_names_the_field(acme: cg.Account, change: Any, field: str) -> None:
    text = _bad(acme, change)
    with pytest.raises(cg.ContactGraphError) as info:
        from_json(text, cg.Account)
    found = getattr(info.value, "field", None)
    fields = {v.field for v in getattr(info.value, "violations", ())} | {found}
    assert any(f is not None and field in f for f in fields), info.value


def test_not_json_is_a_contactgraph_error() -> None:
    with pytest.raises(cg.InvalidValueError, match="not valid JSON"):
        from_json("{nope", cg.Account)
    with pytest.raises(cg.InvalidValueError, match="JSON object"):
        from_json("[]", cg.Account)


def test_trusted_mode_reports_malformed_data_as_our_error() -> None:
    with pytest.raises(cg.ContactGraphError):
        structure({"id": "x"}, cg.Account, trusted=True)


def test_bad_opportunity_and_case() -> None:
    deal = cg.Opportunity.create("Deal", "acc-1")
    data = unstructure(deal)
    data["stage"] = "Dreaming"
    with pytest.raises(cg.PolicyViolationError) as info:
        structure(data, cg.Opportunity)
    assert info.value.violations[0].field == "stage"
    data = unstructure(deal)
    data["contact_roles"] = [
        {"contact_id": "a", "role": None, "is_primary": True},
        {"contact_id": "b", "role": None, "is_primary": True},
    ]
    with pytest.raises(cg.InvalidValueError, match="primary"):
        structure(data, cg.Opportunity)
    case = unstructure(cg.Case.create("Help", "acc-1"))
    case["priority"] = "Whenever"
    with pytest.raises(cg.PolicyViolationError):
        structure(case, cg.Case)


def test_make_converter_is_a_cattrs_converter(acme: cg.Account) -> None:
    converter = make_converter()
    data = converter.unstructure([acme])
    assert converter.structure(data, list[cg.Account]) == [acme]


def _documented_account_example() -> dict[str, Any]:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "reference" / "json.md").read_text()
    block = doc.split("## Example: an account", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    example: dict[str, Any] = json.loads(block)
    return example


def test_keys_and_their_order_are_the_documented_ones(acme: cg.Account) -> None:
    example = _documented_account_example()
    data = unstructure(acme)
    assert list(data) == list(example)
    assert list(data["contacts"][0]) == list(example["contacts"][0])
    assert list(data["billing_address"]) == list(example["billing_address"])
    text = to_json(acme)
    assert text.index('"salutation"') < text.index('"first_name"') < text.index('"last_name"')


def test_documented_example_reads_back_and_writes_the_same_text() -> None:
    example = _documented_account_example()
    text = json.dumps(example, ensure_ascii=False, separators=(",", ":"))
    for trusted in (False, True):
        account = from_json(text, cg.Account, trusted=trusted)
        assert to_json(account) == text
        assert account.version == 3


def test_case_lists_its_contact_before_its_subject() -> None:
    data = unstructure(cg.Case.create("Help", "acc-1", "c-1"))
    assert list(data)[:4] == ["id", "account_id", "contact_id", "subject"]
    assert "events" not in data


def test_the_old_path_and_the_interop_package_are_one_api() -> None:
    import contactgraph.interop.json as new
    import contactgraph.serialization as old

    assert set(old.__all__) == set(new.__all__)
    assert all(getattr(old, name) is getattr(new, name) for name in new.__all__)


def test_unknown_key_in_a_contact_is_refused_by_name(acme: cg.Account) -> None:
    data = unstructure(acme)
    data["contacts"][0]["nickname"] = "Al"
    with pytest.raises(cg.ContactGraphError) as info:
        structure(data, cg.Account)
    fields = {v.field for v in getattr(info.value, "violations", ())}
    assert any(f and "nickname" in f for f in fields | {getattr(info.value, "field", None)})


def test_trusted_reading_of_a_lone_contact_and_name_keeps_every_part(acme: cg.Account) -> None:
    alice = acme.find_contacts(name="Alice")[0]
    again = structure(unstructure(alice), cg.Contact, trusted=True)
    assert again == alice
    assert again.name.salutation is cg.Salutation.MS
    assert structure({"last_name": "Martin"}, cg.PersonName, trusted=True).first is None


def test_unstructured_values_are_plain_json_types(acme: cg.Account) -> None:
    alice = unstructure(acme)["contacts"][1]
    assert type(alice["decision_role"]) is str
    assert type(alice["salutation"]) is str
    assert type(alice["created_at"]) is str
    assert type(unstructure(acme)["annual_revenue"]) is str


def test_to_json_writes_the_text_of_unstructure(acme: cg.Account) -> None:
    alice = acme.find_contacts(name="Alice")[0]
    odd_offset = datetime(2027, 1, 5, 9, 30, tzinfo=timezone(timedelta(hours=-2, seconds=-15)))
    for obj in (
        acme,
        [acme, alice],
        {"accounts": [acme], "at": odd_offset, "on": date(2027, 1, 5)},
        alice.name,
        Decimal("1.50"),
        acme.external_ids,
    ):
        for indent in (False, True):
            option = orjson.OPT_INDENT_2 if indent else 0
            assert (
                to_json(obj, indent=indent)
                == orjson.dumps(unstructure(obj), option=option).decode()
            )
    assert to_json({"at": odd_offset}).endswith('-02:00:15"}')
