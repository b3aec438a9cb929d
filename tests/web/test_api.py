"""The JSON API on every backend: resources, status codes, entity tags, problems."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from webkit import seed, violations

import contactgraph as cg
from contactgraph.serialization import structure

Client = TestClient[Any]


def test_create_answers_201_with_location_and_the_stored_account(client: Client) -> None:
    created = client.post("/accounts", json={"name": "ACME SA", "industry": "Manufacturing"})
    assert created.status_code == 201
    location = created.headers["location"]
    fetched = client.get(location)
    assert fetched.status_code == 200
    assert fetched.json() == created.json()
    assert fetched.headers["etag"] == created.headers["etag"]
    account = structure(fetched.json(), cg.Account)  # the documented JSON shape, read back
    assert account.name == "ACME SA"
    assert account.version == 1


def test_a_contact_is_born_with_a_last_name_and_completed_later(client: Client) -> None:
    crm = seed(client)
    made = client.post(f"/accounts/{crm.globex}/contacts", json={"last_name": "Nguyen"})
    assert made.status_code == 201
    contact_id = made.json()["id"]
    assert made.headers["location"] == f"/contacts/{contact_id}"
    assert made.json()["first_name"] is None
    done = client.patch(
        f"/contacts/{contact_id}",
        json={"first_name": "Linh", "email": "linh@globex.com", "phone": "+33 1 23 45 67 89"},
        headers={"If-Match": made.headers["etag"]},
    )
    assert done.status_code == 200, done.text
    assert done.json()["email"] == "linh@globex.com"
    assert done.json()["phone"] == "+33123456789"
    assert client.get(f"/contacts/{contact_id}").json() == done.json()
    account = client.get(f"/accounts/{crm.globex}").json()
    assert [c["last_name"] for c in account["contacts"]] == ["Nguyen"]


def test_a_contact_without_last_name_is_refused_naming_the_field(client: Client) -> None:
    crm = seed(client)
    refused = client.post(f"/accounts/{crm.acme}/contacts", json={"first_name": "Anon"})
    assert refused.status_code == 422
    assert [field for code, field in violations(refused) if code.endswith("required")] == [
        "last_name"
    ]


def test_every_invalid_value_is_listed_with_field_code_and_entity(client: Client) -> None:
    crm = seed(client)
    before = client.get(f"/contacts/{crm.alice}").json()
    refused = client.patch(f"/contacts/{crm.alice}", json={"email": "not-an-email", "phone": "abc"})
    assert refused.status_code == 422
    body = refused.json()
    assert body["status"] == 422
    assert body["title"]
    assert {v["field"] for v in body["violations"]} == {"email", "phone"}
    assert all(v["entity_id"] == crm.alice and v["code"] for v in body["violations"])
    assert client.get(f"/contacts/{crm.alice}").json() == before  # nothing changed


def test_unknown_fields_are_refused_not_a_server_error(client: Client) -> None:
    crm = seed(client)
    assert client.post("/accounts", json={"name": "X", "colour": "red"}).status_code == 422
    assert ("field.unknown", "colour") in violations(
        client.post("/opportunities", json={"name": "Deal", "account_id": crm.acme, "colour": 1})
    )
    assert client.patch(f"/contacts/{crm.bob}", json={"shoe_size": 44}).status_code == 422


def test_if_match_on_a_stale_tag_is_412_and_changes_nothing(client: Client) -> None:
    crm = seed(client)
    first = client.get(f"/contacts/{crm.bob}")
    client.patch(f"/contacts/{crm.bob}", json={"title": "Chief Accountant"})
    stale = client.patch(
        f"/contacts/{crm.bob}",
        json={"title": "Intern"},
        headers={"If-Match": first.headers["etag"]},
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert client.get(f"/contacts/{crm.bob}").json()["title"] == "Chief Accountant"


def test_a_contact_tag_does_not_move_when_a_sibling_changes(client: Client) -> None:
    crm = seed(client)
    alice_tag = client.get(f"/contacts/{crm.alice}").headers["etag"]
    account_tag = client.get(f"/accounts/{crm.acme}").headers["etag"]
    client.patch(f"/contacts/{crm.bob}", json={"department": "Finance"})
    assert client.get(f"/contacts/{crm.alice}").headers["etag"] == alice_tag
    assert client.get(f"/accounts/{crm.acme}").headers["etag"] != account_tag
    ok = client.patch(
        f"/contacts/{crm.alice}", json={"department": "Finance"}, headers={"If-Match": alice_tag}
    )
    assert ok.status_code == 200


def test_account_patch_and_delete_honour_if_match(client: Client) -> None:
    crm = seed(client)
    tag = client.get(f"/accounts/{crm.globex}").headers["etag"]
    renamed = client.patch(
        f"/accounts/{crm.globex}", json={"name": "Globex Corp"}, headers={"If-Match": tag}
    )
    assert renamed.status_code == 200
    assert renamed.headers["etag"] != tag
    assert client.delete(f"/accounts/{crm.globex}", headers={"If-Match": tag}).status_code == 412
    assert (
        client.delete(
            f"/accounts/{crm.globex}", headers={"If-Match": renamed.headers["etag"]}
        ).status_code
        == 204
    )
    gone = client.get(f"/accounts/{crm.globex}")
    assert gone.status_code == 404
    assert gone.headers["content-type"].startswith("application/problem+json")


def test_deactivation_blocks_campaigns_naming_the_account(client: Client) -> None:
    crm = seed(client)
    for contact in (crm.alice, crm.bob):
        assert client.post(f"/contacts/{contact}/deactivate").json()["active"] is False
    readiness = client.get(f"/accounts/{crm.acme}/readiness").json()
    assert readiness["actionable"] is False
    assert readiness["actions"]["campaign"]["reasons"][0]["code"] == "readiness.no_active_contact"
    refused = client.post("/campaigns", json={"account_ids": [crm.acme, crm.globex]})
    assert refused.status_code == 422
    named = {v["entity_id"] for v in refused.json()["violations"]}
    assert named == {crm.acme, crm.globex}
    client.post(f"/contacts/{crm.alice}/reactivate")
    ok = client.post("/campaigns", json={"account_ids": [crm.acme]})
    assert ok.status_code == 200
    assert [c["id"] for c in ok.json()["recipients"]] == [crm.alice]


def test_opportunity_with_roles_contract_and_follow_up(client: Client) -> None:
    crm = seed(client)
    deal = client.post(
        "/opportunities",
        json={
            "name": "ACME renewal",
            "account_id": crm.acme,
            "stage": "Prospecting",
            "close_date": "2027-03-31",
            "amount": "12000",
            "currency": "EUR",
        },
    )
    assert deal.status_code == 201, deal.text
    deal_id = deal.json()["id"]
    with_role = client.post(
        f"/opportunities/{deal_id}/contact-roles",
        json={"contact_id": crm.alice, "role": "Economic Buyer", "primary": True},
    )
    assert with_role.status_code == 200, with_role.text
    assert with_role.json()["contact_roles"] == [
        {"contact_id": crm.alice, "role": "Economic Buyer", "is_primary": True}
    ]
    assert [o["id"] for o in client.get(f"/opportunities?contact_id={crm.alice}").json()] == [
        deal_id
    ]
    contract = client.post(f"/opportunities/{deal_id}/send-contract")
    assert contract.status_code == 200
    assert crm.alice in [c["id"] for c in contract.json()["recipients"]]
    assert client.post(f"/opportunities/{deal_id}/follow-up").status_code == 200
    stale = client.delete(f"/opportunities/{deal_id}", headers={"If-Match": deal.headers["etag"]})
    assert stale.status_code == 412
    assert client.delete(f"/opportunities/{deal_id}").status_code == 204


def test_cases_and_relations(client: Client) -> None:
    crm = seed(client)
    case = client.post(
        "/cases", json={"subject": "Invoice error", "account_id": crm.acme, "contact_id": crm.bob}
    )
    assert case.status_code == 201, case.text
    assert client.get(case.headers["location"]).json()["subject"] == "Invoice error"
    assert [c["id"] for c in client.get(f"/cases?contact_id={crm.bob}").json()] == [
        case.json()["id"]
    ]
    relation = client.post(
        "/relations",
        json={
            "account_id": crm.globex,
            "contact_id": crm.alice,
            "roles": ["Influencer"],
            "start_date": "2026-01-01",
        },
    )
    assert relation.status_code == 201, relation.text
    assert [r["id"] for r in client.get(f"/relations?account_id={crm.globex}").json()] == [
        relation.json()["id"]
    ]
    referenced = client.delete(f"/accounts/{crm.acme}")
    assert referenced.status_code == 422  # the case still refers to it
    assert client.get(f"/accounts/{crm.acme}").status_code == 200


def test_move_a_contact_on_a_date(client: Client) -> None:
    crm = seed(client)
    moved = client.post(
        f"/contacts/{crm.bob}/move", json={"to_account": crm.globex, "on": "2027-01-01"}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["contact"]["account_id"] == crm.globex
    assert moved.json()["contact"]["reports_to"] is None  # the link to Alice is cut
    assert client.get(f"/contacts/{crm.bob}").json()["account_id"] == crm.globex
    history = client.get(f"/relations?contact_id={crm.bob}").json()
    assert any(r["account_id"] == crm.acme and r["end_date"] for r in history)
    bad = client.post(f"/contacts/{crm.bob}/move", json={"to_account": crm.acme, "on": "soon"})
    assert bad.status_code == 422


def test_org_chart_as_a_tree_and_as_text(client: Client) -> None:
    crm = seed(client)
    tree = client.get(f"/accounts/{crm.acme}/org-chart").json()
    assert [n["contact"]["id"] for n in tree] == [crm.alice]
    assert [n["contact"]["id"] for n in tree[0]["reports"]] == [crm.bob]
    mermaid = client.get(f"/accounts/{crm.acme}/org-chart?format=mermaid")
    assert mermaid.text.startswith("flowchart")
    assert "Bob Durand" in mermaid.text
    assert "->" in client.get(f"/accounts/{crm.acme}/org-chart?format=dot").text
    assert client.get(f"/accounts/{crm.acme}/org-chart?format=svg").status_code == 422


def test_hierarchy(client: Client) -> None:
    crm = seed(client)
    child = client.post("/accounts", json={"name": "ACME Lyon", "parent_id": crm.acme}).json()["id"]
    up = client.get(f"/accounts/{child}/hierarchy").json()
    assert [a["id"] for a in up["ancestors"]] == [crm.acme]
    down = client.get(f"/accounts/{crm.acme}/hierarchy").json()
    assert [c["account"]["id"] for c in down["tree"]["children"]] == [child]
    assert [a["id"] for a in client.get(f"/accounts?parent_id={crm.acme}").json()["items"]] == [
        child
    ]


def test_type_ahead_search(client: Client) -> None:
    crm = seed(client)
    found = client.get("/search?q=mart").json()
    assert [c["id"] for c in found["items"]] == [crm.alice]
    assert found["account_names"] == {crm.acme: "ACME SA"}
    assert found["more"] is False
    assert client.get("/search?q=zzz").json()["items"] == []
    client.post(f"/accounts/{crm.globex}/contacts", json={"last_name": "Martinez"})
    cut = client.get("/search?q=mart&limit=1").json()
    assert ([c["id"] for c in cut["items"]], cut["more"]) == ([crm.alice], True)


def test_keyset_pages_skip_and_repeat_nothing_while_rows_come_and_go(client: Client) -> None:
    ids = sorted(
        client.post("/accounts", json={"name": f"Account {i}"}).json()["id"] for i in range(9)
    )
    first = client.get("/accounts?limit=4").json()
    assert [a["id"] for a in first["items"]] == ids[:4]
    client.delete(f"/accounts/{ids[0]}")  # rows before the cursor vanish
    client.delete(f"/accounts/{ids[1]}")
    seen = [a["id"] for a in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get("/accounts", params={"limit": 4, "cursor": cursor}).json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
    assert seen == ids
    assert client.get("/accounts", params={"cursor": "garbage!"}).status_code == 422


def test_page_size_is_bounded(client: Client) -> None:
    assert client.get("/accounts?limit=100000").status_code == 400
    assert client.get("/accounts?limit=0").status_code == 400
    assert client.get("/contacts?limit=201").status_code == 400


def test_malformed_and_oversized_bodies(client: Client) -> None:
    malformed = client.post(
        "/accounts", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.headers["content-type"].startswith("application/problem+json")
    huge = client.post(
        "/accounts",
        content=b'{"name": "' + b"x" * 2_000_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert huge.status_code == 413
    assert client.get("/accounts/no-such-id").status_code == 404
    assert client.get("/contacts/no-such-id").status_code == 404


def test_find_contacts_by_filters(client: Client) -> None:
    crm = seed(client)
    assert [c["id"] for c in client.get("/contacts?email=alice@acme.fr").json()] == [crm.alice]
    assert [
        c["id"] for c in client.get(f"/contacts?account_id={crm.acme}&title=Accountant").json()
    ] == [crm.bob]


def test_a_write_that_keeps_losing_the_race_is_409(
    client: Client, web_store: cg.Store, monkeypatch: Any
) -> None:
    crm = seed(client)
    before = client.get(f"/contacts/{crm.bob}").json()

    def always_stale(account: cg.Account) -> cg.Account:
        raise cg.ConcurrencyError("Account", account.id, account.version, account.version + 1)

    monkeypatch.setattr(web_store.accounts, "save", always_stale)
    lost = client.patch(f"/contacts/{crm.bob}", json={"title": "Controller"})
    assert lost.status_code == 409
    assert lost.headers["content-type"].startswith("application/problem+json")
    monkeypatch.undo()
    assert client.get(f"/contacts/{crm.bob}").json() == before
