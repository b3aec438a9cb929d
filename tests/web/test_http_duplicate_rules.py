"""A store's duplicate rules over HTTP: alerts come back with the write, a block is a problem
naming the stored records; ``GET /duplicates`` lists the clusters. Memory, SQLite, PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from webkit import seed, snapshot, violations

import contactgraph as cg
from contactgraph.web import create_app

Client = TestClient[Any]
ALICE = {"last_name": "Martin", "first_name": "Alice", "email": "alice@acme.fr"}


def _open(kind: str, rule: str, request: pytest.FixtureRequest, tmp_path: Path) -> cg.Store:
    if kind == "memory":
        return cg.open_store(duplicates=rule)
    if kind == "sqlite":
        return cg.open_store(f"sqlite:///{tmp_path}/crm.db", duplicates=rule)
    url = request.getfixturevalue("postgres_url")
    return cg.open_store(url, tenant=f"t{uuid.uuid4().hex}", duplicates=rule)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def alerting(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Client, cg.Store]]:
    with _open(kind, "alert", request, tmp_path) as store, TestClient(create_app(store)) as client:
        yield client, store


@pytest.fixture
def blocking(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Client, cg.Store]]:
    with _open(kind, "block", request, tmp_path) as store, TestClient(create_app(store)) as client:
        yield client, store


def _candidates(alerts: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(a["code"], a["record_id"], c["id"]) for a in alerts for c in a["candidates"]}


def test_an_alert_comes_back_with_the_write_naming_the_stored_record(
    alerting: tuple[Client, cg.Store],
) -> None:
    client, _store = alerting
    crm = seed(client)
    made = client.post(f"/accounts/{crm.acme}/contacts", json=ALICE)
    assert made.status_code == 201
    twin = made.json()["id"]
    assert _candidates(made.json()["alerts"]) == {("duplicate.contact", twin, crm.alice)}
    assert made.json()["alerts"][0]["candidates"][0]["reasons"]
    stored = client.get(f"/contacts/{twin}").json()
    assert "alerts" not in stored  # the entity itself is never changed
    assert {k: v for k, v in made.json().items() if k != "alerts"} == stored

    plain = client.patch(f"/contacts/{crm.bob}", json={"title": "Chief Accountant"})
    assert "alerts" not in plain.json()
    bob2 = client.post(f"/accounts/{crm.globex}/contacts", json={"last_name": "Nguyen"}).json()
    changed = client.patch(f"/contacts/{bob2['id']}", json={"email": "alice@acme.fr"})
    assert changed.status_code == 200
    assert (("duplicate.contact", bob2["id"], crm.alice)) in _candidates(changed.json()["alerts"])


def test_account_writes_alert_too_and_a_move_answers_its_alerts(
    alerting: tuple[Client, cg.Store],
) -> None:
    client, _store = alerting
    crm = seed(client)
    again = client.post("/accounts", json={"name": "ACME SA", "industry": "Manufacturing"})
    assert again.status_code == 201
    assert ("duplicate.account", again.json()["id"], crm.acme) in _candidates(
        again.json()["alerts"]
    )
    renamed = client.patch(f"/accounts/{crm.globex}", json={"name": "ACME SA"})
    assert ("duplicate.account", crm.globex, crm.acme) in _candidates(renamed.json()["alerts"])
    twin = client.post(f"/accounts/{crm.globex}/contacts", json=ALICE)
    assert ("duplicate.contact", twin.json()["id"], crm.alice) in _candidates(twin.json()["alerts"])
    moved = client.post(f"/contacts/{twin.json()['id']}/move", json={"to_account": crm.acme})
    assert moved.status_code == 200
    # a moved contact is checked again in its new account
    assert ("duplicate.contact", twin.json()["id"], crm.alice) in _candidates(
        moved.json()["alerts"]
    )


def test_a_blocked_move_is_a_problem_naming_the_stored_record_and_writes_nothing(
    blocking: tuple[Client, cg.Store],
) -> None:
    client, store = blocking
    crm = seed(client)
    before_rules = cg.Store(store.backend, _owns_backend=False)  # a twin stored before the rule
    globex, twin = before_rules.accounts.get(crm.globex).add_contact(**ALICE)
    before_rules.accounts.save(globex)
    before = snapshot(store, crm.alice, twin.id)
    moved = client.post(f"/contacts/{twin.id}/move", json={"to_account": crm.acme})
    assert moved.status_code == 422, moved.text
    assert moved.json()["title"] == "Likely duplicate"
    assert [c["id"] for d in moved.json()["duplicates"] for c in d["candidates"]] == [crm.alice]
    assert snapshot(store, crm.alice, twin.id) == before
    assert client.get(f"/contacts/{twin.id}").json()["account_id"] == crm.globex


def test_a_block_is_a_problem_naming_the_stored_records_and_writes_nothing(
    blocking: tuple[Client, cg.Store],
) -> None:
    client, store = blocking
    crm = seed(client)
    before = snapshot(store, crm.alice, crm.bob)
    refused = client.post(f"/accounts/{crm.acme}/contacts", json=ALICE)
    assert refused.status_code == 422
    assert ("duplicate.contact", "id") in violations(refused)
    problem = refused.json()
    assert problem["title"] == "Likely duplicate"
    assert [c["id"] for d in problem["duplicates"] for c in d["candidates"]] == [crm.alice]
    assert crm.alice in problem["detail"]
    patched = client.patch(
        f"/contacts/{crm.bob}",
        json={"first_name": "Alice", "last_name": "Martin", "email": "alice@acme.fr"},
    )
    assert patched.status_code == 422
    assert [c["id"] for d in patched.json()["duplicates"] for c in d["candidates"]] == [crm.alice]
    account = client.post("/accounts", json={"name": "ACME SA"})
    assert account.status_code == 422
    assert [c["id"] for d in account.json()["duplicates"] for c in d["candidates"]] == [crm.acme]
    assert snapshot(store, crm.alice, crm.bob) == before


def test_an_allowing_store_answers_no_alerts(client: Client) -> None:
    crm = seed(client)
    made = client.post(f"/accounts/{crm.acme}/contacts", json=ALICE)
    assert made.status_code == 201
    assert "alerts" not in made.json()


def test_the_app_opens_its_store_with_the_rule_it_is_given(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/crm.db"
    with TestClient(create_app(url, duplicates="block")) as client:
        crm = seed(client)
        assert client.post(f"/accounts/{crm.acme}/contacts", json=ALICE).status_code == 422
    with cg.open_store() as store, pytest.raises(cg.InvalidValueError) as refused:
        create_app(store, duplicates="alert")
    assert refused.value.field == "duplicates"
    with pytest.raises(cg.InvalidValueError):
        create_app("memory://", duplicates="sometimes")


# --------------------------------------------------------------- GET /duplicates


def test_duplicates_lists_clusters_with_their_members(client: Client) -> None:
    crm = seed(client)
    twin = client.post(f"/accounts/{crm.acme}/contacts", json=ALICE).json()["id"]
    found = client.get("/duplicates")
    assert found.status_code == 200
    (cluster,) = found.json()["items"]
    assert set(cluster["ids"]) == {crm.alice, twin}
    assert {m["account"] for m in cluster["members"]} == {"ACME SA"}
    assert cluster["reasons"]
    assert 0 < cluster["score"] <= 1
    assert found.json()["next_cursor"] is None
    client.post("/accounts", json={"name": "ACME SA", "industry": "Manufacturing"})
    companies = client.get("/duplicates", params={"kind": "accounts", "threshold": 0.5}).json()
    assert crm.acme in {i for c in companies["items"] for i in c["ids"]}


def test_duplicates_come_in_pages(client: Client) -> None:
    crm = seed(client)
    for account in (crm.acme, crm.globex):
        for person in ("Alice Martin", "Linh Nguyen"):
            first, last = person.split()
            body = {"first_name": first, "last_name": last, "email": f"{first.lower()}@x.fr"}
            for _ in range(2):
                client.post(f"/accounts/{account}/contacts", json=body)
    whole = client.get("/duplicates").json()["items"]
    assert len(whole) >= 2
    first = client.get("/duplicates", params={"limit": 1}).json()
    assert first["items"] == whole[:1]
    rest = client.get("/duplicates", params={"limit": 200, "cursor": first["next_cursor"]}).json()
    assert rest["items"] == whole[1:]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "people"}, "kind"),
        ({"threshold": 0}, "threshold"),
        ({"threshold": 1.5}, "threshold"),
        ({"cursor": "abc"}, "cursor"),
    ],
)
def test_duplicates_refuses_bad_parameters_naming_them(
    client: Client, params: dict[str, Any], field: str
) -> None:
    refused = client.get("/duplicates", params=params)
    assert refused.status_code == 422
    assert field in {f for _code, f in violations(refused)}
