"""The SQL of search (:mod:`contactgraph.repos.sql.search`): built once per shape, run with parameters.

Each query finds a superset of the matches through an index; the caller
ranks the rows with :func:`~contactgraph.repos.keys.contact_search_rank` /
:func:`~contactgraph.repos.keys.account_search_rank`, which also drop what is
not a match, so every backend answers alike. A 3+ character needle reaches
the trigram index through a :class:`Match`: only the rarest pieces of each
phrase are looked up (:mod:`contactgraph.repos.sql.trigrams`), and every
candidate is checked against the whole phrase in SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy import bindparam, func, select

from contactgraph.repos.keys import SearchNeedle, prefix_upper
from contactgraph.repos.schema import accounts as A
from contactgraph.repos.schema import contacts as C
from contactgraph.repos.sql import trigrams
from contactgraph.repos.sql.statements import t

CONTACT_HIT = (C.c.id, C.c.search_key, C.c.last_key, C.c.first_key, C.c.middle_key)
ACCOUNT_HIT = (A.c.id, A.c.search_key, A.c.name_key)


def prefix_of(column: sa.ColumnElement[str], text: str) -> sa.ColumnElement[bool]:
    """``column`` starts with ``text``, as a range an index answers."""
    upper = prefix_upper(text)
    low = column >= text
    return low if upper is None else sa.and_(low, column < upper)


def _phrase(phrase: str) -> str:
    """An FTS5 string: the phrase as typed, quotes doubled."""
    return '"' + phrase.replace('"', '""') + '"'


def _fts_query(needle: SearchNeedle) -> str:
    return fts_phrases(needle.phrases)


def fts_phrases(phrases: Sequence[str]) -> str:
    """An FTS5 query asking for one of ``phrases``, each whole."""
    return " OR ".join(_phrase(p) for p in phrases)


def like_escaped(text: str) -> str:
    """``text`` in a LIKE pattern with PostgreSQL's default escape (backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like(text: str) -> str:
    """A LIKE pattern for ``text`` anywhere, with PostgreSQL's default escape (backslash)."""
    return f"%{like_escaped(text)}%"


@attrs.frozen
class Match:
    """How the trigram index is asked for the candidates of a 3+ character needle.

    ``units[i]`` are the pieces of ``phrases[i]`` looked up through the index
    (a candidate holds every one); each candidate is then checked to hold the
    whole phrase, so the matches are exactly the contacts holding a phrase.
    """

    phrases: tuple[str, ...]
    units: tuple[tuple[str, ...], ...]

    @classmethod
    def whole(cls, needle: SearchNeedle) -> Match:
        """Each phrase looked up whole (every one of its trigrams read)."""
        return cls(needle.phrases, tuple((p,) for p in needle.phrases))

    @property
    def shape(self) -> Shape:
        """How many units each phrase has, and whether it holds a ``+`` (see
        :func:`postgres_anywhere`): statements are built once per shape."""
        return tuple((len(u), "+" in p) for p, u in zip(self.phrases, self.units, strict=True))

    def fts(self) -> str:
        """The FTS5 query: ``("u1" AND "u2") OR ("u3")``, a group per phrase."""
        return _fts_groups(self.units)

    def params(self, dialect: str) -> dict[str, Any]:
        """The phrases (``:p0``…), and on PostgreSQL the units' LIKE patterns (``:u0_0``…)."""
        found: dict[str, Any] = {f"p{i}": p for i, p in enumerate(self.phrases)}
        if dialect == "sqlite":
            found["q"] = self.fts()
        else:
            for i, units in enumerate(self.units):
                found.update((f"u{i}_{j}", like(u)) for j, u in enumerate(units))
        return found


def _fts_groups(groups: Sequence[Sequence[str]]) -> str:
    """An FTS5 query asking for every unit of one of ``groups``."""
    return " OR ".join("(" + " AND ".join(_phrase(u) for u in units) + ")" for units in groups)


def instr_checks(column: str, count: int) -> str:
    """SQLite: ``column`` holds one of ``:p0``…, exactly (the FTS match is a superset: it
    asks for parts of the phrases, and its case folding maps a few more letters, ``ſ`` to ``s``)."""
    return " OR ".join(f"instr({column}, :p{i}) > 0" for i in range(count))


