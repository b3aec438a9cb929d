"""Ids: random UUIDs kept as text, stable for the life of a record, and the one rule every id obeys."""

from __future__ import annotations

import os
import unicodedata

from contactgraph.errors import InvalidValueError

__all__ = ["MAX_ID_LENGTH", "check_id", "is_valid_id", "new_id"]

MAX_ID_LENGTH = 64
"""Longest id accepted (UUIDs take 36; Salesforce ids 18)."""


def new_id() -> str:
    """A new random id (UUID 4, as text): ``str(uuid.uuid4())``, spelled out.

    The same 16 random bytes, version 4 and RFC 4122 variant bits, in the same
    lower-case 8-4-4-4-12 text, without building a ``UUID`` (less than half the
    cost; every imported contact takes one).
    """
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # variant: RFC 4122
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def is_valid_id(value: object) -> bool:
    """Whether ``value`` can be an id; the one rule the domain and every store apply.

    An id is text of 1 to :data:`MAX_ID_LENGTH` characters, NFC-normalised,
    without surrounding white space, and every character printable
    (:meth:`str.isprintable`): no control, no format character (zero-width
    joiners and spaces, bidi overrides, embeddings and isolates, the byte
    order mark), no line or paragraph separator, no lone surrogate, no
    unassigned code point. An id that looks the same as another one on
    screen but differs underneath is never accepted.
    """
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_ID_LENGTH
        and value.strip() == value
        and value.isprintable()
        and unicodedata.is_normalized("NFC", value)
    )


def check_id(value: object, field: str = "id") -> str:
    """``value`` if it is a valid id (see :func:`is_valid_id`).

    Raises:
        InvalidValueError: naming ``field``, code ``"<field>.invalid"``.
    """
    if isinstance(value, str) and is_valid_id(value):
        return value
    if not isinstance(field, str) or not field:
        field = "id"
    raise InvalidValueError(
        f"an id is one line of 1 to {MAX_ID_LENGTH} printable characters, "
        "without surrounding spaces or invisible characters",
        field=field,
        value=value,
    )
