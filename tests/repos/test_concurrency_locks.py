"""Locks on PostgreSQL: deadlocks are retryable, moves cannot starve, cross-aggregate rules hold.

Writers on PostgreSQL run side by side at READ COMMITTED. Three things must
hold there (SQLite and memory run one writer at a time, so they hold trivially):

* a deadlock or serialisation failure is a :class:`ConcurrencyError` to retry,
  told by its SQLSTATE (never by words in the message), and the library takes
  the several row locks of one operation (a move) in id order, so that two
  opposite moves queue instead of deadlocking;
* a move locks both accounts before reading them, so concurrent saves of
  those accounts cannot make it lose again and again;
* the commit-time integrity checks hold against a concurrent transaction that
  changes what they read: each test below runs two transactions that would
  each be fine alone, lets both write, and only then lets both commit.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

import contactgraph as cg
from contactgraph.repos.sql.errors import TransactionConflictError, classify, translate

MOVES = 12
"""Moves per thread in the move tests (bounded by count, not by time)."""


@pytest.fixture
def pg(postgres_url: str) -> Iterator[cg.Store]:
    with cg.open_store(postgres_url, tenant=f"t{uuid.uuid4().hex}") as store:
        yield store


def _in_threads(*jobs: Callable[[], Any]) -> list[BaseException | None]:
    """Run each job in its own thread; what each one raised (``None``: it returned)."""
    outcome: list[BaseException | None] = [None] * len(jobs)

    def run(i: int) -> None:
        try:
            jobs[i]()
        except BaseException as exc:
            outcome[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a worker is stuck (a lock never released?)"
    return outcome


# ------------------------------------------------------- classifying errors


def test_a_deadlock_is_a_concurrency_error_whatever_its_message_says() -> None:
    """PostgreSQL's deadlock message says 'blocked by process': that is no SQLite lock."""
    orig = psycopg.errors.DeadlockDetected(
        "deadlock detected\nDETAIL:  Process 12 waits for ShareLock on transaction 3; "
        "blocked by process 13."
    )
    error = classify(OperationalError("UPDATE accounts", {}, orig))
    assert isinstance(error, cg.ConcurrencyError)
    assert isinstance(error, TransactionConflictError)
    assert error.sqlstate == "40P01"
    assert "deadlock" in str(error)
    assert "SQLite" not in str(error)


@pytest.mark.parametrize(
    ("error_class", "code"),
    [
        (psycopg.errors.SerializationFailure, "40001"),
        (psycopg.errors.LockNotAvailable, "55P03"),
    ],
)
def test_serialisation_failures_and_lock_timeouts_are_retryable(
    error_class: type[psycopg.Error], code: str
) -> None:
    @translate
    def failing() -> None:
        raise error_class("could not serialize access due to concurrent update")

    with pytest.raises(cg.ConcurrencyError) as caught:
        failing()
    assert isinstance(caught.value, TransactionConflictError)
    assert caught.value.sqlstate == code


def test_other_driver_errors_stay_unavailable_even_when_they_mention_locks() -> None:
    orig = psycopg.errors.AdminShutdown("terminating connection; the table was locked")
    error = classify(OperationalError("SELECT 1", {}, orig))
    assert type(error) is cg.StoreUnavailableError
    assert "SQLite" not in str(error)


