"""PostgreSQL restarted under an open store (``pg_ctl restart``, and ``stop`` … ``start``).

On a private throwaway cluster (restarting the shared one would cut the
other tests' stores). While the server is away every call is a clear
:class:`~contactgraph.errors.StoreUnavailableError`; a transaction it
interrupts writes nothing; and once the server is back the very next call
succeeds on the same store, never reopened.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

import contactgraph as cg
from contactgraph.testing.postgres import PostgresUnavailable, find_bindir, throwaway_cluster

pytestmark = pytest.mark.postgres


class Server:
    """The cluster's ``pg_ctl``, run as the cluster's owner."""

    def __init__(self, url: str) -> None:
        bindir = find_bindir()
        assert bindir is not None
        self.pg_ctl = str(bindir / "pg_ctl")
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            setting = {
                name: str(conn.exec_driver_sql(f"SHOW {name}").scalar())
                for name in ("data_directory", "port", "listen_addresses",
                             "unix_socket_directories")
            }  # fmt: skip
        engine.dispose()
        self.data = setting.pop("data_directory")
        self.log = str(Path(self.data).parent / "restart.log")
        self.options = " ".join(f"-c {name}={value}" for name, value in setting.items())
        self.options += " -c fsync=off -c synchronous_commit=off"

    def _run(self, *args: str) -> None:
        subprocess.run(
            [*self.prefix, self.pg_ctl, "-D", self.data, "-l", self.log, "-w", *args],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def stop(self) -> None:
        self._run("-m", "fast", "stop")

    def start(self) -> None:
        self._run("-o", self.options, "start")

    def restart(self) -> None:
        self._run("-m", "fast", "-o", self.options, "restart")


@pytest.fixture(scope="module")
def private_url() -> Iterator[str]:
    if find_bindir() is None:
        pytest.skip("no PostgreSQL binaries to start a private cluster")
    try:
        with throwaway_cluster("restart") as url:
            yield url
    except PostgresUnavailable as exc:  # pragma: no cover - the shared fixture would skip too
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but no private PostgreSQL cluster: {exc}")
        pytest.skip(str(exc))


@pytest.fixture
def server(private_url: str) -> Iterator[Server]:
    running = Server(private_url)
    yield running
    # a failed test must not leave the cluster down for the next one (running: start fails)
    with contextlib.suppress(subprocess.CalledProcessError):
        running.start()


@pytest.fixture
def store(private_url: str, tenant: str) -> Iterator[cg.Store]:
    with cg.open_store(private_url, tenant=tenant) as opened:
        yield opened


@pytest.fixture
def tenant(request: pytest.FixtureRequest) -> str:
    return f"t{abs(hash(request.node.name)):x}"


def _acme(i: int = 0) -> cg.Account:
    acme, _alice = cg.Account.create(name=f"ACME {i}").add_contact(last_name="Martin")
    return acme


def _names(store: cg.Store) -> list[str]:
    return [a.name for a in store.accounts.list()]


def test_a_restart_between_calls_costs_no_call(store: cg.Store, server: Server) -> None:
    store.accounts.add(_acme(1))
    assert _names(store) == ["ACME 1"]  # an idle read connection is kept now
    server.restart()
    assert _names(store) == ["ACME 1"]  # the stale idle reader is not what answers
    store.accounts.add(_acme(2))
    assert store.accounts.count() == 2
    server.restart()
    store.accounts.add(_acme(3))  # a writer first, this time
    assert _names(store) == ["ACME 1", "ACME 2", "ACME 3"]


def test_while_the_server_is_down_each_call_says_so_and_writes_nothing(
    store: cg.Store, server: Server
) -> None:
    kept = store.accounts.add(_acme(1))
    server.stop()
    calls = {
        "count": store.accounts.count,
        "get": lambda: store.accounts.get(kept.id),
        "add": lambda: store.accounts.add(_acme(2)),
        "find": lambda: store.accounts.find_contacts(name="Martin"),
    }
    for name, call in calls.items():
        with pytest.raises(cg.StoreUnavailableError) as down:
            call()
        message = str(down.value)
        assert "the database server cannot be reached" in message, name
        assert "nothing was written" in message, name
        assert "contactgraph" not in type(down.value.__cause__).__module__, name
        assert down.value.__cause__ is not None, name  # raised from the driver's error
    server.start()
    assert _names(store) == ["ACME 1"]  # the first call after it is back succeeds
    store.accounts.add(_acme(2))
    assert store.accounts.count() == 2


def test_a_restart_mid_transaction_writes_nothing_of_it(store: cg.Store, server: Server) -> None:
    store.accounts.add(_acme(1))
    assert store.accounts.count() == 1

    def two_adds_with_a_restart_between() -> None:
        with store.transaction():
            store.accounts.add(_acme(2))
            server.restart()
            store.accounts.add(_acme(3))

    with pytest.raises(cg.StoreUnavailableError) as lost:
        two_adds_with_a_restart_between()
    assert "nothing of it was written" in str(lost.value)
    assert _names(store) == ["ACME 1"]
    store.accounts.add(_acme(2))
    assert _names(store) == ["ACME 1", "ACME 2"]


def test_a_server_stopped_mid_transaction_and_started_again(
    store: cg.Store, server: Server
) -> None:
    """The transaction meets a server that is gone (not yet back) at its next statement."""
    store.accounts.add(_acme(1))

    def add_then_lose_the_server() -> None:
        with store.transaction():
            store.accounts.add(_acme(2))
            server.stop()
            store.accounts.add(_acme(3))

    with pytest.raises(cg.StoreUnavailableError):
        add_then_lose_the_server()
    with pytest.raises(cg.StoreUnavailableError):
        store.accounts.count()  # still down: said again, clearly
    server.start()
    assert _names(store) == ["ACME 1"]
    store.accounts.add(_acme(3))
    assert store.accounts.count() == 2


def test_an_idle_reader_is_judged_by_its_socket_alone(private_url: str) -> None:
    from contactgraph.repos.sql.readers import heard_from_server as _heard_from_server

    engine = sa.create_engine(private_url, poolclass=sa.pool.NullPool)
    try:
        conn = engine.connect()
        conn.exec_driver_sql("SELECT 1").all()
        conn.commit()
        assert not _heard_from_server(conn)  # healthy and quiet
        conn.connection.driver_connection.close()  # type: ignore[union-attr]
        assert _heard_from_server(conn)  # no socket any more
        conn.invalidate()
    finally:
        engine.dispose()
