"""Reads through the store against raw driver calls, as ratios in one run (issue 10).

For each engine (an SQLite file, and PostgreSQL in a throwaway cluster from
:mod:`contactgraph.testing.postgres` or at ``CONTACTGRAPH_TEST_PG_URL``), the
median cost of:

1. ``accounts.find_contacts(email=…)`` (the address with its ASCII letters upper-cased, one hit on both sides: checked before timing);
2. ``accounts.find_contacts(phone=…)`` (``+33 6 12 34 56 78`` as typed, one hit), for
   numbers never looked up before (the target) and, for comparison, for 50 numbers
   looked up again and again (libphonenumber's parse cached);
3. ``accounts.get`` of a 100-contact account;
4. ``accounts.account_of`` a contact of a 100-contact account;
5. ``accounts.get`` of a 10,000-contact account;

each against its baseline: the raw driver (``sqlite3`` / ``psycopg``, autocommit)
running the same look-ups on the same tables (every column but the tenant) and
building plain attrs objects, one per row, from them. The baseline's look-up
keys are made the cheap way (``casefold()`` of the address, ``+`` and the
digits of the number: no validation, no alternates), the store's through its
own normalisation (an email-validator check for non-ASCII addresses,
libphonenumber for numbers; both cached per text). Target: within 1.5x.
Calls alternate between the two sides, so that a busy machine slows both
alike; the exit status is 1 when a target is missed. The ratio of the client's
CPU time (summed over the calls) is shown too: on a saturated machine the
longer side waits for more scheduler slices; on PostgreSQL it leaves out the
server and the round trips.

Run::

    .venv/bin/python benchmarks/bench_reads.py                        # both engines
    .venv/bin/python benchmarks/bench_reads.py --engines sqlite --calls 300
"""

from __future__ import annotations

import argparse
import gc
import itertools
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa

import contactgraph as cg
from contactgraph.repos import schema

TENANT = "default"
TARGET = 1.5
FIRST = ["Alice", "Bob", "Hélène", "Zoë", "Jean-Pierre", "Mohamed", "Yuki", "Ana", "Olaf"]
LAST = ["Martin", "Durand", "Lefèvre", "Nguyễn", "O'Carney", "Müller", "Dubois", "Rossi"]


def _columns(table: sa.Table) -> list[str]:
    return [c.name for c in table.columns if c.name != "tenant"]


CONTACT_COLUMNS = _columns(schema.contacts)
ACCOUNT_COLUMNS = _columns(schema.accounts)
PlainContact = attrs.make_class("PlainContact", CONTACT_COLUMNS, frozen=True, slots=True)
PlainAccount = attrs.make_class(
    "PlainAccount", [*ACCOUNT_COLUMNS, "contacts"], frozen=True, slots=True
)


# -------------------------------------------------------------------- data


_NUMBERS = itertools.count(12_000_000)
"""Each contact's own mobile number (a look-up by phone finds one contact)."""


def make_account(name: str, size: int, rng: random.Random) -> cg.Account:
    account = cg.Account.create(name=name, industry="Manufacturing", phone="+33 1 40 00 00 00")
    for i in range(size):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        n = next(_NUMBERS)
        account, _ = account.add_contact(
            last_name=last,
            first_name=first,
            email=f"{first.lower()}.{i}@{name.lower().replace(' ', '-')}.example",
            phone=f"+33 6 {n // 10**6 % 100:02d} {n // 10**4 % 100:02d} {n // 100 % 100:02d} {n % 100:02d}",
            title=rng.choice(["CFO", "Buyer", "Engineer", None]),
            department=rng.choice(["Finance", "IT", None]),
        )
    return account


@attrs.frozen
class Data:
    small: list[cg.Account]
    big: cg.Account


def make_data(accounts: int) -> Data:
    rng = random.Random(11)
    small = [make_account(f"Company {n}", 100, rng) for n in range(accounts)]
    return Data(small=small, big=make_account("Big Corp", 10_000, rng))


# ------------------------------------------------------------------- raw


class Raw:
    """The baseline: the driver's own calls, plain attrs objects from the rows."""

    def __init__(self, execute: Callable[[str, tuple[Any, ...]], list[Any]], mark: str) -> None:
        self._run = execute
        contacts, accounts = ", ".join(CONTACT_COLUMNS), ", ".join(ACCOUNT_COLUMNS)
        self._by_email = (
            f"SELECT {contacts} FROM contacts WHERE tenant = {mark} AND email_key = {mark}"
        )
        self._account = f"SELECT {accounts} FROM accounts WHERE tenant = {mark} AND id = {mark}"
        self._contacts_of = (
            f"SELECT {contacts} FROM contacts WHERE tenant = {mark} AND account_id = {mark}"
        )
        self._by_phone = (
            f"SELECT {contacts} FROM contacts WHERE tenant = {mark} AND phone = {mark} UNION ALL "
            f"SELECT {contacts} FROM contacts WHERE tenant = {mark} AND mobile = {mark}"
        )
        self._owner = f"SELECT account_id FROM contacts WHERE tenant = {mark} AND id = {mark}"

    def find_by_email(self, email: str) -> list[Any]:
        return [PlainContact(*r) for r in self._run(self._by_email, (TENANT, email.casefold()))]

    def find_by_phone(self, phone: str) -> list[Any]:
        number = "+" + "".join(ch for ch in phone if ch.isdigit())
        return [PlainContact(*r) for r in self._run(self._by_phone, (TENANT, number) * 2)]

    def get(self, account_id: str) -> Any:
        (row,) = self._run(self._account, (TENANT, account_id))
        people = tuple(PlainContact(*r) for r in self._run(self._contacts_of, (TENANT, account_id)))
        return PlainAccount(*row, people)

    def account_of(self, contact_id: str) -> Any:
        ((owner,),) = self._run(self._owner, (TENANT, contact_id))
        return self.get(owner)


