"""Migration step 4 (field history) on the stores release 0.1.0 wrote: SQLite file and PostgreSQL dump."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from test_migrations import v010_postgres, v010_sqlite  # noqa: F401  (fixtures)

import contactgraph as cg
from contactgraph.repos import schema
from contactgraph.repos.sql import migrations


def _history_columns(url: str) -> set[str]:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return {c["name"] for c in sa.inspect(conn).get_columns("field_history")}
    finally:
        engine.dispose()


def _upgraded_store_keeps_history(url: str) -> None:
    assert _history_columns(url) == {c.name for c in schema.field_history.columns}
    for tenant in ("default", "beta"):
        with cg.open_store(url, tenant=tenant, actor="upgrade-check") as store:
            tag = "" if tenant == "default" else "b-"
            contact = f"{tag}elodie"
            assert store.history.of(contact) == []  # nothing recorded before the upgrade
            account = store.accounts.account_of(contact)
            store.accounts.save(account.update_contact(contact, title="Head of Purchasing"))
            [change] = store.history.of(contact)
            assert (change.action, change.field, change.new, change.actor) == (
                "updated",
                "title",
                "Head of Purchasing",
                "upgrade-check",
            )
            assert store.personal_data(contact)["history"][0]["new"] == "Head of Purchasing"


def test_step_4_is_the_field_history_table() -> None:
    assert migrations.MIGRATIONS[4][0].startswith("field history")
    assert schema.SCHEMA_VERSION >= 4


def test_a_010_sqlite_store_gains_field_history(v010_sqlite: Path) -> None:  # noqa: F811
    url = f"sqlite:///{v010_sqlite}"
    with cg.open_store(url):
        pass
    _upgraded_store_keeps_history(url)


@pytest.mark.postgres
def test_a_010_postgres_dump_gains_field_history(v010_postgres: str) -> None:  # noqa: F811
    with cg.open_store(v010_postgres):
        pass
    _upgraded_store_keeps_history(v010_postgres)
