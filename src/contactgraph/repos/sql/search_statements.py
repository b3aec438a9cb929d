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

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final

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


def _prefix(column: sa.ColumnElement[str], text: str) -> sa.ColumnElement[bool]:
    """``column`` starts with ``text``, as a range an index answers."""
    upper = prefix_upper(text)
    low = column >= text
    return low if upper is None else sa.and_(low, column < upper)


def _phrase(phrase: str) -> str:
    """An FTS5 string: the phrase as typed, quotes doubled."""
    return '"' + phrase.replace('"', '""') + '"'


def _fts_query(needle: SearchNeedle) -> str:
    return " OR ".join(_phrase(p) for p in needle.phrases)


def like(text: str) -> str:
    """A LIKE pattern for ``text`` anywhere, with PostgreSQL's default escape (backslash)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


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
    def shape(self) -> tuple[int, ...]:
        """How many units each phrase has: statements are built once per shape."""
        return tuple(len(u) for u in self.units)

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


def _instr(column: str, count: int) -> str:
    """SQLite: ``column`` holds one of ``:p0``…, exactly (the FTS match is a superset: it
    asks for parts of the phrases, and its case folding maps a few more letters, ``ſ`` to ``s``)."""
    return " OR ".join(f"instr({column}, :p{i}) > 0" for i in range(count))


def _postgres_anywhere(shape: tuple[int, ...], column: Any = C.c.search_key) -> Any:
    """PostgreSQL: ``column`` holds a phrase (``:p0``…), its units (``:u0_0``…) asked of
    the trigram index and the whole phrase checked by ``strpos``, which the index
    does not answer (a ``LIKE`` of the whole phrase would read its every trigram)."""
    return sa.or_(
        *(
            sa.and_(
                *(column.like(bindparam(f"u{i}_{j}")) for j in range(units)),
                func.strpos(column, bindparam(f"p{i}")) > 0,
            )
            for i, units in enumerate(shape)
        )
    )


_FTS_FROM = (
    # CROSS JOIN keeps this order: the FTS match first, then one row each by key
    # (SQLite would otherwise scan the tenant's rows and probe the FTS per row).
    "FROM contacts_fts CROSS JOIN contact_search m ON m.seq = contacts_fts.rowid "
)


def _fts(table: str, mapping: str, owner: str, hit: Sequence[sa.Column[Any]]) -> str:
    cols = ", ".join(f'x."{c.name}"' for c in hit)
    return (
        f"SELECT {cols} FROM {table}_fts CROSS JOIN {mapping} m ON m.seq = {table}_fts.rowid "
        f"CROSS JOIN {table} x ON x.tenant = m.tenant AND x.id = m.{owner} "
        f"WHERE {table}_fts MATCH :q AND m.tenant = :t"
    )


_SQLITE_CONTACT_HITS = sa.text(_fts("contacts", "contact_search", "contact_id", CONTACT_HIT))
_SQLITE_ACCOUNT_HITS = sa.text(_fts("accounts", "account_search", "account_id", ACCOUNT_HIT))


def _sqlite_matches(phrases: int) -> Any:
    """One row: how many contacts hold a phrase (``:n`` at most: the FTS candidates checked
    here, no contact row read) and, when they are ``:k`` at most, their ids (lines of text:
    an id is printable)."""
    return sa.text(
        "SELECT count(*), CASE WHEN count(*) <= :k THEN group_concat(contact_id, char(10)) END "
        f"FROM (SELECT m.contact_id AS contact_id {_FTS_FROM}WHERE contacts_fts MATCH :q "
        f"AND m.tenant = :t AND ({_instr('contacts_fts.search_key', phrases)}) LIMIT :n)"
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
        f"WHERE m.tenant = :t AND ({_instr('f.search_key', phrases)}) LIMIT :n)"
    )


def _sqlite_count(tenant: str, match: Match, up_to: int, few: int) -> Query:
    """SQLite's :func:`count_matches` statement: a phrase of six digits or more through
    ``contact_digits`` (:func:`~contactgraph.repos.sql.trigrams.windows`), the others
    through the FTS match of their units."""
    params: dict[str, Any] = {"t": tenant, "n": up_to, "k": few, **match.params("sqlite")}
    count = len(match.phrases)
    cut = [trigrams.windows(p) for p in match.phrases]
    if not any(cut):
        return _built(("sqlite matches", count), lambda: _sqlite_matches(count)), params
    windowed = tuple((i, len(w)) for i, w in enumerate(cut) if w)
    others = tuple(units for units, w in zip(match.units, cut, strict=True) if not w)
    params.update((f"w{i}_{j}", gram) for i, w in enumerate(cut) for j, gram in enumerate(w))
    params["q"] = _fts_groups(others)  # unused when every phrase is a digit phrase
    key = ("sqlite windows", count, windowed, bool(others))
    return _built(key, lambda: _sqlite_window_matches(count, windowed, bool(others))), params


def _postgres_matches(shape: tuple[int, ...]) -> Any:
    found = select(C.c.id).where(C.c.tenant == t, _postgres_anywhere(shape)).limit(bindparam("n"))
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
    return (_built(("matches", shape), lambda: _postgres_matches(shape)), params), _listed


def _lines(found: Any) -> list[str] | None:
    return None if found is None else found.split("\n")


def _listed(found: Any) -> list[str] | None:
    return None if found is None else list(found)


def _sqlite_hits_by_name(phrases: int) -> Any:
    """The FTS candidates that hold one of ``phrases`` phrases (``:p0``…), by name, ``:n``
    at most: checked here, so that no candidate the FTS match lets through takes a place."""
    checks = _instr("contacts_fts.search_key", phrases)
    return sa.text(
        _fts("contacts", "contact_search", "contact_id", CONTACT_HIT)
        + f' AND ({checks}) ORDER BY x."last_key", x."first_key", x."middle_key", x."id" LIMIT :n'
    )


def _sqlite_phone_lines() -> Any:
    """The FTS candidates with a phone line that is ``:line`` (``\\n`` + digits + ``\\n``:
    a phone kept unverified is stored as typed, so no index on ``phone`` finds it by digits)."""
    return sa.text(
        _fts("contacts", "contact_search", "contact_id", CONTACT_HIT)
        + " AND instr(contacts_fts.search_key || char(10), :line) > 0"
        + ' ORDER BY x."last_key", x."first_key", x."middle_key", x."id" LIMIT :n'
    )


_SQLITE_CONTACT_HITS_BY_NAME = {n: _sqlite_hits_by_name(n) for n in (1, 2)}
_SQLITE_PHONE_LINES = _sqlite_phone_lines()


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


def _built(key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    """The statement for ``key``, built on first use: building and hashing a Core
    statement costs about as much as running an indexed search, so each shape is
    built once and run with parameters."""
    found = _BUILT.get(key)
    if found is None:
        found = _BUILT[key] = build()
    return found


def _range(column: Any, upper: bool) -> Any:
    """``column`` in ``[:lo, :hi)`` (``upper``) or ``>= :lo``."""
    low = column >= bindparam("lo")
    return sa.and_(low, column < bindparam("hi")) if upper else low


def _range_params(text: str) -> tuple[bool, dict[str, Any]]:
    upper = prefix_upper(text)
    return upper is not None, {"lo": text} if upper is None else {"lo": text, "hi": upper}


def contact_hits(
    dialect: str, tenant: str, needle: SearchNeedle, match: Match | None = None
) -> Query:
    """Rows of :data:`CONTACT_HIT` holding every contact that may match ``needle``
    (``match``: how a 3+ character needle asks the trigram index, each phrase whole
    by default)."""
    if needle.short:
        upper, params = _range_params(needle.text)

        def united() -> Any:
            # One indexed range per column, united (an OR would scan the tenant's rows).
            return sa.union(
                *(
                    select(*CONTACT_HIT).where(C.c.tenant == t, _range(c, upper))
                    for c in _SHORT_COLUMNS
                )
            )

        return _built(("short hits", upper), united), {"t": tenant, **params}
    match = match or Match.whole(needle)
    if dialect == "sqlite":
        return _SQLITE_CONTACT_HITS, {"q": match.fts(), "t": tenant}
    shape = match.shape
    stmt = _built(
        ("hits", shape),
        lambda: select(*CONTACT_HIT).where(C.c.tenant == t, _postgres_anywhere(shape)),
    )
    return stmt, {"t": tenant, **match.params(dialect)}


def count_prefixes(tenant: str, text: str, columns: Sequence[Any], up_to: int) -> Query:
    """One row: for each of ``columns``, how many contacts' values start with ``text``,
    counting no further than ``up_to`` (each an index range, read no further)."""
    upper, params = _range_params(text)

    def counted(column: Any) -> Any:
        hits = select(C.c.tenant).where(C.c.tenant == t, _range(column, upper))
        limited = hits.limit(bindparam("n")).subquery()
        return select(func.count()).select_from(limited).scalar_subquery()

    def build() -> Any:
        return select(*(counted(c) for c in columns))

    key = ("prefix counts", upper, *(c.name for c in columns))
    return _built(key, build), {"t": tenant, "n": up_to, **params}


SHORT_COLUMNS = _SHORT_COLUMNS


WALK_ROWS_PER_HIT: Final = 25
"""A wide range is first looked for along the name order, this many rows walked per
hit asked (the range then holds at least one row in 25 there: a dense range)."""

RANGE_READ_WHOLE: Final = 1000
"""A prefix range of up to this many rows is read whole through its index and sorted
(for this many rows that costs less than a walk); a wider one is walked first."""


@attrs.frozen
class Wide:
    """A prefix range that may be too wide to read whole: its ``best`` first hits.

    ``capped`` reads the range's first :data:`RANGE_READ_WHOLE` + 1 entries (index
    order), sorts them, and gives their ``best`` first hits, each row ending with
    how many entries it read: when that is no more than :data:`RANGE_READ_WHOLE`,
    the range was read whole and the rows are the answer (one statement, the
    common case). Otherwise ``walk`` looks for the hits among the first rows in
    name order (a bounded number); when it finds fewer than ``best`` (the range
    is sparse there, e.g. "olaf s": the people named Olaf whose last name starts
    with S, late in name order), ``whole`` reads the range whole through its
    index and sorts it. The cost is bounded by the rows walked plus the range,
    never by the store.
    """

    capped: Query
    walk: Query
    whole: Query
    best: int


def _first_in_name_order(tenant: str, column: Any, text: str, best: int) -> Query:
    """The ``best`` first hits (by :data:`NAME_ORDER`) whose ``column`` starts with
    ``text``: the range read through its index, and sorted.

    The last-name range is read in the name index's own order (it ends at ``best``
    rows). Any other range is read in a subquery the planner keeps apart
    (``OFFSET 0``): asked for the first rows in name order, PostgreSQL would
    otherwise walk the name index, filtering, for a range it guesses wide ("olaf s"
    at a million contacts: 7.8 s)."""
    upper, params = _range_params(text)

    def build() -> Any:
        where = select(*CONTACT_HIT).where(C.c.tenant == t, _range(column, upper))
        if column is C.c.last_key:
            return where.order_by(*NAME_ORDER).limit(bindparam("n"))
        ranged = where.offset(0).subquery()
        order = [ranged.c[c.name] for c in NAME_ORDER]
        return select(*ranged.c).order_by(*order).limit(bindparam("n"))

    stmt = _built(("first by name", column.name, upper), build)
    return stmt, {"t": tenant, "n": best, **params}


def _walked_in_name_order(tenant: str, column: Any, text: str, best: int) -> Query:
    """The hits whose ``column`` starts with ``text`` among the first
    ``best * WALK_ROWS_PER_HIT`` rows in name order (the name index walked), at most
    ``best`` of them."""
    upper, params = _range_params(text)

    def build() -> Any:
        walked = (
            select(*CONTACT_HIT, column.label("k"))
            .where(C.c.tenant == t)
            .order_by(*NAME_ORDER)
            .limit(bindparam("w"))
            .subquery()
        )
        kept = _range(walked.c.k, upper)
        hits = select(*(walked.c[c.name] for c in CONTACT_HIT)).where(kept)
        order = [walked.c[c.name] for c in NAME_ORDER]
        return hits.order_by(*order).limit(bindparam("n"))

    stmt = _built(("walked by name", column.name, upper), build)
    return stmt, {"t": tenant, "n": best, "w": best * WALK_ROWS_PER_HIT, **params}


def _capped_in_name_order(tenant: str, column: Any, text: str, best: int) -> Query:
    """:data:`CONTACT_HIT` rows of the ``best`` first (by :data:`NAME_ORDER`) of the first
    ``RANGE_READ_WHOLE + 1`` contacts whose ``column`` starts with ``text`` (in the
    range's index order), each followed by how many of those there were (see :class:`Wide`)."""
    upper, params = _range_params(text)

    def build() -> Any:
        entries = select(C.c.id, *NAME_ORDER[:-1]).where(C.c.tenant == t, _range(column, upper))
        first = entries.limit(bindparam("cap")).subquery()
        order = [first.c[c.name] for c in NAME_ORDER]
        ids = select(first.c.id).order_by(*order).limit(bindparam("n"))
        counted = select(func.count()).select_from(first).scalar_subquery()
        return select(*CONTACT_HIT, counted).where(C.c.tenant == t, C.c.id.in_(ids))

    stmt = _built(("capped by name", column.name, upper), build)
    return stmt, {"t": tenant, "n": best, "cap": RANGE_READ_WHOLE + 1, **params}


def _first_by_full_name(tenant: str, text: str, best: int) -> Query:
    """SQLite: :func:`_first_in_name_order` on the full name, its range sorted inside
    ``ix_contacts_name_order`` (which holds the name order: no table row read to
    sort it), then only the ``best`` rows kept read from the table."""
    upper, params = _range_params(text)

    def build() -> Any:
        ids = (
            select(C.c.id)
            .where(C.c.tenant == t, _range(C.c.full_key, upper))
            .order_by(*NAME_ORDER)
            .limit(bindparam("n"))
        )
        return select(*CONTACT_HIT).where(C.c.tenant == t, C.c.id.in_(ids))

    stmt = _built(("first by full name", upper), build)
    return stmt, {"t": tenant, "n": best, **params}


def _exact() -> Any:
    # One index look-up each, united (an OR would scan the tenant's rows on SQLite).
    found = sa.union_all(
        *(
            select(*CONTACT_HIT).where(C.c.tenant == t, condition)
            for condition in (
                C.c.email_search == bindparam("text"),
                C.c.phone == bindparam("number"),
                C.c.mobile == bindparam("number"),
            )
        )
    ).subquery()
    # The order written as expressions keeps SQLite from walking a name index instead.
    order = [sa.func.coalesce(found.c[c.name], "") for c in NAME_ORDER]
    return select(*found.c).order_by(*order).limit(bindparam("n"))


_EXACT = _exact()


def _postgres_by_name(shape: tuple[int, ...]) -> Any:
    where = select(*CONTACT_HIT).where(C.c.tenant == t, _postgres_anywhere(shape))
    return where.order_by(*NAME_ORDER).limit(bindparam("n"))


def _postgres_phone_lines(shape: tuple[int, ...]) -> Any:
    """PostgreSQL: :func:`_sqlite_phone_lines`, the candidates of ``shape``'s one phrase."""
    line = func.strpos(C.c.search_key + "\n", bindparam("line")) > 0
    where = select(*CONTACT_HIT).where(C.c.tenant == t, _postgres_anywhere(shape), line)
    return where.order_by(*NAME_ORDER).limit(bindparam("n"))


def _unverified_phones(
    dialect: str, tenant: str, needle: SearchNeedle, match: Match, best: int
) -> list[Query]:
    """The contacts with a phone line that is the needle's number (rank 0), read through
    the trigram index: a phone kept unverified is stored as typed, not as E.164."""
    number = needle.digits or needle.text
    if not (number.isascii() and number.isdigit()) or number not in match.phrases:
        return []
    at = match.phrases.index(number)
    only = Match((number,), (match.units[at],))
    params = {"t": tenant, "n": best, "line": f"\n{number}\n", **only.params(dialect)}
    if dialect == "sqlite":
        return [(_SQLITE_PHONE_LINES, params)]
    shape = only.shape
    return [(_built(("phone lines", shape), lambda: _postgres_phone_lines(shape)), params)]


def contact_tiers(
    dialect: str,
    tenant: str,
    needle: SearchNeedle,
    best: int,
    wide: Callable[[Any], bool],
    *,
    match: Match | None = None,
) -> Iterator[list[Query | Wide]]:
    """Statements for the ranks of :func:`~contactgraph.repos.keys.contact_search_rank`,
    best rank first: each gives the ``best`` first rows of :data:`CONTACT_HIT` (by
    :data:`NAME_ORDER`) among the contacts meeting that rank's condition.

    Tier ``r`` holds the conditions of rank ``r`` (a contact meeting it ranks
    ``r`` or better). Once the hits of ranks up to ``r`` number ``best`` or more,
    the best ``best`` of all matches are among the rows read so far, so the
    caller stops there: the ranges read through the name indexes end at
    ``best`` rows, whatever the number of matches. ``wide(column)`` tells whether
    the needle's prefix range on ``column`` may hold more than :data:`RANGE_READ_WHOLE`
    rows (then it is read as a :class:`Wide` range).
    Each tier is built as it is reached.
    """

    def starting(column: Any) -> Query | Wide:
        if dialect == "sqlite" and column is C.c.full_key:
            whole = _first_by_full_name(tenant, text, best)
        else:
            whole = _first_in_name_order(tenant, column, text, best)
        if not wide(column):
            return whole
        capped = _capped_in_name_order(tenant, column, text, best)
        return Wide(capped, _walked_in_name_order(tenant, column, text, best), whole, best)

    text = needle.text
    match = None if needle.short else (match or Match.whole(needle))
    number = needle.digits or text
    if match is None or not ("@" in text or number.isdigit()):
        yield []  # no email or phone number can be this needle
    else:
        exact = (_EXACT, {"t": tenant, "text": text, "number": "+" + number, "n": best})
        yield [exact, *_unverified_phones(dialect, tenant, needle, match, best)]
    # The last-name range is read in the name index's own order: it ends at ``best`` rows.
    yield [_first_in_name_order(tenant, C.c.last_key, text, best)]
    yield [starting(C.c.full_key)]
    if match is None:
        yield [starting(C.c.first_key), starting(C.c.email_search)]
        return
    params = {"t": tenant, "n": best, **match.params(dialect)}
    if dialect == "sqlite":
        yield [(_SQLITE_CONTACT_HITS_BY_NAME[len(match.phrases)], params)]
    else:
        shape = match.shape
        yield [(_built(("by name", shape), lambda: _postgres_by_name(shape)), params)]


def _account_anywhere(dialect: str, tenant: str, needle: SearchNeedle) -> Any:
    """Accounts holding one of the (3+ character) needle's phrases, exactly."""
    if dialect != "sqlite":
        return sa.or_(*(A.c.search_key.like(like(p)) for p in needle.phrases))
    candidates = (
        sa.text(
            "SELECT m.account_id FROM accounts_fts CROSS JOIN account_search m "
            "ON m.seq = accounts_fts.rowid WHERE accounts_fts MATCH :q AND m.tenant = :t"
        )
        .bindparams(q=_fts_query(needle), t=tenant)
        .columns(sa.column("account_id"))
        .subquery()
    )
    exact = sa.or_(*(func.instr(A.c.search_key, p) > 0 for p in needle.phrases))
    return sa.and_(A.c.id.in_(select(candidates.c.account_id)), exact)


def count_account_matches(dialect: str, tenant: str, needle: SearchNeedle, up_to: int) -> Any:
    """How many accounts match ``needle``, exactly, counting no further than ``up_to``."""
    if needle.short:
        condition = _prefix(A.c.name_key, needle.text)
    else:
        condition = _account_anywhere(dialect, tenant, needle)
    hits = select(A.c.id).where(A.c.tenant == tenant, condition).limit(up_to)
    return select(func.count()).select_from(hits.subquery())


def account_tiers(
    dialect: str, tenant: str, needle: SearchNeedle, best: int
) -> Iterator[list[Any]]:
    """Statements for the ranks of :func:`~contactgraph.repos.keys.account_search_rank`,
    best rank first, as :func:`contact_tiers` for contacts: the accounts whose website
    domain or phone is the needle (few, read whole: a LIKE on SQLite ignores the case
    of ASCII letters, so its rows are checked after), then the ``best`` first by name
    whose name starts with it (the name index, in order), then anywhere."""
    hit = select(*ACCOUNT_HIT).where(A.c.tenant == tenant)
    order = (A.c.name_key, A.c.id)
    text = needle.text
    if not needle.short:
        lines = [f"\n{v}" for v in dict.fromkeys((text, needle.digits or text))]
        exact = sa.or_(
            *(A.c.search_key.contains(v + "\n", autoescape=True) for v in lines),
            *(A.c.search_key.endswith(v, autoescape=True) for v in lines),
        )
        yield [hit.where(_account_anywhere(dialect, tenant, needle), exact)]
    yield [hit.where(_prefix(A.c.name_key, text)).order_by(*order).limit(best)]
    if not needle.short:
        anywhere = _account_anywhere(dialect, tenant, needle)
        yield [hit.where(anywhere).order_by(*order).limit(best)]


def account_hits(dialect: str, tenant: str, needle: SearchNeedle) -> Any:
    """Rows of :data:`ACCOUNT_HIT` holding every account that may match ``needle``."""
    if needle.short:
        return select(*ACCOUNT_HIT).where(A.c.tenant == tenant, _prefix(A.c.name_key, needle.text))
    if dialect == "sqlite":
        return _SQLITE_ACCOUNT_HITS.bindparams(q=_fts_query(needle), t=tenant)
    return select(*ACCOUNT_HIT).where(
        A.c.tenant == tenant, sa.or_(*(A.c.search_key.like(like(p)) for p in needle.phrases))
    )
