"""Keeping records straight: duplicates, merges and their undo, field history, personal data.

The library's ``store.duplicates``, ``merge_contacts`` / ``merge_accounts``,
``unmerge``, ``history``, ``personal_data`` and ``forget`` over HTTP, in the
shapes the CLI's ``--json`` prints (docs/howto/web.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from litestar import Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody

import contactgraph as cg
from contactgraph.merging import MergePlan, MergeRecord
from contactgraph.privacy import scrub_files
from contactgraph.web.alerts import with_alerts
from contactgraph.web.context import IfMatch, Limit, TenantApi
from contactgraph.web.schemas import documented
from contactgraph.web.semantics import (
    MAX_PAGE,
    Field,
    account_tag,
    check_if_match,
    collecting,
    contact_tag,
    decode_offset,
    encode_cursor,
    ids_list,
    read_body,
)
from contactgraph.web.views import change_view, forgotten_view, json_response

if TYPE_CHECKING:  # the duplicates extra: imported where detection has run
    from contactgraph.matching import AccountCluster, ContactCluster

__all__ = ["HANDLERS"]


def _page(items: list[Any], start: int, limit: int) -> tuple[list[Any], str | None]:
    """One page of a computed list, and the cursor of the next (``None``: the last page)."""
    end = start + limit
    return items[start:end], encode_cursor(str(end)) if len(items) > end else None


# --------------------------------------------------------------- duplicates


def _members(store: cg.Store, clusters: Sequence[ContactCluster | AccountCluster]) -> list[Any]:
    """The clusters as JSON, each member named (one read for the contacts, one for accounts)."""
    from contactgraph.matching import AccountCluster, ContactCluster

    people = store.accounts.contacts_by_id(
        i for c in clusters if isinstance(c, ContactCluster) for i in c.contact_ids
    )
    wanted = {p.account_id for p in people.values()}
    wanted |= {i for c in clusters if isinstance(c, AccountCluster) for i in c.account_ids}
    accounts = {a.id: a for a in store.accounts.get_many(wanted)}
    out = []
    members: list[dict[str, Any]]
    for cluster in clusters:
        if isinstance(cluster, ContactCluster):
            ids = cluster.contact_ids
            members = [
                {
                    "id": p.id,
                    "name": p.full_name,
                    "email": str(p.email) if p.email else None,
                    "account_id": p.account_id,
                    "account": accounts[p.account_id].name,
                }
                for p in (people[i] for i in ids)
            ]
        else:
            ids = cluster.account_ids
            members = [
                {"id": i, "name": accounts[i].name, "contacts": len(accounts[i].contacts)}
                for i in ids
            ]
        out.append(
            {
                "ids": list(ids),
                "score": round(cluster.score, 6),
                "reasons": [
                    {"field": r.field, "level": r.level, "weight": r.weight}
                    for r in cluster.reasons
                ],
                "members": members,
            }
        )
    return out


@get(
    "/duplicates",
    operation_class=documented("DuplicateCluster", page=True),
    tags=["duplicates"],
)
async def list_duplicates(
    api: TenantApi,
    kind: FromQuery[str] = "contacts",
    threshold: FromQuery[float] = 0.99,
    limit: Limit = 50,
    cursor: FromQuery[str | None] = None,
) -> dict[str, Any]:
    """Clusters of likely duplicate contacts (``kind=accounts``: companies), strongest first,
    with the evidence and each member named. Reads every account of the tenant once per page:
    a review screen's call, not a keystroke's. Needs the ``duplicates`` extra (501 without)."""
    if kind not in ("contacts", "accounts"):
        raise cg.InvalidValueError("use contacts or accounts", field="kind", value=kind)
    if not 0 < threshold <= 1:
        raise cg.InvalidValueError(
            "a number above 0 and at most 1", field="threshold", value=threshold
        )
    start = decode_offset(cursor)

    def work() -> dict[str, Any]:
        store = api.store
        clusters: Sequence[ContactCluster | AccountCluster] = (
            store.duplicates("accounts", threshold=threshold)
            if kind == "accounts"
            else store.duplicates("contacts", threshold=threshold)
        )
        page, nxt = _page(list(clusters), start, limit)
        return {"items": _members(store, page), "next_cursor": nxt}

    return await api.run(work)


# ------------------------------------------------------------------- merges

_MERGE = {
    "loser_ids": Field(ids_list, "a list of ids", required=True),
    "take": Field(lambda v: isinstance(v, dict), "an object: field -> a loser's id or a value"),
    "dry_run": Field(lambda v: isinstance(v, bool), "true or false"),
    "actor": Field(lambda v: v is None or isinstance(v, str), "text"),
}


@contextmanager
def _losers_named(survivor: Callable[[], object], losers: Sequence[str]) -> Iterator[None]:
    """A loser that is not found is a fault of the body (``422`` naming ``loser_ids`` and the
    id), not of the resource: that stays ``404``, for a survivor that is not found."""
    try:
        yield
    except cg.NotFoundError as missing:
        if missing.key not in losers:
            raise
        survivor()  # NotFoundError (404) when the survivor is missing too
        raise cg.InvalidValueError(
            f"no {missing.kind.lower()} has this id (in this tenant)",
            field="loser_ids",
            value=missing.key,
            code="loser_ids.not_found",
        ) from None


async def _merge(
    api: TenantApi,
    survivor_id: str,
    data: dict[str, Any],
    if_match: str | None,
    *,
    accounts: bool,
) -> Response[Any]:
    body = read_body(data, _MERGE, "a merge")
    store = api.store
    merge = store.merge_accounts if accounts else store.merge_contacts
    losers, take = body["loser_ids"], body.get("take")

    def tag() -> str:
        if accounts:
            return account_tag(store.accounts.get(survivor_id))
        return contact_tag(store.accounts.get_contact(survivor_id))

    def plan() -> MergePlan:
        if if_match is not None:
            check_if_match(if_match, tag())
        with _losers_named(tag, losers):
            return merge(survivor_id, losers, take=take, dry_run=True)

    def record() -> MergeRecord:
        with store.transaction():
            if if_match is not None:
                check_if_match(if_match, tag())
            with _losers_named(tag, losers):
                return merge(survivor_id, losers, take=take, actor=body.get("actor"))

    if body.get("dry_run"):
        return json_response((await api.run(plan)).to_dict())
    done, alerts = await api.run(collecting, store, record)
    return json_response(
        with_alerts(done.to_dict(), alerts), status=201, location=f"/merges/{done.id}"
    )


@post(
    "/contacts/{contact_id:str}/merge",
    operation_class=documented(
        "MergeRecord", body="MergeRequest", status=201, also=((200, "MergePlan"),), alerts=True
    ),
    tags=["merges"],
)
async def merge_contacts(
    api: TenantApi,
    contact_id: FromPath[str],
    data: JSONBody[dict[str, Any]],
    if_match: IfMatch = None,
) -> Response[Any]:
    """Merge the contacts ``loser_ids`` into this one: ``201`` with the merge record (undo it with
    ``POST /merges/{id}/undo``), or with ``dry_run`` ``200`` and the plan, nothing written.
    ``take`` chooses per field: ``{"email": loser_id}`` or ``{"title": "CFO"}``."""
    return await _merge(api, contact_id, data, if_match, accounts=False)


@post(
    "/accounts/{account_id:str}/merge",
    operation_class=documented(
        "MergeRecord", body="MergeRequest", status=201, also=((200, "MergePlan"),), alerts=True
    ),
    tags=["merges"],
)
async def merge_accounts(
    api: TenantApi,
    account_id: FromPath[str],
    data: JSONBody[dict[str, Any]],
    if_match: IfMatch = None,
) -> Response[Any]:
    """Merge the accounts ``loser_ids`` into this one, with their contacts, deals, cases and
    child accounts; ``dry_run``: the plan (200), nothing written."""
    return await _merge(api, account_id, data, if_match, accounts=True)


@get("/merges/{merge_id:str}", operation_class=documented("MergeRecord"), tags=["merges"])
async def get_merge(api: TenantApi, merge_id: FromPath[str]) -> dict[str, Any]:
    """A merge record: who was merged into whom, when, by whom, the plan, whether undone."""
    stored = await api.run(api.store.merges.get, merge_id)
    return MergeRecord.of(stored).to_dict()


@post(
    "/merges/{merge_id:str}/undo",
    operation_class=documented("MergeRecord", alerts=True),
    tags=["merges"],
    status_code=200,
)
async def undo_merge(api: TenantApi, merge_id: FromPath[str]) -> Response[Any]:
    """Undo a merge: the losers and their links come back; later changes to the survivor stay.
    ``422`` (``merge.undone``…) when it cannot be undone, nothing written."""
    done, alerts = await api.run(collecting, api.store, lambda: api.store.unmerge(merge_id))
    return json_response(with_alerts(done.to_dict(), alerts))


# ------------------------------------------------------------------ history


def _history(
    store: cg.Store, record_id: str, field: str | None, kind: str, *, start: int, limit: int
) -> dict[str, Any]:
    """A record's changes, oldest first, one page; 404 unless it is (or was) a ``kind``."""
    changes = store.history.of(record_id, field=field)
    seen = changes or (store.history.of(record_id) if field is not None else [])
    if seen:
        known = seen[0].kind == kind
    elif kind == "contact":
        known = bool(store.accounts.contacts_by_id([record_id]))
    else:
        known = store.accounts.exists(record_id)
    if not known:
        raise cg.NotFoundError(kind.title(), record_id)
    page, nxt = _page(changes, start, limit)
    return {"items": [change_view(c) for c in page], "next_cursor": nxt}


