"""OpenAPI component schemas read off the JSON converter, not written by hand.

Each entity's schema lists the keys :func:`contactgraph.serialization.unstructure`
writes for a sample of it (every key is always present, see
docs/reference/json.md), so the document and the bodies cannot drift apart.
Values are left unconstrained here: the domain's parsers are the one place
that says what a valid email or stage is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Reference,
    RequestBody,
    Schema,
)
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType

import contactgraph as cg
from contactgraph.serialization import unstructure
from contactgraph.web.problems import PROBLEM_JSON

__all__ = ["add_problems", "components", "documented"]

_SERVER_KEYS = {"id", "account_id", "version", "created_at", "updated_at", "contacts"}


def _samples() -> dict[str, dict[str, Any]]:
    account = cg.Account.create(name="ACME SA")
    account, alice = account.add_contact(last_name="Martin")
    deal = cg.Opportunity.create(name="ACME renewal", account_id=account.id)
    case = cg.Case.create(subject="Invoice error", account_id=account.id)
    relation = cg.AccountContactRelation.create(account.id, alice.id, start_date=date(2027, 1, 1))
    violation = cg.Violation("code", "message")
    return {
        "Account": unstructure(account),
        "Contact": unstructure(alice),
        "Opportunity": unstructure(deal),
        "Case": unstructure(case),
        "Relation": unstructure(relation),
        "Violation": unstructure(violation),
    }


def _object(keys: list[str], *, required: bool = True, **extra: Any) -> Schema:
    props: dict[str, Schema | Reference] = {k: Schema() for k in keys}
    props.update(extra)
    return Schema(
        type=OpenAPIType.OBJECT,
        properties=props,
        required=sorted(props) if required else None,
    )


def _ref(name: str) -> Reference:
    return Reference(ref=f"#/components/schemas/{name}")


def _array(item: Schema | Reference) -> Schema:
    return Schema(type=OpenAPIType.ARRAY, items=item)


def components() -> dict[str, Schema]:
    """The named schemas: entities as the converter writes them, and the few web envelopes."""
    samples = _samples()
    schemas: dict[str, Schema] = {}
    for name, data in samples.items():
        keys = [k for k in data if k != "contacts"]
        extra: dict[str, Any] = {}
        if name == "Account":
            extra["contacts"] = _array(_ref("Contact"))
        schemas[name] = _object(keys, **extra)
    account_keys = [k for k in samples["Account"] if k != "contacts"]
    schemas["AccountSummary"] = _object(account_keys)
    editable = [k for k in samples["Contact"] if k not in _SERVER_KEYS]
    schemas["ContactFields"] = _object(editable, required=False)
    schemas["NewContact"] = Schema(
        type=OpenAPIType.OBJECT,
        properties={k: Schema() for k in editable},
        required=["last_name"],
    )
    schemas["AccountFields"] = _object(
        [k for k in account_keys if k not in _SERVER_KEYS], required=False
    )
    schemas["NewAccount"] = Schema(
        type=OpenAPIType.OBJECT,
        properties={k: Schema() for k in account_keys if k not in _SERVER_KEYS},
        required=["name"],
    )
    schemas["Problem"] = Schema(
        type=OpenAPIType.OBJECT,
        properties={
            "type": Schema(type=OpenAPIType.STRING),
            "title": Schema(type=OpenAPIType.STRING),
            "status": Schema(type=OpenAPIType.INTEGER),
            "detail": Schema(type=OpenAPIType.STRING),
            "violations": _array(_ref("Violation")),
            "rows": _array(Schema(type=OpenAPIType.OBJECT)),
        },
        required=["type", "title", "status"],
    )
    return schemas


def _content(schema: Schema | Reference, media_type: str = "application/json") -> dict[str, Any]:
    return {media_type: OpenAPIMediaType(schema=schema)}


def documented(
    returns: str | None = None,
    *,
    many: bool = False,
    page: bool = False,
    body: str | None = None,
    status: int = 200,
    text: tuple[str, ...] = (),
    upload: bool = False,
) -> type[Operation]:
    """An ``operation_class`` for a handler: its body and result as named schemas, problems as such.

    Handlers answer with the converter's plain dicts; this tells the OpenAPI
    document which named shape those dicts have. ``text`` lists other media
    types the operation may answer with (text, zip…), as opaque strings;
    ``upload`` declares a multipart body of files.
    """

    @dataclass
    class _Documented(Operation):
        def __post_init__(self) -> None:
            responses = dict(self.responses or {})
            schema: Schema | Reference = Schema()
            if returns is not None:
                schema = _ref(returns)
                if many:
                    schema = _array(schema)
                if page:
                    schema = Schema(
                        type=OpenAPIType.OBJECT,
                        properties={
                            "items": _array(_ref(returns)),
                            "next_cursor": Schema(
                                one_of=[
                                    Schema(type=OpenAPIType.STRING),
                                    Schema(type=OpenAPIType.NULL),
                                ]
                            ),
                        },
                        required=["items", "next_cursor"],
                    )
            content: dict[str, OpenAPIMediaType] = {}
            if returns is not None:
                content.update(_content(schema))
            for media_type in text:
                opaque = (
                    Schema()
                    if media_type == "application/json"
                    else Schema(type=OpenAPIType.STRING)
                )
                content.update(_content(opaque, media_type))
            if content:
                old = responses.get(str(status))
                description = getattr(old, "description", None) or "OK"
                headers = getattr(old, "headers", None)
                responses[str(status)] = OpenAPIResponse(
                    description=description, headers=headers, content=content
                )
            self.responses = responses
            if upload:
                files = Schema(
                    type=OpenAPIType.OBJECT,
                    properties={
                        "files": _array(
                            Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
                        )
                    },
                )
                self.request_body = RequestBody(
                    content=_content(files, "multipart/form-data"), required=True
                )
            if body is not None and self.request_body is not None:
                self.request_body = RequestBody(
                    content=_content(_ref(body)), required=True, description=body
                )

    return _Documented


_PROBLEMS = (
    ("400", "Malformed request or parameter"),
    ("404", "Not found"),
    ("422", "Invalid values: every violation listed"),
)


def add_problems(document: OpenAPI) -> None:
    """Every operation answers its errors as problem documents; say so in each one."""
    for item in (document.paths or {}).values():
        for method in ("get", "post", "patch", "delete", "put"):
            operation = getattr(item, method, None)
            if operation is None:
                continue
            responses = dict(operation.responses or {})
            for code, text in _PROBLEMS:
                responses[code] = OpenAPIResponse(
                    description=text, content=_content(_ref("Problem"), PROBLEM_JSON)
                )
            operation.responses = responses
