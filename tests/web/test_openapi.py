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
