"""Exit codes scripts can rely on, and the errors only the command line raises.

====  ==================================================================
0     success
1     the answer is no: ``check`` found error-level violations, ``ready``
      found an account that is not ready
2     usage error: a bad option, argument or option value (nothing was done)
3     not found: no such account, contact, opportunity, case or file
4     refused by a rule or an import (policy violation, bad value, bad rows,
      a concurrent change); nothing was written
5     the store cannot be opened or used (bad URL, no store at that path,
      server unreachable, newer schema)
6     ambiguous: a name matches several records (the candidates are listed)
7     a file or folder cannot be read or written (permissions, disk full,
      a symbolic link where a file was to be written)
70    a bug in contactgraph (please report it, with ``CONTACTGRAPH_DEBUG=1``)
130   interrupted (Ctrl-C)
141   the reader of the output went away (``contactgraph accounts | head``)
====  ==================================================================
"""

from __future__ import annotations

__all__ = [
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
    "UsageError",
]

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_NOT_READY = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_REFUSED = 4
EXIT_STORE = 5
EXIT_AMBIGUOUS = 6
EXIT_IO = 7
EXIT_BUG = 70  # EX_SOFTWARE in sysexits.h
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a closed pipe


class UsageError(Exception):
    """A bad option, argument or option value, found before any work (exit 2).

    Not a :class:`~contactgraph.errors.ContactGraphError`: the library never
    raises it, only the command line does.
    """
