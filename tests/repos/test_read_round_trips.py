"""A read that is one statement runs without BEGIN/COMMIT; several go out together.

SQL sessions (:mod:`contactgraph.repos.sql.session`): a read session begins
its transaction before its first statement, except for a statement that is
the whole read by itself (``alone``), which runs in the driver's autocommit
mode. Writes, and reads already begun, keep every statement in their
transaction. On PostgreSQL, ``_fetch_together`` sends an account's row and
its contacts' rows in one pipeline.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import contactgraph as cg
from contactgraph.repos.sql import statements as q
from contactgraph.testing.contract import acme


def _in_transaction(driver: Any) -> bool:
    if hasattr(driver, "in_transaction"):  # sqlite3
        return bool(driver.in_transaction)
    return bool(driver.autocommit is False and driver.info.transaction_status != 0)


def _autocommit(driver: Any) -> bool:
    if hasattr(driver, "in_transaction"):  # sqlite3, its own transactions off: BEGIN or not
        return not driver.in_transaction
    return bool(driver.autocommit)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[cg.Store]:
    """A store holding ACME (as ``store.acme``)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'crm.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    with cg.open_store(url, tenant=f"t{uuid.uuid4().hex}") as store:
        account, _ = acme()
        store.acme = store.accounts.add(account)  # type: ignore[attr-defined]
        yield store


def _backend(store: cg.Store) -> Any:
    return store._backend  # type: ignore[attr-defined]


def test_a_read_of_one_statement_runs_outside_a_transaction(sql_store: cg.Store) -> None:
    session = _backend(sql_store).session(write=False)
    try:
        seen = session.alone(lambda driver: (_in_transaction(driver), _autocommit(driver)))
        assert seen == (False, True)
        session.accounts.exists("anything")  # a statement: the read has begun
        assert session.alone(_in_transaction)  # and a later one stays inside
    finally:
        session.rollback()


def test_a_write_keeps_a_lone_statement_in_its_transaction(sql_store: cg.Store) -> None:
    session = _backend(sql_store).session(write=True)
    try:
        session.accounts.exists("anything")  # a Core statement: the transaction has begun
        assert session.alone(lambda driver: not _autocommit(driver))
    finally:
        session.rollback()


def test_after_a_lone_statement_the_connection_reads_in_a_transaction_again(
    sql_store: cg.Store,
) -> None:
    account = sql_store.acme  # type: ignore[attr-defined]
    alice = next(c for c in account.contacts.values() if c.first_name == "Alice")
    for _ in range(3):  # the same idle read connection serves each read
        found = sql_store.accounts.find_contacts(email="alice.martin@acme.FR")
        assert [c.id for c in found] == [alice.id]
        session = _backend(sql_store).session(write=False)
        try:
            session.accounts.exists("anything")
            assert _in_transaction(session.driver)
            assert not _autocommit(session.driver)
        finally:
            session.rollback()


def test_statements_sent_together_give_what_each_gives_alone(sql_store: cg.Store) -> None:
    account = sql_store.acme  # type: ignore[attr-defined]
    session = _backend(sql_store).session(write=False)
    try:
        part = session.accounts
        together = part._fetch_together(
            (q.ACCOUNT_BY_ID, {"id": account.id}), (q.CONTACTS_OF, {"account_id": account.id})
        )
        assert together == [
            part._fetch(q.ACCOUNT_BY_ID, id=account.id),
            part._fetch(q.CONTACTS_OF, account_id=account.id),
        ]
        assert len(together[1]) == len(account.contacts) > 0
    finally:
        session.rollback()
    assert sql_store.accounts.get(account.id) == sql_store.acme  # type: ignore[attr-defined]


def test_a_read_that_is_one_load_ends_its_own_transaction(sql_store: cg.Store) -> None:
    """``get`` on PostgreSQL: BEGIN, both statements and COMMIT in one pipeline; the
    connection is back out of any transaction, in its settings, ready for the next read."""
    account = sql_store.acme  # type: ignore[attr-defined]
    session = _backend(sql_store).session(write=False)
    try:
        assert session.accounts.load(account.id) == account
        postgres = not hasattr(session.driver, "in_transaction")
        assert _in_transaction(session.driver) is not postgres  # SQLite: the read's snapshot
        assert not _autocommit(session.driver) or not postgres
        if postgres:  # one round trip: nothing left to end
            assert session.driver.info.transaction_status == 0
    finally:
        session.rollback()
    session = _backend(sql_store).session(write=False)
    try:
        session.accounts.exists("anything")  # a read begun: load stays in its transaction
        assert session.accounts.load(account.id) == account
        assert _in_transaction(session.driver)
    finally:
        session.rollback()
    for _ in range(3):  # the same idle read connection, again and again
        assert sql_store.accounts.get(account.id) == account
        assert sql_store.accounts.account_of(next(iter(account.contacts))) == account


