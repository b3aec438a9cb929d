"""Accounts the policy tests judge."""

from __future__ import annotations

import pytest

from contactgraph import Account


@pytest.fixture
def acme() -> Account:
    """ACME SA, a French customer with no contact yet."""
    return Account.create(name="ACME SA", type="Customer", phone_region="FR")
