"""Merges and their undo, field history, personal data and forgetting, over HTTP, on every backend.

Each refusal is checked to leave the store as it was (``snapshot``).
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient
from webkit import Crm, seed, snapshot, violations

import contactgraph as cg

Client = TestClient[Any]


@pytest.fixture
def crm(client: Client) -> Crm:
    return seed(client)


def _twin(client: Client, crm: Crm, **fields: Any) -> str:
    """A second Alice Martin in ACME, with a title of her own."""
    body = {"last_name": "Martin", "first_name": "Alice", "email": "alice.m@gmail.com"}
    made = client.post(f"/accounts/{crm.acme}/contacts", json={**body, **fields})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


# ------------------------------------------------------------------- merges


def test_a_dry_run_answers_the_plan_and_writes_nothing(
    client: Client, crm: Crm, web_store: cg.Store
) -> None:
    twin = _twin(client, crm, title="Treasurer", phone="+33 1 23 45 67 89")
    before = snapshot(web_store, crm.alice, twin)
    planned = client.post(
        f"/contacts/{crm.alice}/merge", json={"loser_ids": [twin], "dry_run": True}
    )
    assert planned.status_code == 200, planned.text
    plan = planned.json()
    assert (plan["kind"], plan["survivor_id"], plan["loser_ids"]) == ("contacts", crm.alice, [twin])
    phone = next(f for f in plan["fields"] if f["field"] == "phone")
    assert (phone["value"], phone["source"], phone["how"]) == ("+33123456789", twin, "loser")
    assert snapshot(web_store, crm.alice, twin) == before


def test_a_contact_merge_is_a_record_that_can_be_read_and_undone(
    client: Client, crm: Crm, web_store: cg.Store
) -> None:
    twin = _twin(client, crm, title="Treasurer")
    case = client.post(
        "/cases", json={"subject": "Invoice error", "account_id": crm.acme, "contact_id": twin}
    ).json()["id"]
    merged = client.post(
        f"/contacts/{crm.alice}/merge",
        json={"loser_ids": [twin], "take": {"title": twin}, "actor": "jane@acme.fr"},
    )
    assert merged.status_code == 201, merged.text
    record = merged.json()
    assert merged.headers["location"] == f"/merges/{record['id']}"
    assert (record["survivor_id"], record["loser_ids"], record["actor"]) == (
        crm.alice,
        [twin],
        "jane@acme.fr",
    )
    assert client.get(f"/contacts/{twin}").status_code == 404
    alice = client.get(f"/contacts/{crm.alice}").json()
    assert alice["title"] == "Treasurer"
    assert "alice.m@gmail.com" in alice["alternate_emails"]
    assert client.get(f"/cases/{case}").json()["contact_id"] == crm.alice
    assert client.get(merged.headers["location"]).json() == record

    undone = client.post(f"/merges/{record['id']}/undo")
    assert undone.status_code == 200, undone.text
    assert undone.json()["unmerged_at"] is not None
    assert client.get(f"/contacts/{twin}").json()["title"] == "Treasurer"
    assert client.get(f"/contacts/{crm.alice}").json()["title"] == "CFO"
    assert client.get(f"/cases/{case}").json()["contact_id"] == twin
    assert client.get(f"/merges/{record['id']}").json()["unmerged_at"] is not None

    before = snapshot(web_store, crm.alice, twin)
    again = client.post(f"/merges/{record['id']}/undo")
    assert again.status_code == 422
    assert ("merge.undone", "id") in violations(again)
    assert snapshot(web_store, crm.alice, twin) == before


def test_an_account_merge_moves_contacts_and_deals_and_is_undone(
    client: Client, crm: Crm, web_store: cg.Store
) -> None:
    acme2 = client.post("/accounts", json={"name": "ACME S.A."}).json()["id"]
    nguyen = client.post(f"/accounts/{acme2}/contacts", json={"last_name": "Nguyen"}).json()["id"]
    deal = client.post("/opportunities", json={"name": "ACME renewal", "account_id": acme2})
    deal_id = deal.json()["id"]
    plan = client.post(f"/accounts/{crm.acme}/merge", json={"loser_ids": [acme2], "dry_run": True})
    assert plan.status_code == 200
    assert {(m["kind"], m["record_id"]) for m in plan.json()["moves"]} >= {
        ("contact", nguyen),
        ("opportunity", deal_id),
    }
    merged = client.post(f"/accounts/{crm.acme}/merge", json={"loser_ids": [acme2]})
    assert merged.status_code == 201, merged.text
    assert merged.json()["kind"] == "accounts"
    assert client.get(f"/accounts/{acme2}").status_code == 404
    assert client.get(f"/contacts/{nguyen}").json()["account_id"] == crm.acme
    assert client.get(f"/opportunities/{deal_id}").json()["account_id"] == crm.acme
    assert client.post(f"/merges/{merged.json()['id']}/undo").status_code == 200
    assert client.get(f"/contacts/{nguyen}").json()["account_id"] == acme2
    assert client.get(f"/opportunities/{deal_id}").json()["account_id"] == acme2


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({}, ("field.required", "loser_ids")),
        ({"loser_ids": "someone"}, ("loser_ids.invalid", "loser_ids")),
        ({"loser_ids": [1, 2]}, ("loser_ids.invalid", "loser_ids")),
        ({"loser_ids": ["x"], "dry_run": "yes"}, ("dry_run.invalid", "dry_run")),
        ({"loser_ids": ["x"], "take": ["title"]}, ("take.invalid", "take")),
        ({"loser_ids": ["x"], "colour": "red"}, ("field.unknown", "colour")),
        ({"loser_ids": []}, ("loser_ids.invalid", "loser_ids")),
    ],
)
def test_a_bad_merge_body_is_422_naming_the_field_and_changes_nothing(
    client: Client, crm: Crm, web_store: cg.Store, body: dict[str, Any], named: tuple[str, str]
) -> None:
    before = snapshot(web_store, crm.alice, crm.bob)
    refused = client.post(f"/contacts/{crm.alice}/merge", json=body)
    assert refused.status_code == 422, refused.text
    assert named in violations(refused)
    assert snapshot(web_store, crm.alice, crm.bob) == before


def test_merging_a_contact_into_itself_is_refused_naming_loser_ids(
    client: Client, crm: Crm, web_store: cg.Store
) -> None:
    before = snapshot(web_store, crm.alice)
    refused = client.post(f"/contacts/{crm.alice}/merge", json={"loser_ids": [crm.alice]})
    assert refused.status_code == 422
    assert "loser_ids" in {field for _code, field in violations(refused)}
    assert snapshot(web_store, crm.alice) == before


def test_a_chosen_value_the_merge_cannot_take_is_422_naming_it(
    client: Client, crm: Crm, web_store: cg.Store
) -> None:
    twin = _twin(client, crm)
    before = snapshot(web_store, crm.alice, twin)
    for take, field in [({"shoe_size": "44"}, "take"), ({"email": "not-an-email"}, "email")]:
        refused = client.post(
            f"/contacts/{crm.alice}/merge", json={"loser_ids": [twin], "take": take}
        )
        assert refused.status_code == 422, refused.text
        assert field in {f for _code, f in violations(refused)}
    assert snapshot(web_store, crm.alice, twin) == before


def test_unknown_survivors_in_merges_are_404_and_change_nothing(
    client: Client, crm: Crm, web_store: cg.Store
) -> None:
    before = snapshot(web_store, crm.alice, crm.bob)
    for path, body in [
        ("/contacts/nobody/merge", {"loser_ids": [crm.bob]}),
        ("/contacts/nobody/merge", {"loser_ids": ["nobody-else"]}),  # the resource first
        (f"/contacts/{crm.acme}/merge", {"loser_ids": [crm.bob]}),  # an account is no contact
        (f"/accounts/{crm.alice}/merge", {"loser_ids": [crm.globex]}),
        ("/merges/no-such-merge/undo", None),
    ]:
        answer = client.post(path, json=body)
        assert answer.status_code == 404, (path, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert client.get("/merges/no-such-merge").status_code == 404
    assert snapshot(web_store, crm.alice, crm.bob) == before


@pytest.mark.parametrize("dry_run", [False, True])
def test_an_unknown_loser_is_a_422_naming_the_field_and_the_id_and_changes_nothing(
    client: Client, crm: Crm, web_store: cg.Store, dry_run: bool
) -> None:
    twin = _twin(client, crm)
    before = snapshot(web_store, crm.alice, crm.bob, twin)
    for path, losers in [
        (f"/contacts/{crm.alice}/merge", [twin, "nobody"]),
        (f"/contacts/{crm.alice}/merge", [crm.globex]),  # an account is no contact
        (f"/accounts/{crm.acme}/merge", [crm.globex, "no-such-account"]),
        (f"/accounts/{crm.acme}/merge", [crm.bob]),  # a contact is no account
    ]:
        answer = client.post(path, json={"loser_ids": losers, "dry_run": dry_run})
        assert answer.status_code == 422, (path, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        [violation] = answer.json()["violations"]
        assert (violation["code"], violation["field"]) == ("loser_ids.not_found", "loser_ids")
        assert losers[-1] in answer.json()["detail"]
    assert snapshot(web_store, crm.alice, crm.bob, twin) == before


def test_a_merge_on_a_stale_tag_is_412_and_changes_nothing(
    client: Client, crm: Crm, web_store: cg.Store
) -> None:
    twin = _twin(client, crm)
    seen = client.get(f"/contacts/{crm.alice}").headers["etag"]
    client.patch(f"/contacts/{crm.alice}", json={"department": "Finance"})
    before = snapshot(web_store, crm.alice, twin)
    for dry_run in (True, False):
        stale = client.post(
            f"/contacts/{crm.alice}/merge",
            json={"loser_ids": [twin], "dry_run": dry_run},
            headers={"If-Match": seen},
        )
        assert stale.status_code == 412
    assert snapshot(web_store, crm.alice, twin) == before
    current = client.get(f"/contacts/{crm.alice}").headers["etag"]
    ok = client.post(
        f"/contacts/{crm.alice}/merge", json={"loser_ids": [twin]}, headers={"If-Match": current}
    )
    assert ok.status_code == 201


# ------------------------------------------------------------------ history


def test_a_contact_history_lists_each_change_and_one_field(client: Client, crm: Crm) -> None:
    client.patch(f"/contacts/{crm.bob}", json={"title": "Chief Accountant"})
    client.patch(f"/contacts/{crm.bob}", json={"department": "Finance"})
    everything = client.get(f"/contacts/{crm.bob}/history")
    assert everything.status_code == 200
    changes = everything.json()["items"]
    assert changes[0]["action"] == "created"
    assert {"last_name", "title"} <= {c["field"] for c in changes if c["action"] == "created"}
    titles = client.get(f"/contacts/{crm.bob}/history", params={"field": "title"}).json()
    updates = [(c["old"], c["new"]) for c in titles["items"] if c["action"] == "updated"]
    assert updates == [("Accountant", "Chief Accountant")]
    assert all(c["field"] in ("title", None) for c in titles["items"])


def test_history_comes_in_pages_that_join_up(client: Client, crm: Crm) -> None:
    for title in ("Clerk", "Accountant", "Chief Accountant"):
        client.patch(f"/contacts/{crm.bob}", json={"title": title})
    whole = client.get(f"/contacts/{crm.bob}/history").json()["items"]
    assert len(whole) > 4
    pages: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"/contacts/{crm.bob}/history", params=params).json()
        pages.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == whole


def test_an_account_history_and_a_merged_contact_history_stay_readable(
    client: Client, crm: Crm
) -> None:
    client.patch(f"/accounts/{crm.globex}", json={"name": "Globex Corp"})
    names = client.get(f"/accounts/{crm.globex}/history", params={"field": "name"}).json()
    assert [(c["old"], c["new"]) for c in names["items"] if c["action"] == "updated"] == [
        ("Globex", "Globex Corp")
    ]
    twin = _twin(client, crm)
    client.post(f"/contacts/{crm.alice}/merge", json={"loser_ids": [twin]})
    gone = client.get(f"/contacts/{twin}/history").json()["items"]
    assert gone[-1]["action"] == "deleted"


def test_history_refuses_unknown_ids_fields_and_cursors(
    client: Client, crm: Crm, web_store: cg.Store
) -> None:
    before = snapshot(web_store, crm.alice)
    assert client.get("/contacts/nobody/history").status_code == 404
    assert client.get("/accounts/nobody/history").status_code == 404
    assert client.get(f"/contacts/{crm.acme}/history").status_code == 404  # an account
    assert client.get(f"/accounts/{crm.alice}/history").status_code == 404  # a contact
    bad_field = client.get(f"/contacts/{crm.alice}/history", params={"field": "shoe_size"})
    assert bad_field.status_code == 422
    assert ("field.invalid", "field") in violations(bad_field)
    for cursor in ("nonsense", "eyJhZnRlciI6IsKyIn0"):  # the second says {"after": "²"}
        bad_cursor = client.get(f"/contacts/{crm.alice}/history", params={"cursor": cursor})
        assert bad_cursor.status_code == 422
        assert ("cursor.invalid", "cursor") in violations(bad_cursor)
    assert snapshot(web_store, crm.alice) == before


# ------------------------------------------------------------------ privacy


def test_personal_data_hands_over_everything_held_about_a_person(client: Client, crm: Crm) -> None:
    client.post(
        "/cases", json={"subject": "Invoice error", "account_id": crm.acme, "contact_id": crm.alice}
    )
    export = client.get(f"/contacts/{crm.alice}/personal-data")
    assert export.status_code == 200
    document = export.json()
    assert document["contact"]["email"] == "alice@acme.fr"
    assert document["account"] == {"id": crm.acme, "name": "ACME SA"}
    assert [r["id"] for r in document["reports"]] == [crm.bob]
    assert [c["subject"] for c in document["cases"]] == ["Invoice error"]
    assert document["history"]
    assert client.get("/contacts/nobody/personal-data").status_code == 404


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({}, ("field.required", "confirm")),
        ({"confirm": False}, ("confirm.invalid", "confirm")),
        ({"confirm": "yes"}, ("confirm.invalid", "confirm")),
        ({"confirm": True, "why": "asked"}, ("field.unknown", "why")),
        ({"confirm": True, "actor": 7}, ("actor.invalid", "actor")),
    ],
)
def test_forget_needs_an_explicit_confirmation_and_changes_nothing_without(
    client: Client, crm: Crm, web_store: cg.Store, body: dict[str, Any], named: tuple[str, str]
) -> None:
    before = snapshot(web_store, crm.alice)
    refused = client.post(f"/contacts/{crm.alice}/forget", json=body)
    assert refused.status_code == 422
    assert named in violations(refused)
    assert snapshot(web_store, crm.alice) == before


def test_forget_erases_the_person_and_keeps_a_placeholder(
    client: Client, crm: Crm, web_store: cg.Store
) -> None:
    assert client.post("/contacts/nobody/forget", json={"confirm": True}).status_code == 404
    seen = client.get(f"/contacts/{crm.alice}").headers["etag"]
    client.patch(f"/contacts/{crm.alice}", json={"department": "Finance"})
    before = snapshot(web_store, crm.alice)
    stale = client.post(
        f"/contacts/{crm.alice}/forget", json={"confirm": True}, headers={"If-Match": seen}
    )
    assert stale.status_code == 412
    assert snapshot(web_store, crm.alice) == before
    current = client.get(f"/contacts/{crm.alice}").headers["etag"]
    done = client.post(
        f"/contacts/{crm.alice}/forget",
        json={"confirm": True, "actor": "dpo@acme.fr"},
        headers={"If-Match": current},
    )
    assert done.status_code == 200, done.text
    assert {"first_name", "email"} <= set(done.json()["fields"])
    placeholder = client.get(f"/contacts/{crm.alice}").json()
    assert (placeholder["email"], placeholder["first_name"], placeholder["active"]) == (
        None,
        None,
        False,
    )
    history = client.get(f"/contacts/{crm.alice}/history").json()["items"]
    assert history[-1]["action"] == "forgotten"
    assert "alice@acme.fr" not in client.get(f"/contacts/{crm.alice}/personal-data").text


# --------------------------------------------------------------- call lists


def test_a_call_list_never_holds_who_asked_not_to_be_called(client: Client, crm: Crm) -> None:
    client.patch(f"/contacts/{crm.alice}", json={"phone": "+33 1 23 45 67 89"})
    client.patch(f"/contacts/{crm.bob}", json={"phone": "+33 1 98 76 54 32", "do_not_call": True})
    listed = client.post("/call-list", json={"account_ids": [crm.acme]})
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert [c["id"] for c in body["recipients"]] == [crm.alice]
    assert body["numbers"] == [{"contact_id": crm.alice, "number": "+33123456789"}]
    assert [s["contact_id"] for s in body["skipped"]] == [crm.bob]
    by_contact = client.post("/call-list", json={"contact_ids": [crm.bob]}).json()
    assert by_contact["recipients"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"account_ids": "ACME"}, "account_ids"),
        ({"contact_ids": [1]}, "contact_ids"),
        ({"accounts": []}, "accounts"),
    ],
)
def test_a_bad_call_list_body_is_422_naming_the_field(
    client: Client, crm: Crm, body: dict[str, Any], field: str
) -> None:
    refused = client.post("/call-list", json=body)
    assert refused.status_code == 422
    assert field in {f for _code, f in violations(refused)}


def test_a_call_list_names_every_unknown_target_and_changes_nothing(
    client: Client, crm: Crm, web_store: cg.Store
) -> None:
    before = snapshot(web_store)
    refused = client.post("/call-list", json={"account_ids": [crm.acme, "nowhere"]})
    assert refused.status_code == 422
    assert {v["entity_id"] for v in refused.json()["violations"]} == {"nowhere"}
    assert client.post("/call-list", json={}).status_code == 422  # no target
    assert snapshot(web_store) == before


def test_another_tenant_reaches_none_of_it(client: Client, crm: Crm, web_store: cg.Store) -> None:
    twin = _twin(client, crm)
    merge = client.post(f"/contacts/{crm.alice}/merge", json={"loser_ids": [twin]}).json()["id"]
    before = snapshot(web_store, crm.alice, crm.bob, twin)
    other = {"X-Tenant": "globex-corp"}
    for method, path, body in [
        ("GET", f"/merges/{merge}", None),
        ("POST", f"/merges/{merge}/undo", None),
        ("GET", f"/contacts/{crm.alice}/history", None),
        ("GET", f"/contacts/{twin}/history", None),  # a merged contact's, kept in history only
        ("GET", f"/accounts/{crm.acme}/history", None),
        ("GET", f"/contacts/{crm.alice}/personal-data", None),
        ("POST", f"/contacts/{crm.bob}/forget", {"confirm": True}),
        ("POST", f"/contacts/{crm.bob}/merge", {"loser_ids": [crm.alice]}),
    ]:
        answer = client.request(method, path, json=body, headers=other)
        assert answer.status_code == 404, (method, path, answer.text)
    assert client.get("/duplicates", headers=other).json()["items"] == []
    refused = client.post("/call-list", json={"account_ids": [crm.acme]}, headers=other)
    assert refused.status_code == 422
    assert snapshot(web_store, crm.alice, crm.bob, twin) == before
