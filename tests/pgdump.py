"""The 0.1.0 PostgreSQL dump, restored with psql into a fresh database of the test server.

Shared by the upgrade tests (tests/repos/test_migrations.py, tests/merging/test_merge_upgrade.py).
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from contactgraph.testing.postgres import find_bindir

V010_DUMP = Path(__file__).resolve().parent / "data" / "stores" / "v010-postgres.sql"


@contextmanager
def restored_v010(postgres_url: str, prefix: str = "v010") -> Iterator[str]:
    """The URL of a new database ``<prefix>_<random>`` holding the 0.1.0 dump, dropped after.

    Skips the test when psql is not installed.
    """
    bindir = find_bindir()
    psql = bindir / "psql" if bindir is not None else None
    if psql is None or not psql.exists():
        pytest.skip("psql is needed to restore the 0.1.0 dump")
    url = sa.make_url(postgres_url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        subprocess.run(
            [str(psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(url.host), "-p",
             str(url.port), "-U", str(url.username), "-d", name, "-f", str(V010_DUMP)],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )  # fmt: skip
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
