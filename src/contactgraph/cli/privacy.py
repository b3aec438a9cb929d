"""``history``, ``personal-data`` and ``forget``: what changed, what is held about a person, erasing it.

``personal-data`` prints the person's document (JSON always: it is meant to be
handed over as it is). ``forget`` erases a person and asks for ``--yes``
first; it cannot be undone (see docs/howto/history-and-privacy.md).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from contactgraph.cli.codes import EXIT_OK, UsageError
from contactgraph.cli.context import Commands, Context
from contactgraph.graph.lookup import find_account, find_contact

__all__ = ["register"]


def _value(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def cmd_history(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.store
    if args.account:
        record_id = find_account(store, args.record).id
    else:
        record_id = find_contact(store, args.record).id
    changes = store.history.of(record_id, field=args.field)
    if ctx.out.as_json:
        ctx.out.json(
            {
                "record_id": record_id,
                "changes": [
                    {
                        "seq": c.seq,
                        "at": c.at.isoformat(),
                        "actor": c.actor,
                        "action": c.action,
                        "field": c.field,
                        "old": c.old,
                        "new": c.new,
                        "redacted": c.redacted,
                    }
                    for c in changes
                ],
            }
        )
        return EXIT_OK
    ctx.out.line(f"{len(changes)} change(s) of {record_id}, oldest first:")
    ctx.out.table(
        ["When", "Who", "What", "Field", "Old", "New"],
        [
            (c.at.strftime("%Y-%m-%d %H:%M:%S"), c.actor or "", c.action, c.field or "",
             _value(c.old), _value(c.new))
            for c in changes
        ],
    )  # fmt: skip
    return EXIT_OK


def cmd_personal_data(ctx: Context, args: argparse.Namespace) -> int:
    contact = find_contact(ctx.store, args.contact)
    ctx.out.json(ctx.store.personal_data(contact.id))
    return EXIT_OK


def _confirmed(args: argparse.Namespace) -> None:
    if not args.yes:
        raise UsageError(
            "forget erases the person's personal data everywhere and cannot be undone; "
            "run `personal-data CONTACT` first if they asked for a copy, then add --yes"
        )


def cmd_forget(ctx: Context, args: argparse.Namespace) -> int:
    contact = find_contact(ctx.store, args.contact)
    done = ctx.store.forget(contact.id, actor=args.actor)
    scrubbed = done.files_scrubbed
    if ctx.out.as_json:
        ctx.out.json(done.to_dict())
        return EXIT_OK
    ctx.out.line(f"forgot contact {done.contact_id}: erased {', '.join(done.fields) or 'nothing'}")
    ctx.out.line(
        f"  {done.history_entries} history entries, {done.cases} case(s), "
        f"{done.opportunities} opportunit(ies), {done.relations} relation(s) and "
        f"{done.contacts} other note(s) rewritten"
    )
    if not scrubbed:
        ctx.out.line(
            "  the store's files may still hold old values until the database reclaims them "
            "(PostgreSQL: VACUUM; see docs/howto/history-and-privacy.md)"
        )
    return EXIT_OK


def register(commands: Commands) -> None:
    p = commands.add("history", cmd_history, "the field history of a contact (or --account)")
    p.add_argument("record", help="contact id, email or name (account with --account)")
    p.add_argument("--account", action="store_true", help="RECORD names an account")
    p.add_argument("--field", help="only this field's changes (e.g. email)")
    p = commands.add(
        "personal-data",
        cmd_personal_data,
        "everything held about one person, as one JSON document",
    )
    p.add_argument("contact", help="contact id, email or name")
    p = commands.add(
        "forget",
        cmd_forget,
        "erase a person's personal data everywhere (asks for --yes)",
        check=_confirmed,
    )
    p.add_argument("contact", help="contact id, email or name")
    p.add_argument("--yes", action="store_true", help="yes, erase them (cannot be undone)")
    p.add_argument("--actor", help="who asks, recorded in the field history")
