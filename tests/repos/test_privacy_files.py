"""After a forget, the raw SQLite files hold nothing of the person, even without secure deletion.

Debian and others build SQLite with ``SECURE_DELETE`` on, which zeroes deleted
content by itself; these tests switch it off on every connection the store
opens, as on builds without it, so that only the store's own scrubbing
(FTS merge, ``VACUUM``, ``wal_checkpoint(TRUNCATE)``) can pass them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import contactgraph as cg
from contactgraph.testing.contract import acme

TRACES = (
    b"quaxley",
    b"Quaxley",
    b"QUAXLEY",
    b"Wilhelmina",
    b"wilhelmina",
    b"99887766",
    b"falconry",
)


@pytest.fixture(autouse=True)
def insecure_sqlite() -> Iterator[None]:
    """Every SQLite connection opened during the test runs with ``secure_delete = OFF``."""

    def off(dbapi_connection: Any, _record: Any) -> None:
        if type(dbapi_connection).__module__.startswith("sqlite3"):
            dbapi_connection.execute("PRAGMA secure_delete = OFF")

    sa.event.listen(sa.engine.Engine, "connect", off)
    yield
    sa.event.remove(sa.engine.Engine, "connect", off)


def _found(folder: Path) -> dict[str, list[bytes]]:
    """Which traces each file of the store (database, WAL, shared memory) holds."""
    return {
        f.name: [t for t in TRACES if t in f.read_bytes()]
        for f in sorted(folder.iterdir())
        if f.is_file()
    }


def _fill(store: cg.Store) -> str:
    account, people = acme()
    account, w = account.add_contact(
        last_name="Quaxley",
        first_name="Wilhelmina",
        email="wquaxley@acme.example",
        phone="+33 1 99 88 77 66",
        description="Falconry on Sundays.",
        extra={"Hobby__c": "falconry"},
    )
    account = store.accounts.add(account)
    account = account.update_contact(people["bob"].id, description="Deputy of Wilhelmina Quaxley")
    account = store.accounts.save(account.update_contact(w.id, title="Head of Procurement"))
    store.cases.add(
        cg.Case.create(
            "Wilhelmina Quaxley cannot log in",
            account.id,
            w.id,
            description="Call back on 01 99 88 77 66",
        )
    )
    return w.id


def test_the_files_hold_the_person_before_and_nothing_after(tmp_path: Path) -> None:
    with cg.open_store(f"sqlite:///{tmp_path / 'crm.db'}") as store:
        person = _fill(store)
        before = _found(tmp_path)
        assert any(before.values()), before  # the test can see a trace when there is one
        done = store.forget(person)
        assert done.files_scrubbed
        assert _found(tmp_path) == {name: [] for name in _found(tmp_path)}
        assert store.accounts.search("quaxley").total == 0
        assert store.accounts.count_contacts() == 5  # the placeholder stays
    assert _found(tmp_path) == {name: [] for name in _found(tmp_path)}


def test_without_scrubbing_the_files_still_hold_the_person(tmp_path: Path) -> None:
    """Why the scrub exists: the rows are gone, the bytes are not (with secure deletion off)."""
    with cg.open_store(f"sqlite:///{tmp_path / 'crm.db'}") as store:
        person = _fill(store)
        done = store.forget(person, scrub=False)
        assert not done.files_scrubbed
        assert store.accounts.find_contacts(email="wquaxley@acme.example") == []
        assert any(_found(tmp_path).values())
        assert store.backend.scrub()  # batching: one scrub after several forgets
        assert not any(_found(tmp_path).values())


def test_a_scrub_keeps_every_record_and_the_search_index(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    with cg.open_store(url) as store:
        person = _fill(store)
        store.forget(person)
        account = store.accounts.account_of(person)
        found = store.accounts.search("lefèv").contacts
        assert [c.last_name for c in found] == ["Lefèvre"]
    with cg.open_store(url) as store:
        assert store.accounts.get(account.id) == account
        assert store.accounts.search("durand").total == 1
        assert store.history.of(person)[-1].action == "forgotten"


def test_memory_has_nothing_to_scrub() -> None:
    with cg.open_store() as store:
        person = _fill(store)
        assert store.forget(person).files_scrubbed
