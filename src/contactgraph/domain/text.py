"""Text rules shared by every field: single-line checks and match keys."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from contactgraph.errors import InvalidValueError

__all__ = [
    "BIDI_CONTROLS",
    "MAX_MULTILINE",
    "MAX_SINGLE_LINE",
    "clean_multiline",
    "clean_single_line",
    "match_key",
    "neutralise_bidi",
]

MAX_SINGLE_LINE = 255
"""Longest single-line value accepted (Salesforce's text fields stop at 255)."""

MAX_MULTILINE = 32_000
"""Longest multi-line value accepted (Salesforce's long text area)."""

# C0 and C1 controls, DEL, the Unicode line/paragraph separators, and lone
# surrogates (they cannot be encoded, so no store or file could keep them).
_SINGLE_LINE_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
# In multi-line text, tab, LF and CR are fine; other controls are not.
_MULTILINE_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_single_line(value: object, field: str, *, max_length: int = MAX_SINGLE_LINE) -> str:
    """Return ``value`` stripped and NFC-normalised, or raise if it cannot be one line of text.

    Raises:
        InvalidValueError: not a string, too long, or holding a control character.
    """
    if not isinstance(value, str):
        raise InvalidValueError("must be text", field=field, value=value)
    if len(value) > max_length * 4:  # refuse before normalising absurd input
        raise InvalidValueError(f"longer than {max_length} characters", field=field, value=value)
    if value.isascii() and value.isprintable():
        # The common case, checked in C: no control character, and NFC changes no ASCII.
        text = value.strip()
        if len(text) > max_length:
            raise InvalidValueError(
                f"longer than {max_length} characters", field=field, value=value
            )
        return text
    # Checked before stripping: a trailing CR or LF is refused, not silently cut off.
    bad = _SINGLE_LINE_FORBIDDEN.search(value)
    if bad:
        raise InvalidValueError(
            f"{_describe(bad.group())} is not allowed in a single-line field",
            field=field,
            value=value,
        )
    text = unicodedata.normalize("NFC", value.strip())
    if len(text) > max_length:
        raise InvalidValueError(f"longer than {max_length} characters", field=field, value=value)
    return text


def clean_multiline(value: object, field: str, *, max_length: int = MAX_MULTILINE) -> str:
    """Like :func:`clean_single_line`, but line breaks and tabs are kept."""
    if not isinstance(value, str):
        raise InvalidValueError("must be text", field=field, value=value)
    if len(value) > max_length:
        raise InvalidValueError(f"longer than {max_length} characters", field=field, value=value)
    text = unicodedata.normalize("NFC", value)
    bad = _MULTILINE_FORBIDDEN.search(text)
    if bad:
        raise InvalidValueError(
            f"{_describe(bad.group())} is not allowed",
            field=field,
            value=value,
        )
    return text


def _describe(char: str) -> str:
    kind = "lone surrogate" if "\ud800" <= char <= "\udfff" else "control character"
    return f"{kind} U+{ord(char):04X}"


# Letters that carry their "accent" in the letter itself, so NFKD leaves them whole.
_UNACCENTED = str.maketrans(
    {"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "æ": "ae", "œ": "oe", "þ": "th"}
)


def match_key(text: str) -> str:
    """A case- and accent-insensitive key: ``"Hélène"``, ``"HELENE"`` and NFD input agree.

    Letters lose their combining marks (and ``ł``, ``ø``, ``ı``… their stroke or
    missing dot), the text is case-folded and runs of white space collapse to
    one space.
    """
    if type(text) is not str:
        raise InvalidValueError("must be text", field="text", value=text)
    return _match_key(text)


@lru_cache(maxsize=65_536)
def _match_key(text: str) -> str:
    # Case-fold between two decompositions: folding can add marks ("İ" -> "i̇")
    # and compatibility forms can be capitals ("ℌ" -> "H").
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    stripped = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(stripped.translate(_UNACCENTED).split())


BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""The Unicode bidirectional formatting characters (UAX #9): marks, embeddings,
overrides and isolates. In names they can make text read differently on screen
from what it holds ("Trojan Source", CVE-2021-42574)."""

_BIDI_SHOWN = {ord(c): f"<U+{ord(c):04X}>" for c in BIDI_CONTROLS}


def neutralise_bidi(text: str) -> str:
    """``text`` for display, each bidi control replaced by its visible code (``<U+202E>``).

    Every text output (org charts, CLI cards, plain-text exports) passes
    stored text through this, so a right-to-left override in a name cannot
    reorder what a reader sees. Text without bidi controls comes back as is.
    Stored data keeps the characters: this is for showing, not for storing.
    """
    if not isinstance(text, str):
        raise InvalidValueError("must be text", field="text", value=text)
    if text.isascii():
        return text
    return text.translate(_BIDI_SHOWN)
