"""Opportunities with their contact roles, cases, relations, and the commercial actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from litestar import Response, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

import contactgraph as cg
from contactgraph.serialization import unstructure
from contactgraph.web.context import IfMatch, Limit, TenantApi
from contactgraph.web.schemas import documented
from contactgraph.web.semantics import call_with_body, check_if_match, ids_list, version_tag
from contactgraph.web.views import json_response

__all__ = ["HANDLERS"]

Offset = Annotated[int, QueryParameter(ge=0)]
T = TypeVar("T")


def _recipients(found: Any) -> dict[str, Any]:
    return {
        "action": str(found.action),
        "recipients": [unstructure(c) for c in found.contacts],
        "emails": found.emails,
        "skipped": [{"contact_id": s.contact.id, "reason": s.reason} for s in found.skipped],
    }


def _remove(
    get_one: Callable[[str], Any],
    remove: Callable[[str], None],
    store: cg.Store,
    item_id: str,
    if_match: str | None,
) -> None:
    with store.transaction():
        check_if_match(if_match, version_tag(get_one(item_id)))
        remove(item_id)


# ------------------------------------------------------------ opportunities


@get("/opportunities", operation_class=documented("Opportunity", many=True), tags=["opportunities"])
async def list_opportunities(
    api: TenantApi,
    *,
    account_id: FromQuery[str | None] = None,
    contact_id: FromQuery[str | None] = None,
    open_only: FromQuery[bool] = False,
    offset: Offset = 0,
    limit: Limit = 50,
) -> list[dict[str, Any]]:
    """Opportunities by close date, filtered by account or by a contact's role."""
    found = await api.run(
        api.store.opportunities.list,
        account_id=account_id,
        contact_id=contact_id,
        open_only=open_only,
        offset=offset,
        limit=limit,
    )
    return [unstructure(o) for o in found]


@post(
    "/opportunities",
    operation_class=documented("Opportunity", body="Opportunity", status=201),
    tags=["opportunities"],
)
async def create_opportunity(api: TenantApi, data: JSONBody[dict[str, Any]]) -> Response[Any]:
    """Create an opportunity (``name``, ``account_id``; stage, close date, amount…)."""

    def work() -> cg.Opportunity:
        return api.store.opportunities.add(
            call_with_body(cg.Opportunity.create, data, "opportunity")
        )

    deal = await api.run(work)
    return json_response(
        unstructure(deal), status=201, etag=version_tag(deal), location=f"/opportunities/{deal.id}"
    )


@get(
    "/opportunities/{opportunity_id:str}",
    operation_class=documented("Opportunity"),
    tags=["opportunities"],
)
async def get_opportunity(api: TenantApi, opportunity_id: FromPath[str]) -> Response[Any]:
    """One opportunity with its contact roles."""
    deal = await api.run(api.store.opportunities.get, opportunity_id)
    return json_response(unstructure(deal), etag=version_tag(deal))


@post(
    "/opportunities/{opportunity_id:str}/contact-roles",
    operation_class=documented("Opportunity"),
    tags=["opportunities"],
    status_code=200,
)
async def add_contact_role(
    api: TenantApi,
    opportunity_id: FromPath[str],
    data: JSONBody[dict[str, Any]],
    if_match: IfMatch = None,
) -> Response[Any]:
    """Give a contact a role (``{"contact_id", "role", "primary"}``); one primary contact at most."""

    def work() -> cg.Opportunity:
        deal = api.store.opportunities.get(opportunity_id)
        check_if_match(if_match, version_tag(deal))
        return api.store.opportunities.save(
            call_with_body(deal.add_contact_role, data, "contact role")
        )

    deal = await api.run(work)
    return json_response(unstructure(deal), etag=version_tag(deal))


@delete("/opportunities/{opportunity_id:str}", tags=["opportunities"], status_code=204)
async def delete_opportunity(
    api: TenantApi, opportunity_id: FromPath[str], if_match: IfMatch = None
) -> None:
    """Remove an opportunity."""
    store = api.store
    await api.run(
        _remove,
        store.opportunities.get,
        store.opportunities.remove,
        store,
        opportunity_id,
        if_match,
    )


@post("/opportunities/{opportunity_id:str}/send-contract", tags=["commercial"], status_code=200)
async def send_contract(api: TenantApi, opportunity_id: FromPath[str]) -> dict[str, Any]:
    """Who receives the contract; 422 naming every reason when nobody can."""
    return _recipients(await api.run(api.store.send_contract, opportunity_id))


@post("/opportunities/{opportunity_id:str}/follow-up", tags=["commercial"], status_code=200)
async def follow_up(api: TenantApi, opportunity_id: FromPath[str]) -> dict[str, Any]:
    """Whom to follow the opportunity up with; 422 naming every reason when nobody."""
    return _recipients(await api.run(api.store.follow_up, opportunity_id))