def test_a_reads_first_statement_goes_out_with_its_begin(sql_store: cg.Store) -> None:
    """``owner_of`` first in a read (``account_of``): on PostgreSQL pipelined with the
    BEGIN; either way the read has begun its snapshot, and what follows stays in it."""
    account = sql_store.acme  # type: ignore[attr-defined]
    contact_id = next(iter(account.contacts))
    session = _backend(sql_store).session(write=False)
    try:
        assert session.accounts.owner_of(contact_id) == account.id
        assert _in_transaction(session.driver)
        assert session.accounts.owner_of("nobody") is None  # inside the same snapshot
        assert session.accounts.load(account.id) == account
        assert _in_transaction(session.driver)
    finally:
        session.rollback()
    session = _backend(sql_store).session(write=True)
    try:
        assert session.accounts.owner_of(contact_id) == account.id
    finally:
        session.rollback()


@pytest.mark.postgres
def test_a_load_keeps_one_plan_per_connection(postgres_url: str) -> None:
    """PostgreSQL's plan cache left to itself planned an account's contacts anew on
    every ``get`` (the generic plan's estimate, for the average account, stays above
    a small account's custom one); a load's own transaction asks for generic plans."""
    with cg.open_store(postgres_url, tenant=f"t{uuid.uuid4().hex}") as store:
        big = cg.Account.create(name="Big")
        for n in range(60):
            big, _ = big.add_contact(last_name=f"Big{n}")
        store.accounts.add(big)
        small = []
        for n in range(6):
            account = cg.Account.create(name=f"Small {n}")
            account, _ = account.add_contact(last_name=f"Small{n}")
            small.append(store.accounts.add(account))
        session = _backend(store).session(write=False)
        try:
            session.alone(lambda driver: driver.execute("ANALYZE contacts"))
            for _ in range(3):
                for account in small:
                    assert session.accounts.load(account.id) == account
            plans = session.alone(
                lambda driver: driver.execute(
                    "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                    " WHERE statement LIKE '%FROM contacts%' AND statement LIKE '%account_id = $%'"
                ).fetchall()
            )
        finally:
            session.rollback()
    assert len(plans) == 1  # psycopg prepared it (after 5 uses)
    generic, custom = plans[0]
    assert generic > 0
    assert custom == 0


def test_the_owner_of_a_contact_is_loaded_in_one_go(sql_store: cg.Store) -> None:
    """``load_owner_of`` (``account_of``): on PostgreSQL, a read's first statements go
    out with their own BEGIN and COMMIT in one pipeline (one round trip); inside a
    read begun already, or a write, it reads the owner then loads it. Either way the
    same account, and nothing for a contact that does not exist."""
    account = sql_store.acme  # type: ignore[attr-defined]
    contact_id = next(iter(account.contacts))
    session = _backend(sql_store).session(write=False)
    try:
        assert session.accounts.load_owner_of(contact_id) == account
        if not hasattr(session.driver, "in_transaction"):  # PostgreSQL: nothing left to end
            assert session.driver.info.transaction_status == 0
            assert not _autocommit(session.driver)
        assert session.accounts.load_owner_of("nobody") is None
        session.accounts.exists("anything")  # a read begun: the two steps, inside it
        assert session.accounts.load_owner_of(contact_id) == account
        assert _in_transaction(session.driver)
        assert session.accounts.load_owner_of("nobody") is None
    finally:
        session.rollback()
    session = _backend(sql_store).session(write=True)
    try:
        assert session.accounts.load_owner_of(contact_id) == account
    finally:
        session.rollback()
    for _ in range(7):  # the same idle read connection, past psycopg's prepare threshold
        assert sql_store.accounts.account_of(contact_id) == account
