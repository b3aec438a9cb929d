"""Persistence benchmarks: ratios measured in one run, printed.

1. Bulk insert of N contacts (default 1,000,000, in accounts of 1 to 2,000
   contacts) into SQLite through the store, against raw ``sqlite3``
   ``executemany`` of exactly the rows the store wrote, into exactly its
   schema and indexes (target: within 2x). Reported separately: raw input to
   validated aggregates (email and phone parsing), in one process and in a
   pool of worker processes.
2. Saving a 10,000-contact account after changing one contact, against a
   10-contact account after the same change (target: within 2x).
3. Looking a contact up by email among the N, in SQLite and in memory.

Run::

    .venv/bin/python benchmarks/bench_store.py                 # 1,000,000 contacts
    .venv/bin/python benchmarks/bench_store.py --contacts 50000
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import contactgraph as cg

FIRST = ["Alice", "Bob", "Hélène", "Zoë", "Jean-Pierre", "Mohamed", "Yuki", "Ana", "Olaf", "Chloé"]
LAST = ["Martin", "Durand", "Lefèvre", "Nguyễn", "O'Carney", "Müller", "Dubois", "Rossi", "Kim"]
TITLES = ["CFO", "Accountant", "Buyer", "CTO", "Engineer", "Director", None]
DEPARTMENTS = ["Finance", "Purchasing", "IT", "Support", None]

RawAccount = tuple[str, list[dict[str, Any]]]


# -------------------------------------------------------------------- input


def raw_input(contacts: int, seed: int = 7) -> list[RawAccount]:
    """Accounts of 1 to 2,000 contacts, ``contacts`` in all, as plain dicts (unvalidated)."""
    rng = random.Random(seed)
    out: list[RawAccount] = []
    n = 0
    while n < contacts:
        size = min(rng.randint(1, 2000), contacts - n)
        people = []
        for _ in range(size):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            people.append(
                {
                    "first_name": first,
                    "last_name": last,
                    "email": f"{first.lower()}.{n}@company{len(out)}.example",
                    "phone": f"+33 6 {n // 1000000 % 100:02d} {n // 10000 % 100:02d} "
                    f"{n // 100 % 100:02d} {n % 100:02d}",
                    "title": rng.choice(TITLES),
                    "department": rng.choice(DEPARTMENTS),
                }
            )
            n += 1
        out.append((f"Company {len(out)}", people))
    return out


def build(raw: list[RawAccount]) -> list[cg.Account]:
    """Validated aggregates from raw input: the only way the library builds them."""
    out = []
    for name, people in raw:
        account = cg.Account.create(name=name, billing_address={"country": "France"})
        for fields in people:
            account, _ = account.add_contact(**fields)
        out.append(account)
    return out


def _parse(people: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Email and phone of each person, validated and normalised (run in a worker)."""
    return [(cg.Email(p["email"]).address, cg.Phone.parse(p["phone"], "FR").e164) for p in people]


def build_in_pool(raw: list[RawAccount], workers: int) -> list[cg.Account]:
    """The same, with email and phone parsing done in ``workers`` processes.

    Workers send back normalised strings; the main process hands the domain
    trusted ``Email``/``Phone`` values, which it accepts without parsing.
    """
    with ProcessPoolExecutor(max_workers=workers) as pool:
        parsed = pool.map(_parse, (people for _, people in raw), chunksize=8)
        out = []
        for (name, people), values in zip(raw, parsed, strict=True):
            account = cg.Account.create(name=name, billing_address={"country": "France"})
            for fields, (email, phone) in zip(people, values, strict=True):
                account, _ = account.add_contact(
                    **{**fields, "email": cg.Email.trusted(email), "phone": cg.Phone.trusted(phone)}
                )
            out.append(account)
    return out


# ------------------------------------------------------------------ helpers


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def per_call(fn: Callable[[], Any], calls: int) -> float:
    """Median of ``calls`` timings, in microseconds."""
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def insert_through_store(url: str, accounts: list[cg.Account]) -> float:
    with cg.open_store(url) as store:
        seconds, _ = timed(lambda: _add_all(store, accounts))
    return seconds


def _add_all(store: cg.Store, accounts: list[cg.Account]) -> None:
    with store.transaction():
        for account in accounts:
            store.accounts.add(account)


def raw_replay(source: Path, target: Path) -> float:
    """Raw sqlite3: the store's schema, then exactly its rows, one account at a time."""
    src = sqlite3.connect(source)
    ddl = [
        sql
        for (sql,) in src.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
        )
    ]
    tables = {
        name: src.execute(f'SELECT * FROM "{name}"').fetchall()
        for name in ("meta", "accounts", "contacts", "contact_alternates", "external_ids")
    }
    src.close()
    by_account: dict[str, list[tuple[Any, ...]]] = {}
    for row in tables["contacts"]:
        by_account.setdefault(row[2], []).append(row)

    def mark(rows: list[tuple[Any, ...]]) -> str:
        return ", ".join("?" for _ in rows[0])

    dst = sqlite3.connect(target, isolation_level=None)
    dst.execute("PRAGMA journal_mode = WAL")
    dst.execute("PRAGMA synchronous = NORMAL")
    dst.execute("PRAGMA foreign_keys = ON")
    for sql in ddl:
        dst.execute(sql)
    accounts = tables["accounts"]
    account_sql = f"INSERT INTO accounts VALUES ({mark(accounts)})"
    contact_sql = f"INSERT INTO contacts VALUES ({mark(tables['contacts'])})"

    def replay() -> None:
        dst.execute("BEGIN IMMEDIATE")
        for row in accounts:
            dst.execute(account_sql, row)
            dst.executemany(contact_sql, by_account.get(row[1], []))
        for name in ("contact_alternates", "external_ids"):
            if tables[name]:
                dst.executemany(f'INSERT INTO "{name}" VALUES ({mark(tables[name])})', tables[name])
        dst.execute("COMMIT")

    seconds, _ = timed(replay)
    dst.close()
    return seconds


