"""Web tests: the same API on memory, SQLite and PostgreSQL, through an in-process client."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

import contactgraph as cg
from contactgraph.web import create_app

WEB_BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=WEB_BACKENDS)
def web_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[cg.Store]:
    """An empty store of each kind (PostgreSQL: a fresh tenant of the session's database)."""
    if request.param == "memory":
        store = cg.open_store()
    elif request.param == "sqlite":
        store = cg.open_store(f"sqlite:///{tmp_path}/crm.db")
    else:
        url = request.getfixturevalue("postgres_url")
        store = cg.open_store(url, tenant=f"t{uuid.uuid4().hex}")
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def client(web_store: cg.Store) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(web_store)) as test_client:
        yield test_client
