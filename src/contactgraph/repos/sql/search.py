"""Search on the SQL engines: a count bounded in SQL, then only the best hits read.

A search answers the best ``limit`` matches (:func:`~contactgraph.repos.keys.contact_search_rank`)
and how many match, counted no further than ``search_count_bound(limit)``. What
it costs must follow the results asked for, not the store, so that a type-ahead
box stays as quick at a million contacts as at ten thousand:

- **3+ characters**: the trigram index is asked only for the rarest few
  trigrams of each phrase (:mod:`~contactgraph.repos.sql.trigrams`: a common
  trigram's posting list grows with the store; on SQLite a phrase of six
  digits or more through ``contact_digits``, its runs of six digits, schema
  version 6), and every candidate is
  checked against the whole phrase in SQL. One row gives the number of
  matches, counted up to the bound, and when they are no more than ``limit``
  their ids: every one is a result, loaded and ranked. Otherwise the best ``limit`` are read rank by rank
  (:func:`~contactgraph.repos.sql.search_tiers.contact_tiers`): exact
  email or phone through their indexes (and a phone kept unverified through
  the trigram index), the last-name range in the name index's order, the
  full-name range (on SQLite sorted inside ``ix_contacts_name_order``), then anywhere, each statement stopping at ``limit`` rows
  and the reading stopping as soon as the ranks read hold ``limit`` hits.
- **1–2 characters** (no trigram): each prefix range (last name, first name,
  full name, email) is counted up to the bound through its own index. When
  none passes it, their union (at most four bounds of rows) is read and ranked;
  otherwise the ranks are read as above, a wide range walked in name order
  rather than read whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from contactgraph.domain import Account, Contact
from contactgraph.repos.keys import (
    SEARCH_COUNT_LIMIT,
    SearchNeedle,
    account_search_rank,
    contact_search_key,
    contact_search_rank,
    search_count_bound,
)
from contactgraph.repos.sql import search_statements as q
from contactgraph.repos.sql import search_tiers as tiers
from contactgraph.repos.sql import trigrams

Ranked = tuple[Any, ...]
"""``(rank, last, first, middle, id)`` of a contact that matches."""


def _ranked(needle: SearchNeedle, hits: Iterable[Any]) -> list[Ranked]:
    """``(rank, last, first, middle, id)`` of the hit rows that match ``needle``."""
    ranked = []
    for cid, search_key, last, first, middle in hits:
        rank = contact_search_rank(needle, search_key, last, first)
        if rank is not None:
            ranked.append((rank, last, first, middle, cid))
    return ranked


def search_contacts(
    conn: Connection,
    tenant: str,
    needle: SearchNeedle,
    limit: int,
    load: Callable[[list[str]], list[Contact]],
    *,
    count_up_to: int = SEARCH_COUNT_LIMIT,
) -> tuple[list[Contact], int]:
    """The best ``limit`` contacts for ``needle`` and how many match (past
    ``search_count_bound(limit, count_up_to)``, a number above it); ``load`` reads
    contacts by id."""
    dialect, run = conn.dialect.name, conn.execute
    bound = search_count_bound(limit, count_up_to)
    if bound is None:  # every match asked for
        every = None if needle.short else _match(conn, needle)
        ranked = _ranked(needle, run(*q.contact_hits(dialect, tenant, needle, every)))
        return _best(ranked, limit, load), len(ranked)
    match: q.Match | None = None
    known: dict[Any, int]
    if needle.short:
        columns = q.SHORT_COLUMNS
        counts = dict(
            zip(
                columns,
                run(*q.count_prefixes(tenant, needle.text, columns, bound + 1)).one(),
                strict=True,
            )
        )
        if max(counts.values()) <= bound:  # at most four bounds of rows: rank them all
            ranked = _ranked(needle, run(*q.contact_hits(dialect, tenant, needle)))
            return _best(ranked, limit, load), len(ranked)
        total = bound + 1
        known = counts  # each counted up to bound + 1
    else:
        match = _match(conn, needle)
        if bound == limit + 1 and _name_like(needle):  # no count wanted: ranks first
            return _by_rank_first(conn, tenant, needle, match, limit=limit, load=load)
        counted, read_ids = q.count_matches(dialect, tenant, match, bound + 1, limit)
        total, found = run(*counted).one()
        if total <= limit:  # every match is a result: read whole, ranked here
            ids = read_ids(found) or []
            return _ranked_whole(needle, load(ids) if ids else [])
        # A name range holds only matches: no more rows than all of them.
        known = {column: min(total, bound + 1) for column in (*q.SHORT_COLUMNS, tiers.ANYWHERE)}

    def wide(column: Any) -> bool:
        return known[column] > min(bound, tiers.RANGE_READ_WHOLE)

    seen: dict[str, Ranked] = {}
    ranked = []
    for rank, tier in enumerate(
        tiers.contact_tiers(dialect, tenant, needle, limit, wide, match=match)
    ):
        for stmt in tier:
            seen.update((r[-1], r) for r in _ranked(needle, _rows(conn, stmt)))
        ranked = list(seen.values())
        if sum(1 for r in ranked if r[0] <= rank) >= limit:
            break
    return _best(ranked, limit, load), total


def _name_like(needle: SearchNeedle) -> bool:
    """Whether ``needle`` looks like part of a name (no digit, no ``@``): the matches of
    such a text tend to grow with the store (people share first names and name
    starts), so an uncounted search reads the name ranges first; an email or phone
    number is best counted first, its matches being few. Either way the answer is
    the same: this chooses only what is read first."""
    return needle.digits is None and not any(ch.isdigit() or ch == "@" for ch in needle.text)


def _by_rank_first(
    conn: Connection,
    tenant: str,
    needle: SearchNeedle,
    match: q.Match,
    *,
    limit: int,
    load: Callable[[list[str]], list[Contact]],
) -> tuple[list[Contact], int]:
    """A 3+ character search that counts no match past ``limit`` + 1 (a type-ahead
    box): the ranks are read best first, ``limit`` + 2 hits each (enough to tell
    whether more than ``limit`` + 1 match), and the trigram index only when the name ranges do
    not hold that many: so what it costs follows the limit, not the matches.

    The total is exact when every match was read (the last rank, which holds them
    all, gave fewer rows than it was asked), else ``limit`` + 2: past the bound."""
    best = limit + 2  # past the bound (limit + 1): "exactly limit + 1" is exact
    seen: dict[str, Ranked] = {}
    ranks = tiers.contact_tiers(
        conn.dialect.name, tenant, needle, best, lambda _: True, match=match
    )
    read = 0
    for rank, tier in enumerate(ranks):
        read = 0
        for stmt in tier:
            rows = _rows(conn, stmt)
            read += len(rows)
            seen.update((r[-1], r) for r in _ranked(needle, rows))
        if sum(1 for r in seen.values() if r[0] <= rank) >= best:
            return _best(list(seen.values()), limit, load), best
    ranked = list(seen.values())
    return _best(ranked, limit, load), len(ranked) if read < best else best


def _rows(conn: Connection, stmt: q.Query | tiers.Wide) -> Sequence[Any]:
    """The rows of one tier's statement; a :class:`~contactgraph.repos.sql.search_tiers.Wide`
    range is walked (a second time, further, when the first walk saw hits but too
    few: :meth:`~contactgraph.repos.sql.search_tiers.Wide.further`), then read
    whole, only when its first entries do not hold it all."""
    if isinstance(stmt, tiers.Wide):
        capped = conn.execute(*stmt.capped).all()
        if not capped or capped[0][-1] <= tiers.RANGE_READ_WHOLE:
            return [row[:-1] for row in capped]
        walked = conn.execute(*stmt.walk).all()
        if len(walked) >= stmt.best:
            return walked
        further = stmt.further(len(walked), trigrams.rarity(conn).rows)
        if further is not None:
            walked = conn.execute(*further).all()
            if len(walked) >= stmt.best:
                return walked
        stmt = stmt.whole
    return conn.execute(*stmt).all()


def _match(conn: Connection, needle: SearchNeedle) -> q.Match:
    """How the trigram index is asked for a 3+ character ``needle``: for each phrase, its
    rarest units (:func:`~contactgraph.repos.sql.trigrams.chosen`), the phrase whole
    on PostgreSQL when no piece of it is a unit; a phrase of digits, trigrams spread over
    it (:func:`~contactgraph.repos.sql.trigrams.spread`)."""
    sqlite = conn.dialect.name == "sqlite"
    units = trigrams.sqlite_units if sqlite else trigrams.postgres_units
    nested = None if sqlite else 2
    rarity = trigrams.rarity(conn)
    chosen = []
    for phrase in needle.phrases:
        if trigrams.uniform(phrase):  # digits: no trigram is rare, spread them instead
            chosen.append(trigrams.spread(phrase))
            continue
        picked = trigrams.chosen(units(phrase), rarity, nested=nested)
        chosen.append(tuple(u.text for u in picked) or (phrase,))
    return q.Match(needle.phrases, tuple(chosen))


def _ranked_whole(needle: SearchNeedle, contacts: list[Contact]) -> tuple[list[Contact], int]:
    """``contacts`` (every match, read whole) ranked as
    :func:`~contactgraph.repos.keys.contact_search_rank` and their number, their keys
    computed as the memory backend does (no row of keys read first)."""
    ranked = []
    for contact in contacts:
        last, first, middle = contact.name.sort_key
        rank = contact_search_rank(needle, contact_search_key(contact), last, first)
        if rank is not None:
            ranked.append((rank, last, first, middle, contact.id, contact))
    ranked.sort(key=lambda r: r[:5])
    return [r[-1] for r in ranked], len(ranked)


def _best(
    ranked: list[Ranked], limit: int | None, load: Callable[[list[str]], list[Contact]]
) -> list[Contact]:
    ranked.sort()
    best = [r[-1] for r in ranked[:limit]]
    by_id = {c.id: c for c in load(best)} if best else {}
    return [by_id[i] for i in best]


def search_accounts(
    conn: Connection,
    tenant: str,
    needle: SearchNeedle,
    limit: int,
    load: Callable[[list[str]], Sequence[Account]],
    *,
    count_up_to: int = SEARCH_COUNT_LIMIT,
) -> tuple[list[Account], int]:
    """The best ``limit`` accounts for ``needle`` and how many match (past
    ``search_count_bound(limit)``, a number above it): every match ranked up to
    the bound, past it the best read rank by rank (:func:`~contactgraph.repos.sql.search_tiers.account_tiers`:
    the matches anywhere as a :class:`~contactgraph.repos.sql.search_tiers.Wide` read).

    Counted first even when nothing is counted past ``limit`` + 1 (unlike a name-like
    contact text, :func:`_by_rank_first`): an account text's matches are mostly few,
    and then the count and one read answer; reading the ranks first (three
    statements) cost 1-3 ms more a call at 10,000 accounts (measured, search6)."""
    dialect, run = conn.dialect.name, conn.execute
    bound = search_count_bound(limit, count_up_to)
    total = None
    if bound is not None:
        total = int(run(q.count_account_matches(dialect, tenant, needle, bound + 1)).scalar_one())
    if bound is None or total is None or total <= bound:
        ranked = _ranked_accounts(needle, run(q.account_hits(dialect, tenant, needle)))
        return _best_accounts(ranked, limit, load), len(ranked)
    seen: dict[str, tuple[Any, ...]] = {}
    for rank, tier in enumerate(tiers.account_tiers(dialect, tenant, needle, limit)):
        for stmt in tier:
            seen.update((r[-1], r) for r in _ranked_accounts(needle, _rows(conn, stmt)))
        if sum(1 for r in seen.values() if r[0] <= _account_rank(needle, rank)) >= limit:
            break
    return _best_accounts(list(seen.values()), limit, load), total


def _account_rank(needle: SearchNeedle, tier: int) -> int:
    """The rank of :func:`~contactgraph.repos.keys.account_search_rank` that tier ``tier``
    of :func:`~contactgraph.repos.sql.search_tiers.account_tiers` completes: ranks 0, 1
    and 3 (accounts have no rank 2), or 1 for a short needle (its only tier)."""
    return 1 if needle.short else (0, 1, 3)[tier]


def _ranked_accounts(needle: SearchNeedle, rows: Iterable[Any]) -> list[tuple[Any, ...]]:
    """``(rank, name_key, id)`` of the hit rows that match ``needle``."""
    ranked = []
    for aid, search_key, name_key in rows:
        rank = account_search_rank(needle, search_key)
        if rank is not None:
            ranked.append((rank, name_key, aid))
    return ranked


def _best_accounts(
    ranked: list[tuple[Any, ...]], limit: int | None, load: Callable[[list[str]], Sequence[Account]]
) -> list[Account]:
    ranked.sort()
    best = [r[-1] for r in ranked[:limit]]
    by_id = {a.id: a for a in load(best)} if best else {}
    return [by_id[i] for i in best]


__all__ = ["search_accounts", "search_contacts"]
