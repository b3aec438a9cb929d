"""``demo``: build the demo CRM once and show what the other commands show."""

from __future__ import annotations

import argparse

from contactgraph.cli.cards import account_card, accounts_table, contact_card
from contactgraph.cli.check import check_report
from contactgraph.cli.codes import EXIT_OK
from contactgraph.cli.context import Commands, Context
from contactgraph.cli.output import plain

__all__ = ["register"]


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    from contactgraph.demo import build_demo
    from contactgraph.graph import render

    store, out = ctx.store, ctx.out
    data = build_demo(store)
    acme = data.accounts["acme"]
    alice = data.contacts["alice"]
    if out.as_json:
        out.json(
            {
                "store": store.url,
                "created": data.created,
                "accounts": [plain(a) for a in data.accounts.values()],
                "opportunity": plain(data.opportunity),
                "case": plain(data.case),
            }
        )
        return EXIT_OK
    out.line(f"contactgraph demo — store: {store.url}")
    out.line("(demo data created)" if data.created else "(demo data already there; reused)")
    out.line()
    out.line("== Accounts ==")
    accounts_table(out, store.accounts.list())
    out.line()
    out.line(f"== Account: {acme.name} ==")
    account_card(store, acme, out)
    out.line()
    out.line(f"== Contact: {alice.display_name} ==")
    contact_card(store, acme, alice, out)
    out.line()
    out.line(f"== Org chart: {acme.name} ==")
    out.line(render.org_chart_text(acme))
    out.line()
    out.line("== Readiness ==")
    check_report(store, out, show_ok=True)
    out.line()
    email = alice.email.address if alice.email else alice.id
    out.line("Try:")
    for words in (
        ("account", acme.name),
        ("contact", email),
        ("org-chart", acme.name, "--format", "mermaid"),
        ("ready", acme.name, "--for", "campaign"),
        ("add", "contact", acme.name, "--last-name", "Roux", "--title", "Buyer"),
        ("check", "--json"),
        ("--help",),
    ):
        out.line(f"  {ctx.hint(*words)}")
    return EXIT_OK


def register(commands: Commands) -> None:
    commands.add(
        "demo", cmd_demo, "build a small demo CRM in the store (once) and show it", writes=True
    )
