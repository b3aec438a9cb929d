"""Stores written by release 0.1.0 upgrade to the merges table and take merges (both engines)."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

import contactgraph as cg
from contactgraph.repos import schema
from contactgraph.testing.contracts.merges import observable
from contactgraph.testing.postgres import find_bindir

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
    bindir = find_bindir()
    psql = bindir / "psql" if bindir is not None else None
    if psql is None or not psql.exists():
        pytest.skip("psql is needed to restore the 0.1.0 dump")
    url = sa.make_url(postgres_url)
    name = f"v010m_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        subprocess.run(
            [str(psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(url.host), "-p",
             str(url.port), "-U", str(url.username), "-d", name, "-f",
             str(STORES / "v010-postgres.sql")],
            check=True,
            capture_output=True,
            timeout=120,
        )  # fmt: skip
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


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
