"""The SQL the backend runs: prebuilt Core statements and bulk SQL text.

Point reads and writes are Core statements built once at import time (so
SQLAlchemy compiles each once per dialect and caches it); the hot ones also
run through :class:`Precompiled`, compiled once and executed on the driver's
own cursor. Bulk rows go through :class:`BulkSql`: INSERT and UPDATE text
generated from the schema tables with named parameters, run with the driver's
``executemany`` on the dicts of :mod:`contactgraph.repos.rows`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import bindparam, func, select

from contactgraph.repos import rows
from contactgraph.repos.keys import SearchNeedle, born, prefix_upper, to_micros
from contactgraph.repos.protocol import AccountOrder
from contactgraph.repos.schema import account_contact_relations as R
from contactgraph.repos.schema import accounts as A
from contactgraph.repos.schema import cases as K
from contactgraph.repos.schema import contact_alternates as ALT
from contactgraph.repos.schema import contacts as C
from contactgraph.repos.schema import external_ids as X
from contactgraph.repos.schema import opportunities as O
from contactgraph.repos.schema import opportunity_contact_roles as OCR

T = TypeVar("T")

t: sa.BindParameter[str] = bindparam("t")
"""The tenant: every statement filters on it."""


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


class BulkSql:
    """INSERT and UPDATE text for every table, with named parameters in the driver's style."""

    def __init__(self, dialect: str) -> None:
        def param(name: str) -> str:
            return f":{name}" if dialect == "sqlite" else f"%({name})s"

        def insert(table: sa.Table) -> str:
            names = [c.name for c in table.columns]
            return (
                f'INSERT INTO "{table.name}" ({_quoted(names)}) '
                f"VALUES ({', '.join(param(n) for n in names)})"
            )

        self.inserts = {table.name: insert(table) for table in (A, C, ALT, X, O, OCR, K, R)}
        self.insert_account = insert(A)
        self.insert_contact = insert(C)
        self.insert_alternate = insert(ALT)
        self.insert_external = insert(X)
        self.insert_opportunity = insert(O)
        self.insert_role = insert(OCR)
        self.insert_case = insert(K)
        self.insert_relation = insert(R)

        def update(table: sa.Table, born_column: str | None = None) -> str:
            keys = ("tenant", "id")
            sets = ", ".join(
                f'"{c.name}" = {param(c.name)}' for c in table.columns if c.name not in keys
            )
            where = " AND ".join(f'"{k}" = {param(k)}' for k in keys)
            if born_column is not None:
                where += (
                    f' AND "version" = {param("expected_version")}'
                    f' AND "{born_column}" = {param("born")}'
                )
            return f'UPDATE "{table.name}" SET {sets} WHERE {where}'

        self.update_account = update(A, "created_at")
        self.update_contact = update(C)
        self.update_opportunity = update(O, "created_at")
        self.update_case = update(K, "opened_at")
        self.update_relation = update(R, "created_at")
        self.updates = {
            A.name: self.update_account,
            C.name: self.update_contact,
            O.name: self.update_opportunity,
            K.name: self.update_case,
            R.name: self.update_relation,
        }
        self._precompiled: dict[int, Precompiled] = {}

    def precompiled(self, stmt: Any, dialect: sa.Dialect) -> Precompiled:
        found = self._precompiled.get(id(stmt))
        if found is None:
            found = self._precompiled[id(stmt)] = Precompiled(stmt, dialect)
        return found


def guarded(values: dict[str, Any], aggregate: Any) -> dict[str, Any]:
    """An aggregate's row ``values`` as the parameters of its version-guarded UPDATE."""
    return {**values, "expected_version": aggregate.version, "born": to_micros(born(aggregate))}


