"""Field history: a save costs the same with 100,000 history rows as with none.

    .venv/bin/python benchmarks/bench_history.py [--rows 100000] [--store sqlite|memory|postgresql|URL]

Two stores hold the same ACME account; one also holds ``--rows`` history
entries (half of them on the very contact being changed, half on 1,000
others), written in bulk through the history storage. The same save (one
contact's title changed, its history entry appended) runs on both,
alternately, and the medians are printed with their ratio (history-full ÷
empty): about 1.0 means the cost stays flat as history grows. A PostgreSQL
URL (``postgresql+psycopg://…``) is used for both stores, as two tenants;
``postgresql`` starts a throwaway cluster (:mod:`contactgraph.testing.postgres`).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import contactgraph as cg
from contactgraph.repos.history import Entry


def _acme(store: cg.Store) -> tuple[str, str]:
    account = cg.Account.create(name="ACME SA", id="acme")
    account, alice = account.add_contact(last_name="Martin", first_name="Alice", id="alice")
    for i in range(200):
        account, _ = account.add_contact(last_name=f"Staff {i:03d}", id=f"staff-{i}")
    store.accounts.add(account)
    return account.id, alice.id


def _fill(store: cg.Store, rows: int, contact_id: str) -> None:
    now = datetime.now(UTC)
    batch: list[Entry] = []
    for i in range(rows):
        record = contact_id if i % 2 == 0 else f"someone-{i % 1000}"
        batch.append(
            Entry(record, "contact", "updated", "title", f'"T{i}"', f'"T{i + 1}"', now, "bench")
        )
        if len(batch) == 10_000:
            with store._writing() as (session, _):
                session.history.append(batch)
            batch = []
    if batch:
        with store._writing() as (session, _):
            session.history.append(batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--saves", type=int, default=400)
    parser.add_argument("--store", default="sqlite", help="sqlite, memory or a PostgreSQL URL")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        if args.store == "postgresql":
            from contactgraph.testing.postgres import throwaway_cluster

            args.store = stack.enter_context(throwaway_cluster())
        _run(args, stack.enter_context(tempfile.TemporaryDirectory()))


def _run(args: argparse.Namespace, folder: str) -> None:
    if True:
        if args.store == "sqlite":
            urls = [f"sqlite:///{Path(folder) / name}" for name in ("empty.db", "full.db")]
            tenants = ["default", "default"]
        elif args.store == "memory":
            urls, tenants = ["memory://", "memory://"], ["default", "default"]
        else:
            urls, tenants = [args.store, args.store], ["bench-empty", "bench-full"]
        stores = [cg.open_store(u, tenant=t) for u, t in zip(urls, tenants, strict=True)]
        try:
            ids = [_acme(s) for s in stores]
            started = time.perf_counter()
            _fill(stores[1], args.rows, ids[1][1])
            filled = time.perf_counter() - started
            current = [s.accounts.get(i[0]) for s, i in zip(stores, ids, strict=True)]
            times: list[list[float]] = [[], []]
            for n in range(args.saves):
                for k in (0, 1) if n % 2 == 0 else (1, 0):
                    changed = current[k].update_contact(ids[k][1], title=f"CFO {n}")
                    t0 = time.perf_counter()
                    current[k] = stores[k].accounts.save(changed)
                    times[k].append(time.perf_counter() - t0)
            kept = len(stores[1].history.of(ids[1][1]))
            empty, full = (statistics.median(t) for t in times)
            print(
                f"{urls[0].split(':')[0]}: {args.rows:,} history rows written in {filled:.1f} s; "
                f"the changed contact has {kept:,} entries in the full store"
            )
            print(f"save, empty history    {empty * 1e3:8.3f} ms (median of {args.saves})")
            print(f"save, {args.rows:>7,} rows     {full * 1e3:8.3f} ms")
            print(f"ratio full / empty     {full / empty:8.2f}x")
        finally:
            for s in stores:
                s.close()


if __name__ == "__main__":
    main()
