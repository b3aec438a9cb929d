"""Stores written by release 0.1.0 open under today's code with every record intact.

The fixtures in tests/data/stores were written by the 0.1.0 code itself
(``make_stores.py``, see the README there): an SQLite file and a PostgreSQL
plain-SQL dump, each with the records of ``v010-expected.json`` in two tenants.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import contactgraph as cg
from contactgraph.repos import rows, schema
from contactgraph.repos.sql import migrations
from contactgraph.testing.contract import acme
from pgdump import restored_v010

STORES = Path(__file__).resolve().parents[1] / "data" / "stores"
sys.path.insert(0, str(STORES))
from snapshot import snapshot  # noqa: E402

EXPECTED: dict[str, Any] = json.loads((STORES / "v010-expected.json").read_text())
TENANTS = ("default", "beta")


def _contains(found: Any, expected: Any, where: str = "") -> None:
    """Every value of ``expected`` is in ``found``; fields added after 0.1.0 may be extra."""
    if isinstance(expected, dict):
        assert isinstance(found, dict), where
        assert set(expected) <= set(found), f"{where}: missing {set(expected) - set(found)}"
        for name, value in expected.items():
            _contains(found[name], value, f"{where}.{name}")
    else:
        assert found == expected, where


@pytest.fixture
def v010_sqlite(tmp_path: Path) -> Path:
    copy = tmp_path / "v010.sqlite"
    shutil.copyfile(STORES / "v010.sqlite", copy)
    return copy


def _version(url: str) -> int:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            value = conn.execute(
                sa.text("SELECT value FROM meta WHERE tenant = '' AND key = 'schema_version'")
            ).scalar_one()
    finally:
        engine.dispose()
    return int(value)


def _check_store(url: str, expected: dict[str, Any]) -> None:
    """Open each tenant with today's code: records intact, keys as today's code writes them."""
    for tenant in TENANTS:
        with cg.open_store(url, tenant=tenant) as store:
            _contains(snapshot(store), expected[tenant], tenant)
            tag = "" if tenant == "default" else "b-"
            found = store.accounts.find_contacts(email="Élodie@acme.fr")
            assert [c.id for c in found] == [f"{tag}elodie"]
            assert store.accounts.find_contacts(email="élodie@acme.fr") == []  # another mailbox
            alternate = store.accounts.find_contacts(email="ÉLODIE.B@acme.fr")
            assert [c.id for c in alternate] == [f"{tag}elodie"]
            assert [c.id for c in store.accounts.find_contacts(email="JÜRGEN@globex.de")] == [
                f"{tag}jurgen"
            ]
            assert [c.id for c in store.accounts.find_contacts(email="ÉLISE.ALT@acme.fr")] == [
                f"{tag}alice"
            ]
            _rows_as_written_today(store, tenant)
            assert [c.id for c in store.accounts.search("bénard élo").contacts] == []
            assert [c.id for c in store.accounts.search("ELODIE BEN").contacts] == [f"{tag}elodie"]
            assert [c.id for c in store.accounts.search("groß").contacts] == [f"{tag}jurgen"]
            assert [c.id for c in store.accounts.search("89 1234567").contacts] == [f"{tag}jurgen"]
            assert [a.id for a in store.accounts.search_accounts("acme.fr").accounts] == [
                f"{tag}acme"
            ]
    assert _version(url) == schema.SCHEMA_VERSION


def _rows_as_written_today(store: cg.Store, tenant: str) -> None:
    """Every contacts and contact_alternates row equals what today's row writers give."""
    backend = store.backend
    engine: sa.Engine = backend.engine  # type: ignore[attr-defined]
    contacts = [c for a in store.accounts.list() for c in a.contacts.values()]
    with engine.connect() as conn:
        for contact in contacts:
            stored = (
                conn.execute(
                    sa.select(schema.contacts).where(
                        schema.contacts.c.tenant == tenant, schema.contacts.c.id == contact.id
                    )
                )
                .one()
                ._asdict()
            )
            assert stored == rows.contact_values(tenant, contact), contact.id
        alternates = conn.execute(
            sa.select(schema.contact_alternates).where(schema.contact_alternates.c.tenant == tenant)
        ).all()
    want = rows.alternate_values(tenant, contacts)
    assert sorted(tuple(r) for r in alternates) == sorted(tuple(v.values()) for v in want)


# ------------------------------------------------------------------ SQLite


def test_a_010_sqlite_store_opens_with_every_record_intact(v010_sqlite: Path) -> None:
    assert _version(f"sqlite:///{v010_sqlite}") == 1
    _check_store(f"sqlite:///{v010_sqlite}", EXPECTED["sqlite"])