@contextmanager
def raw_sqlite(path: Path) -> Iterator[Raw]:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        yield Raw(lambda sql, args: conn.execute(sql, args).fetchall(), "?")
    finally:
        conn.close()


def vacuum(url: str) -> None:
    """``VACUUM ANALYZE`` the filled tables, so that no autovacuum runs (and is charged
    to one side) while reads are measured."""
    import psycopg

    dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


@contextmanager
def raw_postgres(url: str) -> Iterator[Raw]:
    import psycopg

    dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        yield Raw(lambda sql, args: conn.execute(sql, args).fetchall(), "%s")


# ---------------------------------------------------------------- timing


_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def same_rows(needles: list[str], ours: Callable[[str], Any], theirs: Callable[[str], Any]) -> None:
    """Stop unless both sides find one row for every needle: a ratio compares equal work."""
    for needle in needles:
        found = (len(ours(needle)), len(theirs(needle)))
        if found != (1, 1):
            raise SystemExit(f"{needle!r}: the store finds {found[0]} rows, raw {found[1]}")


def compare(
    label: str,
    store_fn: Callable[[], Any],
    raw_fn: Callable[[], Any],
    calls: int,
    *,
    target: bool = True,
    server: Callable[[], float] | None = None,
) -> bool:
    """Median of each side, their calls alternating so that load on a shared machine hits both.

    ``target=False``: a figure shown for comparison, never a miss. ``server``:
    the CPU seconds a database server's processes spent so far; then each
    side also runs ``calls`` calls in blocks (alternating) and is charged its
    client's CPU and the server's CPU during its blocks (a second line).
    """
    store_fn(), raw_fn()
    gc.collect()
    ours: list[float] = []
    raw: list[float] = []
    ours_cpu: list[float] = []
    raw_cpu: list[float] = []
    clock, cpu = time.perf_counter, time.process_time
    for _ in range(calls):
        start, start_cpu = clock(), cpu()
        raw_fn()
        middle, middle_cpu = clock(), cpu()
        store_fn()
        raw.append(middle - start)
        ours.append(clock() - middle)
        raw_cpu.append(middle_cpu - start_cpu)
        ours_cpu.append(cpu() - middle_cpu)
    mine, base = statistics.median(ours) * 1e6, statistics.median(raw) * 1e6
    ratio = mine / base
    cpu_ratio = sum(ours_cpu) / max(sum(raw_cpu), 1e-9)
    verdict = ("ok" if ratio <= TARGET else "MISSED") if target else "for comparison"
    print(
        f"   {label:26} store {mine:9.1f} µs   raw {base:9.1f} µs   "
        f"{ratio:5.2f}x  (target <= {TARGET}x: {verdict}; client CPU {cpu_ratio:4.2f}x)"
    )
    if server is not None:
        charged = charge_cpu(store_fn, raw_fn, calls, server)
        (mine_client, mine_server), (raw_client, raw_server) = charged
        print(
            f"   {'':26} client + server CPU per call: store {mine_client * 1e6 / calls:7.1f}"
            f" + {mine_server * 1e6 / calls:6.1f} µs, raw {raw_client * 1e6 / calls:7.1f}"
            f" + {raw_server * 1e6 / calls:6.1f} µs   "
            f"{(mine_client + mine_server) / max(raw_client + raw_server, 1e-9):5.2f}x"
        )
    return ratio <= TARGET or not target


BLOCKS = 10
"""Blocks of calls per side when server CPU is charged (read from ``/proc`` between blocks)."""


