"""The ``contactgraph`` command: a thin layer over the library, for people and scripts.

Exit codes scripts can rely on:

====  ==========================================================
0     success
1     ``check`` found error-level violations
2     usage error (bad option or argument)
3     not found (no such account, contact…)
4     refused by a rule or an import (policy violation, bad rows)
5     the store cannot be opened or used (URL, server, schema)
====  ==========================================================

Errors print one line on stderr, never a traceback (``CONTACTGRAPH_DEBUG=1``
shows it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

import attrs

from contactgraph import policies
from contactgraph.domain import Account, Contact, match_key
from contactgraph.errors import (
    ConcurrencyError,
    ContactGraphError,
    ImportRejectedError,
    NotFoundError,
    PolicyViolationError,
    SchemaVersionError,
    StoreConfigurationError,
    StoreUnavailableError,
)
from contactgraph.store import Store

__all__ = ["main"]

DEFAULT_STORE_FILE = "contactgraph.sqlite"

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_REFUSED = 4
EXIT_STORE = 5
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a closed pipe


def default_store_url() -> str:
    """``CONTACTGRAPH_STORE_URL``, else a ``contactgraph.sqlite`` file in the current folder."""
    return (
        os.environ.get("CONTACTGRAPH_STORE_URL") or f"sqlite:///{Path.cwd() / DEFAULT_STORE_FILE}"
    )


# ----------------------------------------------------------------- output


class Output:
    """Where and how a command writes: tables for people, JSON for scripts."""

    def __init__(self, as_json: bool, out: TextIO | None = None) -> None:
        self.as_json = as_json
        self.out = out if out is not None else sys.stdout

    def line(self, text: str = "") -> None:
        print(text, file=self.out)

    def json(self, data: Any) -> None:
        print(json.dumps(data, indent=2, ensure_ascii=False, default=str), file=self.out)

    def table(self, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        cells = [[_cell(v) for v in row] for row in rows]
        widths = [len(h) for h in headers]
        for row in cells:
            widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
        self.line("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
        self.line("  ".join("-" * w for w in widths))
        for row in cells:
            self.line("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if not cells:
            self.line("(none)")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text if len(text) <= 48 else text[:47] + "…"


def _plain(obj: Any) -> Any:
    from contactgraph import serialization

    return serialization.unstructure(obj)


# ----------------------------------------------------------------- look-ups


def _find_account(store: Store, key: str) -> Account:
    """An account by id, external id or name (exact, then case/accent-insensitive)."""
    try:
        return store.accounts.get(key)
    except NotFoundError:
        pass
    wanted = match_key(key)
    matches = [a for a in store.accounts if match_key(a.name) == wanted]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        ids = ", ".join(a.id for a in matches)
        raise NotFoundError("Account", f"{key} (ambiguous: {len(matches)} accounts, ids {ids})")
    raise NotFoundError("Account", key)


def _find_contact(store: Store, key: str) -> tuple[Account, Contact]:
    """A contact by id, email or name; an ambiguous name lists the candidates."""
    try:
        account = store.accounts.account_of(key)
        return account, account.contact(key)
    except NotFoundError:
        pass
    found: list[Contact] = []
    if "@" in key:
        found = store.accounts.find_contacts(email=key)
    if not found:
        found = store.accounts.find_contacts(name=key)
    if len(found) == 1:
        account = store.accounts.account_of(found[0].id)
        return account, account.contact(found[0].id)
    if len(found) > 1:
        who = "; ".join(f"{c.full_name} ({c.id})" for c in found[:10])
        raise NotFoundError("Contact", f"{key} (ambiguous: {who})")
    raise NotFoundError("Contact", key)


# ----------------------------------------------------------------- commands


def cmd_demo(store: Store, args: argparse.Namespace, out: Output) -> int:
    from contactgraph.demo import build_demo

    data = build_demo(store)
    acme = data.accounts["acme"]
    alice = data.contacts["alice"]
    if out.as_json:
        out.json(
            {
                "store": store.url,
                "created": data.created,
                "accounts": [_plain(a) for a in data.accounts.values()],
                "opportunity": _plain(data.opportunity),
                "case": _plain(data.case),
            }
        )
        return EXIT_OK
    out.line(f"contactgraph demo — store: {store.url}")
    out.line("(demo data created)" if data.created else "(demo data already there; reused)")
    out.line()
    out.line("== Accounts ==")
    _accounts_table(store, out)
    out.line()
    out.line(f"== Account: {acme.name} ==")
    _account_card(store, acme, out)
    out.line()
    out.line(f"== Contact: {alice.display_name} ==")
    _contact_card(store, acme, alice, out)
    out.line()
    out.line(f"== Org chart: {acme.name} ==")
    out.line(_org_chart_text(acme))
    out.line()
    out.line("== Readiness ==")
    _check(store, out, show_ok=True)
    out.line()
    out.line(
        "Try: contactgraph account 'ACME SA' · contactgraph contact alice.martin@acme.example.fr"
    )
    out.line("     contactgraph org-chart 'ACME SA' --format mermaid · contactgraph check --json")
    return EXIT_OK


def _accounts_table(store: Store, out: Output, limit: int | None = None) -> list[Account]:
    accounts = store.accounts.list(limit=limit)
    out.table(
        ["Name", "Type", "Industry", "City", "Contacts", "Active", "Id"],
        [
            (
                a.name,
                a.type,
                a.industry,
                a.billing_address.city if a.billing_address else None,
                len(a.contacts),
                len(a.active_contacts()),
                a.id,
            )
            for a in accounts
        ],
    )
    return accounts


def cmd_accounts(store: Store, args: argparse.Namespace, out: Output) -> int:
    if out.as_json:
        out.json([_account_summary(a) for a in store.accounts.list(limit=args.limit)])
        return EXIT_OK
    _accounts_table(store, out, args.limit)
    return EXIT_OK


def _account_summary(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "name": account.name,
        "type": account.type,
        "industry": account.industry,
        "contacts": len(account.contacts),
        "active_contacts": len(account.active_contacts()),
        "version": account.version,
    }


def _account_card(store: Store, account: Account, out: Output) -> None:
    out.line(f"{account.name}  ({account.id})")
    details = [
        ("Type", account.type),
        ("Industry", account.industry),
        ("Website", account.website),
        ("Phone", account.phone.international if account.phone else None),
        ("Billing address", str(account.billing_address) if account.billing_address else None),
    ]
    if account.parent_id:
        try:
            details.append(("Parent", store.accounts.get(account.parent_id).name))
        except NotFoundError:
            details.append(("Parent", account.parent_id))
    for label, value in details:
        if value:
            out.line(f"  {label}: {value}")
    out.line()
    out.table(
        ["Name", "Title", "Department", "Email", "Phone", "Role", "Active"],
        [
            (
                c.display_name,
                c.title,
                c.department,
                c.email,
                _phone_of(c),
                c.decision_role,
                c.active,
            )
            for c in account.sorted_contacts()
        ],
    )
    opportunities = store.opportunities.list(account_id=account.id)
    cases = store.cases.list(account_id=account.id)
    if opportunities:
        out.line()
        out.line("Opportunities:")
        for o in opportunities:
            amount = f", {o.amount}" if o.amount else ""
            out.line(f"  - {o.name} [{o.stage}{amount}, closes {o.close_date or '?'}]")
    if cases:
        out.line()
        out.line("Cases:")
        for c in cases:
            out.line(f"  - {c.subject} [{c.status}, {c.priority}]")


def _phone_of(contact: Contact) -> str | None:
    number = contact.phone or contact.mobile
    return number.international if number is not None else None


def cmd_account(store: Store, args: argparse.Namespace, out: Output) -> int:
    account = _find_account(store, args.account)
    if out.as_json:
        data = _plain(account)
        data["readiness"] = _readiness_json(account)
        out.json(data)
        return EXIT_OK
    _account_card(store, account, out)
    return EXIT_OK


def _contact_card(store: Store, account: Account, contact: Contact, out: Output) -> None:
    out.line(f"{contact.display_name}  ({contact.id})")
    manager = account.manager_of(contact.id)
    reports = account.direct_reports(contact.id)
    rows = [
        ("Account", f"{account.name} ({account.id})"),
        ("Title", contact.title),
        ("Department", contact.department),
        ("Email", contact.email),
        ("Phone", contact.phone.international if contact.phone else None),
        ("Mobile", contact.mobile.international if contact.mobile else None),
        ("Decision role", contact.decision_role),
        ("Reports to", manager.label if manager else None),
        ("Direct reports", ", ".join(r.label for r in reports) or None),
        ("Status", "active" if contact.active else "inactive"),
        (
            "Consent",
            ", ".join(
                f
                for f in (
                    "email opt-out" if contact.email_opt_out else "",
                    "do not call" if contact.do_not_call else "",
                )
                if f
            )
            or None,
        ),
    ]
    for label, value in rows:
        if value:
            out.line(f"  {label}: {value}")
    opportunities = store.opportunities.list(contact_id=contact.id)
    for o in opportunities:
        role = o.role_of(contact.id)
        what = (
            f"{role.role or 'contact'}{', primary' if role and role.is_primary else ''}"
            if role
            else "contact"
        )
        out.line(f"  Opportunity: {o.name} [{o.stage}] as {what}")
    for case in store.cases.list(contact_id=contact.id):
        out.line(f"  Case: {case.subject} [{case.status}]")


def cmd_contact(store: Store, args: argparse.Namespace, out: Output) -> int:
    account, contact = _find_contact(store, args.contact)
    if out.as_json:
        data = _plain(contact)
        data["account"] = {"id": account.id, "name": account.name}
        manager = account.manager_of(contact.id)
        data["manager"] = {"id": manager.id, "name": manager.full_name} if manager else None
        data["reports"] = [
            {"id": r.id, "name": r.full_name} for r in account.direct_reports(contact.id)
        ]
        data["opportunities"] = [
            {"id": o.id, "name": o.name, "role": role.role, "is_primary": role.is_primary}
            for o in store.opportunities.list(contact_id=contact.id)
            if (role := o.role_of(contact.id)) is not None
        ]
        data["cases"] = [
            {"id": c.id, "subject": c.subject, "status": c.status}
            for c in store.cases.list(contact_id=contact.id)
        ]
        out.json(data)
        return EXIT_OK
    _contact_card(store, account, contact, out)
    return EXIT_OK


def cmd_search(store: Store, args: argparse.Namespace, out: Output) -> int:
    contacts = store.accounts.search_contacts(args.text, limit=args.limit)
    wanted = match_key(args.text)
    accounts = [a for a in store.accounts if wanted in match_key(a.name)][: args.limit]
    names = {a.id: a.name for a in accounts}
    for c in contacts:
        if c.account_id not in names:
            names[c.account_id] = store.accounts.get(c.account_id).name
    if out.as_json:
        out.json(
            {
                "accounts": [_account_summary(a) for a in accounts],
                "contacts": [
                    {
                        "id": c.id,
                        "name": c.full_name,
                        "email": str(c.email) if c.email else None,
                        "account_id": c.account_id,
                        "account": names[c.account_id],
                    }
                    for c in contacts
                ],
            }
        )
        return EXIT_OK
    out.line("Accounts:")
    out.table(["Name", "Contacts", "Id"], [(a.name, len(a.contacts), a.id) for a in accounts])
    out.line()
    out.line("Contacts:")
    out.table(
        ["Name", "Title", "Email", "Account", "Id"],
        [(c.full_name, c.title, c.email, names[c.account_id], c.id) for c in contacts],
    )
    return EXIT_OK


def _org_chart_text(account: Account) -> str:
    from contactgraph.graph import render

    return render.org_chart_text(account)


def cmd_org_chart(store: Store, args: argparse.Namespace, out: Output) -> int:
    from contactgraph.graph import render

    account = _find_account(store, args.account)
    if out.as_json:

        def node(n: Any) -> dict[str, Any]:
            return {
                "id": n.contact.id,
                "name": n.contact.full_name,
                "title": n.contact.title,
                "reports": [node(r) for r in n.reports],
            }

        out.json(
            {
                "account": {"id": account.id, "name": account.name},
                "org_chart": [node(n) for n in account.org_chart()],
            }
        )
        return EXIT_OK
    renderers: dict[str, Callable[[Account], str]] = {
        "text": render.org_chart_text,
        "mermaid": render.org_chart_mermaid,
        "dot": render.org_chart_dot,
    }
    out.line(renderers[args.format](account))
    return EXIT_OK


def _readiness_json(account: Account) -> dict[str, Any]:
    state = policies.readiness(account)
    return {
        "actionable": state.actionable,
        "actions": {
            str(action): {
                "possible": r.possible,
                "recipients": [c.id for c in r.recipients],
                "reasons": [v.message for v in r.reasons],
            }
            for action, r in state.actions.items()
        },
        "gaps": [v.message for v in state.gaps],
    }


def _check(store: Store, out: Output, show_ok: bool = False, strict: bool = False) -> int:
    rules = policies.default()
    report = []
    errors = 0
    for account in store.accounts:
        violations = rules.check(account)
        errors += sum(v.is_error or strict for v in violations)
        report.append((account, violations, policies.readiness(account)))
    if out.as_json:
        out.json(
            [
                {
                    "account": {"id": a.id, "name": a.name},
                    "violations": [_plain(v) for v in vs],
                    "readiness": _readiness_json(a),
                }
                for a, vs, _ in report
            ]
        )
        return EXIT_CHECK_FAILED if errors else EXIT_OK
    for account, violations, state in report:
        marks = "".join("✔" if r.possible else "✘" for r in state.actions.values())
        out.line(
            f"{account.name}: {'actionable' if state.actionable else 'NOT actionable'}  [{marks} contract/campaign/follow-up]"
        )
        for line in state.summary():
            if show_ok or "NOT" in line or line.startswith("gap"):
                out.line(f"    {line}")
        for v in violations:
            if v.code.startswith("readiness."):
                continue  # said above
            out.line(f"    {v.severity}: {v.message}")
    out.line()
    out.line(f"{len(report)} account(s), {errors} error(s)")
    return EXIT_CHECK_FAILED if errors else EXIT_OK


def cmd_check(store: Store, args: argparse.Namespace, out: Output) -> int:
    return _check(store, out, strict=args.strict)


class ProgressBar:
    """A one-line progress bar on stderr, shown only to people (a terminal)."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self._last = -1

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        if total:
            percent = min(100, done * 100 // total)
            if percent == self._last:
                return
            self._last = percent
            filled = percent * 30 // 100
            bar = "#" * filled + "-" * (30 - filled)
            self.stream.write(f"\r{self.label} [{bar}] {percent:3d}% ({done:,}/{total:,})")
        else:
            if done - self._last < 1000 and done > 0:
                return
            self._last = done
            self.stream.write(f"\r{self.label} {done:,} records")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._last >= 0:
            self.stream.write("\n")
            self.stream.flush()


def cmd_import(store: Store, args: argparse.Namespace, out: Output) -> int:
    from contactgraph import interop

    paths = [Path(p) for p in args.paths]
    for path in paths:
        if not path.exists():
            raise NotFoundError("file", str(path))
    options = interop.ImportOptions(
        mode=interop.ImportMode.PARTIAL if args.partial else interop.ImportMode.ALL_OR_NOTHING,
        default_region=args.region,
        orphan_account=args.orphans_to,
        namespace=args.namespace,
        default_currency=args.currency,
        results_dir=args.results,
    )
    bar = ProgressBar("importing")
    try:
        reports = [interop.import_files(store, paths, options=options, progress=bar)]
    finally:
        bar.close()
    refused = sum(len(r.errors) for r in reports)
    if out.as_json:
        out.json(
            [
                {
                    "counts": {k: attrs.asdict(v) for k, v in r.counts.items()},
                    "errors": [_plain(e) for e in r.errors],
                    "warnings": [_plain(w) for w in r.warnings],
                    "skipped": [_plain(s) for s in r.skipped],
                    "success_files": [str(f) for f in r.success_files],
                    "error_files": [str(f) for f in r.error_files],
                    "rows": r.rows,
                }
                for r in reports
            ]
        )
    else:
        for report in reports:
            out.line(report.summary())
            for item in report.skipped:
                out.line(f"skipped: {item}")
            for item in report.errors[:50]:
                out.line(f"refused: {item}")
            if len(report.errors) > 50:
                out.line(f"… and {len(report.errors) - 50} more refused rows (see the error files)")
            for f in (*report.success_files, *report.error_files):
                out.line(f"wrote {f}")
    return EXIT_REFUSED if refused else EXIT_OK


def cmd_export(store: Store, args: argparse.Namespace, out: Output) -> int:
    from contactgraph import interop

    directory = Path(args.directory)
    account_ids = [_find_account(store, a).id for a in args.account] if args.account else None
    bar = ProgressBar("exporting")
    files: list[Path] = []
    counts: dict[str, int] = {}
    try:
        if args.format == "vcard":
            directory.mkdir(parents=True, exist_ok=True)
            accounts = (
                [store.accounts.get(i) for i in account_ids]
                if account_ids
                else list(store.accounts)
            )
            for account in accounts:
                safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in account.name)[
                    :60
                ]
                files.append(
                    interop.write_vcards(directory / f"{safe}-{account.id[:8]}.vcf", account)
                )
                counts["Contact"] = counts.get("Contact", 0) + len(account.contacts)
        else:
            report = interop.export_files(
                store, directory, format=args.format, account_ids=account_ids, progress=bar
            )
            files, counts = list(report.files), dict(report.counts)
    finally:
        bar.close()
    if out.as_json:
        out.json({"files": [str(f) for f in files], "counts": counts})
    else:
        for name, count in counts.items():
            out.line(f"{name}: {count}")
        for f in files:
            out.line(f"wrote {f}")
    return EXIT_OK


