"""Stores written by release 0.1.0 upgrade to the merges table and take merges (both engines)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

import contactgraph as cg
from contactgraph.repos import schema
from contactgraph.testing.contracts.merges import observable
from pgdump import restored_v010

STORES = Path(__file__).resolve().parents[1] / "data" / "stores"


def _merge_and_undo(url: str) -> str:
    with cg.open_store(url) as store:
        people = sorted(store.accounts.get("acme").contacts)
        before = observable(store)
        record = store.merge_contacts(people[0], [people[1]])
        assert not store.accounts.contacts_by_id([people[1]])
        store.unmerge(record.id)
        assert observable(store) == before
    with cg.open_store(url) as store:  # reopened: the record was kept
        assert [m.id for m in store.merges.list()] == [record.id]
        assert store.merges.get(record.id).unmerged_at is not None
    return record.id


def test_a_010_sqlite_store_upgrades_and_takes_a_merge(tmp_path: Path) -> None:
    copy = tmp_path / "v010.sqlite"
    shutil.copyfile(STORES / "v010.sqlite", copy)
    _merge_and_undo(f"sqlite:///{copy}")


@pytest.fixture
def v010_postgres(postgres_url: str) -> Iterator[str]:
    with restored_v010(postgres_url, "v010m") as url:
        yield url


@pytest.mark.postgres
def test_a_010_postgres_dump_upgrades_and_takes_a_merge(v010_postgres: str) -> None:
    _merge_and_undo(v010_postgres)
    engine = sa.create_engine(v010_postgres.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("merges")}
            version = conn.execute(
                sa.text("SELECT value FROM meta WHERE tenant = '' AND key = 'schema_version'")
            ).scalar_one()
    finally:
        engine.dispose()
    assert indexes == {"ix_merges_survivor", "ix_merges_merged_at"}
    assert int(version) == schema.SCHEMA_VERSION
