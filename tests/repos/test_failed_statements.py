"""A statement that fails inside a transaction is never a silent loss, and a failed read
outside one leaves its connection usable.

Reads inside ``store.transaction()`` take no savepoint, and neither do an account's add
and save on SQL stores. On PostgreSQL any failed statement aborts the transaction
(``InFailedSqlTransaction``), and a COMMIT sent then is answered with ROLLBACK, without an
error: a block that caught a read's error and went on used to "commit" and keep nothing.
SQLite keeps the transaction after most failed statements, but may roll it back by itself
(after ``SQLITE_FULL``, ``SQLITE_IOERR``, ``SQLITE_NOMEM``, ``SQLITE_BUSY``:
https://sqlite.org/lang_transaction.html), and every later statement then ran in
autocommit: kept one by one, whatever became of the block.

Now a failure after which the database undid the transaction *spoils* it: its next read or
write, and its end, raise :class:`~contactgraph.errors.StoreUnavailableError` naming the
first failure, and nothing of it is written. A failure the transaction survives (an
interrupted SQLite read) leaves it usable, and its writes are kept.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import contactgraph as cg
from contactgraph.repos.sql.accounts import SqlAccounts
from contactgraph.repos.sql.errors import translate
from contactgraph.repos.sql.readers import IDLE_READERS

Fault = Callable[[Any], None]
"""Makes the statement a read sends next fail, given the driver connection it runs on."""


def _admin_sql(url: str, sql: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


def _cancel_once_running(url: str, pid: int) -> None:
    """``pg_cancel_backend(pid)`` as soon as ``pid`` runs ``pg_sleep`` (from another connection)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            for _ in range(3000):  # 30 s at most; it runs at once
                running = conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = %(pid)s "
                    "AND state = 'active' AND strpos(query, 'pg_sleep') > 0",
                    {"pid": pid},
                ).scalar()
                conn.commit()
                if running:
                    conn.exec_driver_sql(f"SELECT pg_cancel_backend({pid})")
                    return
                time.sleep(0.01)
    finally:
        engine.dispose()


def _pg_faults(admin: str) -> dict[str, tuple[Fault, str]]:
    """Each PostgreSQL fault, and what its error says."""

    def division_by_zero(driver: Any) -> None:
        driver.execute("SELECT 1/0")

    def statement_timeout(driver: Any) -> None:
        driver.execute("SET LOCAL statement_timeout = 100")
        driver.execute("SELECT pg_sleep(30)")

    def cancelled(driver: Any) -> None:
        canceller = threading.Thread(
            target=_cancel_once_running, args=(admin, driver.info.backend_pid)
        )
        canceller.start()
        try:
            driver.execute("SELECT pg_sleep(30)")
        finally:
            canceller.join()

    def connection_lost(driver: Any) -> None:  # waits until the server process is gone (PG 14+)
        _admin_sql(admin, f"SELECT pg_terminate_backend({driver.info.backend_pid}, 30000)")
        driver.execute("SELECT 1")

    return {
        "division by zero": (division_by_zero, "division by zero"),
        "statement timeout": (statement_timeout, "statement timeout"),
        "cancelled": (cancelled, "canceling statement due to user request"),
        "connection lost": (connection_lost, "connection to the database was lost"),
    }


def _sqlite_rolled_back(driver: Any) -> None:
    """SQLite rolls the whole transaction back by itself, as it may after SQLITE_IOERR."""
    import sqlite3

    driver.execute("ROLLBACK")
    raise sqlite3.OperationalError("disk I/O error")


def _failing_read(monkeypatch: pytest.MonkeyPatch, fault: Fault) -> None:
    """The next ``accounts.count()`` meets ``fault`` (later ones read as usual)."""
    real = SqlAccounts.count
    met: list[bool] = []

    @translate
    def count(self: SqlAccounts) -> int:
        if not met:
            met.append(True)
            fault(self._s.begun())
        return real(self)

    monkeypatch.setattr(SqlAccounts, "count", count)


