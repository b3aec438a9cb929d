"""The ``contactgraph`` command: the parser, the store it opens, and what each failure exits with.

A thin layer over the library, for people and scripts. Exit codes are listed
in :mod:`contactgraph.cli.codes` and docs/reference/cli.md. Errors print one
line on stderr, never a traceback (``CONTACTGRAPH_DEBUG=1`` shows it); with
``--json`` the answer on stdout is always one JSON document, refusals
included (``{"error": {...}}``).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from contactgraph.cli import check, demo, merge, options, privacy, read, serve, transfer, write
from contactgraph.cli.codes import (
    EXIT_AMBIGUOUS,
    EXIT_BROKEN_PIPE,
    EXIT_BUG,
    EXIT_INTERRUPTED,
    EXIT_IO,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_STORE,
    EXIT_USAGE,
    UsageError,
)
from contactgraph.cli.context import Commands, Context
from contactgraph.cli.output import Output, neutralise, plain
from contactgraph.errors import (
    ConcurrencyError,
    ContactGraphError,
    ImportRejectedError,
    InvalidValueError,
    NotFoundError,
    PolicyViolationError,
    SchemaVersionError,
    StoreConfigurationError,
    StoreUnavailableError,
)
from contactgraph.graph.lookup import AmbiguousNameError, Candidate, UnknownNameError
from contactgraph.repos.open import ENV_VAR
from contactgraph.rules import DuplicateBlockedError, DuplicateWarning

__all__ = ["DEFAULT_STORE_FILE", "PROG_VAR", "default_store_url", "main"]

DEFAULT_STORE_FILE = "contactgraph.sqlite"

PROG_VAR = "CONTACTGRAPH_PROG"
"""How the user reaches the command, for the hints it prints (``./dev cg`` sets it)."""


def default_store_url() -> str:
    """``$CONTACTGRAPH_STORE_URL``, else a ``contactgraph.sqlite`` file in the current folder."""
    return os.environ.get(ENV_VAR) or f"sqlite:///{Path.cwd() / DEFAULT_STORE_FILE}"


class _Parser(argparse.ArgumentParser):
    """Usage errors become :class:`UsageError` so that ``main`` reports them like the rest."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


def _parser(prog: str) -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--store",
        metavar="URL",
        type=options.store_url,
        default=argparse.SUPPRESS,
        help=f"store URL (default: ${ENV_VAR}, else ./{DEFAULT_STORE_FILE})",
    )
    common.add_argument(
        "--tenant",
        type=options.tenant,
        default=argparse.SUPPRESS,
        help="tenant key (default: 'default')",
    )
    common.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="answer with one JSON document on stdout (errors too)",
    )
    parser = _Parser(
        prog=prog,
        description="Accounts, contacts, opportunities and cases.",
        epilog="exit codes: 0 done, 1 the answer is no (check, ready), 2 usage, 3 not found, "
        "4 refused (nothing written), 5 store, 6 ambiguous name, 7 file or folder, "
        "70 bug. Records are named by id, by name, or by email for contacts.",
        parents=[common],
    )
    parser.add_argument("--version", action="store_true", help="print the version and stop")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands = Commands(sub, common)
    for module in (demo, read, check, write, transfer, serve, privacy, merge):
        module.register(commands)
    try:
        from contactgraph.cli import duplicates
    except ImportError:  # the 'duplicates' extra is not installed
        pass
    else:
        duplicates.register(commands)
    return parser


def _store_url(args: argparse.Namespace) -> tuple[str, bool]:
    """The store URL, and whether it was given on the command line."""
    if "store" in args:
        return str(args.store), True
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        try:
            return options.store_url(from_env), False
        except argparse.ArgumentTypeError as exc:
            raise UsageError(f"${ENV_VAR}: {exc}") from None
    return default_store_url(), False