class Precompiled:
    """A prebuilt Core statement compiled once for a dialect, run on the driver itself.

    SQLAlchemy's execution machinery costs tens of microseconds a statement;
    point look-ups are run straight on the DBAPI cursor inside the same
    transaction.
    """

    def __init__(self, stmt: Any, dialect: sa.Dialect) -> None:
        compiled = stmt.compile(dialect=dialect)
        names = list(compiled.binds)
        self.defaults = compiled.construct_params(dict.fromkeys(names, ""))
        for name, bind in compiled.binds.items():
            if bind.value is not None and not bind.required:
                self.defaults[name] = bind.value
        self.sql = compiled.string
        order = list(compiled.positiontup) if compiled.positional else None
        self.names: list[str] = order or []
        """The parameters' names in the driver's order (positional drivers; else empty)."""
        self._args: Callable[[dict[str, Any]], Any]
        if order is None:
            self._args = dict
        elif len(order) == 1:
            self._args = lambda values: (values[order[0]],)
        else:
            self._args = itemgetter(*order)

    def args(self, values: dict[str, Any]) -> Any:
        """The driver's arguments for these parameter values (a tuple, or a dict)."""
        return self._args(values)

    def rows(self, driver: Any, tenant: str, params: dict[str, Any]) -> list[Any]:
        """The rows for ``params`` (and the tenant), on the driver connection ``driver``."""
        return list(self.send(driver, tenant, params).fetchall())

    def send(self, driver: Any, tenant: str, params: dict[str, Any]) -> Any:
        """Execute for ``params`` (and the tenant) on ``driver``; the cursor, rows unread."""
        values = {**self.defaults, "t": tenant, **params}
        return driver.execute(self.sql, self._args(values))


# ------------------------------------------------------------- statements

CONTACT_COLS = rows.CONTACT.columns
ACCOUNT_COLS = rows.ACCOUNT.columns
OPP_COLS = rows.OPPORTUNITY.columns
CASE_COLS = rows.CASE.columns
REL_COLS = rows.RELATION.columns

ACCOUNT_BY_ID = select(*ACCOUNT_COLS).where(A.c.tenant == t, A.c.id == bindparam("id"))
ACCOUNTS_BY_IDS = select(*ACCOUNT_COLS).where(
    A.c.tenant == t, A.c.id.in_(bindparam("ids", expanding=True))
)
ACCOUNT_VERSION = select(A.c.version, A.c.created_at).where(
    A.c.tenant == t, A.c.id == bindparam("id")
)
ACCOUNT_VERSIONS = select(A.c.id, A.c.version).where(
    A.c.tenant == t, A.c.id.in_(bindparam("ids", expanding=True))
)
CONTACTS_OF = select(*CONTACT_COLS).where(
    C.c.tenant == t, C.c.account_id == bindparam("account_id")
)
CONTACTS_OF_MANY = select(*CONTACT_COLS).where(
    C.c.tenant == t, C.c.account_id.in_(bindparam("ids", expanding=True))
)
CONTACTS_BY_IDS = select(*CONTACT_COLS).where(
    C.c.tenant == t, C.c.id.in_(bindparam("ids", expanding=True))
)
OWNER = select(C.c.account_id).where(C.c.tenant == t, C.c.id == bindparam("id"))
OWNERS = select(C.c.id, C.c.account_id).where(
    C.c.tenant == t, C.c.id.in_(bindparam("ids", expanding=True))
)
CONTACT_IDS_OF = select(C.c.id).where(C.c.tenant == t, C.c.account_id == bindparam("id"))
EXTERNAL = (
    select(X.c.owner_id)
    .where(
        X.c.tenant == t,
        X.c.kind == bindparam("kind"),
        X.c.system == bindparam("system"),
        X.c.value == bindparam("value"),
    )
    .order_by(X.c.owner_id)
    .limit(1)
)
DEL_EXTERNAL = sa.delete(X).where(
    X.c.tenant == t,
    X.c.kind == bindparam("kind"),
    X.c.owner_id.in_(bindparam("ids", expanding=True)),
)
DEL_ALTERNATES = sa.delete(ALT).where(
    ALT.c.tenant == t, ALT.c.contact_id.in_(bindparam("ids", expanding=True))
)
DEL_CONTACTS = sa.delete(C).where(
    C.c.tenant == t,
    C.c.account_id == bindparam("account_id"),
    C.c.id.in_(bindparam("ids", expanding=True)),
)
CONTACTS_OF_ACCOUNT = select(C.c.id).where(C.c.tenant == t, C.c.account_id == bindparam("id"))
DEL_ACCOUNT_ALTERNATES = sa.delete(ALT).where(
    ALT.c.tenant == t, ALT.c.contact_id.in_(CONTACTS_OF_ACCOUNT.scalar_subquery())
)
DEL_ACCOUNT_CONTACT_EXTERNALS = sa.delete(X).where(
    X.c.tenant == t,
    X.c.kind == "contact",
    X.c.owner_id.in_(CONTACTS_OF_ACCOUNT.scalar_subquery()),
)
DEL_ACCOUNT_CONTACTS = sa.delete(C).where(C.c.tenant == t, C.c.account_id == bindparam("id"))
DEL_ACCOUNT = sa.delete(A).where(A.c.tenant == t, A.c.id == bindparam("id"))
COUNT_ACCOUNTS = select(func.count()).select_from(A).where(A.c.tenant == t)
COUNT_CONTACTS = select(func.count()).select_from(C).where(C.c.tenant == t)
ACCOUNT_EXISTS = select(A.c.id).where(A.c.tenant == t, A.c.id == bindparam("id"))
PARENTS = select(A.c.id, A.c.parent_id).where(
    A.c.tenant == t, A.c.id.in_(bindparam("ids", expanding=True))
)
EXISTING_CONTACTS = select(C.c.id, C.c.account_id).where(
    C.c.tenant == t, C.c.id.in_(bindparam("ids", expanding=True))
)

