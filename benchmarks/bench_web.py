"""Benchmark: the HTTP API against the same calls made in-process, and the event loop's stalls.

For get-contact, type-ahead search and patch-contact, with 1, 8 and 64
concurrent clients, prints requests per second and p50 / p99 latency over
HTTP (a real uvicorn server in its own process, on 127.0.0.1, keep-alive
clients) and the same calls made in-process on the same store from as many
threads, and their ratio. While the 64 clients run, a ticker inside the
server's event loop records the loop's longest stall (target: under 50 ms,
since every store call runs in the worker pool, never on the loop).

Run it with::

    .venv/bin/python benchmarks/bench_web.py                       # SQLite, 400 requests per cell
    .venv/bin/python benchmarks/bench_web.py --requests 200 --store postgresql+psycopg://...

It exits with status 1 when the longest stall reaches 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import contactgraph as cg

STALL_TARGET_MS = 50.0
TICK = 0.005
CONCURRENCY = (1, 8, 64)


# ----------------------------------------------------------------- the server


def serve(url: str, port: int) -> None:
    """Child process: the app plus a ticker measuring how late the loop wakes it."""
    import uvicorn
    from litestar import get
    from litestar.params import FromQuery

    from contactgraph.web import create_app

    worst = {"ms": 0.0}

    async def ticker() -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(TICK)
            late = (time.perf_counter() - before - TICK) * 1000
            worst["ms"] = max(worst["ms"], late)

    tasks: list[asyncio.Task[None]] = []

    async def start_ticker() -> None:
        tasks.append(asyncio.get_running_loop().create_task(ticker()))

    @get("/_stall", sync_to_thread=False)
    def stall(reset: FromQuery[bool] = False) -> dict[str, float]:
        found = worst["ms"]
        if reset:
            worst["ms"] = 0.0
        return {"ms": found}

    app = create_app(url)
    app.register(stall)
    app.on_startup.append(start_ticker)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# ----------------------------------------------------------------- the data


def seed(store: cg.Store, accounts: int, per_account: int) -> list[str]:
    contact_ids = []
    for a in range(accounts):
        account = cg.Account.create(name=f"Company {a:04}")
        for c in range(per_account):
            account, contact = account.add_contact(
                last_name=f"Martin{a:04}x{c:02}", first_name="Alice", email=f"a{a}.{c}@example.com"
            )
            contact_ids.append(contact.id)
        store.accounts.add(account)
    return contact_ids


# ----------------------------------------------------------------- measuring


def summarise(latencies: list[float], elapsed: float) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "rps": len(ordered) / elapsed,
        "p50": statistics.median(ordered) * 1000,
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
    }


async def over_http(
    base: str, tenant: str, calls: list[Callable[[Any], Any]], clients: int
) -> dict[str, float]:
    import httpx

    latencies: list[float] = []
    queue = list(reversed(calls))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=60, headers={"X-Tenant": tenant}
    ) as http:

        async def client() -> None:
            while queue:
                call = queue.pop()
                start = time.perf_counter()
                response = await call(http)
                latencies.append(time.perf_counter() - start)
                assert response.status_code in (200, 409, 412), response.text

        start = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - start
    return summarise(latencies, elapsed)


def in_process(calls: list[Callable[[], Any]], clients: int) -> dict[str, float]:
    latencies: list[float] = []
    lock = threading.Lock()

    def timed(call: Callable[[], Any]) -> None:
        start = time.perf_counter()
        with contextlib.suppress(cg.ConcurrencyError):  # HTTP answers 409 to the same race
            call()
        with lock:
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(timed, calls))
    return summarise(latencies, time.perf_counter() - start)


def workloads(
    store: cg.Store, contact_ids: list[str], n: int
) -> dict[str, tuple[list[Callable[[Any], Any]], list[Callable[[], Any]]]]:
    ids = [contact_ids[(i * 7919) % len(contact_ids)] for i in range(n)]
    prefixes = [f"martin{(i * 31) % 1000:03}" for i in range(n)]

    def patch_direct(cid: str, i: int) -> Callable[[], Any]:
        def run() -> Any:
            account = store.accounts.account_of(cid)
            return store.accounts.save(account.update_contact(cid, title=f"Title {i}"))

        return run

    return {
        "get-contact": (
            [lambda h, c=c: h.get(f"/contacts/{c}") for c in ids],
            [lambda c=c: store.accounts.get_contact(c) for c in ids],
        ),
        "search": (
            [lambda h, p=p: h.get("/search", params={"q": p, "limit": 10}) for p in prefixes],
            [lambda p=p: store.accounts.search_contacts(p, limit=10) for p in prefixes],
        ),
        "patch-contact": (
            [
                lambda h, c=c, i=i: h.patch(f"/contacts/{c}", json={"title": f"Title {i}"})
                for i, c in enumerate(ids)
            ],
            [patch_direct(c, i) for i, c in enumerate(ids)],
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", help="store URL (default: a temporary SQLite file)")
    parser.add_argument("--requests", type=int, default=400, help="requests per cell")
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--per-account", type=int, default=10)
    parser.add_argument("--serve", nargs=2, metavar=("URL", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return 0

    scratch = tempfile.TemporaryDirectory()
    url = args.store or f"sqlite:///{scratch.name}/bench.db"
    tenant = f"bench{os.getpid()}"
    store = cg.open_store(url, tenant=tenant)
    contact_ids = seed(store, args.accounts, args.per_account)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    child = subprocess.Popen([sys.executable, __file__, "--serve", url, str(port)])
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base)
        print(f"store {store.url}, {len(contact_ids)} contacts, {args.requests} requests per cell")
        print(
            f"{'operation':<14}{'clients':>8}{'HTTP rps':>10}{'p50 ms':>8}{'p99 ms':>8}"
            f"{'direct rps':>12}{'p50 ms':>8}{'p99 ms':>8}{'HTTP/direct rps':>17}"
        )
        stall = 0.0
        for name in ("get-contact", "search", "patch-contact"):
            for clients in CONCURRENCY:
                http_calls, direct_calls = workloads(store, contact_ids, args.requests)[name]
                direct = in_process(direct_calls, clients)
                if clients == max(CONCURRENCY):
                    _stall(base, reset=True)
                web = asyncio.run(over_http(base, tenant, http_calls, clients))
                if clients == max(CONCURRENCY):
                    stall = max(stall, _stall(base))
                print(
                    f"{name:<14}{clients:>8}{web['rps']:>10.0f}{web['p50']:>8.2f}{web['p99']:>8.2f}"
                    f"{direct['rps']:>12.0f}{direct['p50']:>8.2f}{direct['p99']:>8.2f}"
                    f"{web['rps'] / direct['rps']:>16.2f}x"
                )
        verdict = "OK" if stall < STALL_TARGET_MS else "TOO LONG"
        print(
            f"longest event-loop stall with {max(CONCURRENCY)} clients: {stall:.1f} ms "
            f"(target < {STALL_TARGET_MS:.0f} ms): {verdict}"
        )
        return 0 if stall < STALL_TARGET_MS else 1
    finally:
        child.terminate()
        child.wait(timeout=10)
        store.close()
        scratch.cleanup()


def _wait_for(base: str) -> None:
    import httpx

    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(base + "/_stall", timeout=1)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _stall(base: str, reset: bool = False) -> float:
    import httpx

    return float(httpx.get(base + "/_stall", params={"reset": reset}).json()["ms"])


if __name__ == "__main__":
    sys.exit(main())
