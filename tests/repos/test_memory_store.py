"""The in-memory store passes the shared contract."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import contactgraph as cg
from contactgraph.testing.contract import Boom, StoreContract, acme, rolled_back


class TestMemoryStore(StoreContract):
    @pytest.fixture
    def store(self) -> Iterator[cg.Store]:
        with cg.open_store() as store:
            yield store


def test_named_memory_databases_are_shared_while_open() -> None:
    with cg.open_store("memory://shared-crm") as first:
        first.accounts.add(acme()[0])
        with cg.open_store("memory://shared-crm") as second:
            assert second.accounts.count() == 1
        with cg.open_store("memory://") as private:
            assert private.accounts.count() == 0


def test_rollback_keeps_the_snapshot_taken_before_the_transaction() -> None:
    store = cg.open_store()
    backend = store.backend
    assert isinstance(backend, cg.repos.MemoryBackend)
    before = backend.database.tables(store.tenant)
    with pytest.raises(Boom):
        rolled_back(store, lambda: store.accounts.add(acme()[0]))
    assert backend.database.tables(store.tenant) is before