# ----------------------------------------------------------------- parser


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--store",
        metavar="URL",
        default=argparse.SUPPRESS,
        help=f"store URL (default: $CONTACTGRAPH_STORE_URL or ./{DEFAULT_STORE_FILE})",
    )
    common.add_argument(
        "--tenant", default=argparse.SUPPRESS, help="tenant key (default: 'default')"
    )
    common.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="machine-readable JSON output",
    )

    parser = argparse.ArgumentParser(
        prog="contactgraph",
        description="Accounts, contacts, opportunities and cases.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, handler: Callable[..., int], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help, parents=[common])
        p.set_defaults(handler=handler)
        return p

    add("demo", cmd_demo, "build a small demo CRM in the store and show it")
    p = add("accounts", cmd_accounts, "list accounts")
    p.add_argument("--limit", type=int, default=None)
    p = add("account", cmd_account, "show an account, its contacts, opportunities and cases")
    p.add_argument("account", metavar="NAME|ID")
    p = add(
        "contact",
        cmd_contact,
        "show a contact with its account, manager, reports and related objects",
    )
    p.add_argument("contact", metavar="NAME|EMAIL|ID")
    p = add("search", cmd_search, "find accounts and contacts whose name or email contains TEXT")
    p.add_argument("text", metavar="TEXT")
    p.add_argument("--limit", type=int, default=50)
    p = add("org-chart", cmd_org_chart, "draw an account's org chart")
    p.add_argument("account", metavar="ACCOUNT")
    p.add_argument("--format", choices=["text", "mermaid", "dot"], default="text")
    p = add("check", cmd_check, "policy and readiness report for every account (exit 1 on errors)")
    p.add_argument(
        "--strict",
        action="store_true",
        help="warnings count too (e.g. an account with no active contact)",
    )
    p = add(
        "import",
        cmd_import,
        "import Salesforce tree JSON (files or a data plan) or Data Loader CSV files",
    )
    p.add_argument("paths", metavar="PATH", nargs="+")
    p.add_argument(
        "--partial",
        action="store_true",
        help="let good rows land and report bad ones (default: all or nothing)",
    )
    p.add_argument(
        "--region", metavar="CC", help="default phone region for national numbers, e.g. US or FR"
    )
    p.add_argument(
        "--orphans-to",
        metavar="ACCOUNT",
        help="place contacts without an account under this account (id or name)",
    )
    p.add_argument("--namespace", help="namespace for referenceId-based external ids")
    p.add_argument(
        "--currency",
        default="USD",
        help="currency of amounts without CurrencyIsoCode (default USD)",
    )
    p.add_argument("--results", metavar="DIR", type=Path, help="write success and error files here")
    p = add("export", cmd_export, "export to Data Loader CSV, Salesforce tree JSON or vCard files")
    p.add_argument("directory", metavar="DIR")
    p.add_argument("--format", choices=["csv", "tree", "vcard"], default="csv")
    p.add_argument(
        "--account", action="append", metavar="NAME|ID", help="only this account (repeatable)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    out = Output(getattr(args, "json", False))
    url = getattr(args, "store", None) or default_store_url()
    tenant = getattr(args, "tenant", None) or "default"
    try:
        from contactgraph import open_store

        with open_store(url, tenant=tenant) as store:
            return int(args.handler(store, args, out))
    except NotFoundError as exc:
        return _fail(exc, EXIT_NOT_FOUND)
    except (PolicyViolationError, ImportRejectedError, ConcurrencyError) as exc:
        return _fail(exc, EXIT_REFUSED)
    except (StoreConfigurationError, StoreUnavailableError, SchemaVersionError) as exc:
        return _fail(exc, EXIT_STORE)
    except ContactGraphError as exc:
        return _fail(exc, EXIT_REFUSED)
    except KeyboardInterrupt:
        print("contactgraph: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`contactgraph accounts | head`): stop quietly, as
        # a process killed by SIGPIPE would, and keep Python from complaining at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _fail(exc: BaseException, code: int) -> int:
    if os.environ.get("CONTACTGRAPH_DEBUG"):
        raise exc
    message = " ".join(str(exc).split())
    print(f"contactgraph: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
