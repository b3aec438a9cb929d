"""The explorer: server-rendered HTML cards where every name is a link to its card.

No script, no stylesheet or font fetched from anywhere: one inline style
block. Every piece of user text goes through :func:`html.escape`; ids in
addresses through :func:`urllib.parse.quote`. Forms post back and redirect
(303) to the card they changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from html import escape
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from litestar import Response, get, post
from litestar.connection import ASGIConnection
from litestar.enums import RequestEncodingType
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect

import contactgraph as cg
from contactgraph.repos.history import Change
from contactgraph.web.context import TenantApi
from contactgraph.web.routes_accounts import change_contact
from contactgraph.web.semantics import save_retrying

__all__ = ["HANDLERS"]

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1f3a5f;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1rem;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600}
main{max-width:60rem;margin:1rem auto;padding:0 1rem}
section{background:#fff;border:1px solid #d8dce3;border-radius:6px;padding:.8rem 1.2rem;margin:.8rem 0}
h1{margin:.2rem 0 .6rem}h2{font-size:1.05rem;margin:.2rem 0 .5rem;color:#33415c}
table{border-collapse:collapse}td,th{text-align:left;padding:.15rem .8rem .15rem 0;vertical-align:top}
th{color:#5b6475;font-weight:500}.history td{font-size:.9rem;border-top:1px solid #eef0f3}.inactive{color:#8a92a3}.banner{background:#fff4e5;border-color:#f0b35a}
.ok{background:#eaf7ee;border-color:#8fd19e}.error{background:#fdecec;border-color:#e58c8c}
input{padding:.3rem;margin:.1rem .3rem .1rem 0}button{padding:.3rem .8rem}
"""


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _account_link(account_id: str, name: str) -> str:
    return f'<a href="/ui/accounts/{quote(account_id, safe="")}">{_e(name)}</a>'


def _contact_link(contact: cg.Contact) -> str:
    css = "" if contact.active else ' class="inactive"'
    suffix = "" if contact.active else " (inactive)"
    return f'<a{css} href="/ui/contacts/{quote(contact.id, safe="")}">{_e(contact.full_name)}</a>{suffix}'


def _page(title: str, body: str, status: int = 200) -> Response[str]:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(title)} · contactgraph</title><style>{_STYLE}</style></head><body>"
        '<header><a href="/">contactgraph explorer</a>'
        '<form action="/" method="get"><input name="q" placeholder="Search contacts" aria-label="search">'
        "<button>Search</button></form></header>"
        f"<main>{body}</main></body></html>"
    )
    return Response(content=html, media_type="text/html; charset=utf-8", status_code=status)


def _rows(pairs: Iterable[tuple[str, object]]) -> str:
    cells = "".join(f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in pairs if v != "")
    return f"<table>{cells}</table>"


