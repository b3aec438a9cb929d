"""``open_store(timeout=)``: the ``?timeout=`` URL parameter as a keyword, on every backend.

SQLite: the busy timeout, then :class:`StoreUnavailableError`; PostgreSQL:
the server's ``lock_timeout``, then a retryable ``TransactionConflictError``;
memory: how long a writer thread waits for another thread's write.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from test_concurrency_sqlite_locks import write_lock_held_elsewhere

import contactgraph as cg
from contactgraph.repos.sql.errors import TransactionConflictError


@pytest.fixture
def acme_db(tmp_path: Path) -> Path:
    path = tmp_path / "crm.db"
    with cg.open_store(f"sqlite:///{path}") as store:
        store.accounts.add(cg.Account.create(name="ACME SA"))
    return path


def test_sqlite_writer_waits_the_keyword_timeout_then_is_told_so(acme_db: Path) -> None:
    with cg.open_store(f"sqlite:///{acme_db}", timeout=0.2) as store:
        with write_lock_held_elsewhere(acme_db), pytest.raises(cg.StoreUnavailableError) as caught:
            store.accounts.add(cg.Account.create(name="Globex Corp"))
        assert "0.2 s timeout" in str(caught.value)
        assert store.accounts.count() == 1
        store.accounts.add(cg.Account.create(name="Globex Corp"))
        assert store.accounts.count() == 2


def test_the_keyword_and_the_url_may_agree_but_not_differ(acme_db: Path) -> None:
    with cg.open_store(f"sqlite:///{acme_db}?timeout=0.5", timeout=0.5) as store:
        assert store.accounts.count() == 1
    with pytest.raises(cg.StoreConfigurationError, match="two timeouts"):
        cg.open_store(f"sqlite:///{acme_db}?timeout=5", timeout=0.5)


@pytest.mark.parametrize(
    "value", [-1, 86_401, float("nan"), float("inf"), 2**2000, "5", True, None.__class__]
)
def test_a_bad_timeout_is_refused_naming_it_before_anything_is_opened(
    tmp_path: Path, value: object
) -> None:
    for url in (f"sqlite:///{tmp_path / 'crm.db'}", "memory://"):
        with pytest.raises(cg.StoreConfigurationError, match="timeout"):
            cg.open_store(url, timeout=value)  # type: ignore[arg-type]
    assert not (tmp_path / "crm.db").exists()


def test_zero_and_a_day_are_accepted(tmp_path: Path) -> None:
    for seconds in (0, 86_400, 1.5):
        with cg.open_store(f"sqlite:///{tmp_path / 'crm.db'}", timeout=seconds) as store:
            assert store.accounts.count() == 0


def test_memory_writer_waits_the_keyword_timeout_for_another_thread() -> None:
    with cg.open_store("memory://timeout-test", timeout=0.2) as store:
        holding = threading.Event()
        release = threading.Event()

        def hold_the_write_lock() -> None:
            with cg.open_store("memory://timeout-test") as other, other.transaction():
                other.accounts.add(cg.Account.create(name="Initech"))
                holding.set()
                release.wait(30)

        holder = threading.Thread(target=hold_the_write_lock)
        holder.start()
        try:
            assert holding.wait(30)
            with pytest.raises(cg.StoreUnavailableError, match=r"0\.2 s"):
                store.accounts.add(cg.Account.create(name="Globex Corp"))
            assert store.for_tenant("default").accounts.count() == 0
        finally:
            release.set()
            holder.join(30)
        assert [a.name for a in store.accounts.list()] == ["Initech"]


@pytest.mark.postgres
def test_postgres_keyword_timeout_is_the_lock_timeout(postgres_url: str) -> None:
    tenant = f"t{uuid.uuid4().hex}"
    holder = sa.create_engine(postgres_url, poolclass=sa.pool.NullPool)
    with cg.open_store(postgres_url, tenant=tenant, timeout=0.2) as store:
        acme = store.accounts.add(cg.Account.create(name="ACME SA"))
        with holder.begin() as conn:
            conn.exec_driver_sql(
                "SELECT id FROM accounts WHERE tenant = %(t)s AND id = %(id)s FOR UPDATE",
                {"t": tenant, "id": acme.id},
            )
            with pytest.raises(cg.ConcurrencyError) as caught:
                store.accounts.save(acme.update(description="waited"))
        holder.dispose()
        assert isinstance(caught.value, TransactionConflictError)
        assert caught.value.sqlstate == "55P03"
        assert store.accounts.get(acme.id).version == 1
