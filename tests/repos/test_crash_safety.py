"""A writer SIGKILLed in the middle of a large SQLite transaction loses all of it, or none.

The child process commits a first large transaction (accounts ``A…``), says
so, opens a second one (accounts ``B…``) and keeps writing into it until it
is killed. Afterwards the file opens, passes ``PRAGMA integrity_check``,
holds every row of the first transaction and none of the second.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import contactgraph as cg

CHILD = r"""
import sys
import contactgraph as cg

url = sys.argv[1]

def account(prefix, i):
    acct = cg.Account.create(name=f"{prefix} {i:05d}", id=f"{prefix}{i:05d}")
    for j in range(20):
        acct, _ = acct.add_contact(
            last_name=f"Person {j}", id=f"{prefix}{i:05d}-{j}", email=f"p{j}@{prefix}{i}.example"
        )
    return acct

with cg.open_store(url) as store:
    with store.transaction():
        for i in range(300):
            store.accounts.add(account("A", i))
    print("committed", flush=True)
    with store.transaction():
        i = 0
        while True:
            store.accounts.add(account("B", i))
            i += 1
            if i == 200:
                print("writing", flush=True)
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_killed_writer_leaves_all_or_nothing(tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    url = f"sqlite:///{db}"
    errors = tmp_path / "child.err"
    with (
        errors.open("w") as err,
        subprocess.Popen(
            [sys.executable, "-c", CHILD, url], stdout=subprocess.PIPE, stderr=err, text=True
        ) as child,
    ):
        assert child.stdout is not None
        said = [child.stdout.readline().strip(), child.stdout.readline().strip()]
        assert said == ["committed", "writing"], errors.read_text()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL

    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
    with cg.open_store(url) as store:
        assert store.accounts.count() == 300
        assert store.accounts.count_contacts() == 300 * 20
        assert store.accounts.list(order_by="id")[-1].id == "A00299"
        assert store.accounts.find_contacts(email="p3@b1.example") == []
        assert len(store.accounts.find_contacts(email="p3@a299.example")) == 1
        store.accounts.add(cg.Account.create(name="After the crash"))
        assert store.accounts.count() == 301
