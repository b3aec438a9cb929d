"""Stores for the feature suites (graph, interop, CLI): the same tests on memory and SQLite."""

from __future__ import annotations

from pathlib import Path

import contactgraph as cg
from contactgraph.store import Store

BACKENDS = ["memory", "sqlite"]
"""The stores the feature suites (graph, interop, CLI) run on; tests/repos covers PostgreSQL."""


def open_test_store(kind: str, tmp_path: Path) -> Store:
    """A fresh store of ``kind`` ("memory" or "sqlite", in a file under ``tmp_path``)."""
    if kind == "memory":
        return cg.open_store()
    if kind == "sqlite":
        return cg.open_store(f"sqlite:///{tmp_path}/crm.db")
    raise ValueError(f"unknown test store kind {kind!r}")