@post("/campaigns", tags=["commercial"], status_code=200)
async def start_campaign(api: TenantApi, data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    """Campaign recipients for ``{"account_ids": [...]}``; 422 naming every account not actionable."""
    ids = data.get("account_ids")
    if (
        set(data) != {"account_ids"}
        or not isinstance(ids, list)
        or not all(isinstance(i, str) for i in ids)
    ):
        raise cg.InvalidValueError("give account_ids, a list of account ids", field="account_ids")
    return _recipients(await api.run(api.store.start_campaign, ids))


@post(
    "/call-list",
    operation_class=documented("CallList", body="CallListRequest"),
    tags=["commercial"],
    status_code=200,
)
async def call_list(api: TenantApi, data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    """Whom to call for ``{"account_ids": [...], "contact_ids": [...]}``: never a contact who asked
    not to be called; do-not-call, inactive and phoneless contacts are ``skipped`` with the reason.
    422 naming every unknown id."""
    unknown = sorted(set(data) - {"account_ids", "contact_ids"})
    if unknown:
        raise cg.InvalidValueError(
            "give account_ids and/or contact_ids, lists of ids", field=unknown[0]
        )
    for key in ("account_ids", "contact_ids"):
        if key in data and not ids_list(data[key]):
            raise cg.InvalidValueError(f"give {key}, a list of ids", field=key)
    targets = [*data.get("account_ids", []), *data.get("contact_ids", [])]
    found = await api.run(api.store.call_list, targets)
    return {
        "action": "call",
        "recipients": [unstructure(c) for c in found.contacts],
        "numbers": [
            {"contact_id": c.id, "number": unstructure(number)} for c, number in found.numbers
        ],
        "skipped": [{"contact_id": s.contact.id, "reason": s.reason} for s in found.skipped],
    }


# ------------------------------------------------------------------ cases


@get("/cases", operation_class=documented("Case", many=True), tags=["cases"])
async def list_cases(
    api: TenantApi,
    *,
    account_id: FromQuery[str | None] = None,
    contact_id: FromQuery[str | None] = None,
    open_only: FromQuery[bool] = False,
    offset: Offset = 0,
    limit: Limit = 50,
) -> list[dict[str, Any]]:
    """Cases, most recently opened first."""
    found = await api.run(
        api.store.cases.list,
        account_id=account_id,
        contact_id=contact_id,
        open_only=open_only,
        offset=offset,
        limit=limit,
    )
    return [unstructure(c) for c in found]


@post("/cases", operation_class=documented("Case", body="Case", status=201), tags=["cases"])
async def create_case(api: TenantApi, data: JSONBody[dict[str, Any]]) -> Response[Any]:
    """Open a case (``subject``, ``account_id``, optionally ``contact_id``, priority…)."""

    def work() -> cg.Case:
        return api.store.cases.add(call_with_body(cg.Case.create, data, "case"))

    case = await api.run(work)
    return json_response(
        unstructure(case), status=201, etag=version_tag(case), location=f"/cases/{case.id}"
    )


@get("/cases/{case_id:str}", operation_class=documented("Case"), tags=["cases"])
async def get_case(api: TenantApi, case_id: FromPath[str]) -> Response[Any]:
    """One case."""
    case = await api.run(api.store.cases.get, case_id)
    return json_response(unstructure(case), etag=version_tag(case))


@delete("/cases/{case_id:str}", tags=["cases"], status_code=204)
async def delete_case(api: TenantApi, case_id: FromPath[str], if_match: IfMatch = None) -> None:
    """Remove a case."""
    await api.run(
        _remove, api.store.cases.get, api.store.cases.remove, api.store, case_id, if_match
    )


# ------------------------------------------------------------------ relations


@get("/relations", operation_class=documented("Relation", many=True), tags=["relations"])
async def list_relations(
    api: TenantApi,
    account_id: FromQuery[str | None] = None,
    contact_id: FromQuery[str | None] = None,
) -> list[dict[str, Any]]:
    """Relations of contacts to accounts other than their own."""
    found = await api.run(api.store.relations.list, account_id=account_id, contact_id=contact_id)
    return [unstructure(r) for r in found]


@post(
    "/relations",
    operation_class=documented("Relation", body="Relation", status=201),
    tags=["relations"],
)
async def create_relation(api: TenantApi, data: JSONBody[dict[str, Any]]) -> Response[Any]:
    """Relate a contact to another account (``account_id``, ``contact_id``, roles, dates)."""

    def work() -> cg.AccountContactRelation:
        made = call_with_body(cg.AccountContactRelation.create, data, "relation")
        return api.store.relations.add(made)

    rel = await api.run(work)
    return json_response(
        unstructure(rel), status=201, etag=version_tag(rel), location=f"/relations/{rel.id}"
    )


@get("/relations/{relation_id:str}", operation_class=documented("Relation"), tags=["relations"])
async def get_relation(api: TenantApi, relation_id: FromPath[str]) -> Response[Any]:
    """One relation."""
    rel = await api.run(api.store.relations.get, relation_id)
    return json_response(unstructure(rel), etag=version_tag(rel))


@delete("/relations/{relation_id:str}", tags=["relations"], status_code=204)
async def delete_relation(
    api: TenantApi, relation_id: FromPath[str], if_match: IfMatch = None
) -> None:
    """Remove a relation."""
    store = api.store
    await api.run(
        _remove, store.relations.get, store.relations.remove, store, relation_id, if_match
    )


HANDLERS = [
    list_opportunities,
    create_opportunity,
    get_opportunity,
    add_contact_role,
    delete_opportunity,
    send_contract,
    follow_up,
    start_campaign,
    call_list,
    list_cases,
    create_case,
    get_case,
    delete_case,
    list_relations,
    create_relation,
    get_relation,
    delete_relation,
]
