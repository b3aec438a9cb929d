"""Accounts the policy tests judge."""

from __future__ import annotations

import pytest

from coldcaches import clear_under_mutation
from contactgraph import Account


@pytest.fixture(autouse=True)
def _cold_caches() -> None:
    """Under ``./dev mutate``, each test starts with the caches above mutated code empty
    (the policies cache nothing, but their rules call the phones' cached functions)."""
    clear_under_mutation()


@pytest.fixture
def acme() -> Account:
    """ACME SA, a French customer with no contact yet."""
    return Account.create(name="ACME SA", type="Customer", phone_region="FR")
