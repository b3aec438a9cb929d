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

import orjson

import contactgraph as cg

STALL_TARGET_MS = 50.0
TICK = 0.005
CONCURRENCY = (1, 8, 64)


# ----------------------------------------------------------------- the server


def serve(url: str, port: int, workers: int) -> None:
    """Child process: the app plus a ticker measuring how late the loop wakes it."""
    if os.environ.get("BENCH_SWITCH_INTERVAL"):
        sys.setswitchinterval(float(os.environ["BENCH_SWITCH_INTERVAL"]))
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

    @get("/_noop", sync_to_thread=False)
    def noop() -> dict[str, float]:
        return {"ms": 0.0}

    app = create_app(url, workers=workers)
    app.register(stall)
    app.register(noop)
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


class Connection:
    """A minimal keep-alive HTTP/1.1 client: the load generator must cost less than the server."""

    def __init__(self, host: str, port: int, tenant: str) -> None:
        self.host, self.port, self.tenant = host, port, tenant
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nX-Tenant: {self.tenant}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode("ascii") + body)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        payload = await self.reader.readexactly(length)
        return int(status_line.split()[1]), payload

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


async def over_http(
    port: int, tenant: str, calls: list[tuple[str, str, bytes]], clients: int
) -> dict[str, float]:
    latencies: list[float] = []
    queue = list(reversed(calls))

    async def client() -> None:
        connection = Connection("127.0.0.1", port, tenant)
        try:
            while queue:
                method, path, body = queue.pop()
                start = time.perf_counter()
                status, payload = await connection.request(method, path, body)
                latencies.append(time.perf_counter() - start)
                assert status in (200, 409, 412), payload
        finally:
            await connection.close()

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return summarise(latencies, time.perf_counter() - start)


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
) -> dict[str, tuple[list[tuple[str, str, bytes]], list[Callable[[], Any]]]]:
    ids = [contact_ids[(i * 7919) % len(contact_ids)] for i in range(n)]
    prefixes = [f"martin{(i * 31) % 1000:03}" for i in range(n)]

    def patch_direct(cid: str, i: int) -> Callable[[], Any]:
        def run() -> Any:
            account = store.accounts.account_of(cid)
            return store.accounts.save(account.update_contact(cid, title=f"Title {i}"))

        return run

    return {
        "get-contact": (
            [("GET", f"/contacts/{c}", b"") for c in ids],
            [lambda c=c: store.accounts.get_contact(c) for c in ids],
        ),
        "search": (
            [("GET", f"/search?q={p}&limit=10", b"") for p in prefixes],
            [lambda p=p: store.accounts.search_contacts(p, limit=10) for p in prefixes],
        ),
        "patch-contact": (
            [
                ("PATCH", f"/contacts/{c}", orjson.dumps({"title": f"Title {i}"}))
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
    parser.add_argument("--workers", type=int, default=16, help="the server's worker pool size")
    parser.add_argument("--serve", nargs=2, metavar=("URL", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), args.workers)
        return 0

    scratch = tempfile.TemporaryDirectory()
    url = args.store or f"sqlite:///{scratch.name}/bench.db"
    tenant = f"bench{os.getpid()}"
    store = cg.open_store(url, tenant=tenant)
    contact_ids = seed(store, args.accounts, args.per_account)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    child = subprocess.Popen(
        [sys.executable, __file__, "--workers", str(args.workers), "--serve", url, str(port)]
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base)
        print(
            f"store {store.url}, {len(contact_ids)} contacts, {args.requests} requests per cell, "
            f"{args.workers} workers"
        )
        print(
            f"{'operation':<14}{'clients':>8}{'HTTP rps':>10}{'p50 ms':>8}{'p99 ms':>8}"
            f"{'direct rps':>12}{'p50 ms':>8}{'p99 ms':>8}{'HTTP/direct rps':>17}"
        )
        _stall(base, reset=True)
        noop = asyncio.run(over_http(port, tenant, [("GET", "/_noop", b"")] * args.requests, 64))
        floor = _stall(base, reset=True)
        print(f"{'no-op':<14}{64:>8}{noop['rps']:>10.0f}{noop['p50']:>8.2f}{noop['p99']:>8.2f}")
        stall = 0.0
        for name in ("get-contact", "search", "patch-contact"):
            for clients in CONCURRENCY:
                http_calls, direct_calls = workloads(store, contact_ids, args.requests)[name]
                direct = in_process(direct_calls, clients)
                if clients == max(CONCURRENCY):
                    _stall(base, reset=True)
                web = asyncio.run(over_http(port, tenant, http_calls, clients))
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
            f"(target < {STALL_TARGET_MS:.0f} ms): {verdict}; with a no-op endpoint "
            f"(no store call) in the same run: {floor:.1f} ms, ratio {stall / max(floor, 0.1):.2f}x"
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
