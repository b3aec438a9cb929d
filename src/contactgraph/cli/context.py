"""What every command receives, and how command modules declare their commands."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable
from typing import Any

import attrs

from contactgraph import Store
from contactgraph.cli import options
from contactgraph.cli.output import Output

__all__ = ["Check", "Commands", "Context", "Handler"]


@attrs.frozen
class Context:
    """A running command's store and output.

    Attributes:
        store: The open store.
        out: Where the answer goes.
        prog: How the user reaches the command (``contactgraph``, ``./dev cg``).
        repeat: Options a follow-up command must repeat (``--store URL`` when
            it was given on the command line), already quoted for a shell.
    """

    store: Store
    out: Output
    prog: str = "contactgraph"
    repeat: tuple[str, ...] = ()

    def hint(self, *words: str) -> str:
        """A command line the user can paste as is: ``hint("account", "ACME SA")``."""
        return " ".join([self.prog, *self.repeat, shlex.join(words)])


Handler = Callable[[Context, argparse.Namespace], int]
Check = Callable[[argparse.Namespace], None]
"""Checks arguments before the store is opened (raises UsageError, NotFoundError…)."""


class Commands:
    """Adds commands to the parser, each with the common options and its handler."""

    def __init__(self, subparsers: Any, common: argparse.ArgumentParser) -> None:
        self._sub = subparsers
        self._common = common

    def add(
        self,
        name: str,
        handler: Handler,
        help: str,
        *,
        writes: bool = False,
        check: Check | None = None,
    ) -> argparse.ArgumentParser:
        """A command; ``writes`` lets it create the store when there is none yet and gives it
        ``--duplicates``, and ``check`` looks at its arguments before any work."""
        parser: argparse.ArgumentParser = self._sub.add_parser(
            name, help=help, description=help, parents=[self._common]
        )
        parser.set_defaults(handler=handler, writes=writes, check=check)
        if writes:
            parser.add_argument(
                "--duplicates",
                metavar="RULE",
                type=options.duplicate_rule,
                default=argparse.SUPPRESS,
                help="a write that looks like stored records: allow (default), alert "
                "(written, with a warning naming them) or block (refused, nothing written)",
            )
        return parser

    def group(self, name: str, help: str) -> Commands:
        """A command with sub-commands (``add account``, ``add contact``…)."""
        parser = self._sub.add_parser(name, help=help, description=help, parents=[self._common])
        sub = parser.add_subparsers(dest=f"{name}_what", metavar="WHAT", required=True)
        return Commands(sub, self._common)
