"""Import a Data Loader CSV of N contacts into SQLite, against csv + raw sqlite3.

    .venv/bin/python benchmarks/bench_import.py                 # 1,000,000 contacts
    .venv/bin/python benchmarks/bench_import.py --contacts 100000
    .venv/bin/python benchmarks/bench_import.py --store memory://  # no baseline
    .venv/bin/python benchmarks/bench_import.py --store postgresql --contacts 50000 --rounds 3

What is measured, each in its own process (so peak memory is its own):

1. ``contactgraph``: :func:`contactgraph.interop.import_csv` of ``Account.csv``
   and ``Contact.csv`` into a new ``sqlite:///`` store: CSV parsing, mapping,
   validation (email and phone parsing), reference resolution, the domain's
   invariants, and the store's writes, in one transaction.
2. ``baseline``: the physical limit of the same work without the library:
   ``csv.reader`` over the same two files, then ``sqlite3.executemany`` of
   exactly the rows the store wrote (streamed out of the store's file) into a
   new file with exactly the store's schema, indexes and triggers, in one
   transaction (WAL, ``synchronous=NORMAL``). The search tables (FTS5
   trigram) are not copied: the same triggers fill them, as in the store.

With ``--store postgresql`` the import goes into a throwaway PostgreSQL
cluster (``contactgraph.testing.postgres``), and the baseline is ``csv.reader``
plus raw psycopg 3 ``COPY`` of exactly the rows the store wrote into a second
database holding the store's schema, each table analysed once copied (as a
careful loader would: without it the next tables' foreign-key checks were
planned for empty tables, a scan of the accounts per contact row, 23 % of the
baseline's server CPU at 200k and more as the accounts grow). The cluster runs
without autovacuum, and a ``CHECKPOINT`` precedes each side, so the server's
CPU time in a side's window is that side's own work (before, autovacuum of the million rows just imported
woke up at a random point, mostly in the baseline's window).

Both baselines read the rows out of the store inside their window (streamed,
``SELECT *`` / ``COPY … TO STDOUT``): that is the stand-in for making the rows,
cheaper than any loader that builds them from the CSV fields in Python, so the
ratio errs against contactgraph. Reading them out before the clock instead
(tried, session 8) made the SQLite baseline 5–10 % cheaper, at 200k.

Reported: wall time and CPU time, rows per second, the ratios, and the peak
resident memory (``ru_maxrss``) of each process. On a shared machine compare
CPU times: wall times follow the machine's load. ``--rounds n`` alternates the
two sides n times and prints the median ratios. On PostgreSQL each side is also
charged the CPU time the cluster's processes spent while it ran (from
``/proc``: the postmaster, its live processes and those it reaped), and the
ratio compared is client + server CPU time. Contacts come in accounts of 1 to 2,000
(``--max-per-account``), grouped by account as an export sorted by
``AccountId`` is; 10 % of them report to an earlier contact of their account.
``--workers n`` parses emails and phones in ``n`` worker processes
(``ImportOptions.validation_workers``); the peak memory shown is the main
process's.

Measured (2 shared cores, Python 3.11.7, SQLite 3.40, other jobs running;
``bench_import.py --contacts 1000000``): 1,000,000 contacts in 1,019
accounts (121 MiB of CSV); contactgraph 315.2 s (3,172 contacts/s, peak RSS
289 MiB) against 56.3 s for the baseline (2,002,039 rows, peak RSS 22 MiB):
5.6x the time (it was 8.1x and 574 MiB before the store stopped keeping the
events of a transaction nobody subscribed to, and before saves read an
account's pending events once instead of once per touched contact). What
remains is mostly validation where input enters (email-validator and
libphonenumber, ~40 % of a profile at 20k contacts), then the store's writes
and the mapping. The peak memory is mostly the index of ids (~175 MiB for a
million Salesforce ids); tracemalloc puts the rest at ~180 B per extra
contact (``tests/interop/test_import_memory.py`` keeps it under 330 B).
``--workers 1`` parses emails and phones in a worker process: it removes
~15-20 % of the main process's CPU time, which only pays with a free core.
Issue 10's figures (CPU time before and after the per-domain email cache, and
PostgreSQL against raw ``COPY``) are in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pgcpu import cluster_cpu, postmaster  # benchmarks/pgcpu.py

FIRST = ["Alice", "Bob", "Chloé", "Dana", "Élodie", "François", "Grace", "Hugo", "Inès", "Jamal"]
LAST = [
    "Martin",
    "Durand",
    "O'Callaghan",
    "Smith",
    "Nguyen",
    "García",
    "Müller",
    "Dubois",
    "Kowalski",
]
TITLES = ["CFO", "CEO", "Accountant", "Buyer", "Technician", "Director", "Engineer"]
DEPARTMENTS = ["Finance", "Sales", "Operations", "IT", "Purchasing"]
COUNTRIES = [
    ("France", "01 {:02d} {:02d} {:02d} {:02d}"),
    ("United States", "(415) 5{:02d}-{:02d}{:02d}"),
]


def generate(folder: Path, contacts: int, max_per_account: int, seed: int) -> tuple[int, int]:
    """Write Account.csv and Contact.csv; return (accounts, contacts)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    n_accounts = 0
    written = 0
    with (
        (folder / "Account.csv").open("w", encoding="utf-8", newline="") as af,
        (folder / "Contact.csv").open("w", encoding="utf-8", newline="") as cf,
    ):
        accounts = csv.writer(af, lineterminator="\r\n")
        people = csv.writer(cf, lineterminator="\r\n")
        accounts.writerow(["Id", "Name", "Industry", "BillingCity", "BillingCountry", "Phone"])
        people.writerow(
            [
                "Id",
                "AccountId",
                "Salutation",
                "FirstName",
                "LastName",
                "Email",
                "Phone",
                "Title",
                "Department",
                "ReportsToId",
                "HasOptedOutOfEmail",
                "MailingCity",
            ]
        )
        while written < contacts:
            n_accounts += 1
            account_id = f"001{n_accounts:015d}"
            country, pattern = COUNTRIES[n_accounts % 2]
            accounts.writerow(
                [
                    account_id,
                    f"Company {n_accounts} SA",
                    "Manufacturing",
                    "Paris" if country == "France" else "San Francisco",
                    country,
                    pattern.format(*(rng.randrange(100) for _ in range(4))),
                ]
            )
            size = min(rng.randint(1, max_per_account), contacts - written)
            first_ids: list[str] = []
            for _ in range(size):
                written += 1
                contact_id = f"003{written:015d}"
                manager = rng.choice(first_ids) if first_ids and rng.random() < 0.1 else ""
                if len(first_ids) < 20:
                    first_ids.append(contact_id)
                first, last = rng.choice(FIRST), rng.choice(LAST)
                people.writerow(
                    [
                        contact_id,
                        account_id,
                        rng.choice(["Mr.", "Ms.", "Dr.", ""]),
                        first,
                        last,
                        f"p{written}@company{n_accounts}.example",
                        pattern.format(*(rng.randrange(100) for _ in range(4))),
                        rng.choice(TITLES),
                        rng.choice(DEPARTMENTS),
                        manager,
                        rng.choice(["true", "false"]),
                        "Lyon",
                    ]
                )
    return n_accounts, written


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def run_contactgraph(folder: Path, url: str, workers: int) -> dict[str, float]:
    import contactgraph as cg
    from contactgraph.interop import ImportOptions, import_csv

    store = cg.open_store(url)
    started, cpu = time.perf_counter(), time.process_time()
    report = import_csv(
        store,
        [folder / "Account.csv", folder / "Contact.csv"],
        options=ImportOptions(batch_size=2000, validation_workers=workers),
    )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    count = store.accounts.count_contacts()
    store.close()
    assert report.ok, report.errors[:5]
    return {"seconds": elapsed, "cpu": cpu, "contacts": count, "peak_mib": peak_rss_mib()}


