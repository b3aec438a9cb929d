"""Which part of a needle the trigram index is asked for: its rarest few trigrams.

A trigram index answers a substring by the posting lists of the needle's
trigrams, and a common trigram's list grows with the store (``ali`` of
``alice duro``: about 100,000 entries at a million contacts). Every trigram
of the needle read whole made a search at a million contacts cost 3.5–10
times what it cost at ten thousand. So the index is asked only for the few
*units* of the needle whose trigrams are rarest, and every candidate is then
checked against the whole needle in SQL (``instr`` / ``strpos``): the results
are exactly those of the whole needle, whatever units are chosen (a contact
holding the needle holds each of its parts), only the cost depends on them.

How rare a trigram is, is judged on a sample of stored search keys
(:func:`rarity`): a few thousand rows spread over the contacts table, their
trigrams counted in Python, kept with the engine and taken again after
:data:`FRESH_SECONDS`. The index is shared by every tenant of a database, so
the sample is too: what a posting list costs is its length over all tenants.

The engines' trigrams differ:

- SQLite (FTS5, ``tokenize = 'trigram'``): every three consecutive
  characters are a token; a unit is one trigram, asked for as a quoted FTS5
  string (``"dur" AND "e d"``).
- PostgreSQL (``pg_trgm``): a ``LIKE '%…%'`` pattern is split into words of
  letters and digits, each padded with blanks where a non-word character
  bounds it; a unit is a short ASCII piece of the needle, asked for as its
  own ``LIKE`` (:func:`postgres_like_trigrams` gives what the index reads
  for it), and a phrase with no such piece is asked for whole.
"""

from __future__ import annotations

import functools
import re
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

SAMPLE_ROWS: Final = 4000
"""Search keys read to judge rarity (spread over :data:`SAMPLE_RANGES` stretches of the table)."""

SAMPLE_RANGES: Final = 20

FRESH_SECONDS: Final = 300.0
"""How long a full sample is used before it is taken again."""

SMALL_FRESH_SECONDS: Final = 10.0
"""How long a sample of a store smaller than :data:`SAMPLE_ROWS` is used (a store being
filled: its sample is cheap to take, and soon says little)."""

MAX_UNITS: Final = 3
"""The most units of one phrase the index is asked for."""

_WORD = re.compile(r"[a-z0-9]+")
"""What ``pg_trgm`` takes for a word, restricted to ASCII (every locale agrees on it)."""


@attrs.frozen
class Unit:
    """A piece of a phrase the index is asked for, the trigrams it reads for it, and
    where it starts in the phrase."""

    text: str
    trigrams: frozenset[str]
    start: int = 0

    def overlap(self, other: Unit) -> int:
        """How many characters of the phrase this unit and ``other`` share."""
        return len(self.shared(other))

    def shared(self, other: Unit) -> str:
        """The characters of the phrase this unit and ``other`` share."""
        end = min(self.start + len(self.text), other.start + len(other.text))
        begin = max(self.start, other.start)
        return self.text[begin - self.start : max(begin, end) - self.start]


@attrs.frozen
class Rarity:
    """Trigram counts in a sample of ``sampled`` search keys out of about ``rows``."""

    counts: Mapping[str, int]
    sampled: int
    rows: int

    def share(self, trigram: str) -> float:
        """The estimated share of search keys holding ``trigram`` (unseen: half of one)."""
        if not self.sampled:
            return 0.0
        return self.counts.get(trigram, 0.5) / self.sampled


EMPTY: Final = Rarity({}, 0, 0)


def sqlite_trigrams(text: str) -> set[str]:
    """FTS5's trigram tokens of ``text``: every three consecutive characters."""
    return {text[i : i + 3] for i in range(len(text) - 2)}


def postgres_key_trigrams(text: str) -> set[str]:
    """``pg_trgm``'s trigrams of a stored ``text`` (ASCII words only): each word padded
    with two blanks before it and one after (``show_trgm``)."""
    found: set[str] = set()
    for word in _WORD.findall(text.lower()):
        found |= sqlite_trigrams(f"  {word} ")
    return found


@functools.lru_cache(maxsize=1 << 16)
def postgres_like_trigrams(piece: str) -> frozenset[str]:
    """The trigrams ``pg_trgm`` reads for ``LIKE '%piece%'`` (``piece`` ASCII, escaped as
    :func:`~contactgraph.repos.sql.search_statements.like` does): each word of
    letters and digits, padded with blanks where a non-word character of
    ``piece`` bounds it, not where the pattern's ``%`` does."""
    lowered = piece.lower()
    found: set[str] = set()
    for word in _WORD.finditer(lowered):
        left = "  " if word.start() > 0 else ""
        right = " " if word.end() < len(lowered) else ""
        found |= sqlite_trigrams(f"{left}{word.group()}{right}")
    return frozenset(found)


