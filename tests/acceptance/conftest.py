"""The acceptance layer's folders: the public sample data sets beside the repository.

Both come from the one ``fixtures_dir`` fixture (tests/conftest.py), which
skips with a message on a bare clone and fails in CI when they are missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def more_dir(fixtures_dir: Path) -> Path:
    """``../shared/fixtures/salesforce-more`` (see its SOURCES.md)."""
    return fixtures_dir / "salesforce-more"
