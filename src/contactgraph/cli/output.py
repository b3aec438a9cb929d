"""How the command writes: tables and cards for people, one JSON document for scripts.

Text meant for a terminal goes through :func:`neutralise`, so a name holding
a right-to-left override or an escape sequence shows as what it is instead
of rearranging or recolouring the screen.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

__all__ = ["Output", "ProgressBar", "neutralise", "plain"]

_KEEP = {"\n", "\t"}
_REPLACEMENT = "\N{REPLACEMENT CHARACTER}"


def neutralise(text: str) -> str:
    """``text`` with control and format characters (bidi overrides, escapes…) shown as ``�``.

    Line breaks and tabs stay; so do the zero-width joiners of emoji sequences.
    """
    if text.isprintable():
        return text
    return "".join(
        ch
        if ch.isprintable() or ch in _KEEP or ch in "\u200c\u200d"
        else (" " if unicodedata.category(ch) == "Zs" else _REPLACEMENT)
        for ch in text
    )


def plain(obj: Any) -> Any:
    """``obj`` in the documented JSON shape (see docs/reference/json.md)."""
    from contactgraph import serialization

    return serialization.unstructure(obj)


class Output:
    """Where and how a command writes.

    Attributes:
        as_json: Whether the command answers with one JSON document.
        out: Where answers go (stdout).
        err: Where warnings and errors go (stderr).
    """

    def __init__(self, as_json: bool, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.as_json = as_json
        self.out = out if out is not None else sys.stdout
        self.err = err if err is not None else sys.stderr

    def line(self, text: str = "") -> None:
        print(neutralise(text), file=self.out)

    def json(self, data: Any) -> None:
        print(json.dumps(data, indent=2, ensure_ascii=False, default=str), file=self.out)

    def warn(self, text: str) -> None:
        """A one-line warning on stderr (never on stdout, which may hold JSON)."""
        print(f"contactgraph: warning: {neutralise(' '.join(text.split()))}", file=self.err)

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
    text = neutralise(" ".join(str(value).split()))
    return text if len(text) <= 48 else text[:47] + "…"


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