def sqlite_units(phrase: str) -> list[Unit]:
    """Every trigram of ``phrase``, each a unit (where it first occurs)."""
    units: dict[str, Unit] = {}
    for start in range(len(phrase) - 2):
        piece = phrase[start : start + 3]
        units.setdefault(piece, Unit(piece, frozenset({piece}), start))
    return list(units.values())


def postgres_units(phrase: str) -> list[Unit]:
    """The ASCII pieces of 3 and 4 characters of ``phrase`` for which ``pg_trgm`` reads
    trigrams (a piece with a non-ASCII character is never a unit: whether that
    character is a letter depends on the database's locale)."""
    units: dict[str, Unit] = {}
    for size in (3, 4):
        for start in range(len(phrase) - size + 1):
            piece = phrase[start : start + size]
            if piece.isascii() and piece not in units:
                trigrams = postgres_like_trigrams(piece)
                if trigrams:
                    units[piece] = Unit(piece, trigrams, start)
    return list(units.values())


def chosen(units: Sequence[Unit], rarity: Rarity, *, nested: int | None = None) -> list[Unit]:
    """The rarest units, enough that about one candidate is expected, :data:`MAX_UNITS`
    at most (the first unit always); a unit whose trigrams are all read already is skipped.

    ``nested``: a unit sharing that many characters or more with one chosen
    already, of a word or with a trigram in common, is skipped too. PostgreSQL's units are pieces of 3 and 4 characters
    (``isr``, ``isro``, `` isr``): a contact holding one nearly always holds the
    others, so a second would be read for little. (SQLite's units are single
    trigrams: measured at a million contacts, skipping neighbours there chose
    commoner trigrams and cost more.)
    """

    def scarcity(unit: Unit) -> tuple[float, float, str]:
        shares = [rarity.share(t) for t in unit.trigrams]
        return min(shares), sum(shares), unit.text

    picked: list[Unit] = []
    read: set[str] = set()
    expected = float(rarity.rows)
    for unit in sorted(units, key=scarcity):
        if len(picked) == MAX_UNITS or (picked and expected <= 1.0):
            break
        if unit.trigrams <= read:
            continue
        if nested is not None and any(_nested(unit, p, nested) for p in picked):
            continue
        picked.append(unit)
        read |= unit.trigrams
        expected *= scarcity(unit)[0]
    return picked


def _nested(unit: Unit, chosen: Unit, nested: int) -> bool:
    """Whether ``unit`` shares ``nested`` characters or more with ``chosen``, of one word
    (``isro`` and ``isr``) or with a trigram in common (``ob i`` and ``b i``). Pieces of
    two words meeting at a space or a mark (``01 `` and ``1 7`` of ``01 7``) share
    only the mark's neighbours and no trigram: neither says much about the other."""
    shared = unit.shared(chosen)
    if len(shared) < nested:
        return False
    return _WORD.fullmatch(shared.lower()) is not None or bool(unit.trigrams & chosen.trigrams)


def uniform(phrase: str) -> bool:
    """Whether ``phrase`` is all ASCII digits: its trigrams are about equally common
    (stored phones are random digits: each digit trigram sits in 1–2 % of the keys
    whatever the store), so none is rare and their rarity says nothing worth its cost."""
    return len(phrase) >= 3 and phrase.isascii() and phrase.isdigit()


DIGIT_WINDOW: Final = 6
"""How many digits an entry of SQLite's ``contact_digits`` index holds (schema version 6)."""


def windows(phrase: str) -> tuple[str, ...]:
    """For a :func:`uniform` phrase of :data:`DIGIT_WINDOW` digits or more, its first and
    last runs of that many digits (one when they are the same): a key holding the
    phrase holds both, and SQLite's ``contact_digits`` finds the keys holding each;
    ``()`` for any other phrase."""
    if len(phrase) < DIGIT_WINDOW or not uniform(phrase):
        return ()
    return tuple(dict.fromkeys((phrase[:DIGIT_WINDOW], phrase[-DIGIT_WINDOW:])))


