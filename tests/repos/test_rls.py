"""PostgreSQL row-level security: the database keeps tenants apart even from raw SQL.

One database per module, owned by a plain role (superusers bypass RLS), with
RLS forced by :func:`enable_row_level_security` and an application role
that neither owns the tables nor bypasses RLS (see
:func:`contactgraph.testing.postgres.database_with_roles`).
"""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

import contactgraph as cg
from contactgraph.domain import AccountContactRelation, Case
from contactgraph.errors import StoreConfigurationError
from contactgraph.repos import schema
from contactgraph.repos.merges import StoredMerge
from contactgraph.repos.sql import rls
from contactgraph.testing.contract import StoreContract, acme, globex
from contactgraph.testing.contracts.base import acme_deal
from contactgraph.testing.postgres import PostgresUnavailable, RoleUrls, database_with_roles

pytestmark = pytest.mark.postgres


def _fresh(postgres_url: str) -> RoleUrls:
    """A new database with its owner and app roles; skipped where roles cannot be made."""
    try:
        return database_with_roles(postgres_url, f"rls_{uuid.uuid4().hex[:12]}")
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def roles(postgres_url: str) -> RoleUrls:
    urls = _fresh(postgres_url)
    with cg.open_store(urls.owner, tenant="setup"):  # the owner creates the schema
        pass
    rls.enable_row_level_security(urls.owner, app_role=urls.app_role)
    return urls


@pytest.fixture(scope="module")
def app_base(roles: RoleUrls) -> Iterator[cg.Store]:
    with cg.open_store(roles.app, tenant="base") as store:
        yield store


@pytest.fixture
def filled(app_base: cg.Store) -> Iterator[cg.Store]:
    """A tenant of its own, holding a row in every tenant table but meta, through the app."""
    store = app_base.for_tenant(f"t{uuid.uuid4().hex}")
    account, people = acme()
    store.accounts.add(account)
    store.opportunities.add(acme_deal(account, people))
    store.cases.add(Case.create("Help", account.id, people["bob"].id))
    other, _ = globex()
    store.accounts.add(other)
    store.relations.add(AccountContactRelation.create(other.id, people["bob"].id))
    store.merges.add(  # a merge record (the merges table)
        StoredMerge(
            id="m1",
            kind="contacts",
            survivor_id=people["bob"].id,
            loser_ids=("gone",),
            people=(),
            merged_at=datetime.now(UTC),
        )
    )
    yield store
    store.close()


def _raw(url: str) -> psycopg.Connection[Any]:
    u = sa.make_url(url)
    return psycopg.connect(
        host=u.host, port=u.port, user=u.username, password=u.password, dbname=u.database
    )


def _data_tables() -> list[str]:
    return [t.name for t in rls.tenant_tables() if t.name != schema.meta.name]


def _counts(conn: psycopg.Connection[Any], tenant: str | None) -> dict[str, int]:
    with conn.transaction():
        if tenant is not None:
            conn.execute("SELECT set_config('contactgraph.tenant', %s, true)", (tenant,))
        return {
            name: conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]  # type: ignore[index]
            for name in _data_tables()
        }


class TestPostgresWithRLS(StoreContract):
    @pytest.fixture
    def store(self, app_base: cg.Store) -> Iterator[cg.Store]:
        store = app_base.for_tenant(f"t{uuid.uuid4().hex}")
        yield store
        store.close()


def test_every_tenant_table_has_rls_forced_and_the_tenant_policy(roles: RoleUrls) -> None:
    with _raw(roles.owner) as conn:
        # Read from the catalog, not from schema.py: a table a migration added
        # with a tenant-led key and forgot to cover is found too.
        led_by_tenant = {
            row[0]
            for row in conn.execute(
                """SELECT c.relname FROM pg_index i
                   JOIN pg_class c ON c.oid = i.indrelid
                   JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
                   WHERE i.indisprimary AND a.attname = 'tenant'
                     AND c.relnamespace = 'public'::regnamespace"""
            )
        }
        assert led_by_tenant == {t.name for t in rls.tenant_tables()}
        assert len(led_by_tenant) >= 9
        flags = {
            row[0]: (row[1], row[2])
            for row in conn.execute(
                "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
                "WHERE relname = ANY(%s)",
                (sorted(led_by_tenant),),
            )
        }
        policies = {
            row[0]: row[1]
            for row in conn.execute(
                "SELECT tablename, qual FROM pg_policies WHERE policyname = %s", (rls.POLICY,)
            )
        }
    assert flags == dict.fromkeys(led_by_tenant, (True, True))
    assert set(policies) == led_by_tenant
    assert all("contactgraph.tenant" in str(q) for q in policies.values())


def test_raw_sql_as_the_app_without_a_tenant_sees_nothing(
    roles: RoleUrls, filled: cg.Store
) -> None:
    with _raw(roles.app) as conn:
        seen = _counts(conn, filled.tenant)
        assert all(n > 0 for n in seen.values()), seen  # the rows are there
        assert set(_counts(conn, None).values()) == {0}
        assert set(_counts(conn, "").values()) == {0}  # empty is unset, not tenant ''
        assert set(_counts(conn, f"{filled.tenant}-other").values()) == {0}
        # The setting of one transaction does not outlive it on the connection.
        assert set(_counts(conn, None).values()) == {0}


