"""An outdated PostgreSQL store opened by the application role under row-level security.

The application role owns nothing (that is what keeps RLS standing), so it
cannot run a migration. Opening a store written by 0.1.0 as that role is a
clear :class:`~contactgraph.errors.SchemaVersionError` saying to upgrade as
the owner, not a raw permission error, and changes nothing; once the owner
has opened it (which migrates it), the application opens it as usual.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

import contactgraph as cg
from contactgraph.repos import schema
from contactgraph.repos.sql import rls
from contactgraph.testing.postgres import (
    PostgresUnavailable,
    RoleUrls,
    database_with_roles,
    find_bindir,
)

pytestmark = pytest.mark.postgres

DUMP = Path(__file__).resolve().parents[1] / "data" / "stores" / "v010-postgres.sql"


@pytest.fixture
def outdated(postgres_url: str) -> RoleUrls:
    """A database owned by a plain role, holding the 0.1.0 dump, with RLS forced for the app."""
    bindir = find_bindir()
    psql = bindir / "psql" if bindir is not None else None
    if psql is None or not psql.exists():
        pytest.skip("psql is needed to restore the 0.1.0 dump")
    try:
        roles = database_with_roles(postgres_url, f"old_{uuid.uuid4().hex[:12]}")
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    owner = sa.make_url(roles.owner)
    subprocess.run(
        [
            str(psql),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            str(owner.host),
            "-p",
            str(owner.port),
            "-U",
            str(owner.username),
            "-d",
            str(owner.database),
            "-f",
            str(DUMP),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PGPASSWORD": str(owner.password), "PATH": "/usr/bin:/bin"},
    )
    rls.enable_row_level_security(roles.owner, app_role=roles.app_role)
    return roles


def _version_and_tables(owner_url: str) -> tuple[str, list[str]]:
    url = sa.make_url(owner_url)
    with psycopg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, dbname=url.database
    ) as conn:
        version = conn.execute(
            "SELECT value FROM meta WHERE tenant = '' AND key = 'schema_version'"
        ).fetchone()
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
    assert version is not None
    return str(version[0]), tables


def test_the_app_role_is_told_to_upgrade_as_the_owner_and_nothing_changes(
    outdated: RoleUrls,
) -> None:
    before = _version_and_tables(outdated.owner)
    assert before[0] == "1"
    with pytest.raises(cg.SchemaVersionError) as refused:
        cg.open_store(outdated.app, tenant="default")
    message = str(refused.value)
    owner = sa.make_url(outdated.owner).username
    assert f"cannot upgrade it: the tables belong to {owner!r}" in message
    assert f"role {outdated.app_role!r}" in message
    assert f"schema version 1, older than this contactgraph's {schema.SCHEMA_VERSION}" in message
    assert "Upgrade it as the owner" in message
    assert "contactgraph.open_store(" in message
    assert "Nothing was changed" in message
    assert "permission denied" not in message
    assert "must be owner" not in message
    assert _version_and_tables(outdated.owner) == before


def test_once_the_owner_opened_it_the_app_reads_it_under_rls(outdated: RoleUrls) -> None:
    with pytest.raises(cg.SchemaVersionError):
        cg.open_store(outdated.app, tenant="default")
    cg.open_store(outdated.owner, tenant="default").close()  # the upgrade, as the owner
    assert _version_and_tables(outdated.owner)[0] == str(schema.SCHEMA_VERSION)
    with cg.open_store(outdated.app, tenant="default") as app:
        assert app.accounts.count() > 0
        assert rls.applies(app.backend.engine)  # type: ignore[attr-defined]
    with cg.open_store(outdated.app, tenant="nobody") as stranger:
        assert stranger.accounts.count() == 0
