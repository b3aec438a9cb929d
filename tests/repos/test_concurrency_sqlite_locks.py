"""SQLite while another process holds the write lock (a long import, say).

Readers open the store and read in their WAL snapshot without waiting (opening
a store that is already set up takes no write lock); a writer waits for the
lock as long as the store's timeout (``sqlite:///crm.db?timeout=SECONDS``,
30 s by default) and then gets a :class:`StoreUnavailableError` naming that
timeout, never a raw ``sqlite3.OperationalError``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import contactgraph as cg
from contactgraph.cli import main

_HOLDER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("CREATE TABLE IF NOT EXISTS import_scratch (n INTEGER)")
db.execute("INSERT INTO import_scratch VALUES (1)")
print("locked", flush=True)
sys.stdin.readline()
db.execute("ROLLBACK")
"""


@contextmanager
def write_lock_held_elsewhere(path: Path) -> Iterator[None]:
    """Another process holds the database's write lock (BEGIN IMMEDIATE) for the block."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdin is not None
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.communicate("done\n", timeout=60)
    assert holder.returncode == 0


@pytest.fixture
def acme_db(tmp_path: Path) -> Path:
    path = tmp_path / "crm.db"
    with cg.open_store(f"sqlite:///{path}") as store:
        acme, _alice = cg.Account.create(name="ACME SA").add_contact(last_name="Martin")
        store.accounts.add(acme)
    return path


def test_a_store_opens_and_reads_while_another_process_writes(acme_db: Path) -> None:
    # a 1 s timeout: waiting at all for the writer would fail this test
    url = f"sqlite:///{acme_db}?timeout=1"
    with write_lock_held_elsewhere(acme_db), cg.open_store(url) as store:
        assert store.accounts.count() == 1
        [acme] = store.accounts.list()
        assert acme.name == "ACME SA"
        assert [c.last_name for c in store.accounts.find_contacts(name="Martin")] == ["Martin"]


def test_a_writer_waiting_past_its_timeout_is_told_so_and_changes_nothing(acme_db: Path) -> None:
    with cg.open_store(f"sqlite:///{acme_db}?timeout=0.2") as store:
        globex = cg.Account.create(name="Globex Corp")
        with write_lock_held_elsewhere(acme_db):
            with pytest.raises(cg.StoreUnavailableError) as caught:
                store.accounts.add(globex)
            assert "0.2 s timeout" in str(caught.value)
            assert "timeout=" in str(caught.value)  # how to wait longer
            assert store.accounts.count() == 1
        store.accounts.add(globex)  # the writer gone, the same store writes again
        assert store.accounts.count() == 2


def test_a_tenant_store_keeps_the_timeout(acme_db: Path) -> None:
    with cg.open_store(f"sqlite:///{acme_db}?timeout=0.2") as store:
        other = store.for_tenant("globex")
        with write_lock_held_elsewhere(acme_db), pytest.raises(cg.StoreUnavailableError) as caught:
            other.accounts.add(cg.Account.create(name="Globex Corp"))
        assert "0.2 s timeout" in str(caught.value)


def test_creating_a_store_while_another_process_writes_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    with write_lock_held_elsewhere(path), pytest.raises(cg.StoreUnavailableError) as caught:
        cg.open_store(f"sqlite:///{path}?timeout=0.2")
    assert "0.2 s timeout" in str(caught.value)
    assert str(path) in str(caught.value)
    with cg.open_store(f"sqlite:///{path}") as store:  # the writer gone, it opens
        assert store.accounts.count() == 0


@pytest.mark.parametrize("value", ["soon", "-1", "1e9", "nan"])
def test_a_bad_timeout_is_refused_with_its_name(tmp_path: Path, value: str) -> None:
    with pytest.raises(cg.StoreConfigurationError, match="timeout"):
        cg.open_store(f"sqlite:///{tmp_path / 'crm.db'}?timeout={value}")
    assert not (tmp_path / "crm.db").exists()


def test_the_command_line_reads_while_another_process_writes(
    acme_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with write_lock_held_elsewhere(acme_db):
        code = main(["--store", f"sqlite:///{acme_db}?timeout=1", "accounts"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "ACME SA" in out
    assert "Traceback" not in err