@get(
    "/contacts/{contact_id:str}/history",
    operation_class=documented("HistoryChange", page=True),
    tags=["history"],
)
async def contact_history(
    api: TenantApi,
    contact_id: FromPath[str],
    field: FromQuery[str | None] = None,
    limit: Limit = MAX_PAGE,
    cursor: FromQuery[str | None] = None,
) -> dict[str, Any]:
    """What changed in a contact, oldest first: field, old and new values, when, who
    (``field=email``: that field's changes). A merged or removed contact's history stays."""
    start = decode_offset(cursor)
    return await api.run(
        _history, api.store, contact_id, field, "contact", start=start, limit=limit
    )


@get(
    "/accounts/{account_id:str}/history",
    operation_class=documented("HistoryChange", page=True),
    tags=["history"],
)
async def account_history(
    api: TenantApi,
    account_id: FromPath[str],
    field: FromQuery[str | None] = None,
    limit: Limit = MAX_PAGE,
    cursor: FromQuery[str | None] = None,
) -> dict[str, Any]:
    """What changed in an account's own fields, oldest first (``field=``: one field's)."""
    start = decode_offset(cursor)
    return await api.run(
        _history, api.store, account_id, field, "account", start=start, limit=limit
    )


# -------------------------------------------------------------------- privacy


