"""Accounts the domain tests start from: ACME SA and the people who work there."""

from __future__ import annotations

import pytest

from coldcaches import clear_under_mutation
from contactgraph import Account, Contact


@pytest.fixture(autouse=True)
def _cold_caches() -> None:
    """Under ``./dev mutate``, each test starts with the phone caches empty (see coldcaches)."""
    clear_under_mutation()


@pytest.fixture
def acme() -> Account:
    """ACME SA, a French manufacturer with no contact yet."""
    return Account.create(name="ACME SA", industry="Manufacturing", phone_region="FR")


@pytest.fixture
def acme_team(acme: Account) -> tuple[Account, Contact, Contact, Contact]:
    """ACME SA with Alice Martin (CFO), Bob Durand (accountant, reports to Alice)
    and Chloé Petit (buyer, reports to Bob)."""
    account, alice = acme.add_contact(
        last_name="Martin",
        first_name="Alice",
        salutation="Ms.",
        email="alice@acme.fr",
        phone="01 23 45 67 89",
        title="CFO",
        department="Finance",
        decision_role="Economic Buyer",
    )
    account, bob = account.add_contact(
        last_name="Durand",
        first_name="Bob",
        email="bob@acme.fr",
        title="Accountant",
        department="Finance",
        reports_to=alice.id,
    )
    account, chloe = account.add_contact(
        last_name="Petit",
        first_name="Chloé",
        title="Buyer",
        department="Purchasing",
        reports_to=bob.id,
    )
    return account, alice, bob, chloe
