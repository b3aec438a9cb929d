"""Shared test configuration: hypothesis profiles and the real Salesforce fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from contactgraph.store import Store
from storekit import BACKENDS, open_test_store

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(
    os.environ.get("CONTACTGRAPH_FIXTURES", REPO_ROOT.parent / "shared" / "fixtures")
).resolve()
"""Real Salesforce sample data, kept beside the repository (never copied into it).

The acceptance layer: the same behaviour is proven on the project's own files
in tests/data on every run. ``CONTACTGRAPH_FIXTURES`` names another folder holding them.
"""

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "dev", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A real store: in memory, then SQLite in a temporary file."""
    opened = open_test_store(request.param, tmp_path)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """``../shared/fixtures``; the tests that read it fail (not skip) when it is missing in CI."""
    if not FIXTURES.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the shared fixtures are missing: {FIXTURES}")
        pytest.skip(
            f"acceptance layer: the public Salesforce sample data sets are not beside the"
            f" repository ({FIXTURES}; set CONTACTGRAPH_FIXTURES); tests/data covers the same"
        )
    return FIXTURES


@pytest.fixture(scope="session")
def salesforce_dir(fixtures_dir: Path) -> Path:
    return fixtures_dir / "salesforce"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL for ``@pytest.mark.postgres`` tests (see contactgraph.testing.postgres).

    ``CONTACTGRAPH_TEST_PG_URL`` if set, else a throwaway cluster; skipped when
    there is no PostgreSQL, a failure when ``CI=true``.
    """
    from contactgraph.testing.postgres import postgres_url

    yield from postgres_url()