OPP_BY_ID = select(*OPP_COLS).where(O.c.tenant == t, O.c.id == bindparam("id"))
OPPS_BY_IDS = select(*OPP_COLS).where(O.c.tenant == t, O.c.id.in_(bindparam("ids", expanding=True)))
ROLES_OF = (
    select(OCR.c.opportunity_id, OCR.c.contact_id, OCR.c.role, OCR.c.is_primary)
    .where(OCR.c.tenant == t, OCR.c.opportunity_id.in_(bindparam("ids", expanding=True)))
    .order_by(OCR.c.opportunity_id, OCR.c.position)
)
OPPS_OF_CONTACTS = select(OCR.c.opportunity_id).where(
    OCR.c.tenant == t, OCR.c.contact_id.in_(bindparam("ids", expanding=True))
)
DEL_ROLES = sa.delete(OCR).where(OCR.c.tenant == t, OCR.c.opportunity_id == bindparam("id"))
DEL_OPP = sa.delete(O).where(O.c.tenant == t, O.c.id == bindparam("id"))
OPP_VERSION = select(O.c.version, O.c.created_at).where(O.c.tenant == t, O.c.id == bindparam("id"))
COUNT_OPPS = select(func.count()).select_from(O).where(O.c.tenant == t)

CASE_BY_ID = select(*CASE_COLS).where(K.c.tenant == t, K.c.id == bindparam("id"))
CASES_OF_CONTACTS = select(*CASE_COLS).where(
    K.c.tenant == t, K.c.contact_id.in_(bindparam("ids", expanding=True))
)
DEL_CASE = sa.delete(K).where(K.c.tenant == t, K.c.id == bindparam("id"))
CASE_VERSION = select(K.c.version, K.c.opened_at).where(K.c.tenant == t, K.c.id == bindparam("id"))
COUNT_CASES = select(func.count()).select_from(K).where(K.c.tenant == t)

REL_BY_ID = select(*REL_COLS).where(R.c.tenant == t, R.c.id == bindparam("id"))
RELS_OF_CONTACTS = select(*REL_COLS).where(
    R.c.tenant == t, R.c.contact_id.in_(bindparam("ids", expanding=True))
)
DEL_REL = sa.delete(R).where(R.c.tenant == t, R.c.id == bindparam("id"))
REL_VERSION = select(R.c.version, R.c.created_at).where(R.c.tenant == t, R.c.id == bindparam("id"))
COUNT_RELS = select(func.count()).select_from(R).where(R.c.tenant == t)

