"""CSV cells: the formula-injection rule, and how values become cells and back.

OWASP's rule for CSV injection: a cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return may run as a formula in a spreadsheet, so
the export puts an apostrophe before it. To read our own exports back to the
exact original values, the rule is made reversible:

* **writing**: a value that starts with any number of apostrophes followed by
  one of those characters gets one more apostrophe in front
  (``=SUM(A1)`` -> ``'=SUM(A1)``, ``'=x`` -> ``''=x``);
* **reading**: a cell that starts with one or more apostrophes followed by one
  of those characters loses one apostrophe.

Every other value, ``'quoted'`` text included, is written and read unchanged.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

__all__ = ["cell", "neutralise", "restore"]

_DANGEROUS = re.compile(r"^'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")


def neutralise(text: str) -> str:
    """``text`` made safe for a spreadsheet (reversible by :func:`restore`)."""
    return "'" + text if _DANGEROUS.match(text) else text


def restore(text: str) -> str:
    """The value :func:`neutralise` was given."""
    return text[1:] if _ESCAPED.match(text) else text


def cell(value: Any, *, safe: bool = True) -> str:
    """A value as a Data Loader cell: ``true``/``false``, ISO dates, plain decimals."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        text = value.isoformat()
    elif isinstance(value, Decimal):
        text = str(value)
    else:
        text = str(value)
    return neutralise(text) if safe else text
