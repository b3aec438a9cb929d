"""``merge contacts|accounts SURVIVOR LOSER…`` and ``unmerge MERGE_ID``."""

from __future__ import annotations

import argparse

from contactgraph.cli.codes import EXIT_OK, UsageError
from contactgraph.cli.context import Commands, Context
from contactgraph.graph.lookup import find_account, find_contact
from contactgraph.merging import MergePlan, MergeRecord

__all__ = ["register"]


def _take(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        field, sep, value = pair.partition("=")
        if not sep or not field.strip():
            raise UsageError(f"--take {pair!r}: write FIELD=ID (or FIELD=VALUE)")
        out[field.strip()] = value
    return out


def _show(ctx: Context, result: MergePlan | MergeRecord) -> int:
    if ctx.out.as_json:
        ctx.out.json(result.to_dict())
    elif isinstance(result, MergePlan):
        ctx.out.line("dry run, nothing written:")
        ctx.out.line(str(result))
    else:
        ctx.out.line(
            f"merged {', '.join(result.loser_ids)} into {result.survivor_id}; "
            f"undo with: unmerge {result.id}"
        )
    return EXIT_OK


def cmd_merge_contacts(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.store
    survivor = find_contact(store, args.survivor).id
    losers = [find_contact(store, key).id for key in args.losers]
    take = _take(args.take)
    return _show(ctx, store.merge_contacts(survivor, losers, take=take, dry_run=args.dry_run))


def cmd_merge_accounts(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.store
    survivor = find_account(store, args.survivor).id
    losers = [find_account(store, key).id for key in args.losers]
    take = _take(args.take)
    return _show(ctx, store.merge_accounts(survivor, losers, take=take, dry_run=args.dry_run))


def cmd_unmerge(ctx: Context, args: argparse.Namespace) -> int:
    record = ctx.store.unmerge(args.merge_id)
    if ctx.out.as_json:
        ctx.out.json(record.to_dict())
    else:
        ctx.out.line(f"unmerged {record.id}: {', '.join(record.loser_ids)} restored")
    return EXIT_OK


def register(commands: Commands) -> None:
    group = commands.group("merge", "merge duplicate contacts or accounts into a survivor")
    for what, handler in (("contacts", cmd_merge_contacts), ("accounts", cmd_merge_accounts)):
        p = group.add(
            what,
            handler,
            f"merge {what} into SURVIVOR (ids); the losers are removed, their links re-pointed",
            writes=True,
        )
        p.add_argument(
            "survivor", metavar="SURVIVOR", help="the record that stays (id, name or email)"
        )
        p.add_argument("losers", metavar="LOSER", nargs="+", help="the records merged into it")
        p.add_argument("--dry-run", action="store_true", help="show the plan, write nothing")
        p.add_argument(
            "--take",
            action="append",
            default=[],
            metavar="FIELD=ID",
            help="the value of FIELD comes from record ID (or is the value given); repeatable",
        )
    u = commands.add("unmerge", cmd_unmerge, "undo a merge from its record", writes=True)
    u.add_argument("merge_id", metavar="MERGE_ID", help="the id a merge printed")