def _refuse_missing_store(url: str, prog: str, repeat: str) -> None:
    """Read commands never create a store: a missing SQLite file is an error, with the way out."""
    path = options.sqlite_path(url)
    if path is None or path.exists():
        return
    raise StoreUnavailableError(
        f"there is no store at {path} (nothing was created); create one with "
        f"`{prog}{repeat} demo`, `… import FILE` or `… add account NAME`, "
        f"or give --store (or ${ENV_VAR}) the URL of an existing store"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        return _run(words)
    except BrokenPipeError:
        # The reader went away (`contactgraph accounts | head`), maybe while an
        # error was being told: stop quietly, as a process killed by SIGPIPE
        # would, and keep Python from complaining at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _run(words: list[str]) -> int:
    prog = os.environ.get(PROG_VAR) or "contactgraph"
    out = Output("--json" in words[: words.index("--")] if "--" in words else "--json" in words)
    try:
        try:
            args = _parser(prog).parse_args(words)
        except SystemExit as exc:  # --help
            return int(exc.code or 0)
        out.as_json = bool(getattr(args, "json", False))
        if args.version:
            return _version(out)
        if args.command is None:
            raise UsageError(f"a command is required (see {prog} --help)")
        if args.check is not None:
            args.check(args)
        url, given = _store_url(args)
        tenant = getattr(args, "tenant", "default")
        repeat = [f"--store {shlex.quote(url)}"] if given else []
        repeat += [f"--tenant {shlex.quote(tenant)}"] if "tenant" in args else []
        if not args.writes:
            _refuse_missing_store(url, prog, "".join(f" {r}" for r in repeat))
        from contactgraph import open_store

        rules = getattr(args, "duplicates", None)
        with open_store(url, tenant=tenant, duplicates=rules) as store:
            ctx = Context(store, out, prog, tuple(repeat))
            if rules is None or args.command == "serve":  # the web app hands alerts to clients
                return int(args.handler(ctx, args))
            with store.collect_warnings() as alerts:
                code = int(args.handler(ctx, args))
            for alert in alerts:
                out.warn(str(alert))
            return code
    except UsageError as exc:
        return _fail(out, exc, EXIT_USAGE, "usage")
    except AmbiguousNameError as exc:
        return _fail(out, exc, EXIT_AMBIGUOUS, "ambiguous", candidates=_records(exc.candidates))
    except UnknownNameError as exc:
        return _fail(out, exc, EXIT_NOT_FOUND, "not_found", suggestions=_records(exc.suggestions))
    except NotFoundError as exc:
        return _fail(out, exc, EXIT_NOT_FOUND, "not_found")
    except DuplicateBlockedError as exc:
        return _fail(
            out,
            exc,
            EXIT_REFUSED,
            "refused",
            violations=plain(list(exc.violations)),
            duplicates=[_alert(a) for a in exc.alerts],
        )
    except PolicyViolationError as exc:
        return _fail(out, exc, EXIT_REFUSED, "refused", violations=plain(list(exc.violations)))
    except ImportRejectedError as exc:
        return _fail(out, exc, EXIT_REFUSED, "refused", errors=plain(list(exc.errors)))
    except (InvalidValueError, ConcurrencyError) as exc:
        return _fail(out, exc, EXIT_REFUSED, "refused")
    except (StoreConfigurationError, StoreUnavailableError, SchemaVersionError) as exc:
        return _fail(out, exc, EXIT_STORE, "store")
    except ContactGraphError as exc:
        return _fail(out, exc, EXIT_REFUSED, "refused")
    except KeyboardInterrupt as exc:
        return _fail(out, exc, EXIT_INTERRUPTED, "interrupted", message="interrupted")
    except BrokenPipeError:
        raise  # told by main
    except OSError as exc:
        return _fail(out, exc, EXIT_IO, "io", message=_os_message(exc))
    except Exception as exc:
        if _driver_error(exc):  # one the library let through
            return _fail(out, exc, EXIT_STORE, "store", message=f"the store failed: {exc}")
        return _fail(
            out,
            exc,
            EXIT_BUG,
            "bug",
            message=f"unexpected {type(exc).__name__}: {exc} — this is a bug in contactgraph; "
            "please report it with the output of CONTACTGRAPH_DEBUG=1",
        )


def _driver_error(exc: Exception) -> bool:
    """Whether ``exc`` comes from the database driver (SQLAlchemy is imported only if used)."""
    sa_errors = sys.modules.get("sqlalchemy.exc")
    return isinstance(exc, sqlite3.Error) or (
        sa_errors is not None and isinstance(exc, sa_errors.SQLAlchemyError)
    )


def _records(candidates: Sequence[Candidate]) -> list[dict[str, Any]]:
    return [
        {"kind": c.kind, "id": c.id, "name": c.name, "details": dict(c.details)} for c in candidates
    ]


def _alert(alert: DuplicateWarning) -> dict[str, Any]:
    """A refused record and the stored records it looks like (as the HTTP API lists them)."""
    return {
        "kind": alert.kind,
        "record_id": alert.record_id,
        "label": alert.label,
        "candidates": [
            {"id": c.id, "label": c.label, "score": round(c.score, 6), "reasons": list(c.reasons)}
            for c in alert.candidates
        ],
    }


def _version(out: Output) -> int:
    from contactgraph import __version__

    if out.as_json:
        out.json({"version": __version__})
    else:
        out.line(f"contactgraph {__version__}")
    return EXIT_OK


def _os_message(exc: OSError) -> str:
    what = exc.strerror or str(exc)
    names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    return f"{' -> '.join(names)}: {what}" if names else what


def _fail(
    out: Output,
    exc: BaseException,
    code: int,
    kind: str,
    *,
    message: str | None = None,
    **extra: Any,
) -> int:
    if os.environ.get("CONTACTGRAPH_DEBUG"):
        raise exc
    text = transfer.flag_words(" ".join((message or str(exc)).split()))
    print(f"contactgraph: error: {neutralise(text)}", file=sys.stderr)
    if out.as_json:
        error: dict[str, Any] = {"exit_code": code, "kind": kind, "message": text}
        error.update(extra)
        out.json({"error": error})
    return code
