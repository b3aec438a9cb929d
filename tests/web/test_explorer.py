"""The explorer: cards link every name, forms change data, user text is escaped."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient
from webkit import seed

Client = TestClient[Any]


def _links(html: str) -> dict[str, str]:
    return {text: href for href, text in re.findall(r'<a[^>]* href="([^"]+)">([^<]+)</a>', html)}


def test_search_account_contact_manager_and_back_in_single_clicks(client: Client) -> None:
    crm = seed(client)
    search = client.get("/", params={"q": "durand"})
    assert search.status_code == 200
    assert search.headers["content-type"].startswith("text/html")
    bob_card = client.get(_links(search.text)["Bob Durand"])
    assert "<h1>Bob Durand</h1>" in bob_card.text
    alice_card = client.get(_links(bob_card.text)["Alice Martin"])  # the manager
    assert "<h1>Alice Martin</h1>" in alice_card.text
    assert "Bob Durand" in alice_card.text  # her direct report
    account_card = client.get(_links(alice_card.text)["ACME SA"])
    assert account_card.status_code == 200
    assert f"/ui/contacts/{crm.alice}" in account_card.text
    assert f"/ui/contacts/{crm.bob}" in account_card.text
    assert "Economic Buyer" in account_card.text  # decision makers


def test_readiness_banner_on_an_account_without_active_contact(client: Client) -> None:
    crm = seed(client)
    globex = client.get(f"/ui/accounts/{crm.globex}").text
    assert 'class="banner"' in globex
    assert "campaign blocked" in globex
    acme = client.get(f"/ui/accounts/{crm.acme}").text
    assert 'class="banner"' not in acme


def test_forms_add_complete_and_deactivate_a_contact(client: Client) -> None:
    crm = seed(client)
    added = client.post(
        f"/ui/accounts/{crm.globex}/contacts", data={"last_name": "Nguyen"}, follow_redirects=False
    )
    assert added.status_code == 303
    card = client.get(added.headers["location"]).text
    contact_path = _links(card)["Nguyen"]
    completed = client.post(
        contact_path,
        data={"first_name": "Linh", "title": "Buyer", "email": "linh@globex.com", "phone": ""},
    )
    assert completed.status_code == 200
    assert "<h1>Linh Nguyen</h1>" in completed.text
    deactivated = client.post(f"{contact_path}/deactivate")
    assert "inactive" in deactivated.text
    assert "Reactivate" in deactivated.text
    account = client.get(f"/accounts/{crm.globex}").json()
    assert [(c["first_name"], c["active"]) for c in account["contacts"]] == [("Linh", False)]


def test_a_refused_form_says_why_and_changes_nothing(client: Client) -> None:
    crm = seed(client)
    refused = client.post(f"/ui/contacts/{crm.bob}", data={"email": "not-an-email"})
    assert refused.status_code == 422
    assert "email" in refused.text
    assert client.get(f"/contacts/{crm.bob}").json()["email"] is None
    assert (
        client.post(f"/ui/accounts/{crm.acme}/contacts", data={"last_name": " "}).status_code == 422
    )
    assert client.get("/ui/contacts/nobody").status_code == 404


def test_user_text_is_escaped_everywhere(client: Client) -> None:
    hostile = '<script>alert("x")</script>'
    account_id = client.post("/accounts", json={"name": f"Evil {hostile} Corp"}).json()["id"]
    contact = client.post(
        f"/accounts/{account_id}/contacts", json={"last_name": "O'Hara", "title": hostile}
    )
    assert contact.status_code == 201, contact.text
    for path in (
        f"/ui/accounts/{account_id}",
        f"/ui/contacts/{contact.json()['id']}",
        "/?q=" + hostile,
    ):
        html = client.get(path).text
        assert "<script>" not in html
        assert "&lt;script&gt;" in html
    assert "O&#x27;Hara" in client.get(f"/ui/accounts/{account_id}").text


def test_the_page_fetches_nothing_from_elsewhere(client: Client) -> None:
    seed(client)
    html = client.get("/").text
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html


def test_a_form_posted_from_another_site_is_refused_and_changes_nothing(client: Client) -> None:
    crm = seed(client)
    before = client.get(f"/accounts/{crm.globex}").json()
    for sender in ({"origin": "https://evil.example"}, {"referer": "https://evil.example/x"},
                   {"origin": "null"}):  # fmt: skip
        forged = client.post(
            f"/ui/accounts/{crm.globex}/contacts", data={"last_name": "Mallory"}, headers=sender
        )
        assert forged.status_code == 403
    assert client.get(f"/accounts/{crm.globex}").json() == before
    own = client.post(
        f"/ui/accounts/{crm.globex}/contacts",
        data={"last_name": "Nguyen"},
        headers={"origin": str(client.base_url).rstrip("/")},
        follow_redirects=False,
    )
    assert own.status_code == 303


def test_the_contact_card_shows_its_history_newest_first_escaped(client: Client) -> None:
    crm = seed(client)
    client.patch(f"/contacts/{crm.bob}", json={"title": "Chief Accountant"})
    client.patch(f"/contacts/{crm.bob}", json={"department": "<b>Finance</b>"})
    card = client.get(f"/ui/contacts/{crm.bob}").text
    history = card.split("<h2>History</h2>", 1)[1]
    assert history.index("&lt;b&gt;Finance&lt;/b&gt;") < history.index("Chief Accountant")
    assert "<td>Accountant</td><td>Chief Accountant</td>" in history
    assert "<b>Finance</b>" not in card
    assert "created" in history