def spread(phrase: str) -> tuple[str, ...]:
    """:data:`MAX_UNITS` trigrams of ``phrase`` (fewer when it is shorter) spread evenly
    over it, the first and the last included; by position only, nothing weighed.

    For a :func:`uniform` phrase: the rarest trigrams of a digit fragment are
    often neighbours (``713``, ``871``), nearly always held together, and leave
    many candidates; trigrams apart leave few (7 digits, starts 0, 2 and 4: 4
    candidates at a million contacts against 12 for starts 0, 3 and 4). A
    3-digit piece is also its own ``pg_trgm`` unit (it reads just that trigram).
    """
    last = len(phrase) - 3
    if last < 0:
        return ()
    count = min(MAX_UNITS, last + 1)
    if count == 1:
        return (phrase[:3],)
    starts = dict.fromkeys(i * last // (count - 1) for i in range(count))
    return tuple(dict.fromkeys(phrase[i : i + 3] for i in starts))


# ----------------------------------------------------------------- the sample

_SQLITE_TOP = sa.text("SELECT max(rowid) FROM contacts")
_SQLITE_ALL = sa.text("SELECT search_key FROM contacts")
_SQLITE_STRETCH = sa.text(
    "SELECT search_key FROM contacts WHERE rowid >= :start ORDER BY rowid LIMIT :n"
)
_POSTGRES_ROWS = sa.text("SELECT reltuples FROM pg_class WHERE oid = to_regclass('contacts')")
_POSTGRES_FIRST = sa.text("SELECT search_key FROM contacts LIMIT :n")
_POSTGRES_SAMPLE = sa.text(
    "SELECT search_key FROM contacts TABLESAMPLE SYSTEM (CAST(:percent AS real)) LIMIT :n"
)


def _sqlite_sample(conn: Connection) -> tuple[list[str | None], int]:
    top = int(conn.execute(_SQLITE_TOP).scalar() or 0)
    if top <= SAMPLE_ROWS:
        return list(conn.execute(_SQLITE_ALL).scalars()), top
    keys: list[str | None] = []
    per = SAMPLE_ROWS // SAMPLE_RANGES
    for i in range(SAMPLE_RANGES):  # stretches spread over the table, not only the newest rows
        stretch = {"start": top * i // SAMPLE_RANGES, "n": per}
        keys.extend(conn.execute(_SQLITE_STRETCH, stretch).scalars())
    return keys, top


def _postgres_sample(conn: Connection) -> tuple[list[str | None], int]:
    estimated = float(conn.execute(_POSTGRES_ROWS).scalar() or -1)
    if estimated < 2 * SAMPLE_ROWS:  # small, or never analysed: the first rows
        keys = list(conn.execute(_POSTGRES_FIRST, {"n": SAMPLE_ROWS}).scalars())
        return keys, max(len(keys), int(estimated))
    percent = min(100.0, 100.0 * SAMPLE_ROWS / estimated)
    sampled = conn.execute(_POSTGRES_SAMPLE, {"percent": percent, "n": 2 * SAMPLE_ROWS})
    return list(sampled.scalars()), int(estimated)


_SAMPLERS: dict[str, tuple[Callable[[Connection], Any], Callable[[str], set[str]]]] = {
    "sqlite": (_sqlite_sample, sqlite_trigrams),
    "postgresql": (_postgres_sample, postgres_key_trigrams),
}


def counted(keys: Iterable[str | None], trigrams: Callable[[str], set[str]], rows: int) -> Rarity:
    """The :class:`Rarity` of sampled ``keys`` (each key's trigrams counted once)."""
    counts: Counter[str] = Counter()
    sampled = 0
    for key in keys:
        if key is not None:
            counts.update(trigrams(key))
            sampled += 1
    return Rarity(dict(counts), sampled, max(rows, sampled))


_KEPT: weakref.WeakKeyDictionary[Any, tuple[Rarity, float]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def rarity(conn: Connection) -> Rarity:
    """The trigram rarity of ``conn``'s database: kept with its engine, sampled again
    once :data:`FRESH_SECONDS` have passed (:data:`SMALL_FRESH_SECONDS` for a small store)."""
    sampler = _SAMPLERS.get(conn.dialect.name)
    if sampler is None:
        return EMPTY
    engine, now = conn.engine, time.monotonic()
    with _LOCK:
        kept = _KEPT.get(engine)
    if kept is not None and now < kept[1]:
        return kept[0]
    sample, trigrams = sampler
    keys, rows = sample(conn)
    found = counted(keys, trigrams, rows)
    fresh = FRESH_SECONDS if found.sampled >= SAMPLE_ROWS else SMALL_FRESH_SECONDS
    with _LOCK:
        _KEPT[engine] = (found, now + fresh)
    return found


def forget(conn: Connection) -> None:
    """Drop the rarity kept for ``conn``'s engine (the next search samples again)."""
    with _LOCK:
        _KEPT.pop(conn.engine, None)


__all__ = [
    "DIGIT_WINDOW",
    "MAX_UNITS",
    "Rarity",
    "Unit",
    "chosen",
    "counted",
    "postgres_key_trigrams",
    "postgres_like_trigrams",
    "postgres_units",
    "rarity",
    "spread",
    "sqlite_trigrams",
    "sqlite_units",
    "uniform",
    "windows",
]