@get(
    "/contacts/{contact_id:str}/personal-data",
    operation_class=documented("PersonalData"),
    tags=["privacy"],
)
async def personal_data(api: TenantApi, contact_id: FromPath[str]) -> dict[str, Any]:
    """Everything held about one person, as one JSON document to hand over (access request):
    the contact, account, manager, reports, roles, cases, relations, history, merge records."""
    return await api.run(api.store.personal_data, contact_id)


_FORGET = {
    "confirm": Field(lambda v: v is True, "true: the erasure cannot be undone", required=True),
    "actor": Field(lambda v: v is None or isinstance(v, str), "text"),
}


@post(
    "/contacts/{contact_id:str}/forget",
    operation_class=documented("Forgotten", body="ForgetRequest"),
    tags=["privacy"],
    status_code=200,
)
async def forget(
    api: TenantApi,
    contact_id: FromPath[str],
    data: JSONBody[dict[str, Any]],
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Erase a person's personal data everywhere (right to erasure); cannot be undone, so the
    body must say ``{"confirm": true}``. A deactivated ``(forgotten)`` placeholder keeps links."""
    body = read_body(data, _FORGET, "a forget")
    store = api.store

    def work() -> dict[str, Any]:
        if if_match is None:
            return forgotten_view(store.forget(contact_id, actor=body.get("actor")))
        with store.transaction():
            check_if_match(if_match, contact_tag(store.accounts.get_contact(contact_id)))
            done = store.forget(contact_id, actor=body.get("actor"), scrub=False)
        return {**forgotten_view(done), "files_scrubbed": scrub_files(store)}

    return await api.run(work)


HANDLERS = [
    list_duplicates,
    merge_contacts,
    merge_accounts,
    get_merge,
    undo_merge,
    contact_history,
    account_history,
    personal_data,
    forget,
]