def test_a_migrated_store_takes_writes_and_reopens_without_migrating_again(
    v010_sqlite: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{v010_sqlite}"
    with cg.open_store(url) as store:
        acme = store.accounts.get("acme")
        acme = acme.update_contact("elodie", title="Head of Purchasing")
        store.accounts.save(acme)
    ran: list[int] = []
    for version, (what, _step) in migrations.MIGRATIONS.items():
        monkeypatch.setitem(
            migrations.MIGRATIONS, version, (what, lambda _c, v=version: ran.append(v))
        )
    with cg.open_store(url) as store:
        assert store.accounts.get("acme").contact("elodie").title == "Head of Purchasing"
        assert [c.id for c in store.accounts.find_contacts(email="Élodie@acme.fr")] == ["elodie"]
    assert ran == []


def test_a_failing_migration_leaves_the_store_as_010_wrote_it(
    v010_sqlite: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    what, real = migrations.MIGRATIONS[2]

    def half_then_fail(conn: sa.Connection) -> None:
        real(conn)
        raise cg.StoreUnavailableError("disk full (simulated)")

    monkeypatch.setitem(migrations.MIGRATIONS, 2, (what, half_then_fail))
    with pytest.raises(cg.StoreUnavailableError, match="simulated"):
        cg.open_store(f"sqlite:///{v010_sqlite}")
    with sqlite3.connect(v010_sqlite) as raw:
        keys = dict(raw.execute("SELECT id, email_key FROM contacts WHERE tenant = 'default'"))
    assert keys["elodie"] == "élodie@acme.fr"  # the 0.1.0 key, untouched
    assert _version(f"sqlite:///{v010_sqlite}") == 1


def _dump(path: Path) -> list[str]:
    """Schema and rows, as SQL (the header's journal mode may change on opening)."""
    raw = sqlite3.connect(path)
    try:
        return list(raw.iterdump())
    finally:
        raw.close()


def test_a_store_newer_than_the_library_is_refused_and_left_untouched(v010_sqlite: Path) -> None:
    with sqlite3.connect(v010_sqlite) as raw:
        raw.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'",
            (str(schema.SCHEMA_VERSION + 1),),
        )
    before = _dump(v010_sqlite)
    with pytest.raises(cg.SchemaVersionError, match=r"newer contactgraph.*upgrade"):
        cg.open_store(f"sqlite:///{v010_sqlite}")
    assert _dump(v010_sqlite) == before


def test_a_version_no_release_wrote_is_refused(v010_sqlite: Path) -> None:
    with sqlite3.connect(v010_sqlite) as raw:
        raw.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    with pytest.raises(cg.SchemaVersionError, match="version 0 is not one contactgraph wrote"):
        cg.open_store(f"sqlite:///{v010_sqlite}")


def test_every_version_after_010_has_one_step() -> None:
    assert sorted(migrations.MIGRATIONS) == list(range(2, schema.SCHEMA_VERSION + 1))


def test_a_new_store_is_created_at_todays_version(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    cg.open_store(url).close()
    assert _version(url) == schema.SCHEMA_VERSION


# -------------------------------------------------------------- PostgreSQL


@pytest.fixture
def v010_postgres(postgres_url: str) -> Iterator[str]:
    """A fresh database on the test server, restored from the 0.1.0 dump with psql."""
    with restored_v010(postgres_url, "v010") as url:
        yield url


@pytest.mark.postgres
def test_a_010_postgres_dump_opens_with_every_record_intact(v010_postgres: str) -> None:
    assert _version(v010_postgres) == 1
    _check_store(v010_postgres, EXPECTED["postgresql"])


def _shape(path: Path) -> set[tuple[str, str, str]]:
    """Tables, indexes and triggers, and every table's columns (not their order)."""
    raw = sqlite3.connect(path)
    try:
        objects = raw.execute("SELECT type, name, tbl_name FROM sqlite_master").fetchall()
        columns = {
            ("column", table, col[1])
            for kind, table, _ in objects
            if kind == "table"
            for col in raw.execute(f'PRAGMA table_info("{table}")')
        }
    finally:
        raw.close()
    return {(kind, name, table) for kind, name, table in objects} | columns


def test_a_migrated_store_has_the_shape_of_a_new_one(v010_sqlite: Path, tmp_path: Path) -> None:
    cg.open_store(f"sqlite:///{v010_sqlite}").close()
    cg.open_store(f"sqlite:///{tmp_path / 'new.db'}").close()
    assert _shape(v010_sqlite) == _shape(tmp_path / "new.db")


def test_sqlite_search_goes_through_the_trigram_index_and_survives_vacuum(
    tmp_path: Path,
) -> None:
    from contactgraph.repos.keys import search_needle
    from contactgraph.repos.sql import search_statements as statements

    path = tmp_path / "crm.db"
    with cg.open_store(f"sqlite:///{path}") as store:
        account, people = acme()
        store.accounts.add(account)
        engine: sa.Engine = store.backend.engine  # type: ignore[attr-defined]
        needle = search_needle("lefèv")
        assert needle is not None
        stmt, params = statements.contact_hits("sqlite", "default", needle)
        with engine.connect() as conn:
            compiled = stmt.bindparams(**params).compile(dialect=conn.dialect)
            plan = conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {compiled.string}",
                tuple(compiled.construct_params()[n] for n in compiled.positiontup or ()),
            ).all()
        assert any("VIRTUAL TABLE INDEX" in str(step) for step in plan), plan
    with sqlite3.connect(path) as raw:
        raw.execute("DELETE FROM meta WHERE tenant = 'nobody'")  # a write, then VACUUM
    raw = sqlite3.connect(path)
    raw.execute("VACUUM")
    raw.close()
    with cg.open_store(f"sqlite:///{path}") as store:
        assert store.accounts.search("lefèv").contacts == (people["helene"],)
        acme_sa = store.accounts.get(account.id)
        store.accounts.save(acme_sa.remove_contact(people["helene"].id))
        assert store.accounts.search("lefèv").total == 0
        assert store.accounts.search("martin").contacts == (acme_sa.contact(people["alice"].id),)


def _plan(engine: sa.Engine, tenant: str, text: str) -> list[str]:
    """SQLite's plan for the full-name rank of ``text`` (the statement a search runs)."""
    from contactgraph.repos.keys import search_needle
    from contactgraph.repos.sql import search_tiers as statements

    needle = search_needle(text)
    assert needle is not None
    tiers = statements.contact_tiers("sqlite", tenant, needle, 20, lambda _c: False)
    stmt, params = list(tiers)[2][0]
    with engine.connect() as conn:
        compiled = stmt.compile(dialect=conn.dialect)
        values = compiled.construct_params(params)
        plan = conn.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled.string}",
            tuple(values[n] for n in compiled.positiontup or ()),
        ).all()
    return [str(step[-1]) for step in plan]