Shape = tuple[tuple[int, bool], ...]
"""For each phrase of a :class:`Match`: how many units, and whether it holds a ``+``."""

_PLUS: Any = sa.literal_column("'+'")
_ZERO: Any = sa.literal_column("0")


def postgres_anywhere(shape: Shape, column: Any = C.c.search_key) -> Any:
    """PostgreSQL: ``column`` holds a phrase (``:p0``…), its units (``:u0_0``…) asked of
    the trigram index and the whole phrase checked by ``strpos``, which the index
    does not answer (a ``LIKE`` of the whole phrase would read its every trigram).

    A phrase holding a ``+`` also asks for a key holding one, written as the
    condition of ``ix_contacts_plus`` (schema version 7, constants, not
    parameters, for the planner to match them): ``pg_trgm`` drops the ``+``, so
    the units of ``+33`` are every word starting with 33, every phone line;
    the keys holding a ``+`` are few (no phone line does)."""
    return sa.or_(
        *(
            sa.and_(
                *([func.strpos(column, _PLUS) > _ZERO] if plus else []),
                *(column.like(bindparam(f"u{i}_{j}")) for j in range(units)),
                func.strpos(column, bindparam(f"p{i}")) > 0,
            )
            for i, (units, plus) in enumerate(shape)
        )
    )


_FTS_FROM = (
    # CROSS JOIN keeps this order: the FTS match first, then one row each by key
    # (SQLite would otherwise scan the tenant's rows and probe the FTS per row).
    "FROM contacts_fts CROSS JOIN contact_search m ON m.seq = contacts_fts.rowid "
)


def fts_select(table: str, mapping: str, owner: str, hit: Sequence[sa.Column[Any]]) -> str:
    cols = ", ".join(f'x."{c.name}"' for c in hit)
    return (
        f"SELECT {cols} FROM {table}_fts CROSS JOIN {mapping} m ON m.seq = {table}_fts.rowid "
        f"CROSS JOIN {table} x ON x.tenant = m.tenant AND x.id = m.{owner} "
        f"WHERE {table}_fts MATCH :q AND m.tenant = :t"
    )


_SQLITE_CONTACT_HITS = sa.text(fts_select("contacts", "contact_search", "contact_id", CONTACT_HIT))
_SQLITE_ACCOUNT_HITS = sa.text(fts_select("accounts", "account_search", "account_id", ACCOUNT_HIT))


def _sqlite_matches(phrases: int) -> Any:
    """One row: how many contacts hold a phrase (``:n`` at most: the FTS candidates checked
    here, no contact row read) and, when they are ``:k`` at most, their ids (lines of text:
    an id is printable)."""
    return sa.text(
        "SELECT count(*), CASE WHEN count(*) <= :k THEN group_concat(contact_id, char(10)) END "
        f"FROM (SELECT m.contact_id AS contact_id {_FTS_FROM}WHERE contacts_fts MATCH :q "
        f"AND m.tenant = :t AND ({instr_checks('contacts_fts.search_key', phrases)}) LIMIT :n)"
    )


def _sqlite_window_matches(phrases: int, windowed: tuple[tuple[int, int], ...], fts: bool) -> Any:
    """:func:`_sqlite_matches`, the candidates of each digit phrase of ``windowed``
    (its index, how many windows) taken from ``contact_digits`` (the keys holding
    all its windows ``:w{i}_{j}``), those of the other phrases from the FTS match
    ``:q`` (``fts``), united, then checked against every phrase as there."""
    found = [
        "SELECT seq FROM ("
        + " INTERSECT ".join(
            f"SELECT seq FROM contact_digits WHERE gram = :w{i}_{j}" for j in range(count)
        )
        + ")"
        for i, count in windowed
    ]
    if fts:
        found.append("SELECT rowid AS seq FROM contacts_fts WHERE contacts_fts MATCH :q")
    return sa.text(
        "SELECT count(*), CASE WHEN count(*) <= :k THEN group_concat(contact_id, char(10)) END "
        f"FROM (SELECT m.contact_id AS contact_id FROM ({' UNION '.join(found)}) c "
        "CROSS JOIN contacts_fts f ON f.rowid = c.seq CROSS JOIN contact_search m ON m.seq = c.seq "
        f"WHERE m.tenant = :t AND ({instr_checks('f.search_key', phrases)}) LIMIT :n)"
    )