# --------------------------------------------------------------- benchmarks


def bench_bulk(n: int, workdir: Path, workers: int) -> list[cg.Account]:
    print(f"\n== 1. bulk insert of {n:,} contacts into SQLite ==")
    raw = raw_input(n)
    sizes = [len(people) for _, people in raw]
    print(f"   {len(raw):,} accounts of {min(sizes)} to {max(sizes)} contacts")
    sample = raw[: max(1, len(raw) // 10)]
    sample_n = sum(len(p) for _, p in sample)
    one, _ = timed(lambda: build(sample))
    print(
        f"   validation, 1 process:   {one / sample_n * 1e6:7.1f} µs/contact "
        f"(measured on {sample_n:,} contacts)"
    )
    pooled, accounts = timed(lambda: build_in_pool(raw, workers))
    print(
        f"   validation, {workers} processes: {pooled / n * 1e6:7.1f} µs/contact "
        f"({pooled:.1f} s for all {n:,}; parsing in workers, the rest in this process)"
    )
    db = workdir / "store.db"
    store_s = insert_through_store(f"sqlite:///{db}", accounts)
    raw_s = raw_replay(db, workdir / "raw.db")
    print(f"   store.accounts.add:      {store_s:7.1f} s  {n / store_s:>9,.0f} contacts/s")
    print(f"   raw sqlite3 executemany: {raw_s:7.1f} s  {n / raw_s:>9,.0f} contacts/s")
    print(f"   ratio store / raw:       {store_s / raw_s:7.2f}x   (target <= 2x)")
    end_to_end = pooled + store_s
    print(
        f"   raw input -> stored rows with validation: {end_to_end:.1f} s "
        f"({n / end_to_end:,.0f} contacts/s; {pooled / end_to_end:.0%} of it validation)"
    )
    return accounts


def bench_save(workdir: Path, saves: int = 300) -> None:
    print("\n== 2. save after changing one contact: 10,000 contacts vs 10 ==")
    for label, url in (("sqlite", f"sqlite:///{workdir / 'save.db'}"), ("memory", "memory://")):
        with cg.open_store(url) as store:
            costs = {}
            for size in (10, 10_000):
                account = cg.Account.create(name=f"Size {size}")
                for i in range(size):
                    account, contact = account.add_contact(
                        last_name=f"Person {i}", email=f"p{i}@size{size}.example"
                    )
                account = store.accounts.add(account)
                samples = []
                for i in range(saves):
                    changed = account.update_contact(contact.id, title=f"Title {i}")
                    start = time.perf_counter()
                    account = store.accounts.save(changed)
                    samples.append(time.perf_counter() - start)
                costs[size] = statistics.median(samples) * 1e6
            ratio = costs[10_000] / costs[10]
            print(
                f"   {label:6}: 10 contacts {costs[10]:8.1f} µs   10,000 contacts "
                f"{costs[10_000]:8.1f} µs   ratio {ratio:5.2f}x (target <= 2x)"
            )


def bench_lookup(accounts: list[cg.Account], workdir: Path, calls: int = 3000) -> None:
    n = sum(len(a) for a in accounts)
    print(f"\n== 3. contact by email among {n:,} ==")
    rng = random.Random(3)
    emails = [
        c.email.address.upper()
        for a in rng.sample(accounts, min(len(accounts), 200))
        for c in list(a.contacts.values())[:20]
        if c.email is not None
    ]
    picks = iter(rng.choice(emails) for _ in range(calls * 2))

    def one(store: cg.Store) -> Callable[[], Any]:
        def look() -> None:
            found = store.accounts.find_contacts(email=next(picks))
            assert len(found) == 1

        return look

    with cg.open_store(f"sqlite:///{workdir / 'store.db'}") as store:
        sqlite_us = per_call(one(store), calls)
    with cg.open_store() as memory:
        _add_all(memory, accounts)
        memory_us = per_call(one(memory), calls)
    conn = sqlite3.connect(workdir / "store.db")
    raw_picks = iter(rng.choice(emails).casefold() for _ in range(calls))
    raw_us = per_call(
        lambda: conn.execute(
            "SELECT * FROM contacts WHERE tenant = 'default' AND email_key = ?",
            (next(raw_picks),),
        ).fetchall(),
        calls,
    )
    conn.close()
    print(f"   sqlite store: {sqlite_us:7.1f} µs/call (raw sqlite3 query: {raw_us:.1f} µs)")
    print(f"   memory store: {memory_us:7.1f} µs/call")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--dir", type=Path, default=None, help="work directory (default: temp)")
    args = parser.parse_args(argv)
    with _workdir(args.dir) as workdir:
        print(f"contactgraph {cg.__version__}, SQLite {sqlite3.sqlite_version}, in {workdir}")
        accounts = bench_bulk(args.contacts, workdir, args.workers)
        bench_save(workdir)
        bench_lookup(accounts, workdir)


class _workdir:
    def __init__(self, given: Path | None) -> None:
        self._given = given
        self._temp: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> Path:
        if self._given is not None:
            self._given.mkdir(parents=True, exist_ok=True)
            return self._given
        self._temp = tempfile.TemporaryDirectory(prefix="contactgraph-bench-")
        return Path(self._temp.name)

    def __exit__(self, *exc: object) -> None:
        if self._temp is not None:
            self._temp.cleanup()


if __name__ == "__main__":
    main()
