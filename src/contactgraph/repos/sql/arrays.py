"""Text arrays as one parameter, written as PostgreSQL's own array text.

The taken-id check and history's last-``seq`` look-up send a save's ids as one
``text[]`` parameter (``unnest(%(ids)s::text[])``: a seek per id). Handed a
list, psycopg dumps it element by element in Python (its ``ListDumper``, ~1 µs
an id on an import); :func:`text_array` writes the same array as one string in
the input syntax of ``text[]``, which the statement's ``::text[]`` cast reads
back to the very same array (the statements, and so their plans, stay as they
were). ``tests/repos/test_copy_rows_postgres.py`` holds both to the list.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["text_array"]


def text_array(values: Sequence[str]) -> str:
    """``values`` in the input syntax of a PostgreSQL ``text[]``: every element quoted
    (so ``NULL``, commas, braces and spaces are plain text), ``\\`` and ``"`` escaped."""
    if not values:
        return "{}"
    body = '","'.join(values)
    if '"' in body or "\\" in body:
        body = '","'.join(v.replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return '{"' + body + '"}'
