"""Fixtures for the interop tests: stores (memory, then SQLite) and a comparable snapshot."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from contactgraph.interop import ImportOptions
from contactgraph.serialization import unstructure
from storekit import open_test_store

VOLATILE = frozenset({"created_at", "updated_at", "version", "opened_at", "closed_at"})
"""Timestamps and versions: set by the store and the clock, not by the data."""

US = ImportOptions(default_region="US")
US_GUESTS = ImportOptions(default_region="US", orphan_account="Coral Cloud Guests")


@pytest.fixture
def new_store(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[[], Any]]:
    """Opens further stores of the same kind as ``store`` (for round trips)."""
    callspec = getattr(request.node, "callspec", None)
    kind = callspec.params.get("store", "memory") if callspec is not None else "memory"
    opened: list[Any] = []

    def make() -> Any:
        folder = tmp_path / f"more{len(opened)}"
        folder.mkdir()
        s = open_test_store(kind, folder)
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()


def _clean(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _clean(v) for k, v in data.items() if k not in VOLATILE}
    if isinstance(data, list):
        return [_clean(x) for x in data]
    return data


def snapshot(store: Any) -> dict[str, Any]:
    """Everything the store holds, as plain data without timestamps and versions."""
    return _clean(
        {
            "accounts": sorted((unstructure(a) for a in store.accounts), key=lambda a: a["id"]),
            "opportunities": sorted(
                (unstructure(o) for o in store.opportunities.list()), key=lambda o: o["id"]
            ),
            "cases": sorted((unstructure(c) for c in store.cases.list()), key=lambda c: c["id"]),
            "relations": sorted(
                (unstructure(r) for r in store.relations.list()), key=lambda r: r["id"]
            ),
        }
    )


def exact_snapshot(store: Any) -> dict[str, Any]:
    """Everything, versions and timestamps included: for "nothing changed" checks."""
    return {
        "accounts": sorted((unstructure(a) for a in store.accounts), key=lambda a: a["id"]),
        "opportunities": [unstructure(o) for o in store.opportunities.list()],
        "cases": [unstructure(c) for c in store.cases.list()],
        "relations": [unstructure(r) for r in store.relations.list()],
    }