PG_FAULTS = ["division by zero", "statement timeout", "cancelled", "connection lost"]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'crm.sqlite'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def _interrupted(driver: Any) -> None:
    """An SQLite read interrupted (what ``Connection.interrupt()`` does): the transaction stays."""
    driver.set_progress_handler(lambda: 1, 1)
    try:
        driver.execute("SELECT count(*) FROM accounts").fetchall()
    finally:
        driver.set_progress_handler(None, 1)


def _division_by_zero(driver: Any) -> None:
    driver.execute("SELECT 1/0")


Step = tuple[str, int]
steps = st.lists(
    st.tuples(
        st.sampled_from(["add", "fail", "read", "nested add", "nested fail"]), st.integers(0, 2)
    ),
    max_size=8,
)
"""Calls made inside one transaction; the integer picks the fault of a failing read."""


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_a_transaction_keeps_every_write_it_reported_or_its_end_says_nothing_was_kept(
    sql_url: str, steps: list[Step]
) -> None:
    """Whatever fails and is caught inside the block: either its end raises and the store is
    as before, or it ends well and holds exactly the writes that returned."""
    faults = (
        [_interrupted, _sqlite_rolled_back, _interrupted]
        if sql_url.startswith("sqlite")
        else [_division_by_zero, _division_by_zero, _division_by_zero]
    )
    with cg.open_store(sql_url, tenant=f"t{uuid.uuid4().hex}") as store:
        store.accounts.add(cg.Account.create(name="ACME SA"))
        kept = ["ACME SA"]
        reported: list[str] = []

        def call(step: Step, n: int) -> None:
            kind, pick = step
            if kind.startswith("nested"):
                with store.transaction():
                    call((kind.removeprefix("nested "), pick), n)
            elif kind == "add":
                store.accounts.add(cg.Account.create(name=f"Company {n}"))
                reported.append(f"Company {n}")
            elif kind == "read":
                store.accounts.count()
            else:
                with pytest.MonkeyPatch.context() as patch:
                    _failing_read(patch, faults[pick])
                    store.accounts.count()

        def run() -> None:
            with store.transaction():
                for n, step in enumerate(steps):
                    before = len(reported)
                    try:
                        call(step, n)
                    except cg.StoreUnavailableError:
                        del reported[before:]  # a nested block left by the error took it back

        ended: list[str] = []
        try:
            run()
        except cg.StoreUnavailableError as exc:
            ended.append(str(exc))
        if ended:
            assert "nothing of it was written" in ended[0]
        else:
            kept += reported
        assert _names(store) == sorted(kept)


