"""Benchmark: grow one Account to 20,000 contacts, one ``add_contact`` at a time.

Prints two ratios, measured in the same run so the machine's speed cancels out:

1. the median cost of one add when the account holds 20,000 contacts against
   the same when it holds 100 (the design's target: within 2x, because
   contacts live in a persistent map and invariants only check what a command
   touched);
2. the whole run against the same adds into a plain mutable ``dict`` of attrs
   objects (the lower bound: no immutability, no validation, no events).

Two variants: a last name and a few plain fields, then the same with an email
and a phone, to show what parsing them costs.

Run it with::

    .venv/bin/python benchmarks/bench_domain.py            # 20,000 contacts, 3 runs
    .venv/bin/python benchmarks/bench_domain.py --contacts 5000 --repeat 1

It exits with status 1 when the 20k/100 ratio misses the 2x target.
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import attrs
import immutables

from contactgraph import Account

TARGET = 2.0
SMALL = 100
PROBES = 301
"""How many adds are timed at each size (the median of them is reported)."""

Fields = Callable[[int], dict[str, Any]]


def plain_fields(i: int) -> dict[str, Any]:
    return {
        "last_name": f"Martin {i}",
        "first_name": "Alice",
        "title": "Buyer",
        "department": "Purchasing",
    }


def validated_fields(i: int) -> dict[str, Any]:
    return {
        **plain_fields(i),
        "email": f"alice.martin.{i}@acme.fr",
        "phone": f"01{i:08d}",
    }


@attrs.frozen(slots=True)
class PlainContact:
    """The baseline record: the same data, no validation, no aggregate."""

    id: str
    account_id: str
    last_name: str
    first_name: str | None = None
    email: str | None = None
    phone: str | None = None
    title: str | None = None
    department: str | None = None
    reports_to: str | None = None
    active: bool = True


def grow_account(n: int, fields: Fields) -> tuple[Account, float]:
    """Add ``n`` contacts one by one; the account and the seconds it took."""
    account = Account.create(name="ACME SA", phone_region="FR")
    gc.collect()
    start = time.perf_counter()
    for i in range(n):
        account, _ = account.add_contact(**fields(i))
    return account, time.perf_counter() - start


def grow_dict(n: int, fields: Fields) -> float:
    """The same adds into a mutable dict of attrs objects; the seconds it took."""
    contacts: dict[str, PlainContact] = {}
    account_id = str(uuid.uuid4())
    gc.collect()
    start = time.perf_counter()
    for i in range(n):
        contact_id = str(uuid.uuid4())
        contacts[contact_id] = PlainContact(id=contact_id, account_id=account_id, **fields(i))
    return time.perf_counter() - start


def median_add(account: Account, fields: Fields, first: int) -> float:
    """Median seconds of one more add to ``account`` (each probe starts from it again)."""
    samples = []
    for k in range(PROBES):
        values = fields(first + k)
        start = time.perf_counter_ns()
        account.add_contact(**values)
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / 1e9


@attrs.frozen
class Result:
    at_small: float
    at_large: float
    run: float
    baseline: float

    @property
    def growth(self) -> float:
        return self.at_large / self.at_small

    @property
    def overhead(self) -> float:
        return self.run / self.baseline


def measure(n: int, fields: Fields, repeat: int) -> Result:
    results = []
    for _ in range(repeat):
        small, _ = grow_account(SMALL, fields)
        large, run = grow_account(n, fields)
        baseline = grow_dict(n, fields)
        results.append(
            Result(
                at_small=median_add(small, fields, n),
                at_large=median_add(large, fields, n),
                run=run,
                baseline=baseline,
            )
        )
    return Result(
        at_small=statistics.median(r.at_small for r in results),
        at_large=statistics.median(r.at_large for r in results),
        run=statistics.median(r.run for r in results),
        baseline=statistics.median(r.baseline for r in results),
    )


def report(title: str, n: int, result: Result) -> bool:
    ok = result.growth <= TARGET
    print(f"\n{title}")
    print(f"  median add at {SMALL:>6,} contacts   {result.at_small * 1e6:8.1f} µs")
    print(f"  median add at {n:>6,} contacts   {result.at_large * 1e6:8.1f} µs")
    print(
        f"  RATIO add at {n:,} / add at {SMALL}:   {result.growth:5.2f}x"
        f"   (target <= {TARGET:g}x: {'OK' if ok else 'MISSED'})"
    )
    print(f"  whole run, Account.add_contact       {result.run * 1e3:8.1f} ms")
    print(f"  whole run, dict of attrs objects     {result.baseline * 1e3:8.1f} ms")
    print(f"  RATIO Account / plain dict:          {result.overhead:5.1f}x")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--contacts", type=int, default=20_000, help="account size (20000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; medians are kept (3)")
    args = parser.parse_args(argv)
    n = args.contacts
    print(f"contactgraph domain benchmark: {n:,} contacts added one by one to one Account")
    print(
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"immutables {immutables.__version__}, attrs {attrs.__version__}; "
        f"medians of {args.repeat} run(s), {PROBES} timed adds per size"
    )
    ok = report(
        "last name + first name, title, department",
        n,
        measure(n, plain_fields, args.repeat),
    )
    ok &= report(
        "the same + email and phone (parsed and validated)",
        n,
        measure(n, validated_fields, args.repeat),
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