def copy_schema(src: sqlite3.Connection, dst: sqlite3.Connection) -> list[str]:
    """Give ``dst`` the store's whole schema; return the tables whose rows are copied.

    Tables, FTS5 virtual tables (their shadow tables come with them), indexes
    and triggers, in the store's order. The search tables the triggers fill
    (``contact_search``, ``contacts_fts``…) are not copied: the baseline's
    inserts fire the same triggers, so the database does the same indexing
    work as in the store.
    """
    objects = src.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
    ).fetchall()
    virtual = [n for t, n, s in objects if t == "table" and s.upper().startswith("CREATE VIRTUAL")]
    shadow = {
        n for t, n, _ in objects if t == "table" and any(n.startswith(v + "_") for v in virtual)
    }
    filled = {
        m.group(1)
        for t, _, s in objects
        if t == "trigger"
        for m in re.finditer(r"INSERT INTO\s+\"?(\w+)", s, re.IGNORECASE)
    }
    for kind in ("table", "index", "trigger"):
        for t, name, ddl in objects:
            if t == kind and name not in shadow:
                dst.execute(ddl)
    return [
        n
        for t, n, _ in objects
        if t == "table" and n not in shadow and n not in virtual and n not in filled
    ]


def filled_and_copied(src: sqlite3.Connection) -> list[str]:
    """The tables whose row counts must agree: all but FTS5 tables and their shadows."""
    virtual = [
        n
        for n, s in src.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        if (s or "").upper().startswith("CREATE VIRTUAL")
    ]
    return [
        n
        for (n,) in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not any(n == v or n.startswith(v + "_") for v in virtual)
    ]


