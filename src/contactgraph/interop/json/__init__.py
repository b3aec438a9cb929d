"""JSON for every entity and aggregate, in one documented and stable shape.

Front ends and stores rely on this shape (see ``docs/reference/json.md``):
plain field names, an email as its address, a phone in E.164, dates and
times in ISO 8601, decimals as strings, enums as their values, an account's
contacts as a list sorted by name then id, the version included, pending
events left out.

Following cattrs' ``preconf`` modules, there are three parts
(:mod:`.converter`):
:class:`ContactGraphConverter`, :func:`configure_converter` and
:func:`make_converter`. The module-level helpers use two shared converters::

    text = to_json(account)
    same = from_json(text, Account)                  # validated: an input edge
    fast = from_json(text, Account, trusted=True)    # data this library wrote

Structuring is an *input edge*: every value goes through the same parsers as
the domain's commands, and bad input raises a
:class:`~contactgraph.errors.ContactGraphError` naming the field
(:class:`~contactgraph.errors.InvalidValueError` for a malformed document,
:class:`~contactgraph.errors.PolicyViolationError` listing every invalid
value or broken invariant). ``trusted=True`` skips the parsing for data the
library wrote itself (a store, a cache): it is several times faster and checks
nothing.

The shape is declared once, from the attrs classes, in :mod:`.shape`;
:mod:`.write`, :mod:`.trusted` and :mod:`.checked` hold the hooks.
"""

from contactgraph.interop.json.api import from_json, structure, to_json, unstructure
from contactgraph.interop.json.converter import (
    ContactGraphConverter,
    configure_converter,
    make_converter,
)

__all__ = [
    "ContactGraphConverter",
    "configure_converter",
    "from_json",
    "make_converter",
    "structure",
    "to_json",
    "unstructure",
]
