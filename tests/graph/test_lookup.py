"""Finding records the way people name them, on every backend."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

import contactgraph as cg
from contactgraph.errors import InvalidValueError, NotFoundError
from contactgraph.graph.lookup import (
    AmbiguousNameError,
    UnknownNameError,
    find_account,
    find_case,
    find_contact,
    find_opportunity,
    search_accounts,
)


@pytest.fixture
def acme(store: Any) -> cg.Account:
    account = cg.Account.create(
        name="ACME SA", type="Customer", billing_address={"city": "Lyon", "country": "France"}
    )
    account, alice = account.add_contact(
        last_name="Martin", first_name="Alice", email="alice@acme.fr", title="CFO"
    )
    account, _ = account.add_contact(last_name="Durand", first_name="Bob", reports_to=alice.id)
    saved: cg.Account = store.accounts.add(account)
    return saved


def test_an_account_by_id_and_by_name_ignoring_case_and_accents(
    store: Any, acme: cg.Account
) -> None:
    store.accounts.add(cg.Account.create(name="Société Générale"))
    assert find_account(store, acme.id).id == acme.id
    assert find_account(store, "  acme sa ").id == acme.id
    assert find_account(store, "SOCIETE GENERALE").name == "Société Générale"


def test_a_shared_name_lists_candidates_with_what_tells_them_apart(
    store: Any, acme: cg.Account
) -> None:
    other = store.accounts.add(cg.Account.create(name="Acme SA", billing_address={"city": "Paris"}))
    with pytest.raises(AmbiguousNameError) as caught:
        find_account(store, "acme sa")
    error = caught.value
    assert error.total == 2
    by_id = {c.id: dict(c.details) for c in error.candidates}
    assert by_id[acme.id] == {"city": "Lyon", "type": "Customer", "contacts": "2"}
    assert by_id[other.id] == {"city": "Paris", "contacts": "0"}
    assert acme.id in str(error)
    assert not isinstance(error, NotFoundError)  # a shared name is never "not found"
    assert find_account(store, "Acme SA").id == other.id  # written exactly: that one


def test_an_unknown_name_suggests_the_closest(store: Any, acme: cg.Account) -> None:
    store.accounts.add(cg.Account.create(name="Globex GmbH"))
    with pytest.raises(UnknownNameError) as caught:
        find_account(store, "acme")
    assert [c.name for c in caught.value.suggestions] == ["ACME SA"]
    assert "did you mean 'ACME SA'" in str(caught.value)
    with pytest.raises(UnknownNameError) as caught:
        find_account(store, "Globox GmbH")  # a typo
    assert [c.name for c in caught.value.suggestions] == ["Globex GmbH"]
    with pytest.raises(UnknownNameError) as caught:
        find_account(store, "Initech")
    assert caught.value.suggestions == ()
    assert caught.value.kind == "Account"


@pytest.mark.parametrize("key", ["", "   ", "x" * 1001])
def test_empty_or_huge_keys_are_refused_before_any_search(store: Any, key: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        find_contact(store, key)
    assert caught.value.field == "contact"


def test_a_contact_by_id_email_and_name(store: Any, acme: cg.Account) -> None:
    alice = next(c for c in acme.contacts.values() if c.first_name == "Alice")
    assert find_contact(store, alice.id).id == alice.id
    assert find_contact(store, "ALICE@acme.fr").id == alice.id
    assert find_contact(store, "alice martin").id == alice.id
    assert find_contact(store, "Durand").first_name == "Bob"


def test_contacts_sharing_a_name_are_candidates_naming_their_account(
    store: Any, acme: cg.Account
) -> None:
    globex, _ = cg.Account.create(name="Globex GmbH").add_contact(
        last_name="Martin", first_name="Alice"
    )
    globex = store.accounts.add(globex)
    with pytest.raises(AmbiguousNameError) as caught:
        find_contact(store, "Martin")
    assert {dict(c.details)["at"] for c in caught.value.candidates} == {"ACME SA", "Globex GmbH"}
    assert find_contact(store, "Martin", account_id=globex.id).account_id == globex.id


def test_opportunities_and_cases_by_id_and_name(store: Any, acme: cg.Account) -> None:
    deal = store.opportunities.add(
        cg.Opportunity.create(name="ACME renewal", account_id=acme.id, close_date=date(2027, 3, 31))
    )
    ticket = store.cases.add(cg.Case.create(subject="Invoice error", account_id=acme.id))
    assert find_opportunity(store, "acme renewal").id == deal.id
    assert find_opportunity(store, deal.id).id == deal.id
    assert find_case(store, "invoice error").id == ticket.id
    store.cases.add(cg.Case.create(subject="Invoice error", account_id=acme.id))
    with pytest.raises(AmbiguousNameError) as caught:
        find_case(store, "Invoice error")
    assert {dict(c.details)["status"] for c in caught.value.candidates} == {"New"}
    with pytest.raises(UnknownNameError):
        find_opportunity(store, "ACME renewal", account_id="elsewhere")


def test_search_accounts_stops_at_its_limit(store: Any, acme: cg.Account) -> None:
    for name in ("ACME Services", "ACME Logistique", "Globex"):
        store.accounts.add(cg.Account.create(name=name))
    assert [a.name for a in search_accounts(store, "acme", limit=None)] == [
        "ACME Logistique",
        "ACME SA",
        "ACME Services",
    ]
    assert len(search_accounts(store, "acme", limit=2)) == 2
    assert search_accounts(store, "ACME", limit=0) == []
