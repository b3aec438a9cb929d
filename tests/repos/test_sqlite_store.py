"""The SQLite store passes the shared contract, on a file and in memory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import contactgraph as cg
from contactgraph.testing.contract import StoreContract


class TestSQLiteFileStore(StoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[cg.Store]:
        with cg.open_store(f"sqlite:///{tmp_path / 'crm.db'}") as store:
            yield store


class TestSQLiteMemoryStore(StoreContract):
    @pytest.fixture
    def store(self) -> Iterator[cg.Store]:
        with cg.open_store("sqlite://") as store:
            yield store