def _sqlite_count(tenant: str, match: Match, up_to: int, few: int) -> Query:
    """SQLite's :func:`count_matches` statement: a phrase of six digits or more through
    ``contact_digits`` (:func:`~contactgraph.repos.sql.trigrams.windows`), the others
    through the FTS match of their units."""
    params: dict[str, Any] = {"t": tenant, "n": up_to, "k": few, **match.params("sqlite")}
    count = len(match.phrases)
    cut = [trigrams.windows(p) for p in match.phrases]
    if not any(cut):
        return built(("sqlite matches", count), lambda: _sqlite_matches(count)), params
    windowed = tuple((i, len(w)) for i, w in enumerate(cut) if w)
    others = tuple(units for units, w in zip(match.units, cut, strict=True) if not w)
    params.update((f"w{i}_{j}", gram) for i, w in enumerate(cut) for j, gram in enumerate(w))
    params["q"] = _fts_groups(others)  # unused when every phrase is a digit phrase
    key = ("sqlite windows", count, windowed, bool(others))
    return built(key, lambda: _sqlite_window_matches(count, windowed, bool(others))), params


def _postgres_matches(shape: Shape) -> Any:
    found = select(C.c.id).where(C.c.tenant == t, postgres_anywhere(shape)).limit(bindparam("n"))
    ids = found.subquery()
    few = sa.case((func.count() <= bindparam("k"), func.array_agg(ids.c.id)))
    return select(func.count(), few).select_from(ids)


def count_matches(
    dialect: str, tenant: str, match: Match, up_to: int, few: int
) -> tuple[Query, Callable[[Any], list[str] | None]]:
    """One row: how many contacts match ``match``, exactly, counting no further than
    ``up_to``, and when they are ``few`` at most, their ids (the whole answer then, read
    by id: the trigram index is asked once); and how to read those ids from the row."""
    if dialect == "sqlite":
        return _sqlite_count(tenant, match, up_to, few), _lines
    params = {"t": tenant, "n": up_to, "k": few, **match.params(dialect)}
    shape = match.shape
    return (built(("matches", shape), lambda: _postgres_matches(shape)), params), _listed


def _lines(found: Any) -> list[str] | None:
    return None if found is None else found.split("\n")


def _listed(found: Any) -> list[str] | None:
    return None if found is None else list(found)


def fts_match(needle: SearchNeedle) -> str:
    """The FTS5 query for ``needle``: each of its phrases, whole."""
    return _fts_query(needle)


_SHORT_COLUMNS = (C.c.last_key, C.c.first_key, C.c.full_key, C.c.email_search)
"""What a 1–2 character needle is the start of."""

NAME_ORDER = (C.c.last_key, C.c.first_key, C.c.middle_key, C.c.id)
"""The order of hits within a rank."""


Query = tuple[Any, dict[str, Any]]
"""A statement built once (bind parameters only) and the parameters of one call."""

_BUILT: dict[tuple[Any, ...], Any] = {}


