"""Tenants and access: a resolver picks the tenant; with auth, no credentials -> 401, no repository."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

import contactgraph as cg
from contactgraph.web import bearer_tokens, create_app, header_tenant


def test_the_x_tenant_header_keeps_tenants_apart(web_store: cg.Store) -> None:
    with TestClient(create_app(web_store)) as client:
        made = client.post("/accounts", json={"name": "ACME SA"}, headers={"X-Tenant": "acme"})
        assert made.status_code == 201
        account_id = made.json()["id"]
        assert (
            client.get(f"/accounts/{account_id}", headers={"X-Tenant": "acme"}).status_code == 200
        )
        assert (
            client.get(f"/accounts/{account_id}", headers={"X-Tenant": "globex"}).status_code == 404
        )
        assert client.get(f"/accounts/{account_id}").status_code == 404  # the store's own tenant
        assert client.get("/accounts", headers={"X-Tenant": "globex"}).json()["items"] == []
        assert client.get("/search?q=acme", headers={"X-Tenant": "globex"}).json()["items"] == []


def test_a_custom_resolver_is_used(web_store: cg.Store) -> None:
    app = create_app(web_store, tenant_resolver=header_tenant("X-Org"))
    with TestClient(app) as client:
        account_id = client.post(
            "/accounts", json={"name": "Initech"}, headers={"X-Org": "initech"}
        ).json()["id"]
        assert (
            client.get(f"/accounts/{account_id}", headers={"X-Org": "initech"}).status_code == 200
        )
        assert (
            client.get(f"/accounts/{account_id}", headers={"X-Tenant": "initech"}).status_code
            == 404
        )


class _Spy:
    """Counts every attribute read on the store's repositories and tenant views."""

    def __init__(self, store: cg.Store, monkeypatch: pytest.MonkeyPatch) -> None:
        self.touched: list[str] = []
        real_for_tenant = store.for_tenant

        def for_tenant(tenant: str) -> cg.Store:
            self.touched.append(f"for_tenant({tenant})")
            return real_for_tenant(tenant)

        monkeypatch.setattr(store, "for_tenant", for_tenant)
        for name in ("accounts", "opportunities", "cases", "relations"):
            monkeypatch.setattr(store, name, _Recorder(getattr(store, name), name, self.touched))


class _Recorder:
    def __init__(self, inner: Any, name: str, log: list[str]) -> None:
        self._inner, self._name, self._log = inner, name, log

    def __getattr__(self, attr: str) -> Any:
        self._log.append(f"{self._name}.{attr}")
        return getattr(self._inner, attr)


TOKENS = {"token-acme": "acme", "token-globex": "globex"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic dG9rZW4tYWNtZQ=="},
        {"X-Tenant": "acme"},
    ],
    ids=["none", "unknown-token", "wrong-scheme", "tenant-header-only"],
)
def test_without_valid_credentials_401_and_no_repository_is_reached(
    web_store: cg.Store, monkeypatch: pytest.MonkeyPatch, headers: dict[str, str]
) -> None:
    spy = _Spy(web_store, monkeypatch)
    with TestClient(create_app(web_store, auth=bearer_tokens(TOKENS))) as client:
        for method, path in [
            ("get", "/accounts"),
            ("post", "/accounts"),
            ("get", "/"),
            ("get", "/search?q=a"),
        ]:
            response = client.request(
                method, path, headers=headers, json={"name": "X"} if method == "post" else None
            )
            assert response.status_code == 401, (method, path)
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert response.headers["content-type"].startswith("application/problem+json")
    assert spy.touched == []


def test_bearer_tokens_map_to_their_tenant_only(
    web_store: cg.Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = _Spy(web_store, monkeypatch)
    with TestClient(create_app(web_store, auth=bearer_tokens(TOKENS))) as client:
        acme = {"Authorization": "Bearer token-acme"}
        globex = {"Authorization": "Bearer token-globex"}
        account_id = client.post("/accounts", json={"name": "ACME SA"}, headers=acme).json()["id"]
        assert client.get(f"/accounts/{account_id}", headers=acme).status_code == 200
        assert client.get(f"/accounts/{account_id}", headers=globex).status_code == 404
        # the development header cannot cross tenants once auth is on
        crossing = {**globex, "X-Tenant": "acme"}
        assert client.get(f"/accounts/{account_id}", headers=crossing).status_code == 404
    assert "for_tenant(acme)" in spy.touched


def test_the_openapi_document_declares_tenant_header_or_bearer_security(
    web_store: cg.Store,
) -> None:
    with TestClient(create_app(web_store)) as client:
        doc = client.get("/openapi.json").json()
    params = doc["paths"]["/accounts"]["get"]["parameters"]
    assert any(p["in"] == "header" and p["name"] == "X-Tenant" for p in params)
    with TestClient(create_app(web_store, auth=bearer_tokens(TOKENS))) as client:
        secured = client.get("/openapi.json").json()
    assert secured["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert secured["security"] == [{"bearer": []}]


def test_cors_is_configurable(web_store: cg.Store) -> None:
    with TestClient(create_app(web_store, cors=["https://app.example.com"])) as client:
        preflight = client.options(
            "/accounts",
            headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "PATCH"},
        )
        assert preflight.headers["access-control-allow-origin"] == "https://app.example.com"
    with TestClient(create_app(web_store)) as client:
        plain = client.get("/accounts", headers={"Origin": "https://app.example.com"})
        assert "access-control-allow-origin" not in plain.headers


def test_a_malformed_tenant_name_is_400_not_a_server_error(web_store: cg.Store) -> None:
    with TestClient(create_app(web_store)) as client:
        refused = client.get("/accounts", headers={"X-Tenant": "x" * 300})
        assert refused.status_code == 400
        assert "tenant" in refused.json()["detail"]


def test_an_app_opened_from_a_url_closes_its_store_at_shutdown(tmp_path: Any) -> None:
    app = create_app(f"sqlite:///{tmp_path}/crm.db")
    with TestClient(app) as client:
        assert client.post("/accounts", json={"name": "ACME SA"}).status_code == 201
    store = app.state["stores"].base
    assert store.closed
    with cg.open_store(f"sqlite:///{tmp_path}/crm.db") as reopened:
        assert [a.name for a in reopened.accounts.list()] == ["ACME SA"]
