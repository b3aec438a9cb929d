"""Commands that read: accounts, account, contact, search, org-chart, opportunities, cases,
hierarchy."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

from contactgraph.cli import options
from contactgraph.cli.cards import (
    account_card,
    account_json,
    account_summary,
    accounts_table,
    case_rows,
    contact_card,
    contact_json,
    opportunity_rows,
)
from contactgraph.cli.codes import EXIT_OK
from contactgraph.cli.context import Commands, Context
from contactgraph.cli.output import plain
from contactgraph.domain import Account, Case, OrgNode
from contactgraph.graph import AccountNode, Navigator, render
from contactgraph.graph.lookup import (
    UnknownNameError,
    find_account,
    find_contact,
    search_accounts,
)

__all__ = ["register"]


def cmd_accounts(ctx: Context, args: argparse.Namespace) -> int:
    accounts = ctx.store.accounts.list(limit=args.limit)
    total = ctx.store.accounts.count() if args.limit is not None else len(accounts)
    if ctx.out.as_json:
        ctx.out.json([account_summary(a) for a in accounts])
        return EXIT_OK
    accounts_table(ctx.out, accounts)
    if total > len(accounts):
        ctx.out.line(f"(the first {len(accounts)} of {total} accounts; raise --limit to see more)")
    return EXIT_OK


def cmd_account(ctx: Context, args: argparse.Namespace) -> int:
    account = find_account(ctx.store, args.account)
    if ctx.out.as_json:
        ctx.out.json(account_json(ctx.store, account))
    else:
        account_card(ctx.store, account, ctx.out)
    return EXIT_OK


def cmd_contact(ctx: Context, args: argparse.Namespace) -> int:
    contact = find_contact(ctx.store, args.contact)
    account = ctx.store.accounts.account_of(contact.id)
    if ctx.out.as_json:
        ctx.out.json(contact_json(ctx.store, account, account.contact(contact.id)))
    else:
        contact_card(ctx.store, account, account.contact(contact.id), ctx.out)
    return EXIT_OK


def cmd_search(ctx: Context, args: argparse.Namespace) -> int:
    store, limit = ctx.store, args.limit
    accounts = search_accounts(store, args.text, limit=limit + 1)  # bounds TEXT first
    contacts = store.accounts.search_contacts(args.text, limit=limit + 1)
    more = len(contacts) > limit or len(accounts) > limit
    contacts, accounts = contacts[:limit], accounts[:limit]
    names = {a.id: a.name for a in accounts}
    missing = {c.account_id for c in contacts} - names.keys()
    names.update({a.id: a.name for a in store.accounts.get_many(missing)})
    if ctx.out.as_json:
        ctx.out.json(
            {
                "accounts": [account_summary(a) for a in accounts],
                "contacts": [
                    {
                        "id": c.id,
                        "name": c.full_name,
                        "email": str(c.email) if c.email else None,
                        "account_id": c.account_id,
                        "account": names.get(c.account_id),
                    }
                    for c in contacts
                ],
                "limit": limit,
                "truncated": more,
            }
        )
        return EXIT_OK
    ctx.out.line("Accounts:")
    ctx.out.table(["Name", "Contacts", "Id"], [(a.name, len(a.contacts), a.id) for a in accounts])
    ctx.out.line()
    ctx.out.line("Contacts:")
    ctx.out.table(
        ["Name", "Title", "Email", "Account", "Id"],
        [(c.full_name, c.title, c.email, names.get(c.account_id), c.id) for c in contacts],
    )
    if more:
        ctx.out.line()
        ctx.out.line(f"(stopped at {limit} of each; there are more: raise --limit or refine TEXT)")
    return EXIT_OK


def _org_node(n: OrgNode) -> dict[str, Any]:
    return {
        "id": n.contact.id,
        "name": n.contact.full_name,
        "title": n.contact.title,
        "reports": [_org_node(r) for r in n.reports],
    }


def cmd_org_chart(ctx: Context, args: argparse.Namespace) -> int:
    account = find_account(ctx.store, args.account)
    if ctx.out.as_json:
        ctx.out.json(
            {
                "account": {"id": account.id, "name": account.name},
                "org_chart": [_org_node(n) for n in account.org_chart()],
            }
        )
        return EXIT_OK
    renderers: dict[str, Callable[[Account], str]] = {
        "text": render.org_chart_text,
        "mermaid": render.org_chart_mermaid,
        "dot": render.org_chart_dot,
    }
    ctx.out.line(renderers[args.format](account))
    return EXIT_OK


def _listing(
    ctx: Context,
    records: Sequence[Any],
    title: str,
    headers: list[str],
    rows: list[tuple[Any, ...]],
) -> int:
    """Records as a JSON list, or under a title as a table."""
    if ctx.out.as_json:
        ctx.out.json([plain(r) for r in records])
    else:
        ctx.out.line(title)
        ctx.out.table(headers, rows)
    return EXIT_OK


def cmd_opportunities(ctx: Context, args: argparse.Namespace) -> int:
    account = find_account(ctx.store, args.account)
    found = ctx.store.opportunities.list(account_id=account.id, open_only=args.open)
    names = {c.id: c.full_name for c in account.contacts.values()}
    return _listing(
        ctx,
        found,
        f"Opportunities of {account.name}:",
        ["Name", "Stage", "Amount", "Closes", "Primary contact", "Id"],
        opportunity_rows(found, names),
    )


def cmd_cases(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.store
    try:
        account = find_account(store, args.record)
        found: list[Case] = store.cases.list(account_id=account.id, open_only=args.open)
        title = account.name
    except UnknownNameError as not_an_account:
        try:
            contact = find_contact(store, args.record)
        except UnknownNameError:
            raise UnknownNameError(
                "Account or Contact", args.record, not_an_account.suggestions
            ) from None
        account = store.accounts.account_of(contact.id)
        found = store.cases.list(contact_id=contact.id, open_only=args.open)
        title = f"{contact.full_name} ({account.name})"
    names = {c.id: c.full_name for c in account.contacts.values()}
    return _listing(
        ctx,
        found,
        f"Cases of {title}:",
        ["Subject", "Status", "Priority", "Contact", "Opened", "Id"],
        case_rows(found, names),
    )


def _hierarchy_node(node: AccountNode) -> dict[str, Any]:
    return {
        "id": node.account.id,
        "name": node.account.name,
        "children": [_hierarchy_node(c) for c in node.children],
    }


def cmd_hierarchy(ctx: Context, args: argparse.Namespace) -> int:
    account = find_account(ctx.store, args.account)
    graph = Navigator(ctx.store)
    parent = graph.parent_of(account.id)
    children = graph.children_of(account.id)
    tree = graph.hierarchy(account.id)
    if ctx.out.as_json:
        ctx.out.json(
            {
                "account": {"id": account.id, "name": account.name},
                "parent": {"id": parent.id, "name": parent.name} if parent else None,
                "children": [{"id": c.id, "name": c.name} for c in children],
                "hierarchy": _hierarchy_node(tree),
            }
        )
        return EXIT_OK
    ctx.out.line(f"{account.name}  ({account.id})")
    ctx.out.line(f"  Parent: {parent.name if parent else '(none: a top account)'}")
    ctx.out.line(f"  Children: {', '.join(c.name for c in children) or '(none)'}")
    ctx.out.line()
    ctx.out.line(render.hierarchy_text(tree))
    return EXIT_OK


def register(commands: Commands) -> None:
    p = commands.add("accounts", cmd_accounts, "list accounts")
    p.add_argument("--limit", type=options.count, default=None, help="at most N accounts")
    p = commands.add(
        "account",
        cmd_account,
        "show an account: its contacts, opportunities and cases (--json adds readiness)",
    )
    p.add_argument("account", metavar="NAME|ID")
    p = commands.add(
        "contact",
        cmd_contact,
        "show a contact with its account, manager, reports and related objects",
    )
    p.add_argument("contact", metavar="NAME|EMAIL|ID")
    p = commands.add(
        "search", cmd_search, "find accounts and contacts whose name or email contains TEXT"
    )
    p.add_argument("text", metavar="TEXT")
    p.add_argument("--limit", type=options.count, default=50, help="at most N of each (50)")
    p = commands.add("org-chart", cmd_org_chart, "draw an account's org chart")
    p.add_argument("account", metavar="ACCOUNT")
    p.add_argument("--format", choices=["text", "mermaid", "dot"], default="text")
    p = commands.add("opportunities", cmd_opportunities, "list an account's opportunities")
    p.add_argument("account", metavar="ACCOUNT")
    p.add_argument("--open", action="store_true", help="only those not closed")
    p = commands.add("cases", cmd_cases, "list the cases of an account or of a contact")
    p.add_argument("record", metavar="ACCOUNT|CONTACT")
    p.add_argument("--open", action="store_true", help="only those not closed")
    p = commands.add(
        "hierarchy", cmd_hierarchy, "show an account's parent and children, and its whole tree"
    )
    p.add_argument("account", metavar="ACCOUNT")