def _value(value: object) -> str:
    """A history value for people: text as is, lists and objects as JSON, nothing as —."""
    if value is None or value in ([], {}):
        return "—"
    return _e(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


def _history(changes: list[Change], shown: int = 20) -> str:
    """The last ``shown`` changes, newest first: when, who, what, and the value before and after."""
    rows = [
        f"<tr><td>{_e(c.at.strftime('%Y-%m-%d %H:%M'))}</td><td>{_e(c.actor or '')}</td>"
        f"<td>{_e(c.action)}</td><td>{_e(c.field or '')}</td>"
        f"<td>{'(erased)' if c.redacted else _value(c.old)}</td>"
        f"<td>{'(erased)' if c.redacted else _value(c.new)}</td></tr>"
        for c in reversed(changes[-shown:])
    ]
    if not rows:
        return "<p>No change recorded.</p>"
    head = "<tr><th>When (UTC)</th><th>Who</th><th>What</th><th>Field</th><th>Before</th><th>After</th></tr>"
    more = f"<p>The last {shown} of {len(changes)} changes.</p>" if len(changes) > shown else ""
    return f'<table class="history">{head}{"".join(rows)}</table>{more}'


def _list(items: list[str], empty: str) -> str:
    if not items:
        return f"<p>{_e(empty)}</p>"
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


async def _guarded(api: TenantApi, render: Callable[[], Response[Any]]) -> Response[Any]:
    """Render in the worker pool; a library error becomes an error card, not a stack trace."""
    try:
        return await api.run(render)
    except cg.NotFoundError as exc:
        return _page(
            "Not found", f'<section class="error"><h1>Not found</h1><p>{_e(exc)}</p></section>', 404
        )
    except cg.ConcurrencyError as exc:
        body = f'<section class="error"><h1>Changed meanwhile</h1><p>{_e(exc)}</p></section>'
        return _page("Conflict", body, 409)
    except (cg.PolicyViolationError, cg.InvalidValueError) as exc:
        items = (
            [_e(v.message) for v in exc.violations]
            if isinstance(exc, cg.PolicyViolationError)
            else [_e(exc)]
        )
        body = f'<section class="error"><h1>Refused</h1>{_list(items, "")}</section>'
        return _page("Refused", body + '<p><a href="/">Back to the explorer</a></p>', 422)


# ------------------------------------------------------------------ pages


@get("/", include_in_schema=False)
async def home(api: TenantApi, q: FromQuery[str] = "") -> Response[Any]:
    """The search page: contacts matching ``q``, and the first accounts."""

    def render() -> Response[Any]:
        store = api.store
        parts = []
        if q.strip():
            found = store.accounts.search_contacts(q, limit=50)
            names = {a.id: a.name for a in store.accounts.get_many({c.account_id for c in found})}
            items = [
                f"{_contact_link(c)} — {_e(c.title or '')} at {_account_link(c.account_id, names.get(c.account_id, c.account_id))}"
                for c in found
            ]
            parts.append(
                f"<section><h2>Contacts matching “{_e(q)}”</h2>{_list(items, 'No contact found.')}</section>"
            )
        accounts = store.accounts.list(limit=100)
        items = [f"{_account_link(a.id, a.name)} — {len(a.contacts)} contact(s)" for a in accounts]
        parts.append(f"<section><h2>Accounts</h2>{_list(items, 'No account yet.')}</section>")
        return _page("Explorer", "".join(parts))

    return await _guarded(api, render)


def _banner(account: cg.Account) -> str:
    state = cg.policies.readiness(account)
    blocked = [
        f"{_e(r.message)}: <strong>{_e(str(action).replace('_', ' '))} blocked</strong>"
        for action, a in state.actions.items()
        for r in a.reasons
    ]
    if not blocked:
        return '<section class="ok">Ready: contracts, campaigns and follow-ups can reach someone.</section>'
    return f'<section class="banner" role="alert">{"<br>".join(blocked)}</section>'


@get("/ui/accounts/{account_id:str}", include_in_schema=False)
async def account_card(api: TenantApi, account_id: FromPath[str]) -> Response[Any]:
    """The account card: fields, contacts, decision makers, deals, cases, readiness."""

    def render() -> Response[Any]:
        card = api.store.graph.account_card(account_id)
        a = card.account
        fields = _rows(
            [
                ("Industry", _e(a.industry)),
                ("Type", _e(a.type)),
                ("Website", _e(a.website)),
                ("Phone", _e(a.phone)),
                ("Parent", _account_link(card.parent.id, card.parent.name) if card.parent else ""),
                ("Children", ", ".join(_account_link(c.id, c.name) for c in card.children)),
            ]
        )
        people = a.sorted_contacts()
        active = [
            _contact_link(c) + (f" — {_e(c.title)}" if c.title else "") for c in people if c.active
        ]
        inactive = [_contact_link(c) for c in people if not c.active]
        deciders = [f"{_contact_link(c)} — {_e(c.decision_role)}" for c in a.decision_makers()]
        by_id = a.contacts
        deals = []
        for o in card.opportunities:
            roles = ", ".join(
                f"{_contact_link(by_id[r.contact_id]) if r.contact_id in by_id else _e(r.contact_id)}"
                f" ({_e(r.role or 'no role')}{', primary' if r.is_primary else ''})"
                for r in o.contact_roles
            )
            deals.append(f"{_e(o.name)} [{_e(o.stage)}] {roles}")
        cases = [
            f"{_e(k.subject)} [{_e(k.status)}]"
            + (
                f" raised by {_contact_link(by_id[k.contact_id])}"
                if k.contact_id is not None and k.contact_id in by_id
                else ""
            )
            for k in card.cases
        ]
        aid = quote(a.id, safe="")
        form = (
            f'<form method="post" action="/ui/accounts/{aid}/contacts">'
            '<input name="last_name" placeholder="Last name" required aria-label="last name">'
            '<input name="first_name" placeholder="First name (optional)" aria-label="first name">'
            "<button>Add contact</button></form>"
        )
        body = (
            f"<h1>{_e(a.name)}</h1>{_banner(a)}<section><h2>Account</h2>{fields}</section>"
            f"<section><h2>Active contacts</h2>{_list(active, 'No active contact.')}{form}</section>"
            f"<section><h2>Inactive contacts</h2>{_list(inactive, 'None.')}</section>"
            f"<section><h2>Decision makers</h2>{_list(deciders, 'No decision maker recorded.')}</section>"
            f"<section><h2>Opportunities</h2>{_list(deals, 'No opportunity.')}</section>"
            f"<section><h2>Cases</h2>{_list(cases, 'No case.')}</section>"
        )
        return _page(a.name, body)

    return await _guarded(api, render)


@get("/ui/contacts/{contact_id:str}", include_in_schema=False)
async def contact_card(api: TenantApi, contact_id: FromPath[str]) -> Response[Any]:
    """The contact card: fields, account, manager, reports, deals with roles, cases, past accounts."""

    def render() -> Response[Any]:
        card = api.store.graph.card(contact_id)
        tenures = api.store.graph.tenures_of(contact_id)
        changes = api.store.history.of(contact_id)
        c, a = card.contact, card.account
        fields = _rows(
            [
                ("Account", _account_link(a.id, a.name)),
                ("Title", _e(c.title)),
                ("Department", _e(c.department)),
                ("Email", _e(c.email)),
                ("Phone", _e(c.phone)),
                ("Mobile", _e(c.mobile)),
                ("Decision role", _e(c.decision_role)),
                ("Status", "active" if c.active else "inactive"),
                ("Manager", _contact_link(card.manager) if card.manager else "—"),
            ]
        )
        reports = [_contact_link(r) for r in card.reports]
        deals = [
            f"{_e(o.opportunity.name)} [{_e(o.opportunity.stage)}] as {_e(o.role or 'no role')}"
            + (" (primary)" if o.is_primary else "")
            for o in card.opportunities
        ]
        cases = [f"{_e(k.subject)} [{_e(k.status)}]" for k in card.cases]
        past = [
            f"{_account_link(t.account_id, t.account_name)} ({_e(t.start or '?')} to {_e(t.end or '?')})"
            for t in tenures
            if not t.current
        ]
        cid = quote(c.id, safe="")
        edit = (
            f'<form method="post" action="/ui/contacts/{cid}">'
            f'<input name="first_name" value="{_e(c.first_name)}" placeholder="First name" aria-label="first name">'
            f'<input name="title" value="{_e(c.title)}" placeholder="Title" aria-label="title">'
            f'<input name="email" value="{_e(c.email)}" placeholder="Email" aria-label="email">'
            f'<input name="phone" value="{_e(c.phone)}" placeholder="Phone" aria-label="phone">'
            "<button>Save</button></form>"
        )
        toggle = "reactivate" if not c.active else "deactivate"
        state = f'<form method="post" action="/ui/contacts/{cid}/{toggle}"><button>{toggle.title()}</button></form>'
        body = (
            f"<h1>{_e(c.display_name)}</h1><section><h2>Contact</h2>{fields}</section>"
            f"<section><h2>Complete</h2>{edit}{state}</section>"
            f"<section><h2>Direct reports</h2>{_list(reports, 'None.')}</section>"
            f"<section><h2>Opportunities</h2>{_list(deals, 'None.')}</section>"
            f"<section><h2>Cases</h2>{_list(cases, 'None.')}</section>"
            f"<section><h2>Past accounts</h2>{_list(past, 'None.')}</section>"
            f"<section><h2>History</h2>{_history(changes)}</section>"
        )
        return _page(c.full_name, body)

    return await _guarded(api, render)


# ------------------------------------------------------------------ forms


def _redirect(path: str) -> Response[Any]:
    return Redirect(path, status_code=303)


def same_origin(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Refuse (403) a form posted from another site: cross-site request forgery.

    Browsers name the page a form was sent from in ``Origin`` (or, failing
    that, ``Referer``); a form of this explorer comes from this host. A
    request naming neither (curl, a script) is not a browser's, and passes.
    """
    sender = connection.headers.get("origin") or connection.headers.get("referer")
    if sender is None:
        return
    host = connection.headers.get("host", "")
    if sender == "null" or urlsplit(sender).netloc != host:
        raise PermissionDeniedException(
            "forms of the explorer are only accepted from its own pages"
        )


@post("/ui/accounts/{account_id:str}/contacts", include_in_schema=False, guards=[same_origin])
async def add_contact_form(api: TenantApi, account_id: FromPath[str], data: Form) -> Response[Any]:
    """Add a contact with a last name (and optionally a first name)."""
    fields = {k: v for k, v in data.items() if k in ("last_name", "first_name") and v.strip()}

    def render() -> Response[Any]:
        def add() -> cg.Account:
            account, _contact = api.store.accounts.get(account_id).add_contact(**fields)
            return account

        save_retrying(api.store, add)
        return _redirect(f"/ui/accounts/{quote(account_id, safe='')}")

    return await _guarded(api, render)


@post("/ui/contacts/{contact_id:str}", include_in_schema=False, guards=[same_origin])
async def complete_contact_form(
    api: TenantApi, contact_id: FromPath[str], data: Form
) -> Response[Any]:
    """Save the completed fields (an emptied field is cleared)."""
    fields = {
        k: (v.strip() or None)
        for k, v in data.items()
        if k in ("first_name", "title", "email", "phone")
    }

    def render() -> Response[Any]:
        change_contact(
            api.store, contact_id, None, lambda a: a.update_contact(contact_id, **fields)
        )
        return _redirect(f"/ui/contacts/{quote(contact_id, safe='')}")

    return await _guarded(api, render)


@post("/ui/contacts/{contact_id:str}/{action:str}", include_in_schema=False, guards=[same_origin])
async def toggle_contact_form(
    api: TenantApi, contact_id: FromPath[str], action: FromPath[str]
) -> Response[Any]:
    """Deactivate or reactivate."""

    def render() -> Response[Any]:
        if action == "deactivate":
            change_contact(api.store, contact_id, None, lambda a: a.deactivate_contact(contact_id))
        elif action == "reactivate":
            change_contact(api.store, contact_id, None, lambda a: a.reactivate_contact(contact_id))
        else:
            raise cg.NotFoundError("action", action)
        return _redirect(f"/ui/contacts/{quote(contact_id, safe='')}")

    return await _guarded(api, render)


HANDLERS = [
    home,
    account_card,
    contact_card,
    add_contact_form,
    complete_contact_form,
    toggle_contact_form,
]