v: sa.BindParameter[str] = bindparam("v")


def _contacts_where(*criteria: Any) -> Any:
    return select(*CONTACT_COLS).where(C.c.tenant == t, *criteria)


def _by_alternate(kind: str) -> Any:
    """Contacts with an alternate value ``v`` of ``kind``: a join, walked from the
    alternates' index (``IN (SELECT …)`` would first fill a temporary table)."""
    owner = ALT.join(C, sa.and_(C.c.tenant == ALT.c.tenant, C.c.id == ALT.c.contact_id))
    return (
        select(*CONTACT_COLS)
        .select_from(owner)
        .where(ALT.c.tenant == t, ALT.c.kind == kind, ALT.c.value == v)
    )


# UNION ALL of index look-ups (UNION would sort them through a temporary
# B-tree); a contact found twice is kept once by the caller.
FIND_BY_EMAIL = sa.union_all(_contacts_where(C.c.email_key == v), _by_alternate("email"))
FIND_BY_PHONE = sa.union_all(
    _contacts_where(C.c.phone == v),
    _contacts_where(C.c.mobile == v),
    _by_alternate("phone"),
)
IDS_BY_NAME_KEY = sa.union(
    select(C.c.id).where(C.c.tenant == t, C.c.last_key == v),
    select(C.c.id).where(C.c.tenant == t, C.c.first_key == v),
    select(C.c.id).where(C.c.tenant == t, C.c.full_key == v),
)
CONTACT_ORDER = (C.c.last_key, C.c.first_key, C.c.middle_key, C.c.id)
ACCOUNT_ORDERS = {
    AccountOrder.NAME: (A.c.name_key, A.c.id),
    AccountOrder.CREATED_AT: (A.c.created_at, A.c.id),
    AccountOrder.UPDATED_AT: (A.c.updated_at, A.c.id),
    AccountOrder.ID: (A.c.id,),
}


# ------------------------------------------------------------------ search
#
# Each query finds a superset of the matches through an index; the caller
# ranks the rows with keys.contact_search_rank / account_search_rank, which
# also drop what is not a match, so every backend answers alike.

CONTACT_HIT = (C.c.id, C.c.search_key, C.c.last_key, C.c.first_key, C.c.middle_key)
ACCOUNT_HIT = (A.c.id, A.c.search_key, A.c.name_key)


def _prefix(column: sa.ColumnElement[str], text: str) -> sa.ColumnElement[bool]:
    """``column`` starts with ``text``, as a range an index answers."""
    upper = prefix_upper(text)
    low = column >= text
    return low if upper is None else sa.and_(low, column < upper)


def _fts(table: str, mapping: str, owner: str, hit: Sequence[sa.Column[Any]]) -> str:
    cols = ", ".join(f'x."{c.name}"' for c in hit)
    return (
        # CROSS JOIN keeps this order: the FTS match first, then one row each by key
        # (SQLite would otherwise scan the tenant's rows and probe the FTS per row).
        f"SELECT {cols} FROM {table}_fts CROSS JOIN {mapping} m ON m.seq = {table}_fts.rowid "
        f"CROSS JOIN {table} x ON x.tenant = m.tenant AND x.id = m.{owner} "
        f"WHERE {table}_fts MATCH :q AND m.tenant = :t"
    )


_SQLITE_CONTACT_HITS = sa.text(_fts("contacts", "contact_search", "contact_id", CONTACT_HIT))
_SQLITE_ACCOUNT_HITS = sa.text(_fts("accounts", "account_search", "account_id", ACCOUNT_HIT))


def _instr(column: str, count: int) -> str:
    """SQLite: ``column`` holds one of ``:p0``…, exactly (the FTS match is a superset:
    its case folding maps a few more letters, ``ſ`` to ``s``)."""
    return " OR ".join(f"instr({column}, :p{i}) > 0" for i in range(count))


