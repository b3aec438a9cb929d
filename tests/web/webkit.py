"""Helpers for the web tests: a client per backend and a small CRM to click through."""

from __future__ import annotations

from typing import Any

import attrs
from litestar.testing import TestClient


@attrs.frozen
class Crm:
    """The ids of the seeded CRM: ACME (Alice CFO, Bob reporting to her) and Globex (nobody)."""

    acme: str
    globex: str
    alice: str
    bob: str


def seed(client: TestClient[Any]) -> Crm:
    """ACME SA with Alice Martin (CFO, economic buyer) and Bob Durand reporting to her; Globex empty."""
    acme = client.post("/accounts", json={"name": "ACME SA", "industry": "Manufacturing"}).json()[
        "id"
    ]
    globex = client.post("/accounts", json={"name": "Globex"}).json()["id"]
    alice = client.post(
        f"/accounts/{acme}/contacts",
        json={
            "last_name": "Martin",
            "first_name": "Alice",
            "email": "alice@acme.fr",
            "title": "CFO",
            "decision_role": "Economic Buyer",
        },
    ).json()["id"]
    bob = client.post(
        f"/accounts/{acme}/contacts",
        json={
            "last_name": "Durand",
            "first_name": "Bob",
            "reports_to": alice,
            "title": "Accountant",
        },
    ).json()["id"]
    return Crm(acme=acme, globex=globex, alice=alice, bob=bob)


def violations(response: Any) -> set[tuple[str, str | None]]:
    """``(code, field)`` of every violation in a problem response."""
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return {(v["code"], v["field"]) for v in response.json().get("violations", [])}


def snapshot(store: Any, *record_ids: str) -> dict[str, Any]:
    """What the store holds, as plain data, with the history and merges of ``record_ids``
    (to prove that a refused request changed nothing)."""
    from contactgraph.serialization import unstructure

    return {
        "accounts": [unstructure(a) for a in store.accounts],
        "opportunities": [unstructure(o) for o in store.opportunities.list()],
        "cases": [unstructure(c) for c in store.cases.list()],
        "relations": [unstructure(r) for r in store.relations.list()],
        "merges": [(m.id, m.unmerged_at) for m in store.merges.list()],
        "history": {i: [(c.seq, c.field, c.new) for c in store.history.of(i)] for i in record_ids},
    }
