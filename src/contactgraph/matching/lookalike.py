"""Look-alikes: addresses and names that differ but read the same.

A Cyrillic "а" for a Latin "a", a dotless "ı", full-width letters, a Kelvin sign
for "K": two such emails are different mailboxes, so they are never merged or
matched as one — they are reported as *suspicious pairs* for a person to look
at (a spoofing attempt, or a typing accident of an import).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable

import attrs
from anyascii import anyascii

__all__ = ["LookAlike", "lookalike_key", "lookalikes"]

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def lookalike_key(text: str) -> str:
    """What ``text`` looks like once compatibility forms, case and scripts are flattened."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(anyascii(folded).split()).lower()


@attrs.frozen(slots=True)
class LookAlike:
    """Two distinct values that look the same.

    Attributes:
        values: The two values, in a stable order.
        ids: The ids of the records holding each value.
        key: What both look like.
    """

    values: tuple[str, str]
    ids: tuple[tuple[str, ...], tuple[str, ...]]
    key: str


def lookalikes(values: Iterable[tuple[str, str]]) -> list[LookAlike]:
    """Suspicious pairs among ``(record id, value)`` items.

    Values equal but for ASCII letter case are the same value, not look-alikes.
    """
    by_value: dict[str, set[str]] = defaultdict(set)
    for record_id, value in values:
        by_value[value.translate(_ASCII_LOWER)].add(record_id)
    by_key: dict[str, list[str]] = defaultdict(list)
    for value in by_value:
        by_key[lookalike_key(value)].append(value)
    found = []
    for key, group in by_key.items():
        group.sort()
        for x, a in enumerate(group):
            for b in group[x + 1 :]:
                found.append(
                    LookAlike((a, b), (tuple(sorted(by_value[a])), tuple(sorted(by_value[b]))), key)
                )
    return sorted(found, key=lambda f: f.values)
