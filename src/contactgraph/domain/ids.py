"""Ids: random UUIDs kept as text, stable for the life of a record, and the one rule every id obeys."""

from __future__ import annotations

import collections
import os
import unicodedata

from contactgraph.errors import InvalidValueError

__all__ = ["MAX_ID_LENGTH", "check_id", "is_valid_id", "new_id"]

MAX_ID_LENGTH = 64
"""Longest id accepted (UUIDs take 36; Salesforce ids 18)."""


_BLOCK = 256
"""Ids drawn from the OS at once (one ``os.urandom`` call of 4 KiB instead of 256 of 16 bytes)."""
_AND = bytes.fromhex("ffffffffffff0fff3fffffffffffffff")
_OR = bytes.fromhex("00000000000040008000000000000000")
_pool: collections.deque[str] = collections.deque()
"""Ids spelled and not yet handed out; ``popleft`` and ``extend`` are atomic, so threads
share it safely, each id going to one caller only."""
os.register_at_fork(after_in_child=_pool.clear)  # a child never hands out its parent's ids


def _spell(raw: bytes) -> list[str]:
    """``[str(uuid.UUID(bytes=chunk, version=4)) for each 16-byte chunk of raw]``, spelled out.

    The version and variant bits of every chunk are set at once, with two masks
    over the whole block read as one integer; the hex text is then cut up.
    """
    count = len(raw) // 16
    size = 16 * count
    value = int.from_bytes(raw[:size]) & int.from_bytes(_AND * count) | int.from_bytes(_OR * count)
    h = value.to_bytes(size).hex()
    return [
        f"{h[i : i + 8]}-{h[i + 8 : i + 12]}-{h[i + 12 : i + 16]}-{h[i + 16 : i + 20]}-{h[i + 20 : i + 32]}"
        for i in range(0, 2 * size, 32)
    ]


def new_id() -> str:
    """A new random id (UUID 4, as text): ``str(uuid.uuid4())``, spelled out.

    The same 16 random bytes, version 4 and RFC 4122 variant bits, in the same
    lower-case 8-4-4-4-12 text, without building a ``UUID``. The bytes are drawn
    from the OS :data:`_BLOCK` ids at a time and spelled together (every imported
    contact takes one id; a system call each cost more than the rest); an id
    is handed out once, in any thread, and a forked child draws its own.
    """
    while True:
        try:
            return _pool.popleft()
        except IndexError:
            _pool.extend(_spell(os.urandom(16 * _BLOCK)))


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