def _sqlite_hits_by_name(phrases: int) -> Any:
    """The FTS candidates that hold one of ``phrases`` phrases (``:p0``…), by name, ``:n``
    at most: checked here, so that no candidate the FTS match lets through takes a place."""
    checks = _instr("contacts_fts.search_key", phrases)
    return sa.text(
        _fts("contacts", "contact_search", "contact_id", CONTACT_HIT)
        + f' AND ({checks}) ORDER BY x."last_key", x."first_key", x."middle_key", x."id" LIMIT :n'
    )


_SQLITE_CONTACT_HITS_BY_NAME = {n: _sqlite_hits_by_name(n) for n in (1, 2)}


def _phrase(phrase: str) -> str:
    """An FTS5 string: the phrase as typed, quotes doubled."""
    return '"' + phrase.replace('"', '""') + '"'


def _fts_query(needle: SearchNeedle) -> str:
    return " OR ".join(_phrase(p) for p in needle.phrases)


def fts_match(needle: SearchNeedle) -> str:
    """The FTS5 query for ``needle``: each of its phrases, whole."""
    return _fts_query(needle)


def _like(text: str) -> str:
    """A LIKE pattern for ``text`` anywhere, with PostgreSQL's default escape (backslash)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


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


def _range(column: Any, upper: bool, *, walk: bool = False) -> Any:
    """``column`` in ``[:lo, :hi)`` (``upper``) or ``>= :lo``; ``walk``: written as an
    expression, so that the planner walks another index rather than this range."""
    value = func.coalesce(column, "") if walk else column
    low = value >= bindparam("lo")
    return sa.and_(low, value < bindparam("hi")) if upper else low


def _range_params(text: str) -> tuple[bool, dict[str, Any]]:
    upper = prefix_upper(text)
    return upper is not None, {"lo": text} if upper is None else {"lo": text, "hi": upper}


def _phrase_params(needle: SearchNeedle, pattern: Callable[[str], str]) -> dict[str, Any]:
    return {f"p{i}": pattern(p) for i, p in enumerate(needle.phrases)}


def _likes(count: int) -> Any:
    """PostgreSQL: ``search_key`` holds one of ``:p0``… (LIKE patterns, :func:`_like`)."""
    return sa.or_(*(C.c.search_key.like(bindparam(f"p{i}")) for i in range(count)))


def contact_hits(
    dialect: str, tenant: str, needle: SearchNeedle, match: str | None = None
) -> Query:
    """Rows of :data:`CONTACT_HIT` holding every contact that may match ``needle``
    (``match``: the FTS5 query on SQLite, :func:`fts_match`)."""
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
    if dialect == "sqlite":
        return _SQLITE_CONTACT_HITS, {"q": match or _fts_query(needle), "t": tenant}
    count = len(needle.phrases)
    stmt = _built(
        ("hits", count), lambda: select(*CONTACT_HIT).where(C.c.tenant == t, _likes(count))
    )
    return stmt, {"t": tenant, **_phrase_params(needle, _like)}


def _sqlite_count(phrases: int) -> Any:
    return sa.text(
        "SELECT count(*) FROM (SELECT 1 FROM contacts_fts CROSS JOIN contact_search m "
        "ON m.seq = contacts_fts.rowid WHERE contacts_fts MATCH :q AND m.tenant = :t "
        f"AND ({_instr('contacts_fts.search_key', phrases)}) LIMIT :n)"
    )


def _postgres_count(phrases: int) -> Any:
    hits = select(C.c.id).where(C.c.tenant == t, _likes(phrases)).limit(bindparam("n"))
    return select(func.count()).select_from(hits.subquery())


def count_contact_matches(
    dialect: str, tenant: str, needle: SearchNeedle, up_to: int, match: str | None = None
) -> Query:
    """How many contacts match the (3+ character) ``needle``, exactly, counting no further
    than ``up_to``: the index's candidates checked in SQL, no contact row read on SQLite."""
    count = len(needle.phrases)
    params: dict[str, Any] = {"t": tenant, "n": up_to}
    if dialect == "sqlite":
        params |= {"q": match or _fts_query(needle), **_phrase_params(needle, str)}
        return _built(("sqlite count", count), lambda: _sqlite_count(count)), params
    params |= _phrase_params(needle, _like)
    return _built(("count", count), lambda: _postgres_count(count)), params


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


