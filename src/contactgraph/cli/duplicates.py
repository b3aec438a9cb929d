"""``duplicates``: likely duplicate contacts or accounts, with their reasons and look-alikes."""

from __future__ import annotations

import argparse
from typing import Any

from contactgraph.cli import options
from contactgraph.cli.codes import EXIT_OK
from contactgraph.cli.context import Commands, Context
from contactgraph.matching import AccountCluster, ContactCluster, Reason

__all__ = ["register"]


def _reasons(reasons: tuple[Reason, ...]) -> str:
    return ", ".join(f"{r.field} {r.level} ({r.weight:+.1f})" for r in reasons)


def _plain(reason: Reason) -> dict[str, Any]:
    return {"field": reason.field, "level": reason.level, "weight": reason.weight}


def cmd_duplicates(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.store
    accounts = {a.id: a for a in store.accounts}
    if args.accounts:
        clusters: list[ContactCluster] | list[AccountCluster] = store.duplicates(
            kind="accounts", threshold=args.threshold
        )
    else:
        clusters = store.duplicates(threshold=args.threshold)
    people = {c.id: (c, a) for a in accounts.values() for c in a.contacts.values()}
    found: list[dict[str, Any]] = []
    for cluster in clusters:
        if isinstance(cluster, AccountCluster):
            ids = cluster.account_ids
            members: list[dict[str, Any]] = [
                {"id": i, "name": accounts[i].name, "contacts": len(accounts[i].contacts)}
                for i in ids
            ]
        else:
            ids = cluster.contact_ids
            members = [
                {
                    "id": i,
                    "name": people[i][0].full_name,
                    "email": str(people[i][0].email) if people[i][0].email else None,
                    "account": people[i][1].name,
                }
                for i in ids
            ]
        found.append(
            {
                "ids": list(ids),
                "score": round(cluster.score, 6),
                "reasons": [_plain(r) for r in cluster.reasons],
                "members": members,
            }
        )
    lookalikes = store.lookalikes() if args.lookalikes else []
    if ctx.out.as_json:
        key = "account_ids" if args.accounts else "contact_ids"
        ctx.out.json(
            {
                "kind": "accounts" if args.accounts else "contacts",
                "threshold": args.threshold,
                "clusters": [{key: f.pop("ids"), **f} for f in found],
                "lookalikes": [
                    {"values": list(p.values), "ids": [list(x) for x in p.ids], "looks_like": p.key}
                    for p in lookalikes
                ],
            }
        )
        return EXIT_OK
    kind = "accounts" if args.accounts else "contacts"
    ctx.out.line(f"{len(found)} cluster(s) of likely duplicate {kind} (score >= {args.threshold}):")
    for f in found:
        ctx.out.line()
        ctx.out.line(
            f"score {f['score']:.4f}: {_reasons(tuple(Reason(**r) for r in f['reasons']))}"
        )
        if args.accounts:
            ctx.out.table(
                ["Name", "Contacts", "Id"],
                [(m["name"], m["contacts"], m["id"]) for m in f["members"]],
            )
        else:
            ctx.out.table(
                ["Name", "Email", "Account", "Id"],
                [(m["name"], m["email"], m["account"], m["id"]) for m in f["members"]],
            )
    if args.lookalikes:
        ctx.out.line()
        ctx.out.line(f"{len(lookalikes)} look-alike pair(s) (different values that read the same):")
        ctx.out.table(["Value", "Looks like", "Ids"], [
            (" / ".join(p.values), p.key, " / ".join(",".join(x) for x in p.ids)) for p in lookalikes
        ])  # fmt: skip
    return EXIT_OK


def register(commands: Commands) -> None:
    p = commands.add(
        "duplicates",
        cmd_duplicates,
        "likely duplicate contacts (or --accounts), with the evidence for each",
    )
    p.add_argument("--accounts", action="store_true", help="companies instead of people")
    p.add_argument(
        "--threshold",
        type=options.probability,
        default=0.99,
        help="how likely a pair must be to be linked, above 0 and at most 1 (default 0.99)",
    )
    p.add_argument(
        "--lookalikes",
        action="store_true",
        help="also list distinct emails and names that read the same (spoofing, import accidents)",
    )
