"""The PostgreSQL store passes the shared contract, on a real server.

Each test works in a tenant of its own on one shared database: a fresh
tenant is an empty store, which is what the contract needs, without the
cost of a database per test.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

import contactgraph as cg
from contactgraph.testing.contract import StoreContract, acme

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_base(postgres_url: str) -> Iterator[cg.Store]:
    with cg.open_store(postgres_url, tenant="base") as store:
        yield store


class TestPostgresStore(StoreContract):
    @pytest.fixture
    def store(self, pg_base: cg.Store) -> Iterator[cg.Store]:
        store = pg_base.for_tenant(f"t{uuid.uuid4().hex}")
        yield store
        store.close()


def test_a_second_open_finds_the_schema_and_the_data(postgres_url: str) -> None:
    account, _ = acme()
    tenant = f"t{uuid.uuid4().hex}"
    with cg.open_store(postgres_url, tenant=tenant) as first:
        first.accounts.add(account)
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with cg.open_store(plain, tenant=tenant) as second:
        assert second.accounts.get(account.id) == account.committed(1)


def test_text_columns_sort_by_code_point_like_python(postgres_url: str) -> None:
    with cg.open_store(postgres_url, tenant=f"t{uuid.uuid4().hex}") as store:
        names = ["b", "B", "a", "_", "é", "Z", "z", "ä"]
        for i, name in enumerate(names):
            store.accounts.add(cg.Account.create(name=f"x{i}", id=name))
        assert [a.id for a in store.accounts.list(order_by="id")] == sorted(names)
