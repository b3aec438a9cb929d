"""Accounts, their contacts, org charts, hierarchies and type-ahead search."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from litestar import Response, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

import contactgraph as cg
from contactgraph.graph.render import org_chart_dot, org_chart_mermaid, org_chart_text
from contactgraph.repos.checks import SaveWarning
from contactgraph.serialization import unstructure
from contactgraph.web.alerts import alert_view, with_alerts
from contactgraph.web.context import Api, IfMatch, Limit, TenantApi
from contactgraph.web.schemas import documented
from contactgraph.web.semantics import (
    account_tag,
    call_with_body,
    check_if_match,
    collecting,
    contact_tag,
    decode_cursor,
    encode_cursor,
    save_retrying,
)
from contactgraph.web.views import (
    account_out,
    contact_out,
    contacts,
    json_response,
    org_tree,
    readiness_view,
    summary,
)

__all__ = ["HANDLERS", "change_contact"]


def change_contact(
    store: cg.Store,
    contact_id: str,
    if_match: str | None,
    command: Callable[[cg.Account], cg.Account],
    alerts: list[SaveWarning] | None = None,
) -> cg.Contact:
    """Apply ``command`` to the account owning the contact, under the contact's precondition
    (``alerts`` receives the duplicate rule's alerts, see :func:`save_retrying`)."""

    def attempt() -> cg.Account:
        account = store.accounts.account_of(contact_id)
        check_if_match(if_match, contact_tag(account.contact(contact_id)))
        return command(account)

    return save_retrying(store, attempt, alerts).contact(contact_id)


async def _changed(
    api: Api, contact_id: str, if_match: str | None, command: Callable[[cg.Account], cg.Account]
) -> Response[Any]:
    alerts: list[SaveWarning] = []

    def work() -> tuple[Any, str]:
        body, tag = contact_out(change_contact(api.store, contact_id, if_match, command, alerts))
        return with_alerts(body, alerts), tag

    body, tag = await api.run(work)
    return json_response(body, etag=tag)


# ------------------------------------------------------------------ accounts


@get("/accounts", operation_class=documented("AccountSummary", page=True), tags=["accounts"])
async def list_accounts(
    api: TenantApi,
    limit: Limit = 50,
    cursor: FromQuery[str | None] = None,
    parent_id: FromQuery[str | None] = None,
) -> dict[str, Any]:
    """Accounts by id, one page at a time (keyset pagination: pass ``next_cursor`` back)."""
    after = decode_cursor(cursor)

    def work() -> dict[str, Any]:
        found = api.store.accounts.list(
            order_by="id", after=after, limit=limit + 1, parent_id=parent_id
        )
        items = found[:limit]
        nxt = encode_cursor(items[-1].id) if len(found) > limit else None
        return {"items": [summary(a) for a in items], "next_cursor": nxt}

    return await api.run(work)


@post(
    "/accounts",
    operation_class=documented("Account", body="NewAccount", status=201, alerts=True),
    tags=["accounts"],
)
async def create_account(api: TenantApi, data: JSONBody[dict[str, Any]]) -> Response[Any]:
    """Create an account (a name is the only required field)."""

    def work() -> cg.Account:
        return api.store.accounts.add(call_with_body(cg.Account.create, data, "account"))

    account, alerts = await api.run(collecting, api.store, work)
    return json_response(
        with_alerts(unstructure(account), alerts),
        status=201,
        etag=account_tag(account),
        location=f"/accounts/{account.id}",
    )


@get("/accounts/{account_id:str}", operation_class=documented("Account"), tags=["accounts"])
async def get_account(api: TenantApi, account_id: FromPath[str]) -> Response[Any]:
    """One account with its contacts; its ``ETag`` is the aggregate's version."""
    body, tag = await api.run(lambda: account_out(api.store.accounts.get(account_id)))
    return json_response(body, etag=tag)


@patch(
    "/accounts/{account_id:str}",
    operation_class=documented("Account", body="AccountFields", alerts=True),
    tags=["accounts"],
)
async def patch_account(
    api: TenantApi,
    account_id: FromPath[str],
    data: JSONBody[dict[str, Any]],
    if_match: IfMatch = None,
) -> Response[Any]:
    """Change account fields; ``If-Match`` -> 412 when stale, without it applied to the current version."""

    def attempt() -> cg.Account:
        account = api.store.accounts.get(account_id)
        check_if_match(if_match, account_tag(account))
        return account.update(**data)

    alerts: list[SaveWarning] = []
    account = await api.run(save_retrying, api.store, attempt, alerts)
    return json_response(with_alerts(unstructure(account), alerts), etag=account_tag(account))


@delete("/accounts/{account_id:str}", tags=["accounts"], status_code=204)
async def delete_account(
    api: TenantApi, account_id: FromPath[str], if_match: IfMatch = None
) -> None:
    """Remove an account and its contacts (422 while opportunities, cases or relations refer to it)."""

    def work() -> None:
        with api.store.transaction():
            check_if_match(if_match, account_tag(api.store.accounts.get(account_id)))
            api.store.accounts.remove(account_id)

    await api.run(work)


@get("/accounts/{account_id:str}/hierarchy", tags=["accounts"])
async def account_hierarchy(api: TenantApi, account_id: FromPath[str]) -> dict[str, Any]:
    """The account's place in its company tree: ancestors, and the tree below it."""

    def work() -> dict[str, Any]:
        node = api.store.graph.hierarchy(account_id)
        ancestors = api.store.graph.ancestors_of(account_id)

        def tree(n: Any) -> dict[str, Any]:
            return {"account": summary(n.account), "children": [tree(c) for c in n.children]}

        return {"ancestors": [summary(a) for a in ancestors], "tree": tree(node)}

    return await api.run(work)


@get(
    "/accounts/{account_id:str}/org-chart",
    tags=["accounts"],
    operation_class=documented(text=("application/json", "text/plain; charset=utf-8")),
)
async def org_chart(
    api: TenantApi, account_id: FromPath[str], format: FromQuery[str] = "json"
) -> Response[Any]:
    """The reports-to tree: ``format=json`` (nested), ``mermaid``, ``dot`` or ``text``."""
    renderers = {"mermaid": org_chart_mermaid, "dot": org_chart_dot, "text": org_chart_text}
    if format != "json" and format not in renderers:
        raise cg.InvalidValueError("use json, mermaid, dot or text", field="format", value=format)
    account = await api.run(api.store.accounts.get, account_id)
    if format == "json":
        return json_response(org_tree(account.org_chart()), etag=account_tag(account))
    text = renderers[format](account)
    return Response(
        content=text, media_type="text/plain; charset=utf-8", headers={"ETag": account_tag(account)}
    )


@get("/accounts/{account_id:str}/readiness", tags=["commercial"])
async def account_readiness(api: TenantApi, account_id: FromPath[str]) -> dict[str, Any]:
    """Which commercial actions the account allows, whom they reach, and why not."""
    account = await api.run(api.store.accounts.get, account_id)
    return readiness_view(account)


# ------------------------------------------------------------------ contacts


@post(
    "/accounts/{account_id:str}/contacts",
    operation_class=documented("Contact", body="NewContact", status=201, alerts=True),
    tags=["contacts"],
)
async def create_contact(
    api: TenantApi, account_id: FromPath[str], data: JSONBody[dict[str, Any]]
) -> Response[Any]:
    """Add a contact to the account: a last name is enough, the rest can come later."""
    added: list[cg.Contact] = []
    alerts: list[SaveWarning] = []

    def attempt() -> cg.Account:
        account = api.store.accounts.get(account_id)
        account, contact = call_with_body(account.add_contact, data, "contact")
        added[:] = [contact]
        return account

    def work() -> tuple[Any, str]:
        saved = save_retrying(api.store, attempt, alerts).contact(added[0].id)
        body, tag = contact_out(saved)
        return with_alerts(body, alerts), tag

    body, tag = await api.run(work)
    return json_response(body, status=201, etag=tag, location=f"/contacts/{added[0].id}")


@get("/contacts/{contact_id:str}", operation_class=documented("Contact"), tags=["contacts"])
async def get_contact(api: TenantApi, contact_id: FromPath[str]) -> Response[Any]:
    """One contact; its ``ETag`` moves only when this contact changes."""
    body, tag = await api.run(lambda: contact_out(api.store.accounts.get_contact(contact_id)))
    return json_response(body, etag=tag)


@patch(
    "/contacts/{contact_id:str}",
    operation_class=documented("Contact", body="ContactFields", alerts=True),
    tags=["contacts"],
)
async def patch_contact(
    api: TenantApi,
    contact_id: FromPath[str],
    data: JSONBody[dict[str, Any]],
    if_match: IfMatch = None,
) -> Response[Any]:
    """Complete or change a contact's fields (only the keys given change)."""
    return await _changed(api, contact_id, if_match, lambda a: a.update_contact(contact_id, **data))


@post(
    "/contacts/{contact_id:str}/deactivate",
    operation_class=documented("Contact", alerts=True),
    tags=["contacts"],
    status_code=200,
)
async def deactivate_contact(
    api: TenantApi, contact_id: FromPath[str], if_match: IfMatch = None
) -> Response[Any]:
    """Mark the contact inactive (it stays, with its history)."""
    return await _changed(api, contact_id, if_match, lambda a: a.deactivate_contact(contact_id))


@post(
    "/contacts/{contact_id:str}/reactivate",
    operation_class=documented("Contact", alerts=True),
    tags=["contacts"],
    status_code=200,
)
async def reactivate_contact(
    api: TenantApi, contact_id: FromPath[str], if_match: IfMatch = None
) -> Response[Any]:
    """Mark the contact active again."""
    return await _changed(api, contact_id, if_match, lambda a: a.reactivate_contact(contact_id))


@post("/contacts/{contact_id:str}/move", tags=["contacts"], status_code=200)
async def move_contact(
    api: TenantApi, contact_id: FromPath[str], data: JSONBody[dict[str, Any]]
) -> Response[Any]:
    """Move the contact to another account on a date (``{"to_account": id, "on": "YYYY-MM-DD"}``)."""
    unknown = sorted(set(data) - {"to_account", "on"})
    if unknown or not isinstance(data.get("to_account"), str):
        raise cg.InvalidValueError(
            "give to_account (an account id) and optionally on (a date)",
            field=unknown[0] if unknown else "to_account",
        )
    on = data.get("on")
    try:
        day = date.fromisoformat(on) if on is not None else None
    except (TypeError, ValueError):
        raise cg.InvalidValueError("a date YYYY-MM-DD", field="on", value=on) from None
    result, alerts = await api.run(
        collecting,
        api.store,
        lambda: api.store.move_contact(contact_id, to_account=data["to_account"], on=day),
    )
    body = {
        "contact": unstructure(result.contact),
        "from_account_id": result.from_account.id,
        "to_account_id": result.to_account.id,
        "warnings": result.warnings,
        "violations": [unstructure(v) for v in result.violations],
        "alerts": [alert_view(a) for a in alerts],
    }
    return json_response(body, etag=contact_tag(result.contact))


@get("/contacts", tags=["contacts"])
async def find_contacts(
    api: TenantApi,
    *,
    email: FromQuery[str | None] = None,
    name: FromQuery[str | None] = None,
    title: FromQuery[str | None] = None,
    department: FromQuery[str | None] = None,
    active: FromQuery[bool | None] = None,
    account_id: FromQuery[str | None] = None,
    limit: Limit = 50,
) -> list[dict[str, Any]]:
    """Contacts matching every filter given."""
    found = await api.run(
        api.store.accounts.find_contacts,
        email=email,
        name=name,
        title=title,
        department=department,
        active=active,
        account_id=account_id,
        limit=limit,
    )
    return contacts(found)


@get("/search", tags=["contacts"])
async def search(api: TenantApi, q: FromQuery[str] = "", limit: Limit = 20) -> dict[str, Any]:
    """Type-ahead: contacts whose name, email… start with ``q``, with their accounts' names;
    ``more``: whether more contacts match than were returned (no match is counted past
    ``limit`` + 1, so a call costs what its ``limit`` costs)."""

    def work() -> dict[str, Any]:
        found = api.store.accounts.search(q, limit=limit, count_up_to=0)
        hits = list(found.contacts)
        accounts = api.store.accounts.get_many({c.account_id for c in hits})
        return {
            "items": contacts(hits),
            "account_names": {a.id: a.name for a in accounts},
            "more": found.truncated,
        }

    return await api.run(work)


HANDLERS = [
    list_accounts,
    create_account,
    get_account,
    patch_account,
    delete_account,
    account_hierarchy,
    org_chart,
    account_readiness,
    create_contact,
    get_contact,
    patch_contact,
    deactivate_contact,
    reactivate_contact,
    move_contact,
    find_contacts,
    search,
]
