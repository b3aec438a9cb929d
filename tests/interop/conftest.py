"""Fixtures for the interop tests: further stores of the same kind, for round trips."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from storekit import open_test_store


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
