"""How the ranks of a contact search are read, best first, and how a wide read is bounded.

:func:`contact_tiers` gives the statements of each rank of
:func:`~contactgraph.repos.keys.contact_search_rank` (exact email or phone, last
names, full names, anywhere). A rank that may hold many rows (a name range
past :data:`RANGE_READ_WHOLE` rows, or a text that many contacts hold) is read
as a :class:`Wide`: its first entries capped, then a bounded walk along the name
order, and only then whole, so that no keystroke of a type-ahead box costs
what the store holds. The shared pieces (:class:`~contactgraph.repos.sql.search_statements.Match`,
the trigram statements and counts) are in :mod:`~contactgraph.repos.sql.search_statements`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Final

import attrs
import sqlalchemy as sa
from sqlalchemy import bindparam, func, select

from contactgraph.domain.phones import UNVERIFIED_MARK
from contactgraph.repos.keys import SearchNeedle, prefix_upper
from contactgraph.repos.schema import accounts as A
from contactgraph.repos.schema import contacts as C
from contactgraph.repos.sql.search_statements import (
    ACCOUNT_HIT,
    CONTACT_HIT,
    NAME_ORDER,
    Match,
    Query,
    Shape,
    account_anywhere,
    account_fts_ids,
    built,
    fts_phrases,
    fts_select,
    instr_checks,
    like,
    like_escaped,
    postgres_anywhere,
    prefix_of,
    range_condition,
    range_params,
)
from contactgraph.repos.sql.statements import t


def _sqlite_hits_by_name(phrases: int) -> Any:
    """The FTS candidates that hold one of ``phrases`` phrases (``:p0``…), by name, ``:n``
    at most: checked here, so that no candidate the FTS match lets through takes a place."""
    checks = instr_checks("contacts_fts.search_key", phrases)
    return sa.text(
        fts_select("contacts", "contact_search", "contact_id", CONTACT_HIT)
        + f' AND ({checks}) ORDER BY x."last_key", x."first_key", x."middle_key", x."id" LIMIT :n'
    )


def _sqlite_capped_by_name(phrases: int) -> Any:
    """:func:`_sqlite_hits_by_name` of the first ``:cap`` candidates holding a phrase, each
    row followed by how many those were (see :class:`Wide`)."""
    checks = instr_checks("contacts_fts.search_key", phrases)
    first = fts_select("contacts", "contact_search", "contact_id", CONTACT_HIT)
    return sa.text(
        f"WITH first AS ({first} AND ({checks}) LIMIT :cap) "
        "SELECT *, (SELECT count(*) FROM first) FROM first "
        'ORDER BY "last_key", "first_key", "middle_key", "id" LIMIT :n'
    )


_SQLITE_CONTACT_HITS_BY_NAME = {n: _sqlite_hits_by_name(n) for n in (1, 2)}
_SQLITE_CAPPED_BY_NAME = {n: _sqlite_capped_by_name(n) for n in (1, 2)}


WALK_ROWS_PER_HIT: Final = 25
"""A wide range is first looked for along the name order, this many rows walked per
hit asked (the range then holds at least one row in 25 there: a dense range)."""

ANYWHERE: Final = "anywhere"
"""What ``contact_tiers``' ``wide`` is asked about for the last rank: the matches anywhere."""

RANGE_READ_WHOLE: Final = 1000
"""A prefix range of up to this many rows is read whole through its index and sorted
(for this many rows that costs less than a walk); a wider one is walked first."""

WALK_ROWS_MAX_PER_HIT: Final = 400
"""The furthest a second walk goes (:meth:`Wide.further`), in rows per hit asked."""