def built(key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    """The statement for ``key``, built on first use: building and hashing a Core
    statement costs about as much as running an indexed search, so each shape is
    built once and run with parameters."""
    found = _BUILT.get(key)
    if found is None:
        found = _BUILT[key] = build()
    return found


def range_condition(column: Any, upper: bool) -> Any:
    """``column`` in ``[:lo, :hi)`` (``upper``) or ``>= :lo``."""
    low = column >= bindparam("lo")
    return sa.and_(low, column < bindparam("hi")) if upper else low


def range_params(text: str) -> tuple[bool, dict[str, Any]]:
    upper = prefix_upper(text)
    return upper is not None, {"lo": text} if upper is None else {"lo": text, "hi": upper}


def contact_hits(
    dialect: str, tenant: str, needle: SearchNeedle, match: Match | None = None
) -> Query:
    """Rows of :data:`CONTACT_HIT` holding every contact that may match ``needle``
    (``match``: how a 3+ character needle asks the trigram index, each phrase whole
    by default)."""
    if needle.short:
        upper, params = range_params(needle.text)

        def united() -> Any:
            # One indexed range per column, united (an OR would scan the tenant's rows).
            return sa.union(
                *(
                    select(*CONTACT_HIT).where(C.c.tenant == t, range_condition(c, upper))
                    for c in _SHORT_COLUMNS
                )
            )

        return built(("short hits", upper), united), {"t": tenant, **params}
    match = match or Match.whole(needle)
    if dialect == "sqlite":
        return _SQLITE_CONTACT_HITS, {"q": match.fts(), "t": tenant}
    shape = match.shape
    stmt = built(
        ("hits", shape),
        lambda: select(*CONTACT_HIT).where(C.c.tenant == t, postgres_anywhere(shape)),
    )
    return stmt, {"t": tenant, **match.params(dialect)}


def count_prefixes(tenant: str, text: str, columns: Sequence[Any], up_to: int) -> Query:
    """One row: for each of ``columns``, how many contacts' values start with ``text``,
    counting no further than ``up_to`` (each an index range, read no further)."""
    upper, params = range_params(text)

    def counted(column: Any) -> Any:
        hits = select(C.c.tenant).where(C.c.tenant == t, range_condition(column, upper))
        limited = hits.limit(bindparam("n")).subquery()
        return select(func.count()).select_from(limited).scalar_subquery()

    def build() -> Any:
        return select(*(counted(c) for c in columns))

    key = ("prefix counts", upper, *(c.name for c in columns))
    return built(key, build), {"t": tenant, "n": up_to, **params}


SHORT_COLUMNS = _SHORT_COLUMNS


def account_fts_ids(tenant: str, query: str) -> Any:
    """SQLite: the ids of ``tenant``'s accounts whose search lines match the FTS5 ``query``."""
    candidates = (
        sa.text(
            "SELECT m.account_id FROM accounts_fts CROSS JOIN account_search m "
            "ON m.seq = accounts_fts.rowid WHERE accounts_fts MATCH :q AND m.tenant = :t"
        )
        .bindparams(q=query, t=tenant)
        .columns(sa.column("account_id"))
        .subquery()
    )
    return select(candidates.c.account_id)


def account_anywhere(dialect: str, tenant: str, needle: SearchNeedle) -> Any:
    """Accounts holding one of the (3+ character) needle's phrases, exactly."""
    if dialect != "sqlite":
        return sa.or_(*(A.c.search_key.like(like(p)) for p in needle.phrases))
    exact = sa.or_(*(func.instr(A.c.search_key, p) > 0 for p in needle.phrases))
    return sa.and_(A.c.id.in_(account_fts_ids(tenant, _fts_query(needle))), exact)


def count_account_matches(dialect: str, tenant: str, needle: SearchNeedle, up_to: int) -> Any:
    """How many accounts match ``needle``, exactly, counting no further than ``up_to``
    (on SQLite the FTS candidates checked in the order the FTS match gives them, and
    no further: an ``IN`` of the candidates would read them all first)."""
    if needle.short:
        condition = prefix_of(A.c.name_key, needle.text)
    elif dialect == "sqlite":
        phrases = needle.phrases
        params = {f"p{i}": p for i, p in enumerate(phrases)}
        return sa.text(
            "SELECT count(*) FROM ("
            + fts_select("accounts", "account_search", "account_id", ACCOUNT_HIT[:1])
            + f" AND ({instr_checks('x.search_key', len(phrases))}) LIMIT :n)"
        ).bindparams(q=_fts_query(needle), t=tenant, n=up_to, **params)
    else:
        condition = account_anywhere(dialect, tenant, needle)
    hits = select(A.c.id).where(A.c.tenant == tenant, condition).limit(up_to)
    return select(func.count()).select_from(hits.subquery())


def account_hits(dialect: str, tenant: str, needle: SearchNeedle) -> Any:
    """Rows of :data:`ACCOUNT_HIT` holding every account that may match ``needle``."""
    if needle.short:
        return select(*ACCOUNT_HIT).where(
            A.c.tenant == tenant, prefix_of(A.c.name_key, needle.text)
        )
    if dialect == "sqlite":
        return _SQLITE_ACCOUNT_HITS.bindparams(q=_fts_query(needle), t=tenant)
    return select(*ACCOUNT_HIT).where(
        A.c.tenant == tenant, sa.or_(*(A.c.search_key.like(like(p)) for p in needle.phrases))
    )