def run_baseline(folder: Path, source_db: Path, target_db: Path) -> dict[str, float]:
    src = sqlite3.connect(source_db)
    dst = sqlite3.connect(target_db, isolation_level=None)
    dst.execute("PRAGMA journal_mode = WAL")
    dst.execute("PRAGMA synchronous = NORMAL")
    tables = copy_schema(src, dst)
    started, cpu = time.perf_counter(), time.process_time()
    parsed = 0
    for name in ("Account.csv", "Contact.csv"):
        with (folder / name).open(encoding="utf-8", newline="") as handle:
            for _row in csv.reader(handle):
                parsed += 1
    dst.execute("BEGIN")
    rows = 0
    for name in tables:
        columns = [r[1] for r in src.execute(f'PRAGMA table_info("{name}")')]
        marks = ", ".join("?" for _ in columns)
        cursor = src.execute(f'SELECT * FROM "{name}"')
        dst.executemany(f'INSERT INTO "{name}" VALUES ({marks})', cursor)
        rows += dst.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
    dst.execute("COMMIT")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    for name in filled_and_copied(src):
        counts = [db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for db in (src, dst)]
        assert counts[0] == counts[1], f"{name}: {counts[0]} rows in the store, {counts[1]} here"
    return {
        "seconds": elapsed,
        "cpu": cpu,
        "rows": rows,
        "parsed": parsed,
        "peak_mib": peak_rss_mib(),
    }


ANALYZE_BETWEEN = os.environ.get("BENCH_BASELINE_ANALYZE", "1") != "0"
"""Whether the raw ``COPY`` baseline analyses each table once copied (set
``BENCH_BASELINE_ANALYZE=0`` to see the baseline without it)."""


def run_pg_baseline(folder: Path, source_url: str, target_url: str) -> dict[str, float]:
    """csv.reader over the files, then raw COPY of the rows the store wrote (psycopg 3)."""
    import psycopg

    import contactgraph as cg
    from contactgraph.repos.schema import metadata

    cg.open_store(target_url).close()  # the store's very schema, made before the clock starts
    plain = [u.replace("postgresql+psycopg://", "postgresql://") for u in (source_url, target_url)]
    tables = [t.name for t in metadata.sorted_tables if t.name != "meta"]
    with psycopg.connect(plain[0]) as src, psycopg.connect(plain[1]) as dst:
        started, cpu = time.perf_counter(), time.process_time()
        parsed = 0
        for name in ("Account.csv", "Contact.csv"):
            with (folder / name).open(encoding="utf-8", newline="") as handle:
                for _row in csv.reader(handle):
                    parsed += 1
        rows = 0
        with dst.transaction():
            for name in tables:
                with (
                    src.cursor().copy(f'COPY "{name}" TO STDOUT') as out,
                    dst.cursor().copy(f'COPY "{name}" FROM STDIN') as into,
                ):
                    for data in out:
                        into.write(data)
                if ANALYZE_BETWEEN:
                    # what a careful loader does (and the store does as tables grow): the
                    # next tables' foreign-key checks are planned for the rows now here
                    dst.execute(f'ANALYZE "{name}"')
            for name in tables:
                rows += dst.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # type: ignore[index]
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "seconds": elapsed,
        "cpu": cpu,
        "rows": rows,
        "parsed": parsed,
        "peak_mib": peak_rss_mib(),
    }


