"""Paging accounts: the last page costs what the first does with ``after=`` (keyset), not with OFFSET.

    .venv/bin/python benchmarks/bench_paging.py --accounts 200000 [--store URL]

Prints the median time of the first and the last page of 50 accounts by name,
by OFFSET and by keyset, and the last/first ratio of each, in one run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import contactgraph as cg


def _median(fn: Callable[[], object], repeat: int = 15) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument(
        "--store", default=None, help="a store URL (default: a temporary SQLite file)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.store or f"sqlite:///{Path(folder) / 'paging.sqlite'}"
        with cg.open_store(url) as store:
            if store.accounts.count() < args.accounts:
                with store.transaction():
                    for i in range(args.accounts):
                        store.accounts.add(cg.Account.create(name=f"Company {i:07d}"))
            n = store.accounts.count()
            last_offset = n - 50
            before_last = store.accounts.list(offset=last_offset - 1, limit=1)[0].id
            first_offset = _median(lambda: store.accounts.list(limit=50))
            last_by_offset = _median(lambda: store.accounts.list(offset=last_offset, limit=50))
            last_by_keyset = _median(lambda: store.accounts.list(after=before_last, limit=50))
            assert store.accounts.list(after=before_last, limit=50) == store.accounts.list(
                offset=last_offset, limit=50
            )
            print(f"{n:,} accounts in {url.split(':')[0]}; pages of 50 by name, medians of 15")
            print(f"first page            {first_offset * 1e3:8.2f} ms")
            print(
                f"last page, OFFSET     {last_by_offset * 1e3:8.2f} ms   {last_by_offset / first_offset:6.1f}x the first"
            )
            print(
                f"last page, keyset     {last_by_keyset * 1e3:8.2f} ms   {last_by_keyset / first_offset:6.1f}x the first"
            )


if __name__ == "__main__":
    main()
