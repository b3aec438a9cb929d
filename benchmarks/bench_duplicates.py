"""Duplicate detection: precision, recall and F1 against the established tools, same records.

Generated people (``contactgraph.testing.people``) with planted duplicates of
every kind and hard negatives (namesake colleagues, relatives sharing a line
and an address). contactgraph's ``find_contact_duplicates`` runs beside
recordlinkage's unsupervised ECM classifier and splink's EM model on the same
records; each is scored on the pairs inside its clusters. recordlinkage gets
contactgraph's candidate pairs (so its classifier, not its blocking, is
measured); splink blocks on the same keys itself. A crude all-pairs baseline
is timed on a sample and projected.

    .venv/bin/pip install recordlinkage splink   # benchmark-only, not the library's
    .venv/bin/python benchmarks/bench_duplicates.py --contacts 100000

Timings are one run on a shared machine: compare them as ratios.
"""

from __future__ import annotations

import argparse
import logging
import random
import time
from collections.abc import Iterable
from typing import Any

from contactgraph.matching import PERSON_COMPARISONS, find_contact_duplicates
from contactgraph.matching.detect import _person_keys, candidate_pairs
from contactgraph.matching.records import person_records
from contactgraph.testing.people import DUPLICATE_KINDS, cluster_pairs, generate

Pair = tuple[str, str]