def test_sqlite_busy_is_told_by_its_error_code_not_its_message(tmp_path: Path) -> None:
    import sqlite3

    holder = sqlite3.connect(tmp_path / "crm.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(tmp_path / "crm.db", timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        busy = exc
    finally:
        holder.rollback()
        holder.close()
        other.close()
    error = classify(busy, busy_timeout=0.5)
    assert isinstance(error, cg.StoreUnavailableError)
    assert "0.5 s timeout" in str(error)
    unrelated = sqlite3.OperationalError("the row was locked in a drawer")  # no error code
    assert "timeout" not in str(classify(unrelated))


# ------------------------------------------------------------ deadlocks


def _two_accounts(store: cg.Store) -> tuple[cg.Account, cg.Account]:
    acme = cg.Account.create(name="ACME SA")
    globex = cg.Account.create(name="Globex Corp")
    for account in (acme, globex):
        store.accounts.add(account)
    return store.accounts.get(acme.id), store.accounts.get(globex.id)


@pytest.mark.postgres
def test_a_deadlock_between_two_transactions_is_a_retryable_concurrency_error(
    pg: cg.Store,
) -> None:
    """Two transactions saving A then B and B then A: one is undone, and may simply retry."""
    acme, globex = _two_accounts(pg)
    both_wrote_one = threading.Barrier(2, timeout=30)

    def save_in_order(first: str, second: str) -> None:
        with pg.transaction():
            pg.accounts.save(pg.accounts.get(first).update(description="touched"))
            both_wrote_one.wait()
            pg.accounts.save(pg.accounts.get(second).update(description="touched"))

    outcome = _in_threads(
        lambda: save_in_order(acme.id, globex.id), lambda: save_in_order(globex.id, acme.id)
    )
    failed = [exc for exc in outcome if exc is not None]
    assert len(failed) == 1, outcome
    assert isinstance(failed[0], TransactionConflictError)
    assert failed[0].sqlstate == "40P01"
    save_in_order_again = pg.accounts.get(acme.id).update(description="retried")
    pg.accounts.save(save_in_order_again)  # nothing is left locked
    assert pg.accounts.get(acme.id).description == "retried"


@pytest.mark.postgres
def test_transactions_that_lock_their_accounts_first_queue_instead(pg: cg.Store) -> None:
    """The same two transactions, each locking both accounts first: both get through."""
    acme, globex = _two_accounts(pg)
    both_locked = threading.Barrier(2, timeout=30)

    def save_in_order(first: str, second: str) -> None:
        with pg.transaction():
            pg.lock_accounts([first, second])
            pg.accounts.save(pg.accounts.get(first).update(description=f"{first} first"))
            both_locked.wait() if first == acme.id else None
            pg.accounts.save(pg.accounts.get(second).update(description=f"{first} first"))

    def second_one() -> None:
        both_locked.wait()  # the first holds both locks now
        save_in_order(globex.id, acme.id)

    assert _in_threads(lambda: save_in_order(acme.id, globex.id), second_one) == [None, None]
    assert pg.accounts.get(acme.id).version == 3


@pytest.mark.postgres
def test_a_writer_waiting_past_the_postgres_timeout_gets_a_retryable_conflict(
    postgres_url: str,
) -> None:
    """``?timeout=0.2`` is PostgreSQL's lock_timeout: past it, a 55P03 ConcurrencyError."""
    url = sa.make_url(postgres_url).update_query_dict({"timeout": "0.2"})
    tenant = f"t{uuid.uuid4().hex}"
    holder = sa.create_engine(postgres_url, poolclass=sa.pool.NullPool)
    with cg.open_store(url.render_as_string(hide_password=False), tenant=tenant) as store:
        acme, _globex = _two_accounts(store)
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
        store.accounts.save(store.accounts.get(acme.id).update(description="after"))
        assert store.accounts.get(acme.id).version == 2


def _ping_pong(store: cg.Store) -> tuple[cg.Account, cg.Account, str, str]:
    acme = cg.Account.create(name="ACME SA")
    acme, alice = acme.add_contact(last_name="Martin", first_name="Alice")
    globex = cg.Account.create(name="Globex Corp")
    globex, bob = globex.add_contact(last_name="Durand", first_name="Bob")
    for account in (acme, globex):
        store.accounts.add(account)
    return acme, globex, alice.id, bob.id


@pytest.mark.postgres
def test_opposite_moves_queue_instead_of_deadlocking(pg: cg.Store) -> None:
    """Alice moves ACME -> Globex while Bob moves Globex -> ACME, back and forth, in lock step."""
    acme, globex, alice, bob = _ping_pong(pg)
    start = threading.Barrier(2, timeout=30)
    errors: list[BaseException] = []

    def shuttle(contact_id: str, there: str, back: str) -> None:
        for i in range(MOVES):
            start.wait()
            try:
                pg.move_contact(contact_id, to_account=there if i % 2 == 0 else back)
            except Exception as exc:
                errors.append(exc)

    _in_threads(
        lambda: shuttle(alice, globex.id, acme.id), lambda: shuttle(bob, acme.id, globex.id)
    )
    assert errors == []
    assert pg.accounts.account_of(alice).id == acme.id  # an even number of moves each
    assert pg.accounts.account_of(bob).id == globex.id


# ------------------------------------------------------------ starvation


@pytest.mark.parametrize("kind", ["memory", "sqlite", "postgres"])
def test_a_move_gets_through_against_concurrent_updates(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Updaters hammer both accounts while a contact moves between them: no move ever loses."""
    if kind == "postgres":
        request.applymarker(pytest.mark.postgres)
        url = request.getfixturevalue("postgres_url")
    else:
        url = "memory://" if kind == "memory" else f"sqlite:///{tmp_path / 'crm.db'}"
    with cg.open_store(url, tenant=f"t{uuid.uuid4().hex}") as store:
        acme, globex, alice, _bob = _ping_pong(store)
        done = threading.Event()
        updated = threading.Event()
        tally = {"moves": 0, "move_conflicts": 0, "updates": 0, "update_conflicts": 0}
        other: list[BaseException] = []

        def mover() -> None:
            try:
                for i in range(MOVES):
                    updated.wait(timeout=5)  # the updaters are at work between the moves
                    updated.clear()
                    try:
                        store.move_contact(alice, to_account=globex.id if i % 2 == 0 else acme.id)
                        tally["moves"] += 1
                    except cg.ConcurrencyError:
                        tally["move_conflicts"] += 1
            finally:
                done.set()

        def updater(account_id: str) -> None:
            for n in range(5_000):  # bounded; normally stopped by the mover finishing
                if done.is_set():
                    return
                try:
                    account = store.accounts.get(account_id)
                    store.accounts.save(account.update(description=f"update {n}"))
                    tally["updates"] += 1
                except cg.ConcurrencyError:
                    tally["update_conflicts"] += 1
                updated.set()

        outcome = _in_threads(
            mover, *(lambda a=a: updater(a) for a in (acme.id, globex.id, acme.id, globex.id))
        )
        other = [exc for exc in outcome if exc is not None]
        assert other == []
        print(f"\n{kind}: {tally}")
        assert tally["move_conflicts"] == 0, tally
        assert tally["moves"] == MOVES
        assert store.accounts.account_of(alice).id == acme.id


# ------------------------------------------- cross-aggregate rules, concurrently


def _race(store: cg.Store, first: Callable[[], Any], second: Callable[[], Any]) -> list[Any]:
    """Both write in their own transaction; only when both have written may either commit."""
    both_wrote = threading.Barrier(2, timeout=30)

    def inside(write: Callable[[], Any]) -> Callable[[], None]:
        def job() -> None:
            with store.transaction():
                write()
                both_wrote.wait()

        return job

    return _in_threads(inside(first), inside(second))


def _refused(outcome: list[BaseException | None]) -> list[BaseException]:
    failed = [exc for exc in outcome if exc is not None]
    assert len(failed) == 1, f"exactly one of the two must be refused: {outcome}"
    assert isinstance(failed[0], cg.PolicyViolationError | cg.ConcurrencyError), failed[0]
    return failed


def _crm(store: cg.Store) -> tuple[cg.Account, cg.Account, str]:
    acme = cg.Account.create(name="ACME SA")
    acme, alice = acme.add_contact(last_name="Martin", first_name="Alice")
    acme, _bob = acme.add_contact(last_name="Durand", first_name="Bob")
    globex = cg.Account.create(name="Globex Corp")
    globex, _carol = globex.add_contact(last_name="Petit", first_name="Carol")
    for account in (acme, globex):
        store.accounts.add(account)
    return store.accounts.get(acme.id), store.accounts.get(globex.id), alice.id


def _contact_ids(store: cg.Store) -> dict[str, str]:
    return {c: a.id for a in store.accounts.list() for c in a.contacts}


Scenario = Callable[[cg.Store], tuple[Callable[[], Any], Callable[[], Any], Callable[[], None]]]
"""Given a store: two writes that each pass alone but not together, and a check of the result."""

RACES = 4
"""Rounds per rule: without the locks, some round lets both transactions through."""


def _case_for_removed_contact(pg: cg.Store) -> Any:
    acme, _globex, alice = _crm(pg)
    case = cg.Case.create(subject="Invoice error", account_id=acme.id, contact_id=alice)

    def check() -> None:
        owners = _contact_ids(pg)
        assert all(owners.get(k.contact_id or "") == k.account_id for k in pg.cases.list())

    return (
        lambda: pg.cases.add(case),
        lambda: pg.accounts.save(pg.accounts.get(acme.id).remove_contact(alice)),
        check,
    )


def _deal(account_id: str, contact_id: str, *, primary: bool) -> cg.Opportunity:
    return cg.Opportunity.create(
        name="ACME renewal", account_id=account_id, stage="Prospecting", close_date="2027-03-31"
    ).add_contact_role(contact_id, role="Economic Buyer", primary=primary)


def _roles_inside(pg: cg.Store) -> Callable[[], None]:
    def check() -> None:
        owners = _contact_ids(pg)
        for kept in pg.opportunities.list():
            assert all(owners.get(c) == kept.account_id for c in kept.contact_ids)

    return check


def _primary_role_for_removed_contact(pg: cg.Store) -> Any:
    acme, _globex, alice = _crm(pg)
    deal = _deal(acme.id, alice, primary=True)
    return (
        lambda: pg.opportunities.add(deal),
        lambda: pg.accounts.save(pg.accounts.get(acme.id).remove_contact(alice)),
        _roles_inside(pg),
    )


def _role_for_contact_moved_away(pg: cg.Store) -> Any:
    acme, globex, alice = _crm(pg)
    deal = _deal(acme.id, alice, primary=False)
    return (
        lambda: pg.opportunities.add(deal),
        lambda: pg.move_contact(alice, to_account=globex.id),
        _roles_inside(pg),
    )


def _relation_to_removed_contact(pg: cg.Store) -> Any:
    acme, globex, alice = _crm(pg)
    relation = cg.AccountContactRelation.create(globex.id, alice, roles=("Influencer",))

    def check() -> None:
        owners = _contact_ids(pg)
        assert all(kept.contact_id in owners for kept in pg.relations.list())

    return (
        lambda: pg.relations.add(relation),
        lambda: pg.accounts.save(pg.accounts.get(acme.id).remove_contact(alice)),
        check,
    )


def _case_on_removed_account(pg: cg.Store) -> Any:
    _acme, globex, _alice = _crm(pg)
    case = cg.Case.create(subject="Late delivery", account_id=globex.id)

    def check() -> None:
        accounts = {a.id for a in pg.accounts.list()}
        assert all(kept.account_id in accounts for kept in pg.cases.list())

    return lambda: pg.cases.add(case), lambda: pg.accounts.remove(globex.id), check


def _two_parents_at_once(pg: cg.Store) -> Any:
    acme, globex, _alice = _crm(pg)

    def check() -> None:
        parents = {a.id: a.parent_id for a in pg.accounts.list()}
        assert parents[acme.id] is None or parents[globex.id] is None

    return (
        lambda: pg.accounts.save(pg.accounts.get(acme.id).update(parent_id=globex.id)),
        lambda: pg.accounts.save(pg.accounts.get(globex.id).update(parent_id=acme.id)),
        check,
    )


def _parent_removed(pg: cg.Store) -> Any:
    acme, globex, _alice = _crm(pg)

    def check() -> None:
        accounts = {a.id: a for a in pg.accounts.list()}
        assert all(a.parent_id is None or a.parent_id in accounts for a in accounts.values())

    return (
        lambda: pg.accounts.save(pg.accounts.get(acme.id).update(parent_id=globex.id)),
        lambda: pg.accounts.remove(globex.id),
        check,
    )


@pytest.mark.postgres
@pytest.mark.parametrize(
    "scenario",
    [
        _case_for_removed_contact,
        _primary_role_for_removed_contact,
        _role_for_contact_moved_away,
        _relation_to_removed_contact,
        _case_on_removed_account,
        _two_parents_at_once,
        _parent_removed,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_cross_aggregate_rules_hold_against_a_concurrent_transaction(
    postgres_url: str, scenario: Scenario
) -> None:
    """Both transactions write, then both commit: exactly one is refused, every round."""
    for _ in range(RACES):
        with cg.open_store(postgres_url, tenant=f"t{uuid.uuid4().hex}") as pg:
            first, second, check = scenario(pg)
            _refused(_race(pg, first, second))
            check()
