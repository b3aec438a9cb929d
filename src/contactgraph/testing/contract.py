"""The repository contract: one test suite every backend passes.

A backend proves itself by subclassing :class:`StoreContract` (or one of the
smaller contracts) and providing a ``store`` fixture that yields an empty
store::

    import pytest
    import contactgraph as cg
    from contactgraph.testing.contract import StoreContract

    class TestMyBackend(StoreContract):
        @pytest.fixture
        def store(self, tmp_path):
            with cg.open_store(f"sqlite:///{tmp_path / 'crm.db'}") as store:
                yield store

Tenant tests use ``store.for_tenant(...)``; a backend that cannot share its
database between tenants overrides the ``other_tenant`` fixture.

Each contract lives in its own module of :mod:`contactgraph.testing.contracts`;
this module composes them and keeps the names callers import.
"""

from __future__ import annotations

from contactgraph.testing.contracts.accounts import AccountStorageContract
from contactgraph.testing.contracts.aggregates import (
    CaseRepositoryContract,
    OpportunityRepositoryContract,
)
from contactgraph.testing.contracts.base import Boom, ContractBase, acme, globex, rolled_back
from contactgraph.testing.contracts.history import HistoryContract
from contactgraph.testing.contracts.hostile import HOSTILE, HostileInputContract
from contactgraph.testing.contracts.integrity import IntegrityContract
from contactgraph.testing.contracts.lookups import AccountListContract, ContactLookupContract
from contactgraph.testing.contracts.merges import MergeContract
from contactgraph.testing.contracts.privacy import PersonalDataContract
from contactgraph.testing.contracts.relations import RelationRepositoryContract
from contactgraph.testing.contracts.rules import DuplicateRuleContract
from contactgraph.testing.contracts.search import SearchContract
from contactgraph.testing.contracts.tenants import TenantContract
from contactgraph.testing.contracts.transactions import TransactionContract

__all__ = [
    "HOSTILE",
    "AccountListContract",
    "AccountRepositoryContract",
    "AccountStorageContract",
    "Boom",
    "CaseRepositoryContract",
    "ContactLookupContract",
    "ContractBase",
    "DuplicateRuleContract",
    "HistoryContract",
    "HostileInputContract",
    "IntegrityContract",
    "MergeContract",
    "OpportunityRepositoryContract",
    "PersonalDataContract",
    "RelationRepositoryContract",
    "SearchContract",
    "StoreContract",
    "TenantContract",
    "TransactionContract",
    "acme",
    "globex",
    "rolled_back",
]


class AccountRepositoryContract(
    AccountStorageContract, ContactLookupContract, AccountListContract, SearchContract
):
    """Accounts and their contacts: add, get, save, remove, look-ups, lists."""


class StoreContract(
    AccountRepositoryContract,
    OpportunityRepositoryContract,
    CaseRepositoryContract,
    RelationRepositoryContract,
    IntegrityContract,
    TransactionContract,
    TenantContract,
    HostileInputContract,
    HistoryContract,
    PersonalDataContract,
    DuplicateRuleContract,
    MergeContract,
):
    """Everything a store promises; subclass it once per backend."""