def _components(pairs: Iterable[Pair]) -> set[Pair]:
    """Pairs inside the connected components of ``pairs`` (what a cluster holds)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    groups: dict[str, list[str]] = {}
    for x in list(parent):
        groups.setdefault(find(x), []).append(x)
    return cluster_pairs(iter(tuple(g) for g in groups.values()))


def _score(
    name: str, found: set[Pair], truth: dict[Pair, str], negatives: frozenset[Pair], seconds: float
) -> dict[str, Any]:
    tp = len(found & set(truth))
    precision = tp / len(found) if found else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    per_kind = {}
    for kind in DUPLICATE_KINDS:
        of_kind = {p for p, k in truth.items() if k == kind}
        per_kind[kind] = (len(of_kind & found), len(of_kind))
    return {
        "tool": name, "precision": precision, "recall": recall, "f1": f1, "seconds": seconds,
        "hard_negatives_joined": len(found & negatives), "per_kind": per_kind,
    }  # fmt: skip


def _frame(planted: Any) -> Any:
    import pandas as pd

    rows = []
    for account in planted.accounts:
        for c in account.contacts.values():
            address = c.mailing_address
            rows.append(
                {
                    "unique_id": c.id,
                    "first_name": (c.first_name or "").lower() or None,
                    "last_name": c.last_name.lower(),
                    "email": c.email.address.lower() if c.email else None,
                    "phone": c.phone.e164 if c.phone else None,
                    "birthdate": c.birthdate.isoformat() if c.birthdate else None,
                    "postal_code": address.postal_code if address else None,
                    "title": (c.title or "").lower() or None,
                    "account": account.name.lower(),
                }
            )
    frame = pd.DataFrame(rows)
    import jellyfish

    frame["last_sound"] = frame["last_name"].map(
        lambda s: jellyfish.metaphone(s.replace("-", "").replace(" ", ""))
    )
    frame["first_sound"] = frame["first_name"].map(lambda s: jellyfish.metaphone(s) if s else None)
    frame["first_initial"] = frame["first_name"].str[:1]
    frame["last2"] = frame["last_name"].str[:2]
    frame["last1"] = frame["last_name"].str[:1]
    return frame


def run_recordlinkage(planted: Any, frame: Any) -> tuple[set[Pair], float]:
    import pandas as pd
    import recordlinkage

    started = time.perf_counter()
    records = sorted(person_records(planted.accounts), key=lambda r: r.id)
    pairs = candidate_pairs(records, _person_keys)
    index = pd.MultiIndex.from_tuples([(records[i].id, records[j].id) for i, j in pairs])
    data = frame.set_index("unique_id")
    compare = recordlinkage.Compare()
    compare.exact("email", "email", label="email")
    compare.exact("phone", "phone", label="phone")
    compare.string(
        "last_name", "last_name", method="jarowinkler", threshold=0.85, label="last_name"
    )
    compare.string(
        "first_name", "first_name", method="jarowinkler", threshold=0.85, label="first_name"
    )
    compare.exact("birthdate", "birthdate", label="birthdate")
    compare.exact("postal_code", "postal_code", label="postal_code")
    compare.exact("title", "title", label="title")
    compare.string("account", "account", method="jarowinkler", threshold=0.9, label="account")
    features = compare.compute(index, data)
    classifier = recordlinkage.ECMClassifier(binarize=None)
    matches = classifier.fit_predict(features)
    found = _components((a, b) if a < b else (b, a) for a, b in matches)
    return found, time.perf_counter() - started


def run_splink(frame: Any, threshold: float) -> tuple[set[Pair], float]:
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    started = time.perf_counter()
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.ExactMatch("email"),
            cl.ExactMatch("phone"),
            cl.ForenameSurnameComparison("first_name", "last_name"),
            cl.DateOfBirthComparison("birthdate", input_is_string=True),
            cl.ExactMatch("postal_code"),
            cl.ExactMatch("title"),
            cl.JaroWinklerAtThresholds("account", [0.9]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("email"),
            block_on("phone"),
            block_on("last_sound", "first_initial"),
            block_on("first_name", "last2"),
            block_on("birthdate", "last1"),
            "l.first_sound = r.last_sound and l.last_sound = r.first_sound",
        ],
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(frame), settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("email"), block_on("phone")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("email"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "last_name")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("phone"))
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
    table = clusters.as_pandas_dataframe()
    groups = table.groupby("cluster_id")["unique_id"].apply(tuple)
    found = cluster_pairs(iter(g for g in groups if len(g) > 1))
    return found, time.perf_counter() - started


def all_pairs_projection(planted: Any, sample: int = 20_000) -> float:
    """Seconds to compare every pair with contactgraph's comparisons, projected from a sample."""
    records = person_records(planted.accounts)
    rng = random.Random(0)
    started = time.perf_counter()
    for _ in range(sample):
        a, b = rng.sample(records, 2)
        for c in PERSON_COMPARISONS:
            c.compare(a, b)
    per_pair = (time.perf_counter() - started) / sample
    n = len(records)
    return per_pair * n * (n - 1) / 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--threshold", type=float, default=0.99)
    parser.add_argument("--skip", nargs="*", default=[], choices=["recordlinkage", "splink"])
    args = parser.parse_args()
    planted = generate(args.contacts)
    n = sum(len(a.contacts) for a in planted.accounts)
    print(f"{n:,} contacts in {len(planted.accounts):,} accounts; {len(planted.duplicate_pairs):,} planted "
          f"duplicate pairs; {len(planted.namesake_pairs):,} hard negatives")  # fmt: skip
    results = []
    started = time.perf_counter()
    clusters = find_contact_duplicates(planted.accounts, threshold=args.threshold)
    ours = cluster_pairs(iter(c.contact_ids for c in clusters))
    truth, negatives = planted.duplicate_pairs, planted.namesake_pairs
    results.append(_score("contactgraph", ours, truth, negatives, time.perf_counter() - started))
    frame = _frame(planted)
    if "recordlinkage" not in args.skip:
        found, seconds = run_recordlinkage(planted, frame)
        results.append(_score("recordlinkage ECM", found, truth, negatives, seconds))
    if "splink" not in args.skip:
        found, seconds = run_splink(frame, args.threshold)
        results.append(_score("splink EM", found, truth, negatives, seconds))
    projected = all_pairs_projection(planted)
    print(
        f"\n{'tool':20s} {'precision':>9s} {'recall':>7s} {'F1':>6s} {'seconds':>8s} {'x ours':>7s} {'negatives joined':>17s}"
    )
    for r in results:
        print(f"{r['tool']:20s} {r['precision']:9.3f} {r['recall']:7.3f} {r['f1']:6.3f} {r['seconds']:8.1f} "
              f"{r['seconds'] / results[0]['seconds']:7.2f} {r['hard_negatives_joined']:17d}")  # fmt: skip
    print(
        f"{'all pairs (projected)':20s} {'':9s} {'':7s} {'':6s} {projected:8.0f} {projected / results[0]['seconds']:7.0f}"
    )
    print("\nrecall per kind of duplicate:")
    print(f"{'kind':55s} " + " ".join(f"{r['tool'][:17]:>17s}" for r in results))
    for kind in DUPLICATE_KINDS:
        cells = " ".join(
            f"{r['per_kind'][kind][0]:>8d}/{r['per_kind'][kind][1]:<8d}" for r in results
        )
        print(f"{kind:55s} {cells}")


if __name__ == "__main__":
    main()
