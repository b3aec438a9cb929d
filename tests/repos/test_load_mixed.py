"""A mixed workload against every backend: nothing fails but retried conflicts, nothing is lost.

Workers (threads sharing one store, and processes each opening their own on
SQLite and PostgreSQL) read, search, add accounts, add several in one
transaction (an import in small), update their own contact, move it between
shared accounts and raise cases for it, for a bounded number of operations
and a bounded time. A :class:`ConcurrencyError` is retried (reload,
re-apply, save again); any other error fails the test. Afterwards every
acknowledged write is there, each worker's contact is where and as its last
acknowledged write left it, and no contact belongs to two accounts.

``CONTACTGRAPH_LOAD_SECONDS`` (default 2) bounds each run; the ``slow``
variants run ``CONTACTGRAPH_LOAD_SLOW_SECONDS`` (default 8) with more workers. ``pytest tests/repos/test_load_mixed.py -s`` prints what
each run did (operations, retries) for docs/reliability.md.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from queue import Empty
from typing import Any, TypeVar

import pytest

import contactgraph as cg

T = TypeVar("T")

SECONDS = float(os.environ.get("CONTACTGRAPH_LOAD_SECONDS", "2"))
SLOW_SECONDS = float(os.environ.get("CONTACTGRAPH_LOAD_SLOW_SECONDS", "8"))
MAX_OPS = 2_000
"""Per worker: the count bound, whatever the time bound."""
MAX_ATTEMPTS = 200
"""Tries of one write before a worker gives up (and the test fails)."""
SHARED = 4
OPS = ("read", "search", "add", "batch", "update", "move", "case")


def seed(store: cg.Store, workers: int) -> tuple[list[str], list[str]]:
    """Shared accounts, and one contact per worker in the first of them."""
    accounts = [cg.Account.create(name=f"Shared {i} SA") for i in range(SHARED)]
    first = accounts[0]
    owned = []
    for i in range(workers):
        first, contact = first.add_contact(last_name=f"Worker{i}", title="0")
        owned.append(contact.id)
    accounts[0] = first
    with store.transaction():
        for account in accounts:
            store.accounts.add(account)
    return [a.id for a in accounts], owned


def work(
    store: cg.Store, shared: list[str], contact_id: str, *, seed: int, seconds: float
) -> dict[str, Any]:
    """What one worker does; returns its tally and every write it saw acknowledged."""
    rng = random.Random(seed)
    tally: dict[str, Any] = dict.fromkeys(OPS, 0)
    tally.update(
        retries=0, errors=[], accounts=[], cases=[], title=0, at=shared[0], contact=contact_id
    )

    def retried(write: Callable[[], T]) -> T:
        for attempt in range(MAX_ATTEMPTS):
            try:
                return write()
            except cg.ConcurrencyError:
                tally["retries"] += 1
                time.sleep(rng.random() * 0.002 * min(attempt + 1, 10))
        raise AssertionError(f"gave up after {MAX_ATTEMPTS} conflicts")

    def update() -> None:
        account = store.accounts.account_of(contact_id)
        store.accounts.save(account.update_contact(contact_id, title=str(tally["title"] + 1)))

    deadline = time.monotonic() + seconds
    for n in range(MAX_OPS):
        if time.monotonic() > deadline:
            break
        op = rng.choice(OPS)
        try:
            if op == "read":
                store.accounts.get(rng.choice(shared))
                store.accounts.account_of(contact_id)
            elif op == "search":
                store.accounts.find_contacts(name=f"Worker{seed % 1000}")
                store.accounts.list(limit=20)
            elif op == "add":
                account, _c = cg.Account.create(name=f"Load {seed}-{n}").add_contact(
                    last_name="Loader", email=f"l{seed}.{n}@load.example"
                )
                store.accounts.add(account)
                tally["accounts"].append(account.id)
            elif op == "batch":
                batch = [cg.Account.create(name=f"Batch {seed}-{n}-{k}") for k in range(3)]
                with store.transaction():
                    for account in batch:
                        store.accounts.add(account)
                tally["accounts"].extend(a.id for a in batch)
            elif op == "update":
                retried(update)
                tally["title"] += 1
            elif op == "move":
                target = rng.choice([a for a in shared if a != tally["at"]])
                retried(lambda: store.move_contact(contact_id, to_account=target))  # noqa: B023
                tally["at"] = target
            else:
                case = cg.Case.create(
                    subject=f"Load case {n}", account_id=tally["at"], contact_id=contact_id
                )
                retried(lambda: store.cases.add(case))  # noqa: B023
                tally["cases"].append(case.id)
            tally[op] += 1
        except Exception as exc:
            tally["errors"].append(f"{op}: {exc!r}")
            if len(tally["errors"]) > 5:
                break
    return tally


def check(store: cg.Store, tallies: list[dict[str, Any]], label: str) -> None:
    """No error; every acknowledged write present; each contact in exactly one account."""
    assert [t["errors"] for t in tallies] == [[]] * len(tallies)
    owners: dict[str, str] = {}
    for account in store.accounts.list():
        for contact_id in account.contacts:
            assert contact_id not in owners, f"contact {contact_id} in two accounts"
            owners[contact_id] = account.id
    assert store.accounts.count_contacts() == len(owners)
    accounts = {a.id for a in store.accounts.list()}
    for tally in tallies:
        assert set(tally["accounts"]) <= accounts
        contact_id = tally["contact"]
        assert owners[contact_id] == tally["at"]
        holder = store.accounts.get(tally["at"])
        assert holder.contact(contact_id).title == str(tally["title"])
        for case_id in tally["cases"]:
            assert store.cases.get(case_id).contact_id == contact_id
    for case in store.cases.list():
        assert case.account_id in accounts
    ops = sum(t[op] for t in tallies for op in OPS)
    retries = sum(t["retries"] for t in tallies)
    moves = sum(t["move"] for t in tallies)
    print(f"\n{label}: {ops} operations ({moves} moves), {retries} retried conflicts, 0 errors")
    assert ops > 0


# ---------------------------------------------------------------- threads


def _threads(url: str, workers: int, seconds: float, label: str) -> None:
    with cg.open_store(url, tenant=f"t{uuid.uuid4().hex}") as store:
        shared, owned = seed(store, workers)
        tallies: list[dict[str, Any]] = [{} for _ in owned]

        def run(i: int) -> None:
            tallies[i] = work(store, shared, owned[i], seed=i, seconds=seconds)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 120)
            assert not thread.is_alive(), "a worker is stuck"
        check(store, tallies, label)


def _url(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if kind == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return "memory://" if kind == "memory" else f"sqlite:///{tmp_path / 'crm.db'}"


BACKENDS = [
    "memory",
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
]


@pytest.mark.parametrize("kind", BACKENDS)
def test_mixed_threads(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    _threads(_url(kind, tmp_path, request), 4, SECONDS, f"{kind}, 4 threads, {SECONDS:g} s")


@pytest.mark.slow
@pytest.mark.parametrize("kind", BACKENDS)
def test_mixed_threads_longer(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    label = f"{kind}, 8 threads, {SLOW_SECONDS:g} s"
    _threads(_url(kind, tmp_path, request), 8, SLOW_SECONDS, label)


# -------------------------------------------------------------- processes


def _process_main(job: dict[str, Any], queue: Any) -> None:
    with cg.open_store(job["url"], tenant=job["tenant"]) as store:
        tally = work(store, job["shared"], job["contact"], seed=job["i"], seconds=job["seconds"])
        queue.put((job["i"], tally))


def _processes(url: str, workers: int, seconds: float, label: str) -> None:
    tenant = f"t{uuid.uuid4().hex}"
    with cg.open_store(url, tenant=tenant) as store:
        shared, owned = seed(store, workers)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    procs = [
        context.Process(
            target=_process_main,
            args=(
                {
                    "url": url,
                    "tenant": tenant,
                    "shared": shared,
                    "contact": owned[i],
                    "i": i,
                    "seconds": seconds,
                },
                queue,
            ),
        )
        for i in range(workers)
    ]
    for proc in procs:
        proc.start()
    results: dict[int, dict[str, Any]] = {}
    give_up = time.monotonic() + seconds + 180
    while len(results) < workers and time.monotonic() < give_up:
        try:
            i, tally = queue.get(timeout=1)
            results[i] = tally
        except Empty:
            dead = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
            assert not dead, f"a worker process died (exit codes {dead}); see its stderr"
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    assert len(results) == workers
    with cg.open_store(url, tenant=tenant) as store:
        check(store, [results[i] for i in range(workers)], label)


SQL_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("kind", SQL_BACKENDS)
def test_mixed_processes(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    label = f"{kind}, 3 processes, {SECONDS:g} s"
    _processes(_url(kind, tmp_path, request), 3, SECONDS, label)


@pytest.mark.slow
@pytest.mark.parametrize("kind", SQL_BACKENDS)
def test_mixed_processes_longer(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    label = f"{kind}, 4 processes, {SLOW_SECONDS:g} s"
    _processes(_url(kind, tmp_path, request), 4, SLOW_SECONDS, label)
