"""The throwaway-cluster helper: skip without PostgreSQL, fail in CI."""

from __future__ import annotations

import pytest
from _pytest.outcomes import Failed, Skipped

from contactgraph.testing import postgres


@pytest.fixture
def no_postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(postgres.ENV_VAR, raising=False)
    monkeypatch.setattr(postgres, "find_bindir", lambda: None)


@pytest.mark.usefixtures("no_postgres")
def test_without_postgres_the_tests_skip_and_say_how_to_enable_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(Skipped, match="CONTACTGRAPH_TEST_PG_URL"):
        next(postgres.postgres_url())


@pytest.mark.usefixtures("no_postgres")
def test_in_ci_a_missing_postgres_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(Failed, match="CI=true"):
        next(postgres.postgres_url())


def test_a_given_url_is_used_as_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(postgres.ENV_VAR, "postgresql+psycopg://u@db.example/crm")
    assert next(postgres.postgres_url()) == "postgresql+psycopg://u@db.example/crm"
