"""HTML cards for notebooks: accounts, contacts and org charts (``_repr_html_``).

Pure functions of domain objects; every value is HTML-escaped, so a name
with ``<script>`` in it shows as text. Imports nothing but the domain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from html import escape
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from contactgraph.domain.account import Account, OrgNode
    from contactgraph.domain.case import Case
    from contactgraph.domain.contact import Contact
    from contactgraph.domain.opportunity import Opportunity
    from contactgraph.domain.relation import AccountContactRelation
    from contactgraph.domain.values import DecisionRole

__all__ = [
    "account_html",
    "account_tree_html",
    "contact_html",
    "org_chart_html",
    "readiness_html",
]

N = TypeVar("N")

_CARD = (
    'style="font-family:sans-serif;border:1px solid #ccc;border-radius:6px;'
    'padding:8px 12px;margin:4px 0;max-width:48em"'
)


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _rows(pairs: Iterable[tuple[str, object]]) -> str:
    cells = "".join(
        f'<tr><th style="text-align:left;padding-right:1em">{_e(k)}</th><td>{_e(v)}</td></tr>'
        for k, v in pairs
        if v is not None and v != ""
    )
    return f"<table>{cells}</table>" if cells else ""


def _list(title: str, items: Sequence[str]) -> str:
    """A titled bullet list of already-escaped items."""
    if not items:
        return ""
    lis = "".join(f"<li>{item}</li>" for item in items)
    return f'<div><b>{_e(title)}</b><ul style="margin:2px 0">{lis}</ul></div>'


def _contact_line(contact: Contact) -> str:
    state = "" if contact.active else " <i>(inactive)</i>"
    email = f" &lt;{_e(contact.email)}&gt;" if contact.email is not None else ""
    return f"{_e(contact.label)}{email}{state}"


def contact_html(
    contact: Contact,
    *,
    account_name: str | None = None,
    manager: Contact | None = None,
    reports: Iterable[Contact] = (),
    opportunities: Iterable[tuple[Opportunity, DecisionRole | None, bool]] = (),
    cases: Iterable[Case] = (),
    relations: Iterable[tuple[AccountContactRelation, str]] = (),
) -> str:
    """A contact card; the navigator passes the account, manager and related records."""
    head = _e(contact.display_name) + ("" if contact.active else " <i>(inactive)</i>")
    table = _rows(
        [
            ("Title", contact.title),
            ("Department", contact.department),
            ("Account", account_name),
            ("Email", contact.email),
            ("Phone", contact.phone),
            ("Mobile", contact.mobile),
            ("Decision role", contact.decision_role),
            ("Manager", manager.label if manager is not None else None),
            ("Email opt-out", "yes" if contact.email_opt_out else None),
            ("Do not call", "yes" if contact.do_not_call else None),
        ]
    )
    opps = [
        f"{_e(o.name)} [{_e(o.stage)}]"
        + (f" as {_e(role)}" if role else "")
        + (" <b>(primary)</b>" if primary else "")
        for o, role, primary in opportunities
    ]
    rels = [
        f"{_e(name)}"
        + (f" ({_e(', '.join(r.roles))})" if r.roles else "")
        + (" active" if r.is_active else f" ended {_e(r.end_date or '')}")
        for r, name in relations
    ]
    return (
        f'<div {_CARD}><div style="font-size:1.1em"><b>{head}</b></div>{table}'
        + _list("Reports", [_contact_line(c) for c in reports])
        + _list("Opportunities", opps)
        + _list("Cases", [f"{_e(k.subject)} [{_e(k.status)}]" for k in cases])
        + _list("Other accounts", rels)
        + "</div>"
    )


def account_html(
    account: Account,
    *,
    parent_name: str | None = None,
    children: Iterable[str] = (),
    opportunities: Iterable[Opportunity] = (),
    cases: Iterable[Case] = (),
    notes: Iterable[str] = (),
) -> str:
    """An account card listing its contacts (active first); the navigator adds the rest."""
    table = _rows(
        [
            ("Type", account.type),
            ("Industry", account.industry),
            ("Website", account.website),
            ("Phone", account.phone),
            ("Billing address", account.billing_address),
            ("Parent", parent_name),
        ]
    )
    ordered = sorted(account.sorted_contacts(), key=lambda c: not c.active)
    contacts = [_contact_line(c) for c in ordered]
    return (
        f'<div {_CARD}><div style="font-size:1.1em"><b>{_e(account.name)}</b> '
        f"<small>({len(account.contacts)} contact(s))</small></div>{table}"
        + _list("Contacts", contacts)
        + _list("Child accounts", [_e(n) for n in children])
        + _list("Opportunities", [f"{_e(o.name)} [{_e(o.stage)}]" for o in opportunities])
        + _list("Cases", [f"{_e(k.subject)} [{_e(k.status)}]" for k in cases])
        + _list("Readiness", [_e(n) for n in notes])
        + "</div>"
    )


def _nested_list(
    roots: Iterable[N], label: Callable[[N], str], kids: Callable[[N], Sequence[N]]
) -> str:
    """Nested ``<ul>`` lists of already-escaped labels, without recursion (charts can be deep)."""
    parts = ['<ul style="margin:2px 0">']
    stack: list[tuple[bool, Any]] = [(False, r) for r in reversed(list(roots))]
    while stack:
        is_markup, item = stack.pop()
        if is_markup:
            parts.append(item)
            continue
        parts.append("<li>" + label(item))
        children = kids(item)
        stack.append((True, "</li>"))
        if children:
            parts.append('<ul style="margin:2px 0">')
            stack.append((True, "</ul>"))
            stack.extend((False, c) for c in reversed(children))
    parts.append("</ul>")
    return "".join(parts)


def org_chart_html(nodes: Iterable[OrgNode], title: str | None = None) -> str:
    """An org chart as nested lists."""
    head = f"<b>{_e(title)}</b>" if title else ""
    roots = list(nodes)
    if not roots:
        return f"<div {_CARD}>{head}<div><i>no contacts</i></div></div>"
    items = _nested_list(roots, lambda n: _contact_line(n.contact), lambda n: n.reports)
    return f"<div {_CARD}>{head}{items}</div>"


ActionState = tuple[str, bool, Sequence[str], Sequence[str]]
"""An action's name, whether it is possible, its recipients' labels, the reasons it is not."""


def readiness_html(account_name: str, actions: Iterable[ActionState], gaps: Iterable[str]) -> str:
    """Commercial readiness: each action ready (with whom) or blocked (why), then the gaps.

    Takes plain text, so the domain need not know the policies that compute it.
    """
    rows = []
    for action, possible, recipients, reasons in actions:
        if possible:
            state = '<span style="color:#1a7f37">ready</span>'
            detail = ", ".join(_e(r) for r in recipients)
        else:
            state = '<span style="color:#cf222e"><b>blocked</b></span>'
            detail = "; ".join(_e(r) for r in reasons)
        rows.append(
            f'<tr><th style="text-align:left;padding-right:1em">{_e(action)}</th>'
            f'<td style="padding-right:1em">{state}</td><td>{detail}</td></tr>'
        )
    return (
        f'<div {_CARD}><div style="font-size:1.1em"><b>{_e(account_name)}</b> '
        f"<small>readiness</small></div><table>{''.join(rows)}</table>"
        + _list("Gaps", [_e(g) for g in gaps])
        + "</div>"
    )


class AccountTree(Protocol):
    """What :func:`account_tree_html` needs of a hierarchy node."""

    @property
    def account(self) -> Account: ...

    @property
    def children(self) -> Sequence[AccountTree]: ...


def account_tree_html(node: AccountTree) -> str:
    """An account hierarchy as nested lists."""
    items = _nested_list([node], lambda n: _e(n.account.name), lambda n: n.children)
    return f"<div {_CARD}>{items}</div>"
