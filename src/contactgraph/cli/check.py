"""Commands that judge: ``check`` (policies and readiness) and ``ready`` (who an action reaches)."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any

from contactgraph import policies
from contactgraph.cli.cards import readiness_json
from contactgraph.cli.codes import EXIT_CHECK_FAILED, EXIT_NOT_READY, EXIT_OK
from contactgraph.cli.context import Commands, Context
from contactgraph.cli.output import Output, plain
from contactgraph.domain import Account
from contactgraph.errors import Violation
from contactgraph.graph.commercial import account_reasons, why_not
from contactgraph.graph.lookup import find_account
from contactgraph.policies import Action
from contactgraph.repos.protocol import StoreProtocol

__all__ = ["check_report", "register"]

ACTIONS = {
    "campaign": Action.CAMPAIGN,
    "contract": Action.SEND_CONTRACT,
    "follow-up": Action.OPPORTUNITY_FOLLOW_UP,
}
"""What ``ready --for`` accepts."""


def check_report(
    store: StoreProtocol,
    out: Output,
    accounts: Iterable[Account] | None = None,
    *,
    strict: bool = False,
    problems_only: bool = False,
    show_ok: bool = False,
) -> int:
    """Print the policy and readiness report; EXIT_CHECK_FAILED when it counts a problem."""
    rules = policies.default()
    report: list[tuple[Account, list[Violation], policies.Readiness]] = []
    errors = warnings = 0
    for account in store.accounts if accounts is None else accounts:
        violations = rules.check(account)
        errors += sum(v.is_error for v in violations)
        warnings += sum(not v.is_error for v in violations)
        state = policies.readiness(account)
        if problems_only and not violations and state.actionable:
            continue
        report.append((account, violations, state))
    counted = errors + warnings if strict else errors
    code = EXIT_CHECK_FAILED if counted else EXIT_OK
    if out.as_json:
        out.json(
            [
                {
                    "account": {"id": a.id, "name": a.name},
                    "violations": [plain(v) for v in vs],
                    "readiness": readiness_json(a),
                }
                for a, vs, _ in report
            ]
        )
        return code
    for account, violations, state in report:
        marks = "".join("✔" if r.possible else "✘" for r in state.actions.values())
        verdict = "actionable" if state.actionable else "NOT actionable"
        out.line(f"{account.name}: {verdict}  [{marks} contract/campaign/follow-up]")
        for line in state.summary():
            if show_ok or "NOT" in line or line.startswith("gap"):
                out.line(f"    {line}")
        for v in violations:
            if not v.code.startswith("readiness."):  # said above
                out.line(f"    {v.severity}: {v.message}")
    out.line()
    shown = f"{len(report)} account(s) shown" if problems_only else f"{len(report)} account(s)"
    tail = " (--strict: warnings count)" if strict else ""
    out.line(f"{shown}, {errors} error(s), {warnings} warning(s){tail}")
    return code


def cmd_check(ctx: Context, args: argparse.Namespace) -> int:
    accounts = [find_account(ctx.store, a) for a in args.accounts] if args.accounts else None
    return check_report(
        ctx.store, ctx.out, accounts, strict=args.strict, problems_only=args.problems
    )


def _contact(c: Any, reason: str | None = None) -> dict[str, Any]:
    data = {"id": c.id, "name": c.full_name, "email": c.email.address if c.email else None}
    if reason is not None:
        data["reason"] = reason
    return data


def cmd_ready(ctx: Context, args: argparse.Namespace) -> int:
    action = ACTIONS[args.action]
    accounts = list({a.id: a for a in (find_account(ctx.store, k) for k in args.accounts)}.values())
    results = []
    for account in accounts:
        reasons = account_reasons(account, action)
        reached, skipped = [], []
        for contact in account.sorted_contacts():
            why = why_not(contact, action)
            if why is None:
                reached.append(contact)
            else:
                skipped.append((contact, why))
        results.append((account, reasons, reached, skipped))
    ready = all(not reasons for _, reasons, _, _ in results)
    code = EXIT_OK if ready else EXIT_NOT_READY
    if ctx.out.as_json:
        ctx.out.json(
            {
                "action": args.action,
                "ready": ready,
                "accounts": [
                    {
                        "account": {"id": a.id, "name": a.name},
                        "ready": not reasons,
                        "recipients": [_contact(c) for c in reached] if not reasons else [],
                        "skipped": [_contact(c, why) for c, why in skipped],
                        "reasons": [plain(v) for v in reasons],
                    }
                    for a, reasons, reached, skipped in results
                ],
            }
        )
        return code
    ready_count = sum(1 for _, reasons, _, _ in results if not reasons)
    ctx.out.line(f"{args.action}: {ready_count} of {len(results)} account(s) ready")
    for account, reasons, reached, skipped in results:
        if reasons:
            ctx.out.line(f"{account.name}: NOT ready")
            for v in reasons:
                ctx.out.line(f"    why: {v.message}")
            continue
        ctx.out.line(f"{account.name}: ready, {len(reached)} recipient(s)")
        for c in reached:
            ctx.out.line(f"    {c.full_name}" + (f" <{c.email.address}>" if c.email else ""))
        for c, why in skipped:
            ctx.out.line(f"    skipped: {c.full_name} ({why})")
    return code


def register(commands: Commands) -> None:
    p = commands.add(
        "check",
        cmd_check,
        "policy and readiness report, per account (exit 1 when it finds an error)",
    )
    p.add_argument("accounts", metavar="ACCOUNT", nargs="*", help="only these accounts")
    p.add_argument(
        "--strict",
        action="store_true",
        help="warnings count too (e.g. an account with no active contact)",
    )
    p.add_argument(
        "--problems",
        action="store_true",
        help="show only accounts with a violation or not actionable",
    )
    p = commands.add(
        "ready",
        cmd_ready,
        "who an action on these accounts reaches, or every reason it cannot (exit 1 if not)",
    )
    p.add_argument("accounts", metavar="ACCOUNT", nargs="+")
    p.add_argument(
        "--for",
        dest="action",
        choices=list(ACTIONS),
        default="campaign",
        help="the action (default campaign)",
    )
