"""Fixtures for the graph tests: every test runs on the memory and the SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graphkit import BACKENDS, Crm, SpyStore, build_crm, open_test_store


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A real store: in memory, then SQLite in a temporary file."""
    s = open_test_store(request.param, tmp_path)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def crm(store: Any) -> Crm:
    return build_crm(store)


@pytest.fixture
def spy(store: Any) -> SpyStore:
    return SpyStore(store)
