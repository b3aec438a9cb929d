"""Duplicate rules on save: what a check costs, that it does not grow with the store, and
what it catches.

Stores of generated people (``contactgraph.testing.people``, planted duplicates
of every kind and hard negatives) at two sizes, on SQLite. For each size:

* **cost**: seconds per save of a new account with one contact, under
  ``allow`` (no check: the baseline), ``alert`` scored and ``alert`` exact;
  printed as ratios against ``allow`` in the same run, and the larger store's
  check against the smaller's (a check that scanned would grow with the store);
* **quality**: for each planted pair (a, b), whether the check of b, as if it
  were new, names a (recall per kind); and for contacts with no planted
  duplicate, how often the check names anyone (false alerts: namesakes and
  chance), with the scored matcher at its default threshold and the exact one.

    .venv/bin/python benchmarks/bench_rules.py --sizes 2000 20000

Timings are medians of one run on a shared machine: compare them as ratios.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import contactgraph as cg
from contactgraph.rules import DuplicateRules
from contactgraph.rules.duplicates import DuplicateCheck, _contact_candidates
from contactgraph.testing.people import generate


def _fill(url: str, size: int, seed: int) -> Any:
    planted = generate(size, seed=seed)
    store = cg.open_store(url)
    with store.transaction():
        for account in planted.accounts:
            store.accounts.add(account)
    store.close()
    return planted


def _save_cost(url: str, rules: DuplicateRules | None, saves: int, seed: int) -> float:
    store = cg.open_store(url, duplicates=rules)
    rng = random.Random(seed)
    times = []
    try:
        with store.collect_warnings():
            for _ in range(saves):
                word = "".join(rng.choice("bcdfglmnprstvz") + rng.choice("aeiou") for _ in range(4))
                account = cg.Account.create(name=f"{word.title()} Industries")
                account, _ = account.add_contact(
                    first_name=rng.choice(["Alice", "Bob", "Zoé", "Yann"]),
                    last_name=word[::-1].title(),
                    email=f"{word}@{word}.example",
                    phone=f"+3314{rng.randrange(10**7):07d}",
                )
                start = time.perf_counter()
                store.accounts.add(account)
                times.append(time.perf_counter() - start)
    finally:
        store.close()
    return statistics.median(times)


def _quality(url: str, planted: Any, rules: DuplicateRules, sample: int) -> dict[str, Any]:
    store = cg.open_store(url)
    check = DuplicateCheck(rules)
    judge = check._judge
    owner = {c.id: a for a in planted.accounts for c in a.contacts.values()}
    rng = random.Random(3)
    pairs = list(planted.duplicate_pairs.items())
    rng.shuffle(pairs)
    found_by_kind: Counter[str] = Counter()
    total_by_kind: Counter[str] = Counter()
    try:
        for (a, b), kind in pairs[:sample]:
            account = owner[b]
            contact = account.contacts[b]
            pool = _contact_candidates(store, account, contact, [])
            named = {c.id for c in judge.contacts(account, contact, list(pool.values()))}
            total_by_kind[kind] += 1
            found_by_kind[kind] += a in named
        in_pairs = {x for pair in planted.duplicate_pairs for x in pair}
        loners = [cid for cid in owner if cid not in in_pairs]
        rng.shuffle(loners)
        alerted = 0
        for cid in loners[:sample]:
            account = owner[cid]
            contact = account.contacts[cid]
            pool = _contact_candidates(store, account, contact, [])
            alerted += bool(judge.contacts(account, contact, list(pool.values())))
    finally:
        store.close()
    recall = sum(found_by_kind.values()) / max(sum(total_by_kind.values()), 1)
    return {
        "recall": recall,
        "per_kind": {k: found_by_kind[k] / total_by_kind[k] for k in sorted(total_by_kind)},
        "false_alert_rate": alerted / max(min(sample, len(loners)), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[2000, 20000])
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--sample", type=int, default=300)
    args = parser.parse_args()
    scored = DuplicateRules(contacts="alert", accounts="alert")
    exact = DuplicateRules(contacts="alert", accounts="alert", matcher="exact")
    checks: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            url = f"sqlite:///{Path(folder) / f'crm{size}.db'}"
            planted = _fill(url, size, seed=size)
            cost = {
                name: _save_cost(url, rules, args.saves, seed=k)
                for k, (name, rules) in enumerate(
                    [("allow", None), ("alert scored", scored), ("alert exact", exact)]
                )
            }
            checks[size] = cost
            print(f"\n{size} generated contacts, SQLite, median of {args.saves} saves:")
            for name, seconds in cost.items():
                print(
                    f"  {name:13} {seconds * 1e3:7.2f} ms  ({seconds / cost['allow']:.2f}x allow)"
                )
            for name, rules in (("scored", scored), ("exact", exact)):
                q = _quality(url, planted, rules, args.sample)
                kinds = ", ".join(f"{k} {v:.2f}" for k, v in q["per_kind"].items())
                print(
                    f"  {name}: recall {q['recall']:.3f} over {args.sample} planted pairs "
                    f"({kinds}); false alerts on {q['false_alert_rate']:.3f} of lone contacts"
                )
    small, large = args.sizes
    print(f"\ncheck cost {large} vs {small} contacts (a scan would grow ~{large / small:.0f}x):")
    for name in ("alert scored", "alert exact"):
        extra_small = checks[small][name] - checks[small]["allow"]
        extra_large = checks[large][name] - checks[large]["allow"]
        print(f"  {name:13} {checks[large][name] / checks[small][name]:.2f}x per save, "
              f"{extra_large / extra_small:.2f}x for the check alone")  # fmt: skip


if __name__ == "__main__":
    main()