def _store_meeting(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[cg.Store, Fault, str]]:
    """A store with ACME in it, the fault ``request.param`` names there, and its words."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
        fault, words = _sqlite_rolled_back, "disk I/O error"
    else:
        admin = request.getfixturevalue("postgres_url")
        url = admin
        fault, words = _pg_faults(admin)[request.param]
    with cg.open_store(url, tenant=f"t{uuid.uuid4().hex}") as store:
        store.accounts.add(cg.Account.create(name="ACME SA"))
        yield store, fault, words


@pytest.fixture(
    params=[*(pytest.param(f, marks=pytest.mark.postgres) for f in PG_FAULTS), "sqlite"]
)
def faulty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[cg.Store, Fault, str]]:
    """A store with ACME in it, a fault that undoes a transaction there, and its words."""
    yield from _store_meeting(request, tmp_path)


@pytest.fixture(
    params=[
        pytest.param(f, marks=pytest.mark.postgres) for f in PG_FAULTS if f != "connection lost"
    ]
)
def savepoint_survives(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[cg.Store, Fault, str]]:
    """:func:`faulty`, but for the faults a savepoint takes back (not a lost connection, nor
    an SQLite self-rollback: they take the whole transaction, its savepoints with it)."""
    yield from _store_meeting(request, tmp_path)


def _names(store: cg.Store) -> list[str]:
    return sorted(a.name for a in store.accounts.list())


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(autouse=True)
def _no_pool_errors() -> Iterator[None]:
    """A connection that cannot roll back is discarded, not handed to the pool to reset
    (which fails again, logging "Exception during reset" with a traceback)."""
    kept = _Kept()
    pool_log = logging.getLogger("sqlalchemy.pool")
    pool_log.addHandler(kept)
    try:
        yield
    finally:
        pool_log.removeHandler(kept)
    assert kept.messages == []


def test_a_block_that_catches_a_failed_read_and_ends_is_told_nothing_was_kept(
    faulty: tuple[cg.Store, Fault, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, fault, words = faulty

    def catch_and_end() -> None:
        with store.transaction():
            store.accounts.add(cg.Account.create(name="Globex Corp"))
            _failing_read(monkeypatch, fault)
            with pytest.raises(cg.StoreUnavailableError, match=words):
                store.accounts.count()

    with pytest.raises(cg.StoreUnavailableError) as ended:
        catch_and_end()
    message = str(ended.value)
    assert "cannot go on" in message
    assert words in message
    assert "nothing of it was written" in message
    monkeypatch.undo()
    assert _names(store) == ["ACME SA"]


def test_after_a_failed_read_the_transaction_refuses_every_call_naming_the_failure(
    faulty: tuple[cg.Store, Fault, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, fault, words = faulty
    acme = store.accounts.list()[0]
    refused: list[str] = []
    calls: list[Callable[[], object]] = [
        lambda: store.accounts.get(acme.id),
        lambda: store.accounts.add(cg.Account.create(name="Initech")),
        lambda: store.accounts.save(acme.update(name="ACME SAS")),
        lambda: store.cases.add(cg.Case.create(subject="Invoice", account_id=acme.id)),
        lambda: list(store.accounts),
        lambda: store.lock_accounts([acme.id]),
        lambda: store.transaction().__enter__(),
    ]

    def fail_and_go_on() -> None:
        with store.transaction():
            store.accounts.add(cg.Account.create(name="Globex Corp"))
            _failing_read(monkeypatch, fault)
            with pytest.raises(cg.StoreUnavailableError):
                store.accounts.count()
            for call in calls:
                with pytest.raises(cg.StoreUnavailableError) as caught:
                    call()
                refused.append(str(caught.value))

    with pytest.raises(cg.StoreUnavailableError):
        fail_and_go_on()
    monkeypatch.undo()
    assert all("cannot go on" in m and words in m for m in refused), refused
    assert _names(store) == ["ACME SA"]  # Initech never autocommitted on SQLite either
    assert store.cases.count() == 0


def test_a_nested_block_left_by_the_failed_read_takes_it_back_and_the_rest_is_kept(
    savepoint_survives: tuple[cg.Store, Fault, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, fault, words = savepoint_survives
    with store.transaction():
        store.accounts.add(cg.Account.create(name="Globex Corp"))
        _failing_read(monkeypatch, fault)
        with pytest.raises(cg.StoreUnavailableError, match=words), store.transaction():
            store.accounts.count()
        monkeypatch.undo()
        store.accounts.add(cg.Account.create(name="Initech"))
    assert _names(store) == ["ACME SA", "Globex Corp", "Initech"]


def test_a_nested_block_that_caught_the_failed_read_ends_with_it_rolled_back(
    savepoint_survives: tuple[cg.Store, Fault, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, fault, words = savepoint_survives

    def catch_inside_a_nested_block() -> None:
        with store.transaction():
            store.accounts.add(cg.Account.create(name="Initech"))
            _failing_read(monkeypatch, fault)
            with pytest.raises(cg.StoreUnavailableError, match=words):
                store.accounts.count()

    with store.transaction():
        store.accounts.add(cg.Account.create(name="Globex Corp"))
        with pytest.raises(cg.StoreUnavailableError, match="block was rolled back") as ended:
            catch_inside_a_nested_block()
        assert words in str(ended.value)
        monkeypatch.undo()
        store.accounts.add(cg.Account.create(name="Umbrella"))
    assert _names(store) == ["ACME SA", "Globex Corp", "Umbrella"]


def test_a_failed_read_outside_a_transaction_leaves_the_store_usable(
    faulty: tuple[cg.Store, Fault, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, fault, words = faulty
    _failing_read(monkeypatch, fault)
    with pytest.raises(cg.StoreUnavailableError, match=words):
        store.accounts.count()
    for _ in range(IDLE_READERS + 2):  # every idle read connection, and a fresh one
        assert store.accounts.count() == 1
        assert _names(store) == ["ACME SA"]
        assert store.accounts.find_contacts(email="alice@acme.example") == []
    store.accounts.add(cg.Account.create(name="Globex Corp"))
    with store.transaction():
        store.accounts.add(cg.Account.create(name="Initech"))
    assert _names(store) == ["ACME SA", "Globex Corp", "Initech"]


def test_an_interrupted_sqlite_read_leaves_the_transaction_standing_and_its_writes_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(driver: Any) -> None:
        driver.set_progress_handler(lambda: 1, 1)  # what Connection.interrupt() does
        try:
            driver.execute("SELECT count(*) FROM accounts").fetchall()
        finally:
            driver.set_progress_handler(None, 1)

    with cg.open_store(f"sqlite:///{tmp_path / 'crm.sqlite'}") as store:
        with store.transaction():
            store.accounts.add(cg.Account.create(name="ACME SA"))
            _failing_read(monkeypatch, interrupted)
            with pytest.raises(cg.StoreUnavailableError, match="interrupted"):
                store.accounts.count()
            assert store.accounts.count() == 1
            store.accounts.add(cg.Account.create(name="Globex Corp"))
        assert _names(store) == ["ACME SA", "Globex Corp"]


@pytest.mark.postgres
def test_a_lock_wait_timed_out_and_caught_does_not_end_in_a_silent_rollback(
    postgres_url: str,
) -> None:
    """A lock not had is a retryable ConcurrencyError; caught, the block cannot keep its writes."""
    with cg.open_store(postgres_url, tenant=f"t{uuid.uuid4().hex}", timeout=0.2) as store:
        acme = store.accounts.add(cg.Account.create(name="ACME SA"))

        def catch_and_end() -> None:
            with store.transaction():
                store.accounts.add(cg.Account.create(name="Globex Corp"))
                with pytest.raises(cg.ConcurrencyError, match="55P03"):
                    store.lock_accounts([acme.id])

        holder = sa.create_engine(postgres_url, poolclass=sa.pool.NullPool)
        try:
            with holder.begin() as held:
                held.exec_driver_sql(
                    "SELECT id FROM accounts WHERE id = %(id)s FOR UPDATE", {"id": acme.id}
                )
                with pytest.raises(cg.StoreUnavailableError, match=r"cannot go on.*lock"):
                    catch_and_end()
        finally:
            holder.dispose()
        assert _names(store) == ["ACME SA"]


def test_a_session_never_commits_a_transaction_the_database_undid(sql_url: str) -> None:
    """The last line: whatever swallowed the failure, the session's commit says so."""
    with cg.open_store(sql_url, tenant=f"t{uuid.uuid4().hex}") as store:
        session: Any = store.backend.session(write=True)
        session.accounts.insert(cg.Account.create(name="ACME SA"))
        undo = "SELECT 1/0" if "postgresql" in sql_url else "ROLLBACK"
        with contextlib.suppress(sa.exc.DBAPIError):
            session.conn.exec_driver_sql(undo)
        assert session.aborted()
        with pytest.raises(cg.StoreUnavailableError, match="not committed"):
            session.commit()
        assert store.accounts.count() == 0
        store.accounts.add(cg.Account.create(name="Globex Corp"))
        assert _names(store) == ["Globex Corp"]
