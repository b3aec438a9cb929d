"""The OpenAPI 3.1 document: valid for a third-party validator, true to the bodies, and fuzzed."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from litestar.testing import TestClient
from openapi_spec_validator import validate

import contactgraph as cg
from contactgraph.serialization import unstructure
from contactgraph.web import create_app


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    with TestClient(create_app(cg.open_store())) as client:
        response = client.get("/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on any error


def test_every_operation_is_documented_with_problems(document: dict[str, Any]) -> None:
    operations = [(p, m, op) for p, item in document["paths"].items() for m, op in item.items()]
    assert len(operations) >= 30
    for path, method, op in operations:
        assert op.get("summary") or op.get("description"), (path, method)
        for code in ("400", "404", "422"):
            problem = op["responses"][code]["content"]["application/problem+json"]["schema"]
            assert problem == {"$ref": "#/components/schemas/Problem"}, (path, method, code)


def test_entity_schemas_list_exactly_the_keys_the_converter_writes(
    document: dict[str, Any],
) -> None:
    schemas = document["components"]["schemas"]
    account = cg.Account.create(name="ACME SA")
    account, alice = account.add_contact(last_name="Martin")
    assert set(schemas["Account"]["properties"]) == set(unstructure(account))
    assert set(schemas["Contact"]["required"]) == set(unstructure(alice))
    assert "contacts" not in schemas["AccountSummary"]["properties"]
    assert schemas["NewContact"]["required"] == ["last_name"]


RECORD_OPERATIONS = {
    ("/duplicates", "get"): (None, "DuplicateCluster"),
    ("/contacts/{contact_id}/merge", "post"): ("MergeRequest", "MergeRecord"),
    ("/accounts/{account_id}/merge", "post"): ("MergeRequest", "MergeRecord"),
    ("/merges/{merge_id}", "get"): (None, "MergeRecord"),
    ("/merges/{merge_id}/undo", "post"): (None, "MergeRecord"),
    ("/contacts/{contact_id}/history", "get"): (None, "HistoryChange"),
    ("/accounts/{account_id}/history", "get"): (None, "HistoryChange"),
    ("/contacts/{contact_id}/personal-data", "get"): (None, "PersonalData"),
    ("/contacts/{contact_id}/forget", "post"): ("ForgetRequest", "Forgotten"),
    ("/call-list", "post"): ("CallListRequest", "CallList"),
}


def _refs(schema: Any) -> set[str]:
    """Every component a schema refers to, however nested."""
    if isinstance(schema, dict):
        found = {schema["$ref"].rsplit("/", 1)[1]} if "$ref" in schema else set()
        return found.union(*(_refs(v) for v in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_refs(v) for v in schema))
    return set()


@pytest.mark.parametrize(("path", "method"), sorted(RECORD_OPERATIONS))
def test_merges_history_privacy_duplicates_and_call_lists_are_documented(
    document: dict[str, Any], path: str, method: str
) -> None:
    body, answer = RECORD_OPERATIONS[(path, method)]
    operation = document["paths"][path][method]
    assert operation["description"]
    ok = "201" if "merge" in path and path.endswith("/merge") else "200"
    assert answer in _refs(operation["responses"][ok]), operation["responses"]
    if body is not None:
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{body}"}
    if path.endswith("/merge"):
        assert "MergePlan" in _refs(operation["responses"]["200"])  # the dry run's answer


def test_writes_document_their_alerts_and_problems_their_duplicates(
    document: dict[str, Any],
) -> None:
    schemas = document["components"]["schemas"]
    for path, method, status in [
        ("/accounts", "post", "201"),
        ("/accounts/{account_id}", "patch", "200"),
        ("/accounts/{account_id}/contacts", "post", "201"),
        ("/contacts/{contact_id}", "patch", "200"),
    ]:
        answer = document["paths"][path][method]["responses"][status]
        assert "Alert" in _refs(answer), (path, method)
    assert schemas["Problem"]["properties"]["duplicates"]["items"] == {
        "$ref": "#/components/schemas/Alert"
    }
    assert set(schemas["Alert"]["required"]) == {
        "code",
        "kind",
        "record_id",
        "label",
        "message",
        "candidates",
    }


def test_record_schemas_list_exactly_the_keys_the_answers_carry(
    document: dict[str, Any],
) -> None:
    """Read off live answers, so the documented shapes cannot drift from the handlers."""
    schemas = document["components"]["schemas"]
    with TestClient(create_app(cg.open_store())) as client:
        acme = client.post("/accounts", json={"name": "ACME SA"}).json()["id"]
        people = [
            client.post(
                f"/accounts/{acme}/contacts",
                json={"last_name": "Martin", "first_name": "Alice", "phone": "+33123456789"},
            ).json()["id"]
            for _ in range(2)
        ]
        answers = {
            "MergePlan": client.post(
                f"/contacts/{people[0]}/merge", json={"loser_ids": people[1:], "dry_run": True}
            ).json(),
            "DuplicateCluster": client.get("/duplicates").json()["items"][0],
            "HistoryChange": client.get(f"/contacts/{people[0]}/history").json()["items"][0],
            "PersonalData": client.get(f"/contacts/{people[0]}/personal-data").json(),
            "CallList": client.post("/call-list", json={"account_ids": [acme]}).json(),
            "MergeRecord": client.post(
                f"/contacts/{people[0]}/merge", json={"loser_ids": people[1:]}
            ).json(),
            "Forgotten": client.post(
                f"/contacts/{people[0]}/forget", json={"confirm": True}
            ).json(),
        }
    answers["FieldChoice"] = answers["MergePlan"]["fields"][0]
    for name, answer in answers.items():
        assert set(schemas[name]["properties"]) == set(answer), name
        assert set(schemas[name]["required"]) == set(answer), name


def test_the_design_address_serves_the_document() -> None:
    with TestClient(create_app(cg.open_store())) as client:
        assert client.get("/openapi.json").json() == client.get("/schema/openapi.json").json()


schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
)


def _seeded_app() -> Any:
    store = cg.open_store()
    acme = cg.Account.create(name="ACME SA")
    acme, alice = acme.add_contact(last_name="Martin", first_name="Alice", email="alice@acme.fr")
    acme, _bob = acme.add_contact(last_name="Durand", reports_to=alice.id)
    store.accounts.add(acme)
    store.accounts.add(cg.Account.create(name="Globex"))
    return create_app(store)


fuzzed = schemathesis.openapi.from_asgi("/openapi.json", _seeded_app())


@fuzzed.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_fuzzing_every_operation_finds_no_server_error(case: Any) -> None:
    case.call_and_validate(
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance]
    )


def test_building_the_document_never_writes_to_the_default_store(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The schemas' samples are made in a private memory store, not in $CONTACTGRAPH_STORE_URL."""
    from contactgraph.web import schemas

    url = f"sqlite:///{tmp_path}/users.db"
    monkeypatch.setenv("CONTACTGRAPH_STORE_URL", url)
    schemas._record_samples.cache_clear()
    with cg.open_store(url) as store:
        with TestClient(create_app(store)) as client:
            assert client.get("/openapi.json").status_code == 200
        assert store.accounts.count() == 0