def _child(args: list[str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--max-per-account", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--store",
        default="sqlite",
        help="sqlite (default), postgresql (a throwaway cluster, raw COPY baseline) or memory://",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="alternate contactgraph and baseline this many times; report medians",
    )
    parser.add_argument("--keep", type=Path, help="folder to keep the files in")
    parser.add_argument(
        "--workers", type=int, default=0, help="ImportOptions.validation_workers (default 0)"
    )
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--source-db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--target-db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--target-url", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase == "contactgraph":
        print(json.dumps(run_contactgraph(args.folder, args.url, args.workers)))
        return
    if args.phase == "baseline":
        print(json.dumps(run_baseline(args.folder, args.source_db, args.target_db)))
        return
    if args.phase == "pg-baseline":
        print(json.dumps(run_pg_baseline(args.folder, args.url, args.target_url)))
        return
    if args.store == "postgresql":
        from contactgraph.testing.postgres import throwaway_cluster

        with throwaway_cluster("cg_bench") as url:
            run_postgresql(args, url)
        return

    work = args.keep or Path(tempfile.mkdtemp(prefix="cg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    accounts, contacts = generate(work / "csv", args.contacts, args.max_per_account, args.seed)
    size = sum(p.stat().st_size for p in (work / "csv").iterdir()) / 2**20
    print(
        f"generated {contacts:,} contacts in {accounts:,} accounts "
        f"({size:,.0f} MiB of CSV) in {time.perf_counter() - started:.1f} s"
    )
    db = work / "contactgraph.db"
    target = work / "baseline.db"
    url = f"sqlite:///{db}" if args.store == "sqlite" else args.store
    ratios: list[tuple[float, float]] = []
    for round_ in range(1, args.rounds + 1):
        for path in (db, target):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        ours = _child(
            [
                "--phase",
                "contactgraph",
                "--folder",
                str(work / "csv"),
                "--url",
                url,
                "--workers",
                str(args.workers),
            ]
        )
        rate = ours["contacts"] / ours["seconds"]
        print(
            f"[{round_}] contactgraph import_csv (validation_workers={args.workers}) -> {url}: "
            f"{ours['seconds']:.1f} s ({ours['cpu']:.1f} s CPU, "
            f"{ours['cpu'] / ours['contacts'] * 1e6:,.0f} µs a contact), "
            f"{rate:,.0f} contacts/s, peak RSS {ours['peak_mib']:,.0f} MiB"
        )
        if args.store != "sqlite":
            continue
        base = _child(
            [
                "--phase",
                "baseline",
                "--folder",
                str(work / "csv"),
                "--source-db",
                str(db),
                "--target-db",
                str(target),
            ]
        )
        print(
            f"[{round_}] baseline csv + sqlite3.executemany of the same {base['rows']:,.0f} rows: "
            f"{base['seconds']:.1f} s ({base['cpu']:.1f} s CPU), "
            f"{contacts / base['seconds']:,.0f} contacts/s, peak RSS {base['peak_mib']:,.0f} MiB"
        )
        ratios.append((ours["seconds"] / base["seconds"], ours["cpu"] / base["cpu"]))
        print(
            f"[{round_}] ratio contactgraph / baseline: {ratios[-1][0]:.2f}x time, "
            f"{ratios[-1][1]:.2f}x CPU time, "
            f"{ours['peak_mib'] / base['peak_mib']:.2f}x peak memory"
        )
    if len(ratios) > 1:
        print(
            f"median of {len(ratios)} rounds: {median([r[0] for r in ratios]):.2f}x time, "
            f"{median([r[1] for r in ratios]):.2f}x CPU time"
        )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


def settle(admin_url: str) -> None:
    """A checkpoint: the dirty pages of what ran before are written now, not (and
    charged to) the side that runs next."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def run_postgresql(args: argparse.Namespace, url: str) -> None:
    """The import into PostgreSQL (COPY through the store) against raw COPY of the same rows.

    Each round imports into a new database, then copies its rows into another.
    Besides the client's CPU time, each side is charged the CPU time the
    cluster's processes spent meanwhile (read from ``/proc``): on a shared
    machine, client + server CPU is the measure to compare, not wall time.
    """
    import psycopg

    import contactgraph as cg

    work = args.keep or Path(tempfile.mkdtemp(prefix="cg-bench-"))
    accounts, contacts = generate(work / "csv", args.contacts, args.max_per_account, args.seed)
    print(f"generated {contacts:,} contacts in {accounts:,} accounts")
    folder = str(work / "csv")
    admin = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    server = postmaster(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        # The cluster is this run's own: no autovacuum, whose work on one side's
        # tables (a million rows just committed) would be charged to whichever
        # side runs when it wakes up.
        conn.execute("ALTER SYSTEM SET autovacuum = off")
        conn.execute("SELECT pg_reload_conf()")
    rounds: list[tuple[float, float, float]] = []
    for round_ in range(1, args.rounds + 1):
        source = url.rsplit("/", 1)[0] + f"/cg_ours{round_}"
        target = url.rsplit("/", 1)[0] + f"/cg_baseline{round_}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE cg_ours{round_}")
            conn.execute(f"CREATE DATABASE cg_baseline{round_}")
        for made in (source, target):  # both schemas exist before either side is measured
            cg.open_store(made).close()
        settle(admin)
        before = cluster_cpu(server)
        ours = _child(
            ["--phase", "contactgraph", "--folder", folder, "--url", source, "--workers", "0"]
        )
        ours["server"] = cluster_cpu(server) - before
        print(
            f"[{round_}] contactgraph import_csv -> PostgreSQL: {ours['seconds']:.1f} s, "
            f"CPU {ours['cpu']:.1f} s client + {ours['server']:.1f} s server "
            f"({ours['cpu'] / ours['contacts'] * 1e6:,.0f} µs of client a contact), "
            f"{ours['contacts'] / ours['seconds']:,.0f} contacts/s, "
            f"peak RSS {ours['peak_mib']:,.0f} MiB"
        )
        settle(admin)
        before = cluster_cpu(server)
        base = _child(
            ["--phase", "pg-baseline", "--folder", folder, "--url", source, "--target-url", target]
        )
        base["server"] = cluster_cpu(server) - before
        print(
            f"[{round_}] baseline csv + raw COPY (psycopg 3) of the same {base['rows']:,.0f} rows: "
            f"{base['seconds']:.1f} s, CPU {base['cpu']:.1f} s client + {base['server']:.1f} s "
            f"server (schema made before), peak RSS {base['peak_mib']:,.0f} MiB"
        )
        rounds.append(
            (
                ours["seconds"] / base["seconds"],
                (ours["cpu"] + ours["server"]) / (base["cpu"] + base["server"]),
                ours["peak_mib"] / base["peak_mib"],
            )
        )
        print(
            f"[{round_}] ratio contactgraph / baseline: {rounds[-1][0]:.2f}x time, "
            f"{rounds[-1][1]:.2f}x client + server CPU time, {rounds[-1][2]:.2f}x peak memory"
        )
    if len(rounds) > 1:
        print(
            f"median of {len(rounds)} rounds: {median([r[0] for r in rounds]):.2f}x time, "
            f"{median([r[1] for r in rounds]):.2f}x client + server CPU time"
        )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
