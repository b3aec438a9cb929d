"""Commands that move files in and out: import and export."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs

from contactgraph.cli import options
from contactgraph.cli.codes import EXIT_OK, EXIT_REFUSED, UsageError
from contactgraph.cli.context import Commands, Context
from contactgraph.cli.output import ProgressBar, plain
from contactgraph.errors import NotFoundError, RowError
from contactgraph.graph.lookup import find_account

__all__ = ["flag_words", "fold", "register"]

_FLAGS = {
    "default_region": "--region",
    "orphan_account": "--orphans-to",
    "default_currency": "--currency",
    "results_dir": "--results",
    "namespace": "--namespace",
}
_OPTION_CALL = re.compile(r"ImportOptions\((\w+)=[^)]*\)")
_OPTION_WORD = re.compile(r"\b(" + "|".join(_FLAGS) + r")=(<[^>]*>|\.\.\.)?")
_RAW_PHONE = re.compile(r"\(0\) Missing or invalid default region\.\s*(?:\(([^)]*)\))?")


def flag_words(text: str) -> str:
    """A library message told in command-line words: ``--region``, not ``default_region=``."""
    text = _OPTION_CALL.sub(lambda m: _FLAGS.get(m[1], m[0]), text)
    text = _OPTION_WORD.sub(
        lambda m: _FLAGS[m[1]] + (f" {m[2].strip('<>').upper()}" if m[2] and m[2] != "..." else ""),
        text,
    )
    return _RAW_PHONE.sub(lambda m: m[1] or "no country code and no default region", text)


def fold(items: Iterable[RowError], limit: int = 20) -> list[str]:
    """Row messages for people: the same reason once, with how many rows gave it."""
    groups: dict[tuple[str, str | None, str], list[RowError]] = {}
    for item in items:
        groups.setdefault((item.source, item.field, flag_words(item.reason)), []).append(item)
    lines = []
    for (source, field, reason), rows in list(groups.items())[:limit]:
        where = f"{source}: " if source else ""
        what = f"field {field!r}: " if field else ""
        if len(rows) == 1:
            record = f" [{rows[0].record}]" if rows[0].record else ""
            lines.append(f"{where}row {rows[0].row}{record}: {what}{reason}")
        else:
            numbers = ", ".join(str(r.row) for r in rows[:5]) + (", …" if len(rows) > 5 else "")
            lines.append(f"{where}{len(rows)} rows ({numbers}): {what}{reason}")
    if len(groups) > limit:
        lines.append(f"… and {len(groups) - limit} more kinds of message")
    return lines


def _folder(path: Path, option: str) -> None:
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option}: {path} is a file, not a folder")


def _check_export(args: argparse.Namespace) -> None:
    _folder(Path(args.directory), "DIR")
    if args.salesforce_compatible and args.format != "tree":
        raise UsageError("--salesforce-compatible goes with --format tree")
    if args.no_formula_guard and args.format != "csv":
        raise UsageError("--no-formula-guard goes with --format csv")


def _check_import(args: argparse.Namespace) -> None:
    paths = [Path(p) for p in args.paths]
    if args.results is not None:
        _folder(args.results, "--results")
    for path in paths:
        if not path.exists():
            raise NotFoundError("file", str(path))
        if path.is_dir():
            raise UsageError(f"{path} is a folder; give the files to import")
    kinds = {p.suffix.casefold() for p in paths}
    if ".json" in kinds and len(paths) > 1:
        raise UsageError(
            "import one tree file or data plan at a time (a data plan lists several files), "
            "or Data Loader CSV files together"
        )


def cmd_import(ctx: Context, args: argparse.Namespace) -> int:
    from contactgraph import interop

    paths = [Path(p) for p in args.paths]
    if args.results is not None:
        args.results.mkdir(parents=True, exist_ok=True)
    import_options = interop.ImportOptions(
        mode=interop.ImportMode.PARTIAL if args.partial else interop.ImportMode.ALL_OR_NOTHING,
        default_region=args.region,
        orphan_account=args.orphans_to,
        namespace=args.namespace,
        default_currency=args.currency,
        results_dir=args.results,
    )
    bar = ProgressBar("importing")
    try:
        report = interop.import_files(ctx.store, paths, options=import_options, progress=bar)
    finally:
        bar.close()
    code = EXIT_REFUSED if report.errors else EXIT_OK
    if ctx.out.as_json:
        ctx.out.json(
            {
                "counts": {k: attrs.asdict(v) for k, v in report.counts.items()},
                "errors": [plain(e) for e in report.errors],
                "warnings": [plain(w) for w in report.warnings],
                "skipped": [plain(s) for s in report.skipped],
                "success_files": [str(f) for f in report.success_files],
                "error_files": [str(f) for f in report.error_files],
                "rows": report.rows,
            }
        )
        return code
    out = ctx.out
    out.line(report.summary())
    for label, items in (
        ("refused", report.errors),
        ("warning", report.warnings),
        ("skipped", report.skipped),
    ):
        for line in fold(items):
            out.line(f"{label}: {line}")
    for f in (*report.success_files, *report.error_files):
        out.line(f"wrote {f}")
    return code


def cmd_export(ctx: Context, args: argparse.Namespace) -> int:
    from contactgraph import interop
    from contactgraph.interop.vcard import export_vcards

    directory = Path(args.directory)
    account_ids = [find_account(ctx.store, a).id for a in args.account] if args.account else None
    bar = ProgressBar("exporting")
    try:
        if args.format == "vcard":
            report: Any = export_vcards(ctx.store, directory, account_ids=account_ids, progress=bar)
        elif args.format == "tree":
            report = interop.export_tree(
                ctx.store,
                directory,
                account_ids=account_ids,
                salesforce_compatible=args.salesforce_compatible,
                progress=bar,
            )
        else:
            report = interop.export_csv(
                ctx.store,
                directory,
                account_ids=account_ids,
                neutralise_formulas=not args.no_formula_guard,
                progress=bar,
            )
    finally:
        bar.close()
    files, counts = list(report.files), dict(report.counts)
    if ctx.out.as_json:
        ctx.out.json({"files": [str(f) for f in files], "counts": counts})
        return EXIT_OK
    for name, count in counts.items():
        ctx.out.line(f"{name}: {count}")
    for f in files:
        ctx.out.line(f"wrote {f}")
    return EXIT_OK


def register(commands: Commands) -> None:
    p = commands.add(
        "import",
        cmd_import,
        "import Salesforce tree JSON (one file or a data plan) or Data Loader CSV files",
        writes=True,
        check=_check_import,
    )
    p.add_argument("paths", metavar="PATH", nargs="+")
    p.add_argument(
        "--partial",
        action="store_true",
        help="let good rows land and report bad ones (default: all or nothing)",
    )
    p.add_argument(
        "--region",
        metavar="CC",
        type=options.region,
        help="phone region for national numbers whose account has no country, e.g. US or FR",
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
        type=options.currency,
        help="currency of amounts without CurrencyIsoCode (default USD)",
    )
    p.add_argument("--results", metavar="DIR", type=Path, help="write success and error files here")
    p = commands.add(
        "export",
        cmd_export,
        "export to Data Loader CSV, Salesforce tree JSON or vCard files",
        check=_check_export,
    )
    p.add_argument("directory", metavar="DIR", help="the folder (created if missing)")
    p.add_argument("--format", choices=["csv", "tree", "vcard"], default="csv")
    p.add_argument(
        "--account", action="append", metavar="NAME|ID", help="only this account (repeatable)"
    )
    p.add_argument(
        "--salesforce-compatible",
        action="store_true",
        help="tree: only fields a Salesforce insert can set (for `sf data import tree`)",
    )
    p.add_argument(
        "--no-formula-guard",
        action="store_true",
        help="csv: no leading apostrophe before cells starting with = + - @ "
        "(for files meant for Salesforce, not a spreadsheet)",
    )