def charge_cpu(
    store_fn: Callable[[], Any], raw_fn: Callable[[], Any], calls: int, server: Callable[[], float]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """``((client, server), (client, server))`` CPU seconds of the store's and the raw
    side's ``calls`` calls, run in alternating blocks, each charged the server CPU
    spent during its own blocks (so other processes' load does not count)."""
    spent = {"store": [0.0, 0.0], "raw": [0.0, 0.0]}
    block = max(calls // BLOCKS, 1)
    cpu = time.process_time
    for _ in range(BLOCKS):
        for side, fn in (("raw", raw_fn), ("store", store_fn)):
            before_server = server()
            before = cpu()
            for _ in range(block):
                fn()
            spent[side][0] += cpu() - before
            spent[side][1] += server() - before_server
    scale = calls / (block * BLOCKS)
    ours, raw = spent["store"], spent["raw"]
    return (ours[0] * scale, ours[1] * scale), (raw[0] * scale, raw[1] * scale)


def bench_engine(
    name: str,
    store: cg.Store,
    raw: Raw,
    data: Data,
    calls: int,
    *,
    server: Callable[[], float] | None = None,
) -> list[bool]:
    rng = random.Random(5)
    people = [c for a in data.small for c in list(a.contacts.values())[:10]]
    # ASCII letters upper-cased: the store's key folds ASCII case only (by design), so a
    # fully upper-cased non-ASCII address would find nothing there and one row raw.
    emails = [c.email.address.translate(_ASCII_UPPER) for c in people if c.email is not None]
    phones = [c.phone.international for c in people if c.phone is not None]
    accounts = [a.id for a in data.small]
    contacts = [c.id for c in people]

    def cycling(items: list[str]) -> Callable[[], str]:
        picks = iter(rng.choice(items) for _ in range(10**9))
        return lambda: next(picks)

    email, phone, seen = cycling(emails), cycling(phones[50:]), cycling(phones[:50])
    account, contact = cycling(accounts), cycling(contacts)
    repo = store.accounts
    same_rows(emails, lambda e: repo.find_contacts(email=e), raw.find_by_email)
    same_rows(phones, lambda p: repo.find_contacts(phone=p), raw.find_by_phone)
    print(f"\n== {name} ==")
    results = [
        compare(
            "find_contacts(email=)",
            lambda: repo.find_contacts(email=email()),
            lambda: raw.find_by_email(email()),
            calls,
            server=server,
        ),
        compare(
            "find_contacts(phone=)",
            lambda: repo.find_contacts(phone=phone()),
            lambda: raw.find_by_phone(phone()),
            calls,
            server=server,
        ),
        compare(
            "get, 100 contacts",
            lambda: repo.get(account()),
            lambda: raw.get(account()),
            max(calls // 4, 10),
            server=server,
        ),
        compare(
            "account_of, 100 contacts",
            lambda: repo.account_of(contact()),
            lambda: raw.account_of(contact()),
            max(calls // 4, 10),
            server=server,
        ),
        compare(
            "get, 10,000 contacts",
            lambda: repo.get(data.big.id),
            lambda: raw.get(data.big.id),
            max(calls // 50, 5),
            server=server,
        ),
    ]
    compare(  # shown, not counted: what the look-up costs once the number's text is parsed
        "find_contacts(phone=) seen",
        lambda: repo.find_contacts(phone=seen()),
        lambda: raw.find_by_phone(seen()),
        calls,
        target=False,
        server=server,
    )
    return results


def fill(store: cg.Store, data: Data) -> None:
    with store.transaction():
        for account in [*data.small, data.big]:
            store.accounts.add(account)


# ------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--accounts", type=int, default=200, help="100-contact accounts")
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument(
        "--no-server-cpu",
        dest="server_cpu",
        action="store_false",
        help="PostgreSQL: skip charging each side the server's CPU (needs the cluster's /proc)",
    )
    args = parser.parse_args(argv)
    engines = args.engines.split(",")
    print(f"contactgraph {cg.__version__}, SQLite {sqlite3.sqlite_version}")
    data = make_data(args.accounts)
    results: list[bool] = []
    with tempfile.TemporaryDirectory(prefix="contactgraph-bench-") as workdir:
        if "sqlite" in engines:
            path = Path(workdir) / "reads.db"
            with cg.open_store(f"sqlite:///{path}") as store, raw_sqlite(path) as raw:
                fill(store, data)
                results += bench_engine("SQLite file", store, raw, data, args.calls)
        if "postgresql" in engines:
            with postgres() as url, cg.open_store(url) as store, raw_postgres(url) as raw:
                fill(store, data)
                vacuum(url)
                server = server_cpu(url) if args.server_cpu else None
                results += bench_engine("PostgreSQL", store, raw, data, args.calls, server=server)
    print(f"\n{sum(results)} of {len(results)} reads within {TARGET}x of the raw driver")
    return 0 if all(results) else 1


def server_cpu(url: str) -> Callable[[], float] | None:
    """The CPU seconds the cluster at ``url`` spent so far, when it runs on this machine."""
    from pgcpu import cluster_cpu_precise, postmaster  # benchmarks/pgcpu.py

    try:
        pid = postmaster(url)
    except OSError:  # another machine's server: no /proc to read
        return None
    return lambda: cluster_cpu_precise(pid)


@contextmanager
def postgres() -> Iterator[str]:
    import os

    from contactgraph.testing import postgres as pg

    given = os.environ.get(pg.ENV_VAR)
    if given:
        yield given
        return
    with pg.throwaway_cluster("contactgraph_bench") as url:
        yield url


if __name__ == "__main__":
    raise SystemExit(main())
