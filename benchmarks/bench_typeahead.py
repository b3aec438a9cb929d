"""Every keystroke of a type-ahead box, as the store grows: the slowest ones (issue 10).

bench_search.py times needles cut from stored contacts, a few kinds; a person
typing into a search box sends every prefix of what they type ("o", "ol",
"ola", "olaf", "olaf ", "olaf s"…), and any one of them may hit a shape the
kinds miss. This script types a few names, an email and phone numbers one
character at a time into the stores bench_search.py keeps (``--store-dir``),
times each keystroke with three calls, ``search_contacts`` (the type-ahead
call: nothing counted past the limit), ``search`` (total exact up to 1,000)
and ``search_accounts`` (``count_up_to=0``), and prints the slowest keystrokes of each size, then the slowest at the
largest size against the same keystroke at the smallest.

It found, at a million contacts: "olaf s" taking 4-7 s (SQLite) and 5-8 s
(PostgreSQL), "+331" 6.8 s (SQLite), "o.s" 2.9 s (PostgreSQL); then "01 71"
(SQLite 258 ms), "+33" (PostgreSQL 727 ms), "01 7" (PostgreSQL 221 ms); see
benchmarks/README.md. ``--texts`` times the texts given instead of every
keystroke. Run::

    .venv/bin/python benchmarks/bench_search.py --sizes 10000 1000000 \\
        --store-dir /tmp/bench-search --engines sqlite postgresql   # builds the stores once
    .venv/bin/python benchmarks/bench_typeahead.py --sizes 10000 1000000 \\
        --store-dir /tmp/bench-search --engines sqlite postgresql

Exit status 1 when a keystroke at the largest size takes more than
``--worst`` milliseconds (default 1,000: a type-ahead box that stalls for a
second on one key is broken, whatever the ratio).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import contactgraph as cg

sys.path.insert(0, str(Path(__file__).parent))

import bench_search

TYPED = (
    "olaf silefchi",
    "alice lefngumul",
    "zoe duromar",
    "silefchi olaf",
    "hélène",
    "o.silefchi.14@acme14.example",
    "+33171430039",
    "01 71 43 00 39",
)
"""What is typed, one character at a time: names both ways round, an email, a
number in international and national form (every stored number is +33 1…)."""


def keystrokes() -> list[str]:
    return list(dict.fromkeys(text[:i] for text in TYPED for i in range(1, len(text) + 1)))


def time_keystrokes(
    store: cg.Store, repeat: int, texts: list[str] | None = None
) -> dict[tuple[str, str], float]:
    """Median milliseconds per (call, keystroke), after one untimed call each; ``texts``
    instead of every keystroke of :data:`TYPED` when given. ``accounts`` is
    ``search_accounts`` as a type-ahead box calls it (``count_up_to=0``)."""
    calls: dict[str, Callable[[str], Any]] = {
        "typed": lambda text: store.accounts.search_contacts(text, limit=20),
        "counted": lambda text: store.accounts.search(text, limit=20),
        "accounts": lambda text: store.accounts.search_accounts(text, limit=20, count_up_to=0),
    }
    times: dict[tuple[str, str], float] = {}
    for text in texts or keystrokes():
        for name, call in calls.items():
            call(text)
            taken = []
            for _ in range(repeat):
                start = time.perf_counter()
                call(text)
                taken.append(time.perf_counter() - start)
            times[name, text] = statistics.median(taken) * 1e3
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument(
        "--engines", nargs="+", default=["sqlite"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument("--store-dir", type=Path, required=True, help="bench_search.py's stores")
    parser.add_argument("--repeat", type=int, default=3, help="timed calls per keystroke")
    parser.add_argument("--worst", type=float, default=1000.0, help="ms a keystroke may take")
    parser.add_argument("--show", type=int, default=8, help="slowest keystrokes shown")
    parser.add_argument("--texts", nargs="+", help="time these texts, not every keystroke")
    args = parser.parse_args()
    ok = True
    for engine in args.engines:
        with ExitStack() as stack:
            if engine == "postgresql":
                folder = args.store_dir
                cluster = bench_search.kept_cluster(folder / "pg")
                bench_search.KEPT_SERVERS[folder] = stack.enter_context(cluster)
            results = {}
            for size in args.sizes:
                store, _ = bench_search.open_built(stack, engine, args.store_dir, size)
                results[size] = time_keystrokes(store, args.repeat, args.texts)
        small, big = min(args.sizes), max(args.sizes)
        for size in args.sizes:
            slowest = sorted(results[size].items(), key=lambda kv: -kv[1])[: args.show]
            print(f"\n{engine}, {size:,} contacts: slowest keystrokes (median of {args.repeat})")
            for (call, text), ms in slowest:
                print(f"  {ms:9.2f} ms  {call:8} {text!r}")
        print(f"\n{engine}: slowest at {big:,}, against the same keystroke at {small:,}")
        for call in ("typed", "counted", "accounts"):
            (_, text), ms = max(
                ((key, ms) for key, ms in results[big].items() if key[0] == call),
                key=lambda kv: kv[1],
            )
            base = results[small][call, text]
            verdict = "ok" if ms <= args.worst else f"MISSED (> {args.worst:.0f} ms)"
            print(f"  {call:8} {text!r:20} {ms:9.2f} ms ({ms / base:6.1f}x)  {verdict}")
            ok = ok and ms <= args.worst
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
