"""Fixtures for the graph tests: every test runs on the memory and the SQLite store."""

from __future__ import annotations

from typing import Any

import pytest
from graphkit import Crm, SpyStore, build_crm


@pytest.fixture
def crm(store: Any) -> Crm:
    return build_crm(store)


@pytest.fixture
def spy(store: Any) -> SpyStore:
    return SpyStore(store)