def _first_in_name_order(tenant: str, column: Any, text: str, best: int, walk: bool) -> Query:
    """The ``best`` first hits (by :data:`NAME_ORDER`) whose ``column`` starts with ``text``.

    ``walk``: for a wide range, walk the name index in order and keep the rows
    in the range (the range's index is kept out of the plan: reading a wide
    range whole to sort it costs what the range holds); else read the range
    through its index and sort it.
    """
    upper, params = _range_params(text)

    def build() -> Any:
        where = select(*CONTACT_HIT).where(C.c.tenant == t, _range(column, upper, walk=walk))
        return where.order_by(*NAME_ORDER).limit(bindparam("n"))

    stmt = _built(("first by name", column.name, upper, walk), build)
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


def _postgres_by_name(phrases: int) -> Any:
    where = select(*CONTACT_HIT).where(C.c.tenant == t, _likes(phrases))
    return where.order_by(*NAME_ORDER).limit(bindparam("n"))


def contact_tiers(
    dialect: str,
    tenant: str,
    needle: SearchNeedle,
    best: int,
    wide: Callable[[Any], bool],
    *,
    match: str | None = None,
) -> Iterator[list[Query]]:
    """Statements for the ranks of :func:`~contactgraph.repos.keys.contact_search_rank`,
    best rank first: each gives the ``best`` first rows of :data:`CONTACT_HIT` (by
    :data:`NAME_ORDER`) among the contacts meeting that rank's condition.

    Tier ``r`` holds the conditions of rank ``r`` (a contact meeting it ranks
    ``r`` or better). Once the hits of ranks up to ``r`` number ``best`` or more,
    the best ``best`` of all matches are among the rows read so far, so the
    caller stops there: the ranges read through the name indexes end at
    ``best`` rows, whatever the number of matches. ``wide(column)`` tells whether
    the needle's prefix range on ``column`` holds too many rows to be read whole
    (then the name index is walked instead). Each tier is built as it is reached.
    """

    def starting(column: Any, walk: bool) -> Query:
        return _first_in_name_order(tenant, column, text, best, walk)

    text = needle.text
    if needle.short:
        yield []
    else:
        number = "+" + (needle.digits or text)
        yield [(_EXACT, {"t": tenant, "text": text, "number": number, "n": best})]
    # The last-name range is read in the name index's own order: it ends at ``best`` rows.
    yield [starting(C.c.last_key, False)]
    yield [starting(C.c.full_key, wide(C.c.full_key))]
    if needle.short:
        yield [
            starting(C.c.first_key, wide(C.c.first_key)),
            starting(C.c.email_search, wide(C.c.email_search)),
        ]
        return
    count = len(needle.phrases)
    if dialect == "sqlite":
        params = {"q": match or _fts_query(needle), **_phrase_params(needle, str)}
        yield [(_SQLITE_CONTACT_HITS_BY_NAME[count], {"t": tenant, "n": best, **params})]
    else:
        stmt = _built(("by name", count), lambda: _postgres_by_name(count))
        yield [(stmt, {"t": tenant, "n": best, **_phrase_params(needle, _like)})]


def _account_anywhere(dialect: str, tenant: str, needle: SearchNeedle) -> Any:
    """Accounts holding one of the (3+ character) needle's phrases, exactly."""
    if dialect != "sqlite":
        return sa.or_(*(A.c.search_key.like(_like(p)) for p in needle.phrases))
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
        A.c.tenant == tenant, sa.or_(*(A.c.search_key.like(_like(p)) for p in needle.phrases))
    )
