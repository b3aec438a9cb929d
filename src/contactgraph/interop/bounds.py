"""Bounds an import checks before the expensive work: sizes, counts, nesting, repeats.

An import may receive whatever someone uploaded. Each bound is checked
before the work it protects (a file's size before it is read, its nesting
before it is parsed, a plan's entries before any file is read, the records
before any is written) and each is an :class:`~contactgraph.interop.ImportOptions`
field the caller can raise. Crossing one refuses the import with an
:class:`~contactgraph.errors.ImportRejectedError` naming the file, the row
and the option to raise.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, NoReturn

from contactgraph.errors import ImportRejectedError, RowError

__all__ = ["Budget", "check_count", "check_size", "load_json", "read_bounded", "refuse"]

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def refuse(row: int, reason: str, field: str | None, source: str) -> NoReturn:
    """Refuse the whole import for a problem of one file."""
    raise ImportRejectedError([RowError(row, reason, field, source)])


def check_count(count: int, limit: int, what: str, *, option: str, source: str, row: int) -> None:
    """Refuse the import when ``count`` passes ``limit`` (the option that raises it named)."""
    if count > limit:
        refuse(
            row,
            f"more than {limit} {what}; raise ImportOptions({option}=...) to allow more",
            None,
            source,
        )


class Budget:
    """Counts the records read across every file of an import, up to ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self, source: str, row: int) -> None:
        """One more record, from ``source`` at ``row``: refused past the limit."""
        self.used += 1
        if self.used > self.limit:
            check_count(
                self.used, self.limit, "records", option="max_records", source=source, row=row
            )


def check_size(path: Path, source: str, max_bytes: int) -> None:
    """Refuse a file larger than ``max_bytes`` (from its size, without reading it)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        refuse(0, "file not found", None, source)
    except OSError as exc:
        refuse(0, f"cannot read: {exc}", None, source)
    if size > max_bytes:
        refuse(
            0,
            f"the file has {size} bytes, more than {max_bytes}; "
            "raise ImportOptions(max_file_bytes=...) to allow it",
            None,
            source,
        )


def read_bounded(path: Path, source: str, max_bytes: int) -> bytes:
    """The bytes of a file no larger than ``max_bytes``."""
    check_size(path, source, max_bytes)
    try:
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        refuse(0, f"cannot read: {exc}", None, source)
    if len(raw) > max_bytes:  # grew since it was measured
        refuse(0, f"the file has more than {max_bytes} bytes", None, source)
    return raw


def nesting(raw: bytes, limit: int) -> bool:
    """Whether JSON text nests arrays and objects deeper than ``limit`` (strings ignored)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def parse(raw: bytes) -> Any:
    """JSON text parsed (the expensive step every bound comes before)."""
    return json.loads(raw)


def load_json(path: Path, source: str, *, max_bytes: int, max_nesting: int) -> Any:
    """A JSON file, refused before parsing when it is too large or nests too deep."""
    raw = read_bounded(path, source, max_bytes)
    if nesting(raw, max_nesting):
        refuse(
            0,
            f"JSON nested deeper than {max_nesting} levels; "
            "raise ImportOptions(max_nesting=...) to allow it",
            None,
            source,
        )
    try:
        return parse(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        refuse(0, f"not valid JSON: {exc}", None, source)
    except RecursionError:
        refuse(0, "JSON nested too deep to read", None, source)
