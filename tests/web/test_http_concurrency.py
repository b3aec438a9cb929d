"""Many clients PATCHing one contact: 200, 409 or 412 only, and no acknowledged write lost."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

import contactgraph as cg
from contactgraph.web import create_app

CLIENTS = 12
ROUNDS = 4


async def _client(
    http: httpx.AsyncClient, contact_id: str, n: int, log: list[tuple[str, str, int, str]]
) -> None:
    for r in range(ROUNDS):
        current = await http.get(f"/contacts/{contact_id}")
        assert current.status_code == 200
        title = f"client {n} round {r}"
        answer = await http.patch(
            f"/contacts/{contact_id}",
            json={"title": title},
            headers={"If-Match": current.headers["etag"]},
        )
        assert answer.status_code in (200, 409, 412), answer.text
        log.append(
            (current.headers["etag"], answer.headers.get("etag", ""), answer.status_code, title)
        )


async def _race(app: Any, contact_id: str) -> list[tuple[str, str, int, str]]:
    log: list[tuple[str, str, int, str]] = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        await asyncio.gather(*(_client(http, contact_id, n, log) for n in range(CLIENTS)))
        final = (await http.get(f"/contacts/{contact_id}")).json()
    log.append(("final", "", 0, final["title"]))
    return log


def test_concurrent_patches_never_lose_an_acknowledged_write(web_store: cg.Store) -> None:
    account = cg.Account.create(name="ACME SA")
    account, alice = account.add_contact(last_name="Martin", title="CFO")
    web_store.accounts.add(account)
    log = asyncio.run(_race(create_app(web_store), alice.id))
    *answers, (_, _, _, final_title) = log
    acknowledged = [
        (before, after, title) for before, after, status, title in answers if status == 200
    ]
    assert acknowledged, "at least one write must win"
    # each acknowledged write was based on a distinct version: no two winners from one tag
    bases = [before for before, _, _ in acknowledged]
    assert len(bases) == len(set(bases))
    # they form one chain: every winner (but the first) was based on another winner's result
    results = {after: title for _, after, title in acknowledged}
    assert sum(1 for before in bases if before not in results) == 1
    # and the last link of the chain is what the store holds
    last = next(after for _, after, _ in acknowledged if after not in bases)
    assert results[last] == final_title
    assert web_store.accounts.get_contact(alice.id).title == final_title
