"""Concurrent read-modify-save on one account: no lost update, every loser told so.

Each worker owns one contact of ACME and, on each success, bumps the
account's ``Saves__c`` counter and its own contact's title. Two phases:

* lock-step rounds: every worker reads, all wait at a barrier, then all
  save; exactly one save per round wins and every other one must raise
  ConcurrencyError (the edits touch different contacts: the account is the
  unit of consistency);
* free-running with retries: whatever the interleaving, the final version is
  the initial one plus the successful saves, and the counter equals them.
"""

from __future__ import annotations

import multiprocessing
import threading
import uuid
from pathlib import Path
from queue import Empty
from typing import Any

import pytest

import contactgraph as cg

WORKERS = 4
ROUNDS = 5
FREE_SAVES = 10


def _seed(store: cg.Store) -> tuple[str, list[str]]:
    account = cg.Account.create(name="ACME SA", extra={"Saves__c": 0})
    ids = []
    for i in range(WORKERS):
        account, contact = account.add_contact(last_name=f"Worker {i}", title="0")
        ids.append(contact.id)
    store.accounts.add(account)
    return account.id, ids


def _bump(store: cg.Store, account_id: str, contact_id: str) -> None:
    """One read-modify-save; raises ConcurrencyError when someone saved first."""
    account = store.accounts.get(account_id)
    store.accounts.save(_bumped(account, contact_id))


def _bumped(account: cg.Account, contact_id: str) -> cg.Account:
    saves = account.extra["Saves__c"]
    assert isinstance(saves, int)
    mine = int(account.contact(contact_id).title or "0")
    return account.update(extra={"Saves__c": saves + 1}).update_contact(
        contact_id, title=str(mine + 1)
    )


def work(
    store: cg.Store, account_id: str, contact_id: str, *, barrier: Any, rounds: int, free: int
) -> dict[str, Any]:
    """What one worker (thread or process) does; returns its tallies."""
    tally: dict[str, Any] = {"won": 0, "lost": 0, "free_won": 0, "free_lost": 0, "other": []}
    for _ in range(rounds):
        account = store.accounts.get(account_id)
        barrier.wait()
        try:
            store.accounts.save(_bumped(account, contact_id))
            tally["won"] += 1
        except cg.ConcurrencyError:
            tally["lost"] += 1
        except Exception as exc:
            tally["other"].append(repr(exc))
        barrier.wait()
    done = 0
    while done < free:
        try:
            _bump(store, account_id, contact_id)
            done += 1
            tally["free_won"] += 1
        except cg.ConcurrencyError:
            tally["free_lost"] += 1
        except Exception as exc:
            tally["other"].append(repr(exc))
            break
    return tally


def _check(
    store: cg.Store, account_id: str, contact_ids: list[str], tallies: list[dict[str, Any]]
) -> None:
    assert [t["other"] for t in tallies] == [[]] * len(tallies)
    assert sum(t["won"] for t in tallies) == ROUNDS
    assert sum(t["lost"] for t in tallies) == ROUNDS * (WORKERS - 1)
    wins = sum(t["won"] + t["free_won"] for t in tallies)
    assert wins == ROUNDS + WORKERS * FREE_SAVES
    final = store.accounts.get(account_id)
    assert final.version == 1 + wins
    assert final.extra["Saves__c"] == wins
    for contact_id, tally in zip(contact_ids, tallies, strict=True):
        assert final.contact(contact_id).title == str(tally["won"] + tally["free_won"])


def _threads(store: cg.Store) -> None:
    account_id, contact_ids = _seed(store)
    barrier = threading.Barrier(WORKERS)
    tallies: list[dict[str, Any]] = [{} for _ in contact_ids]

    def run(i: int) -> None:
        tallies[i] = work(
            store, account_id, contact_ids[i], barrier=barrier, rounds=ROUNDS, free=FREE_SAVES
        )

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _check(store, account_id, contact_ids, tallies)


def test_threads_on_memory() -> None:
    with cg.open_store() as store:
        _threads(store)


def test_threads_on_sqlite(tmp_path: Path) -> None:
    with cg.open_store(f"sqlite:///{tmp_path / 'crm.db'}") as store:
        _threads(store)


@pytest.mark.postgres
def test_threads_on_postgres(postgres_url: str) -> None:
    with cg.open_store(postgres_url, tenant=f"t{uuid.uuid4().hex}") as store:
        _threads(store)


# ---------------------------------------------------------------- processes


def _process_main(
    url: str, tenant: str, account_id: str, contact_id: str, *, barrier: Any, queue: Any
) -> None:
    with cg.open_store(url, tenant=tenant) as store:
        tally = work(store, account_id, contact_id, barrier=barrier, rounds=ROUNDS, free=FREE_SAVES)
        queue.put((contact_id, tally))


def _processes(url: str, tenant: str) -> None:
    with cg.open_store(url, tenant=tenant) as store:
        account_id, contact_ids = _seed(store)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(WORKERS)
    queue = context.Queue()
    procs = [
        context.Process(
            target=_process_main,
            args=(url, tenant, account_id, cid),
            kwargs={"barrier": barrier, "queue": queue},
        )
        for cid in contact_ids
    ]
    for proc in procs:
        proc.start()
    results: dict[str, dict[str, Any]] = {}
    while len(results) < len(procs):
        try:
            contact_id, tally = queue.get(timeout=1)
            results[contact_id] = tally
        except Empty:
            dead = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
            assert not dead, f"a worker process died (exit codes {dead}); see its stderr"
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    with cg.open_store(url, tenant=tenant) as store:
        _check(store, account_id, contact_ids, [results[c] for c in contact_ids])


@pytest.mark.slow
def test_processes_on_sqlite(tmp_path: Path) -> None:
    _processes(f"sqlite:///{tmp_path / 'crm.db'}", "default")


@pytest.mark.slow
@pytest.mark.postgres
def test_processes_on_postgres(postgres_url: str) -> None:
    _processes(postgres_url, f"t{uuid.uuid4().hex}")