def test_the_owner_too_is_held_to_a_tenant(roles: RoleUrls, filled: cg.Store) -> None:
    with _raw(roles.owner) as conn:
        assert set(_counts(conn, None).values()) == {0}
        assert _counts(conn, filled.tenant)["accounts"] == 2
    with cg.open_store(roles.owner, tenant=filled.tenant) as owner_store:
        assert owner_store.accounts.count() == 2
        assert owner_store.accounts.count_contacts() == filled.accounts.count_contacts()


def test_a_cross_tenant_insert_or_update_is_refused(roles: RoleUrls, filled: cg.Store) -> None:
    with _raw(roles.app) as conn:
        conn.execute("SELECT set_config('contactgraph.tenant', %s, true)", (filled.tenant,))
        conn.execute(
            "INSERT INTO accounts (tenant, id, version, name, name_key, created_at, updated_at) "
            "VALUES (%s, 'own', 1, 'Own', 'own', 0, 0)",
            (filled.tenant,),
        )  # its own tenant: accepted
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(
                "INSERT INTO accounts (tenant, id, version, name, name_key, created_at, "
                "updated_at) VALUES ('victim', 'x', 1, 'X', 'x', 0, 0)"
            )
        conn.rollback()
        conn.execute("SELECT set_config('contactgraph.tenant', %s, true)", (filled.tenant,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("UPDATE accounts SET tenant = 'victim'")
        conn.rollback()


def test_the_app_cannot_switch_rls_off_nor_read_the_store_wide_rows_wrongly(
    roles: RoleUrls,
) -> None:
    with _raw(roles.app) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("ALTER TABLE accounts NO FORCE ROW LEVEL SECURITY")
        conn.rollback()
        rows = conn.execute("SELECT tenant, key FROM meta").fetchall()
        assert rows == [("", "schema_version")]  # readable: opening needs it
        assert conn.execute("DELETE FROM meta").rowcount == 0  # but not writable
        conn.rollback()


def test_enabling_again_is_harmless_and_changes_nothing(roles: RoleUrls) -> None:
    def policies() -> list[tuple[Any, ...]]:
        with _raw(roles.owner) as conn:
            return conn.execute(
                "SELECT tablename, policyname, cmd, qual, with_check FROM pg_policies ORDER BY 1, 2"
            ).fetchall()

    before = policies()
    rls.enable_row_level_security(roles.owner, app_role=roles.app_role)
    rls.enable_row_level_security(roles.owner)
    assert policies() == before
    assert len(before) == len(rls.tenant_tables()) + 1  # meta's store-wide read


def test_a_role_that_bypasses_rls_or_owns_the_tables_is_refused(
    roles: RoleUrls, postgres_url: str
) -> None:
    superuser = sa.make_url(postgres_url).username
    assert superuser is not None
    for role, why in [
        (superuser, "superuser or has BYPASSRLS"),
        (f"{sa.make_url(roles.owner).username}", "owns the tables"),
        ("nobody_here", "no such role"),
    ]:
        with pytest.raises(StoreConfigurationError, match=why):
            rls.enable_row_level_security(roles.owner, app_role=role)


def test_setup_by_a_role_that_does_not_own_the_tables_is_refused_clearly(
    roles: RoleUrls,
) -> None:
    for setup in (rls.enable_row_level_security, rls.disable_row_level_security):
        with pytest.raises(StoreConfigurationError, match="owns the tables"):
            setup(roles.app)
    with _raw(roles.app) as conn:
        assert set(_counts(conn, None).values()) == {0}  # still on


def test_setup_refuses_what_is_not_a_postgresql_store(tmp_path: Any, postgres_url: str) -> None:
    with pytest.raises(StoreConfigurationError, match="needs PostgreSQL"):
        rls.enable_row_level_security(f"sqlite:///{tmp_path / 'crm.db'}")
    with pytest.raises(StoreConfigurationError, match="not a valid database URL"):
        rls.enable_row_level_security("::nonsense::")
    with pytest.raises(StoreConfigurationError, match="no contactgraph tables"):
        rls.enable_row_level_security(postgres_url.rsplit("/", 1)[0] + "/postgres")


def test_a_migration_runs_unforced_and_leaves_new_tables_covered(
    roles: RoleUrls, filled: cg.Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    metadata = sa.MetaData()
    for table in schema.metadata.sorted_tables:
        table.to_metadata(metadata)
    probe = sa.Table(
        "rls_probe",
        metadata,
        sa.Column("tenant", sa.Text, primary_key=True),
        sa.Column("id", sa.Text, primary_key=True),
    )
    monkeypatch.setattr(schema, "metadata", metadata)
    assert probe in rls.tenant_tables(metadata)
    engine = sa.create_engine(roles.owner, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn, conn.begin() as tx:
            with rls.unforced(conn) as was_on:
                assert was_on
                # The owner migrates every tenant's rows...
                everyone = conn.exec_driver_sql("SELECT count(*) FROM accounts").scalar()
                assert everyone is not None
                assert everyone >= 1
                probe.create(conn)
            # ...and afterwards RLS holds again, the new table included.
            assert conn.exec_driver_sql("SELECT count(*) FROM accounts").scalar() == 0
            forced = conn.exec_driver_sql(
                "SELECT relforcerowsecurity FROM pg_class WHERE relname = 'rls_probe'"
            ).scalar()
            assert forced is True
            tx.rollback()
    finally:
        engine.dispose()


def test_unforced_is_a_no_op_where_rls_is_off(postgres_url: str, tmp_path: Any) -> None:
    for url in (postgres_url, f"sqlite:///{tmp_path / 'crm.db'}"):
        with cg.open_store(url, tenant="x"):
            pass
        engine = sa.create_engine(url, poolclass=sa.NullPool)
        try:
            with engine.connect() as conn, conn.begin(), rls.unforced(conn) as was_on:
                assert not was_on
        finally:
            engine.dispose()


def test_the_printed_sql_covers_every_tenant_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert rls.main(["--sql", "--app-role", "crm_app"]) == 0
    out = capsys.readouterr().out
    for table in rls.tenant_tables():
        assert f'ALTER TABLE "{table.name}" FORCE ROW LEVEL SECURITY;' in out
        assert f'CREATE POLICY {rls.POLICY} ON "{table.name}"' in out
        assert f'ON "{table.name}" TO "crm_app";' in out
    assert out.startswith("BEGIN;\n")
    assert out.endswith("COMMIT;\n")


def test_the_printed_sql_run_by_hand_sets_up_what_the_function_does(
    postgres_url: str, roles: RoleUrls
) -> None:
    def policies(url: str) -> list[tuple[Any, ...]]:
        with _raw(url) as conn:
            return conn.execute(
                "SELECT tablename, policyname, cmd, qual, with_check FROM pg_policies ORDER BY 1, 2"
            ).fetchall()

    urls = _fresh(postgres_url)
    with cg.open_store(urls.owner, tenant="t"):
        pass
    with _raw(urls.owner) as conn:
        conn.autocommit = True
        conn.execute(rls.row_level_security_sql(urls.app_role).encode())  # as psql would
    assert policies(urls.owner) == policies(roles.owner)
    with cg.open_store(urls.app, tenant="t") as store:
        store.accounts.add(cg.Account.create(name="ACME", id="a1"))
        assert store.accounts.count() == 1


def test_holds_tells_which_roles_rls_holds(roles: RoleUrls, postgres_url: str) -> None:
    expected = [(roles.app, True), (roles.owner, True), (postgres_url, False)]
    for url, held in expected:
        engine = sa.create_engine(url, poolclass=sa.NullPool)
        try:
            with engine.connect() as conn:
                assert rls.holds(conn) is held, url
        finally:
            engine.dispose()


def test_the_command_line_enables_and_disables(postgres_url: str) -> None:
    urls = _fresh(postgres_url)
    with cg.open_store(urls.owner, tenant="t") as store:
        store.accounts.add(cg.Account.create(name="ACME", id="a1"))
    plain = urls.owner.replace("postgresql+psycopg://", "postgres://")
    assert rls.main([plain, "--app-role", urls.app_role]) == 0
    with _raw(urls.app) as conn:
        assert _counts(conn, None)["accounts"] == 0
        assert _counts(conn, "t")["accounts"] == 1
    assert rls.main([urls.owner, "--disable"]) == 0
    with _raw(urls.app) as conn:
        assert _counts(conn, None)["accounts"] == 1  # off: the tenant key alone
    assert rls.main(["postgresql+psycopg://nobody@127.0.0.1:1/none"]) == 1


def test_the_documented_sql_is_what_the_setup_runs() -> None:
    guide = Path(__file__).resolve().parents[2] / "docs" / "howto" / "backends.md"
    section = guide.read_text("utf-8").split("## Row-level security on PostgreSQL", 1)[1]
    block = re.search(r"```sql\n(.*?)```", section, re.S)
    assert block is not None
    script = rls.row_level_security_sql("crm_app").splitlines()
    shown = [line.strip() for line in block.group(1).splitlines() if line.strip()]
    assert len(shown) >= 5
    assert all(line in script for line in shown), set(shown) - set(script)


def test_the_setup_module_runs_with_python_dash_m() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "contactgraph.repos.sql.rls_setup", "--sql"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no runpy warning
    assert 'ALTER TABLE "contacts" FORCE ROW LEVEL SECURITY;' in done.stdout


def test_roles_that_cannot_be_made_are_a_postgres_unavailable() -> None:
    with pytest.raises(PostgresUnavailable, match="cannot create roles"):
        database_with_roles("postgresql+psycopg://nobody@127.0.0.1:1/none", "rls_x")
