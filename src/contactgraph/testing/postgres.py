"""A throwaway PostgreSQL cluster for tests: real PostgreSQL, started and removed here.

:func:`postgres_url` yields a URL for the session: ``CONTACTGRAPH_TEST_PG_URL``
when set, else a cluster made with the ``initdb`` found under
``/usr/lib/postgresql/*/bin`` (or on ``PATH``) in a temporary directory,
listening on 127.0.0.1 on a free port (sockets in that directory), stopped
and deleted afterwards. ``initdb`` refuses to run as root: as root the
cluster belongs to the ``postgres`` system user and every command runs
through ``runuser``.

:func:`database_with_roles` adds, on such a server, a database owned by a
plain (non-superuser) role and a login role for the application, which is
what row-level security tests need: superusers bypass RLS.

Without PostgreSQL the tests that need it skip, saying how to enable them;
with ``CI=true`` they fail instead::

    # conftest.py
    @pytest.fixture(scope="session")
    def postgres_url() -> Iterator[str]:
        yield from contactgraph.testing.postgres.postgres_url()
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

__all__ = [
    "ENV_VAR",
    "PostgresUnavailable",
    "RoleUrls",
    "database_with_roles",
    "find_bindir",
    "postgres_url",
    "throwaway_cluster",
]

ENV_VAR = "CONTACTGRAPH_TEST_PG_URL"

HOW_TO_ENABLE = (
    "install PostgreSQL (Debian: apt-get install postgresql; the tests start their own "
    f"throwaway cluster) or set {ENV_VAR}=postgresql+psycopg://user@host/database"
)


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL could be found or started."""


def find_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding initdb, else initdb's on PATH."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in p.parent.parent.name.split(".")],
    )
    if found:
        return found[-1].parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _runner() -> tuple[list[str], str]:
    """The command prefix to run PostgreSQL's tools, and the database superuser."""
    if os.geteuid() != 0:
        return [], pwd.getpwuid(os.geteuid()).pw_name
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable(
            "running as root, and there is no 'postgres' system user to own the cluster"
        ) from None
    runuser = shutil.which("runuser")
    if runuser is None:
        raise PostgresUnavailable("running as root without runuser to drop to 'postgres'")
    return [runuser, "-u", "postgres", "--"], "postgres"


@contextlib.contextmanager
def throwaway_cluster(database: str = "contactgraph_test") -> Iterator[str]:
    """Start a private PostgreSQL cluster; yield a ``postgresql+psycopg://`` URL to ``database``."""
    bindir = find_bindir()
    if bindir is None:
        raise PostgresUnavailable("no initdb found under /usr/lib/postgresql/*/bin or on PATH")
    prefix, superuser = _runner()
    root = Path(tempfile.mkdtemp(prefix="contactgraph-pg-"))
    data = root / "data"
    log = root / "server.log"
    started = False
    try:
        if prefix:
            entry = pwd.getpwnam("postgres")
            os.chown(root, entry.pw_uid, entry.pw_gid)

        def run(*args: str) -> None:
            result = subprocess.run(
                [*prefix, *args], capture_output=True, text=True, check=False, timeout=120
            )
            if result.returncode != 0:
                detail = (result.stderr or result.stdout).strip()[-2000:]
                if log.exists():
                    detail += "\n" + log.read_text(errors="replace")[-2000:]
                raise PostgresUnavailable(f"{Path(args[0]).name} failed: {detail}")

        run(
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            superuser,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        port = _free_port()
        options = " ".join(
            [
                "-c listen_addresses=127.0.0.1",
                f"-c port={port}",
                f"-c unix_socket_directories={root}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=200",
            ]
        )
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start")
        started = True
        _create_database(superuser, port, database)
        yield f"postgresql+psycopg://{superuser}@127.0.0.1:{port}/{database}"
    finally:
        if started:
            subprocess.run(
                [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True,
                check=False,
                timeout=60,
            )
        shutil.rmtree(root, ignore_errors=True)


def _create_database(user: str, port: int, database: str) -> None:
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            with psycopg.connect(
                host="127.0.0.1", port=port, user=user, dbname="postgres", autocommit=True
            ) as conn:
                conn.execute(f'CREATE DATABASE "{database}"')
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


class RoleUrls(NamedTuple):
    """The URLs of :func:`database_with_roles`'s database, as its owner and as the app."""

    owner: str
    app: str
    app_role: str


def database_with_roles(url: str, database: str) -> RoleUrls:
    """Create ``database``, owned by a new role ``<database>_owner``, and a role ``<database>_app``.

    Both roles log in, neither is a superuser nor has ``BYPASSRLS``; the app
    role owns nothing. ``url`` must connect as a role that may create roles
    and databases (the throwaway cluster's superuser does). Raises
    :class:`PostgresUnavailable` when it may not.
    """
    import psycopg
    import sqlalchemy as sa

    given = sa.make_url(url)
    owner, app = f"{database}_owner", f"{database}_app"
    try:
        with psycopg.connect(
            host=given.host,
            port=given.port,
            user=given.username,
            password=given.password,
            dbname=given.database,
            autocommit=True,
        ) as conn:
            for role in (owner, app):
                conn.execute(
                    f"CREATE ROLE \"{role}\" LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '{role}'"
                )
            conn.execute(f'CREATE DATABASE "{database}" OWNER "{owner}"')
    except psycopg.Error as exc:
        raise PostgresUnavailable(f"cannot create roles and a database at {url}: {exc}") from exc

    def as_role(role: str) -> str:
        return given.set(
            drivername="postgresql+psycopg", username=role, password=role, database=database
        ).render_as_string(hide_password=False)

    return RoleUrls(owner=as_role(owner), app=as_role(app), app_role=app)


def postgres_url() -> Iterator[str]:
    """A generator for a session fixture: the URL, a skip, or (with ``CI=true``) a failure."""
    import pytest

    given = os.environ.get(ENV_VAR)
    if given:
        yield given
        return
    in_ci = os.environ.get("CI", "").lower() == "true"
    try:
        cluster = throwaway_cluster()
        url = cluster.__enter__()
    except (PostgresUnavailable, OSError, ImportError) as exc:
        message = f"PostgreSQL is not available ({exc}); to run these tests, {HOW_TO_ENABLE}"
        if in_ci:
            pytest.fail(f"CI=true but {message}", pytrace=False)
        pytest.skip(message)
    try:
        yield url
    finally:
        cluster.__exit__(None, None, None)
