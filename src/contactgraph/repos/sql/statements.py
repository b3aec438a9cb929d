"""The SQL the backend runs: prebuilt Core statements and bulk SQL text.

Point reads and writes are Core statements built once at import time (so
SQLAlchemy compiles each once per dialect and caches it); the hot ones also
run through :class:`Precompiled`, compiled once and executed on the driver's
own cursor. Bulk rows go through :class:`BulkSql`: INSERT and UPDATE text
generated from the schema tables with named parameters, run with the driver's
``executemany`` on the dicts of :mod:`contactgraph.repos.rows`. The statements
of search are in :mod:`contactgraph.repos.sql.search_statements`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import bindparam, func, select

from contactgraph.repos import rows
from contactgraph.repos.keys import born, to_micros
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
        for bind in compiled.binds.values():
            if bind.value is not None and not bind.required:
                # ``binds`` names an anonymous parameter twice (its raw key and the
                # name rendered in the SQL): only the rendered name is sent.
                self.defaults[compiled.bind_names[bind]] = bind.value
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
_OWNED = C.alias("owned")  # the contact looked up, apart from the contacts read
_OWNER_OF_ID = (
    select(_OWNED.c.account_id)
    .where(_OWNED.c.tenant == t, _OWNED.c.id == bindparam("id"))
    .scalar_subquery()
)
ACCOUNT_OF_CONTACT = select(*ACCOUNT_COLS).where(A.c.tenant == t, A.c.id == _OWNER_OF_ID)
CONTACTS_OF_OWNER = select(*CONTACT_COLS).where(C.c.tenant == t, C.c.account_id == _OWNER_OF_ID)
"""``account_of`` in one pipeline: the owner's row and its contacts' rows, each
finding the owner by the contact's id (one snapshot: both find the same one)."""
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
lo: sa.BindParameter[str] = bindparam("lo")
hi: sa.BindParameter[str] = bindparam("hi")


def _on_line(column: Any) -> list[Any]:
    """``column`` holding the line ``v`` bare, or with an extension: ``v;ext=…`` lies
    in ``[lo, hi)`` with ``lo = v + ";"`` and ``hi = v + "<"`` (``;`` is 0x3B, ``<``
    0x3C: by code point, the "C" collation on PostgreSQL and BINARY on SQLite, so
    both are one seek each in the column's index)."""
    return [column == v, sa.and_(column >= lo, column < hi)]


def _by_alternate_range() -> Any:
    owner = ALT.join(C, sa.and_(C.c.tenant == ALT.c.tenant, C.c.id == ALT.c.contact_id))
    return (
        select(*CONTACT_COLS)
        .select_from(owner)
        .where(ALT.c.tenant == t, ALT.c.kind == "phone", ALT.c.value >= lo, ALT.c.value < hi)
    )


FIND_BY_LINE = sa.union_all(
    *(_contacts_where(arm) for column in (C.c.phone, C.c.mobile) for arm in _on_line(column)),
    _by_alternate("phone"),
    _by_alternate_range(),
)
"""Contacts on a number's line (``v``, bare E.164; ``lo``/``hi`` as :func:`_on_line`
says) in phone, mobile or alternates: six index seeks, a contact found twice is
kept once by the caller."""


def line_params(line: str) -> dict[str, str]:
    """The parameters of :data:`FIND_BY_LINE` for ``line``."""
    return {"v": line, "lo": line + ";", "hi": line + "<"}


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
