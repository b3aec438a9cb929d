"""OpenAPI component schemas read off the JSON converter, not written by hand.

Each entity's schema lists the keys :func:`contactgraph.serialization.unstructure`
writes for a sample of it (every key is always present, see
docs/reference/json.md), so the document and the bodies cannot drift apart.
Values are left unconstrained here: the domain's parsers are the one place
that says what a valid email or stage is.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime
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
from contactgraph.merging import FieldChoice, MergePlan, MergeRecord, Move
from contactgraph.privacy import Forgotten
from contactgraph.repos.history import Change
from contactgraph.rules import DuplicateCandidate, DuplicateWarning
from contactgraph.serialization import unstructure
from contactgraph.web.alerts import alert_view
from contactgraph.web.problems import PROBLEM_JSON
from contactgraph.web.views import change_view, forgotten_view

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


@functools.cache
def _record_samples() -> dict[str, dict[str, Any]]:
    """The documents of merges, history, forgets and alerts, from samples (read once)."""
    when = datetime(2027, 1, 1, tzinfo=UTC)
    choice = FieldChoice("email", "alice@acme.fr", "c2", "loser", None)
    move = Move("case", "k1", "c2", "c1")
    plan = MergePlan("contacts", "c1", ("c2",), (choice,), (move,))
    record = MergeRecord(
        id="m1", kind="contacts", survivor_id="c1", loser_ids=("c2",), merged_at=when
    )
    change = Change("c1", "contact", "updated", "email", None, "alice@acme.fr", when, None, 2)
    done = Forgotten("c1", ("email",), 1, 0, 0, 0, 0, {}, True)
    alert = DuplicateWarning("contact", "c2", "Alice Martin", (DuplicateCandidate("c1", "A", 1),))
    with cg.open_store("memory://") as store:  # never the default store: it may be the user's
        account, alice = cg.Account.create(name="ACME SA").add_contact(last_name="Martin")
        store.accounts.add(account)
        personal = store.personal_data(alice.id)
    return {
        "MergePlan": plan.to_dict(),
        "FieldChoice": choice.to_dict(),
        "Move": move.to_dict(),
        "MergeRecord": record.to_dict(),
        "HistoryChange": change_view(change),
        "Forgotten": forgotten_view(done),
        "PersonalData": personal,
        "Alert": alert_view(alert),
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
            "duplicates": _array(_ref("Alert")),
        },
        required=["type", "title", "status"],
    )
    schemas.update(_record_schemas())
    return schemas


def _record_schemas() -> dict[str, Schema]:
    """Merges, history, duplicates, privacy and call lists: answers and action bodies."""
    samples = _record_samples()
    nested: dict[str, dict[str, Any]] = {
        "MergePlan": {"fields": _array(_ref("FieldChoice")), "moves": _array(_ref("Move"))},
        "MergeRecord": {"plan": Schema(type=OpenAPIType.OBJECT)},
        "Alert": {"candidates": _array(_ref("DuplicateCandidate"))},
    }
    schemas = {
        name: _object([k for k in data if k not in nested.get(name, {})], **nested.get(name, {}))
        for name, data in samples.items()
    }
    text, flag, ids = (
        Schema(type=OpenAPIType.STRING),
        Schema(type=OpenAPIType.BOOLEAN),
        _array(Schema(type=OpenAPIType.STRING)),
    )
    optional_text = Schema(one_of=[text, Schema(type=OpenAPIType.NULL)])
    schemas["DuplicateCandidate"] = _object(["id", "label", "score", "reasons"])
    schemas["DuplicateCluster"] = _object(
        ["score"],
        ids=ids,
        reasons=_array(_object(["field", "level", "weight"])),
        members=_array(Schema(type=OpenAPIType.OBJECT, required=["id", "name"])),
    )
    schemas["MergeRequest"] = Schema(
        type=OpenAPIType.OBJECT,
        properties={
            "loser_ids": ids,
            "take": Schema(
                type=OpenAPIType.OBJECT, description="field -> a loser's id, or the value"
            ),
            "dry_run": flag,
            "actor": optional_text,
        },
        required=["loser_ids"],
    )
    schemas["ForgetRequest"] = Schema(
        type=OpenAPIType.OBJECT,
        properties={"confirm": flag, "actor": optional_text},
        required=["confirm"],
    )
    schemas["CallListRequest"] = Schema(
        type=OpenAPIType.OBJECT, properties={"account_ids": ids, "contact_ids": ids}
    )
    schemas["CallList"] = _object(
        ["action"],
        recipients=_array(_ref("Contact")),
        numbers=_array(_object(["contact_id", "number"])),
        skipped=_array(_object(["contact_id", "reason"])),
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
    alerts: bool = False,
    also: tuple[tuple[int, str], ...] = (),
) -> type[Operation]:
    """An ``operation_class`` for a handler: its body and result as named schemas, problems as such.

    Handlers answer with the converter's plain dicts; this tells the OpenAPI
    document which named shape those dicts have. ``text`` lists other media
    types the operation may answer with (text, zip…), as opaque strings;
    ``upload`` declares a multipart body of files; ``alerts``: the answer may
    carry the duplicate rule's ``alerts``; ``also``: other statuses and
    their named schemas (a dry run's 200 beside a merge's 201).
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
            if alerts:
                extra = Schema(
                    type=OpenAPIType.OBJECT,
                    properties={"alerts": _array(_ref("Alert"))},
                    description="alerts: present when the store's duplicate rule is alert "
                    "and the write looks like stored records",
                )
                schema = Schema(all_of=[schema, extra])
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
            for code, name in also:
                responses[str(code)] = OpenAPIResponse(
                    description="OK", content=_content(_ref(name))
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
