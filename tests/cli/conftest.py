"""Fixtures of the command-line tests: a store URL in a temporary folder, with the demo in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from contactgraph.cli import EXIT_OK, main


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'crm.sqlite'}"


@pytest.fixture
def demo(store_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    """The demo CRM in an SQLite file; returns its URL."""
    assert main(["--store", store_url, "demo"]) == EXIT_OK
    capsys.readouterr()
    return store_url
