"""A contact id taken by another account is refused by name, on insert and on save, and the
transaction around the refused write goes on (the SQL stores look the new ids up before
writing anything, so the refusal needs no savepoint to take the write back)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

import contactgraph as cg


@pytest.fixture(params=["here", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest, store: Any) -> Iterator[Any]:
    """The backend's store, and a PostgreSQL store whose contacts go through ``COPY``."""
    if request.param == "here":
        yield store
        return
    url = request.getfixturevalue("postgres_url")
    with cg.open_store(url, tenant=f"t{uuid.uuid4().hex}") as pg:
        yield pg


def _two_accounts() -> tuple[cg.Account, str, cg.Account]:
    acme = cg.Account.create(name="ACME SA")
    acme, alice = acme.add_contact(last_name="Martin")
    globex = cg.Account.create(name="Globex")
    globex, _ = globex.add_contact(last_name="Durand")
    return acme, alice.id, globex


def test_a_save_adding_a_taken_id_is_refused_by_name_and_the_transaction_goes_on(
    any_store: Any,
) -> None:
    store = any_store
    acme, alice, globex = _two_accounts()
    store.accounts.add(acme)
    globex = store.accounts.add(globex)
    with store.transaction():
        taking, _ = globex.add_contact(last_name="Fresh")
        taking, _ = taking.add_contact(last_name="Copy", id=alice)
        with pytest.raises(cg.PolicyViolationError) as caught:
            store.accounts.save(taking)
        [violation] = caught.value.violations
        assert (violation.code, violation.entity_id) == ("id.duplicate", alice)
        assert acme.id in violation.message
        fine, _ = globex.add_contact(last_name="Later")
        store.accounts.save(fine)
    again = store.accounts.get(globex.id)
    assert sorted(c.name.last for c in again.contacts.values()) == ["Durand", "Later"]
    assert store.accounts.account_of(alice).id == acme.id
    assert store.accounts.count_contacts() == 3


def test_an_add_with_a_taken_id_writes_nothing_of_the_account(any_store: Any) -> None:
    store = any_store
    acme, alice, _ = _two_accounts()
    store.accounts.add(acme)
    impostor = cg.Account.create(name="Impostor")
    impostor, _ = impostor.add_contact(last_name="Fresh")
    impostor, _ = impostor.add_contact(last_name="Copy", id=alice)
    with pytest.raises(cg.PolicyViolationError, match="taken"):
        store.accounts.add(impostor)
    assert [a.name for a in store.accounts] == ["ACME SA"]
    assert store.accounts.count_contacts() == 1
