"""The ``contactgraph`` command: a thin layer over the library, for people and scripts.

The command groups live in their own modules (:mod:`~contactgraph.cli.read`,
:mod:`~contactgraph.cli.write`, :mod:`~contactgraph.cli.check`,
:mod:`~contactgraph.cli.transfer`, :mod:`~contactgraph.cli.demo`);
:mod:`~contactgraph.cli.main` reads the command line and turns failures into
the exit codes of :mod:`~contactgraph.cli.codes`.
"""

from contactgraph.cli.codes import (
    EXIT_AMBIGUOUS,
    EXIT_BROKEN_PIPE,
    EXIT_BUG,
    EXIT_CHECK_FAILED,
    EXIT_INTERRUPTED,
    EXIT_IO,
    EXIT_NOT_FOUND,
    EXIT_NOT_READY,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_STORE,
    EXIT_USAGE,
)
from contactgraph.cli.main import DEFAULT_STORE_FILE, default_store_url, main

__all__ = [
    "DEFAULT_STORE_FILE",
    "EXIT_AMBIGUOUS",
    "EXIT_BROKEN_PIPE",
    "EXIT_BUG",
    "EXIT_CHECK_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_IO",
    "EXIT_NOT_FOUND",
    "EXIT_NOT_READY",
    "EXIT_OK",
    "EXIT_REFUSED",
    "EXIT_STORE",
    "EXIT_USAGE",
    "default_store_url",
    "main",
]
