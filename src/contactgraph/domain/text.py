"""Text rules shared by every field: single-line checks and match keys."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from contactgraph.errors import InvalidValueError

__all__ = ["MAX_MULTILINE", "MAX_SINGLE_LINE", "clean_multiline", "clean_single_line", "match_key"]

MAX_SINGLE_LINE = 255
"""Longest single-line value accepted (Salesforce's text fields stop at 255)."""

MAX_MULTILINE = 32_000
"""Longest multi-line value accepted (Salesforce's long text area)."""

# C0 and C1 controls, DEL, and the Unicode line/paragraph separators.
_SINGLE_LINE_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# In multi-line text, tab, LF and CR are fine; other controls are not.
_MULTILINE_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_single_line(value: object, field: str, *, max_length: int = MAX_SINGLE_LINE) -> str:
    """Return ``value`` stripped and NFC-normalised, or raise if it cannot be one line of text.

    Raises:
        InvalidValueError: not a string, too long, or holding a control character.
    """
    if not isinstance(value, str):
        raise InvalidValueError("must be text", field=field, value=value)
    if len(value) > max_length * 4:  # refuse before normalising absurd input
        raise InvalidValueError(f"longer than {max_length} characters", field=field, value=value)
    text = unicodedata.normalize("NFC", value.strip())
    if len(text) > max_length:
        raise InvalidValueError(f"longer than {max_length} characters", field=field, value=value)
    bad = _SINGLE_LINE_FORBIDDEN.search(text)
    if bad:
        raise InvalidValueError(
            f"control character U+{ord(bad.group()):04X} is not allowed in a single-line field",
            field=field,
            value=value,
        )
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
            f"control character U+{ord(bad.group()):04X} is not allowed",
            field=field,
            value=value,
        )
    return text


@lru_cache(maxsize=65_536)
def match_key(text: str) -> str:
    """A case- and accent-insensitive key: ``"Hélène"``, ``"HELENE"`` and NFD input agree.

    Letters lose their combining marks, the text is case-folded and runs of
    white space collapse to one space.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())