@attrs.frozen
class Wide:
    """A prefix range that may be too wide to read whole: its ``best`` first hits.

    ``capped`` reads the range's first :data:`RANGE_READ_WHOLE` + 1 entries (index
    order), sorts them, and gives their ``best`` first hits, each row ending with
    how many entries it read: when that is no more than :data:`RANGE_READ_WHOLE`,
    the range was read whole and the rows are the answer (one statement, the
    common case). Otherwise ``walk`` looks for the hits among the first rows in
    name order (a bounded number); when it finds fewer than ``best`` but some, a
    longer walk sized from what it found (:meth:`further`: a text 1-3 % of the
    contacts hold, "01 71", is found within a few thousand rows, where reading its
    matches whole sorted 10-30 thousand at a million contacts); when that is
    not worth it either (the range is sparse there, e.g. "olaf s": the people
    named Olaf whose last name starts with S, late in name order), ``whole``
    reads the range whole through its index and sorts it. The cost is bounded
    by the rows walked plus the range, never by the store.
    """

    capped: Query
    walk: Query
    whole: Query
    best: int

    def further(self, found: int, rows: int) -> Query | None:
        """A second walk, when the first (``walk``) found ``found`` hits, fewer than
        ``best``, and the store holds about ``rows`` contacts: long enough to expect
        twice the ``best`` hits at the density the first walk saw, or ``None``
        when reading the matches whole is expected to cost less (they would be
        fewer than the rows walked), or the walk would pass
        :data:`WALK_ROWS_MAX_PER_HIT` rows per hit. Any walk gives the right
        hits when it finds ``best`` (the first rows in name order holding
        them); only the cost depends on its length."""
        stmt, params = self.walk
        walked = int(params["w"])
        if found <= 0 or found >= self.best:
            return None
        longer = -(-2 * self.best * walked // found)
        expected = found * rows / walked  # the matches, at the density the walk saw
        if longer > expected or longer > self.best * WALK_ROWS_MAX_PER_HIT:
            return None
        return stmt, {**params, "w": longer}


def _first_in_name_order(tenant: str, column: Any, text: str, best: int) -> Query:
    """The ``best`` first hits (by :data:`NAME_ORDER`) whose ``column`` starts with
    ``text``: the range read through its index, and sorted.

    The last-name range is read in the name index's own order (it ends at ``best``
    rows). Any other range is read in a subquery the planner keeps apart
    (``OFFSET 0``): asked for the first rows in name order, PostgreSQL would
    otherwise walk the name index, filtering, for a range it guesses wide ("olaf s"
    at a million contacts: 7.8 s)."""
    upper, params = range_params(text)

    def build() -> Any:
        where = select(*CONTACT_HIT).where(C.c.tenant == t, range_condition(column, upper))
        if column is C.c.last_key:
            return where.order_by(*NAME_ORDER).limit(bindparam("n"))
        ranged = where.offset(0).subquery()
        order = [ranged.c[c.name] for c in NAME_ORDER]
        return select(*ranged.c).order_by(*order).limit(bindparam("n"))

    stmt = built(("first by name", column.name, upper), build)
    return stmt, {"t": tenant, "n": best, **params}


def _walked_in_name_order(tenant: str, column: Any, text: str, best: int) -> Query:
    """The hits whose ``column`` starts with ``text`` among the first
    ``best * WALK_ROWS_PER_HIT`` rows in name order (the name index walked), at most
    ``best`` of them."""
    upper, params = range_params(text)

    def build() -> Any:
        walked = (
            select(*CONTACT_HIT, column.label("k"))
            .where(C.c.tenant == t)
            .order_by(*NAME_ORDER)
            .limit(bindparam("w"))
            .subquery()
        )
        kept = range_condition(walked.c.k, upper)
        hits = select(*(walked.c[c.name] for c in CONTACT_HIT)).where(kept)
        order = [walked.c[c.name] for c in NAME_ORDER]
        return hits.order_by(*order).limit(bindparam("n"))

    stmt = built(("walked by name", column.name, upper), build)
    return stmt, {"t": tenant, "n": best, "w": best * WALK_ROWS_PER_HIT, **params}


def _capped_in_name_order(tenant: str, column: Any, text: str, best: int) -> Query:
    """:data:`CONTACT_HIT` rows of the ``best`` first (by :data:`NAME_ORDER`) of the first
    ``RANGE_READ_WHOLE + 1`` contacts whose ``column`` starts with ``text`` (in the
    range's index order), each followed by how many of those there were (see :class:`Wide`)."""
    upper, params = range_params(text)

    def build() -> Any:
        entries = select(C.c.id, *NAME_ORDER[:-1]).where(
            C.c.tenant == t, range_condition(column, upper)
        )
        first = entries.limit(bindparam("cap")).subquery()
        order = [first.c[c.name] for c in NAME_ORDER]
        ids = select(first.c.id).order_by(*order).limit(bindparam("n"))
        counted = select(func.count()).select_from(first).scalar_subquery()
        return select(*CONTACT_HIT, counted).where(C.c.tenant == t, C.c.id.in_(ids))

    stmt = built(("capped by name", column.name, upper), build)
    return stmt, {"t": tenant, "n": best, "cap": RANGE_READ_WHOLE + 1, **params}


def _first_by_full_name(tenant: str, text: str, best: int) -> Query:
    """SQLite: :func:`_first_in_name_order` on the full name, its range sorted inside
    ``ix_contacts_name_order`` (which holds the name order: no table row read to
    sort it), then only the ``best`` rows kept read from the table."""
    upper, params = range_params(text)

    def build() -> Any:
        ids = (
            select(C.c.id)
            .where(C.c.tenant == t, range_condition(C.c.full_key, upper))
            .order_by(*NAME_ORDER)
            .limit(bindparam("n"))
        )
        return select(*CONTACT_HIT).where(C.c.tenant == t, C.c.id.in_(ids))

    stmt = built(("first by full name", upper), build)
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


def _postgres_by_name(shape: Shape) -> Any:
    """PostgreSQL: the ``:n`` first (by name) of the contacts holding a phrase, read
    through the trigram index in a subquery kept apart (``OFFSET 0``), then sorted:
    asked for the first rows in name order, the planner would walk the name index
    and filter ("o.s" at a million contacts: 2.8 s). A broad text does not get here
    (:class:`Wide`: its first rows in name order are walked first)."""
    found = (
        select(*CONTACT_HIT).where(C.c.tenant == t, postgres_anywhere(shape)).offset(0).subquery()
    )
    order = [found.c[c.name] for c in NAME_ORDER]
    return select(*found.c).order_by(*order).limit(bindparam("n"))


def _postgres_capped_by_name(shape: Shape) -> Any:
    """:func:`_postgres_by_name` of the first ``:cap`` matches, each row followed by how
    many those were (see :class:`Wide`)."""
    first = (
        select(*CONTACT_HIT)
        .where(C.c.tenant == t, postgres_anywhere(shape))
        .limit(bindparam("cap"))
        .cte("first")
    )
    counted = select(func.count()).select_from(first).scalar_subquery()
    order = [first.c[c.name] for c in NAME_ORDER]
    return select(*first.c, counted).order_by(*order).limit(bindparam("n"))


def _walked_anywhere(dialect: str, phrases: int) -> Any:
    """The contacts holding a phrase (``:p0``…) among the first ``:w`` in name order,
    ``:n`` at most: a broad text ("+331": every Paris number) is found at once there."""
    walked = (
        select(*CONTACT_HIT)
        .where(C.c.tenant == t)
        .order_by(*NAME_ORDER)
        .limit(bindparam("w"))
        .subquery()
    )
    holds = func.instr if dialect == "sqlite" else func.strpos
    phrase = [holds(walked.c.search_key, bindparam(f"p{i}")) > 0 for i in range(phrases)]
    order = [walked.c[c.name] for c in NAME_ORDER]
    return select(*walked.c).where(sa.or_(*phrase)).order_by(*order).limit(bindparam("n"))


def _anywhere(dialect: str, tenant: str, match: Match, best: int, wide: bool) -> Query | Wide:
    """The ``best`` first (by name) of the contacts holding one of ``match``'s phrases;
    when they may be many (``wide``), a :class:`Wide` read: capped, walked, then whole."""
    params = {"t": tenant, "n": best, **match.params(dialect)}
    phrases, shape = len(match.phrases), match.shape
    if dialect == "sqlite":
        whole: Query = (_SQLITE_CONTACT_HITS_BY_NAME[phrases], params)
        capped = _SQLITE_CAPPED_BY_NAME[phrases]
    else:
        whole = (built(("by name", shape), lambda: _postgres_by_name(shape)), params)
        capped = built(("capped by name", shape), lambda: _postgres_capped_by_name(shape))
    if not wide:
        return whole
    walk = built(("walked anywhere", dialect, phrases), lambda: _walked_anywhere(dialect, phrases))
    return Wide(
        (capped, {**params, "cap": RANGE_READ_WHOLE + 1}),
        (walk, {**params, "w": best * WALK_ROWS_PER_HIT}),
        whole,
        best,
    )


def _phone_lines(dialect: str) -> Any:
    """The contacts with an unverified phone or mobile whose line of the search key is
    ``:line`` (``\n`` + its digits + ``\n``: such a phone is stored as typed, so no
    index finds it by digits): each unverified range read through its index (their
    rows begin with ``UNVERIFIED_MARK``), so it costs what the store holds of
    unverified numbers, never a trigram's every candidate ("+331": every Paris number)."""
    lines = func.instr if dialect == "sqlite" else func.strpos
    line = lines(C.c.search_key + "\n", bindparam("line")) > 0
    low, high = UNVERIFIED_MARK, prefix_upper(UNVERIFIED_MARK)
    found = sa.union(
        *(
            select(*CONTACT_HIT).where(C.c.tenant == t, column >= low, column < high, line)
            for column in (C.c.phone, C.c.mobile)
        )
    ).subquery()
    order = [found.c[c.name] for c in NAME_ORDER]
    return select(*found.c).order_by(*order).limit(bindparam("n"))


def _unverified_phones(dialect: str, tenant: str, needle: SearchNeedle, best: int) -> list[Query]:
    """The contacts with an unverified phone whose digits are the needle's number (rank 0)."""
    number = needle.digits or needle.text
    if not (number.isascii() and number.isdigit()):
        return []
    params = {"t": tenant, "n": best, "line": f"\n{number}\n"}
    return [(built(("phone lines", dialect), lambda: _phone_lines(dialect)), params)]


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
    the needle's prefix range on ``column`` (or its matches anywhere, :data:`ANYWHERE`)
    may be more than :data:`RANGE_READ_WHOLE` (then they are read as :class:`Wide`).
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
        yield [exact, *_unverified_phones(dialect, tenant, needle, best)]
    # The last-name range is read in the name index's own order: it ends at ``best`` rows.
    yield [_first_in_name_order(tenant, C.c.last_key, text, best)]
    yield [starting(C.c.full_key)]
    if match is None:
        yield [starting(C.c.first_key), starting(C.c.email_search)]
        return
    yield [_anywhere(dialect, tenant, match, best, wide(ANYWHERE))]


# ------------------------------------------------------------------ accounts


def _account_exact(dialect: str, tenant: str, needle: SearchNeedle) -> Any:
    """The accounts whose website domain or phone is the needle (rank 0): a line of the
    search key after the name, checked whole (a ``LIKE`` on SQLite ignores the case
    of ASCII letters: the rows are ranked after). On SQLite the candidates are the
    keys holding the needle at a line's start (``"\n"`` is a character of an FTS5
    trigram): a broad text ("acme", in every account's name) asks only for the
    accounts whose domain or phone starts with it, not for every account holding it."""
    lines = [f"\n{v}" for v in dict.fromkeys((needle.text, needle.digits or needle.text))]
    hit = select(*ACCOUNT_HIT).where(A.c.tenant == tenant)
    if dialect != "sqlite":
        return hit.where(sa.or_(*(A.c.search_key.like(p) for p in account_line_patterns(lines))))
    exact = sa.or_(
        *(A.c.search_key.contains(v + "\n", autoescape=True) for v in lines),
        *(A.c.search_key.endswith(v, autoescape=True) for v in lines),
    )
    return hit.where(A.c.id.in_(account_fts_ids(tenant, fts_phrases(lines))), exact)


def account_line_patterns(lines: list[str]) -> list[str]:
    """PostgreSQL: ``LIKE`` patterns (default escape, backslash) of a key holding one of
    ``lines`` (``"\n"`` + a text) as a whole line: followed by a line break, or at
    the end. ``pg_trgm`` reads a line break as the edge of a word, so the index is
    asked for the text's words whole ("cme": the keys with a word ``cme``, not every
    "Acme"), where ``LIKE '%cme%'`` asks for every key holding the text."""
    escaped = [like_escaped(v) for v in lines]
    return [*(f"%{v}\n%" for v in escaped), *(f"%{v}" for v in escaped)]


def _sqlite_accounts_capped(phrases: int) -> Any:
    """SQLite: the first ``:cap`` accounts holding a phrase (``:p0``…; the FTS match
    ``:q`` first), the ``:n`` first of them by name, each row followed by how many
    those were (see :class:`Wide`)."""
    checks = instr_checks("x.search_key", phrases)
    first = fts_select("accounts", "account_search", "account_id", ACCOUNT_HIT)
    return sa.text(
        f"WITH first AS ({first} AND ({checks}) LIMIT :cap) "
        'SELECT *, (SELECT count(*) FROM first) FROM first ORDER BY "name_key", "id" LIMIT :n'
    )


def _postgres_accounts_capped(phrases: int) -> Any:
    """PostgreSQL: :func:`_sqlite_accounts_capped`, a phrase asked whole (``:u0``…)."""
    holding = sa.or_(*(A.c.search_key.like(bindparam(f"u{i}")) for i in range(phrases)))
    first = select(*ACCOUNT_HIT).where(A.c.tenant == t, holding).limit(bindparam("cap")).cte()
    counted = select(func.count()).select_from(first).scalar_subquery()
    return select(*first.c, counted).order_by(first.c.name_key, first.c.id).limit(bindparam("n"))


def _accounts_walked(dialect: str, phrases: int) -> Any:
    """The accounts holding a phrase (``:p0``…) among the first ``:w`` by name (the
    name index walked), ``:n`` at most."""
    walked = (
        select(*ACCOUNT_HIT)
        .where(A.c.tenant == t)
        .order_by(A.c.name_key, A.c.id)
        .limit(bindparam("w"))
        .subquery()
    )
    holds = func.instr if dialect == "sqlite" else func.strpos
    phrase = [holds(walked.c.search_key, bindparam(f"p{i}")) > 0 for i in range(phrases)]
    order = (walked.c.name_key, walked.c.id)
    return select(*walked.c).where(sa.or_(*phrase)).order_by(*order).limit(bindparam("n"))


def _accounts_anywhere(dialect: str, tenant: str, needle: SearchNeedle, best: int) -> Wide:
    """The ``best`` first (by name) of the accounts holding a phrase, as a :class:`Wide`
    read: a broad text ("acme", "sa") costs the rows walked, not the accounts holding it."""
    phrases = needle.phrases
    count = len(phrases)
    params: dict[str, Any] = {"t": tenant, "n": best}
    params.update((f"p{i}", p) for i, p in enumerate(phrases))
    if dialect == "sqlite":
        capped = built(("accounts capped", count), lambda: _sqlite_accounts_capped(count))
        capping = {**params, "q": fts_phrases(phrases)}
    else:
        capped = built(("accounts capped pg", count), lambda: _postgres_accounts_capped(count))
        capping = {**params, **{f"u{i}": like(p) for i, p in enumerate(phrases)}}
    walk = built(("accounts walked", dialect, count), lambda: _accounts_walked(dialect, count))
    # Read through the trigram index apart (OFFSET 0), then sorted: asked for the
    # first rows by name, a planner may walk the name index instead, filtering.
    hit = select(*ACCOUNT_HIT).where(A.c.tenant == tenant)
    found = hit.where(account_anywhere(dialect, tenant, needle)).offset(0).subquery()
    whole = select(*found.c).order_by(found.c.name_key, found.c.id).limit(best)
    return Wide(
        (capped, {**capping, "cap": RANGE_READ_WHOLE + 1}),
        (walk, {**params, "w": best * WALK_ROWS_PER_HIT}),
        (whole, {}),
        best,
    )


def account_tiers(
    dialect: str, tenant: str, needle: SearchNeedle, best: int
) -> Iterator[list[Query | Wide]]:
    """Statements for the ranks of :func:`~contactgraph.repos.keys.account_search_rank`,
    best rank first, as :func:`contact_tiers` for contacts: the accounts whose website
    domain or phone is the needle (:func:`_account_exact`), then the ``best`` first by
    name whose name starts with it (the name index, in order), then anywhere (a
    :class:`Wide` read). Read only when more accounts match than are counted."""
    text = needle.text
    if not needle.short:
        yield [(_account_exact(dialect, tenant, needle), {})]
    hit = select(*ACCOUNT_HIT).where(A.c.tenant == tenant)
    named = hit.where(prefix_of(A.c.name_key, text)).order_by(A.c.name_key, A.c.id).limit(best)
    yield [(named, {})]
    if not needle.short:
        yield [_accounts_anywhere(dialect, tenant, needle, best)]


__all__ = [
    "ANYWHERE",
    "RANGE_READ_WHOLE",
    "WALK_ROWS_MAX_PER_HIT",
    "WALK_ROWS_PER_HIT",
    "Wide",
    "account_tiers",
    "contact_tiers",
]