def test_a_migrated_sqlite_store_has_the_search_indexes_of_step_6(v010_sqlite: Path) -> None:
    """Step 6: the full-name range is sorted in ``ix_contacts_name_order`` (no table row
    read to sort it), which replaced ``ix_contacts_full``; ``contact_digits`` holds every
    run of six digits of the keys; searches past the limit give what the reference
    gives, on the 0.1.0 records and on contacts added after."""
    from contactgraph.testing.model import search as expected_search

    url = f"sqlite:///{v010_sqlite}"
    for tenant in TENANTS:
        with cg.open_store(url, tenant=tenant) as store:
            account = store.accounts.list()[0]
            for i, last in enumerate(["Martin", "Bloggs", "Alder", "Martin", "Zorn"]):
                account, _ = account.add_contact(
                    first_name="Élodie", middle_name=("Ana", None)[i % 2], last_name=last
                )
            store.accounts.save(account)
            contacts = [c for a in store.accounts.list() for c in a.contacts.values()]
            for text in ("élodie", "ELODIE M", "elodie a", "jür", "alice", "bénard"):
                for limit in (1, 2, 3):
                    want, total = expected_search(contacts, text, limit)
                    found = store.accounts.search(text, limit=limit)
                    assert (list(found.contacts), found.total) == (want, total), (text, limit)
            engine: sa.Engine = store.backend.engine  # type: ignore[attr-defined]
            plan = _plan(engine, tenant, "elodie a")
            assert any("COVERING INDEX ix_contacts_name_order" in step for step in plan), plan
    with sqlite3.connect(v010_sqlite) as raw:
        indexes = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        keys = raw.execute("SELECT rowid, search_key FROM contacts_fts").fetchall()
        runs = set(raw.execute("SELECT gram, seq FROM contact_digits"))
    assert "ix_contacts_name_order" in indexes
    assert "ix_contacts_full" not in indexes
    windows = {(key[i : i + 6], seq) for seq, key in keys for i in range(len(key) - 5)}
    want = {(w, seq) for w, seq in windows if all("0" <= ch <= "9" for ch in w)}
    assert runs == want  # every run of six digits, filled by the upgrade and kept since
    assert any(w == "891234" for w, _ in runs)  # Jürgen's phone, found by "89 1234567"
