"""Storage of opportunities, cases and relations, and what every repository shares.

Each ``Sql*`` class is one kind of aggregate seen through one session's
connection: it stores and finds, nothing more (the rules every backend shares
live above, in the store). Reads build entities with the readers of
:mod:`contactgraph.repos.rows`; writes send the rows' dicts to the bulk SQL of
:class:`~contactgraph.repos.sql.statements.BulkSql`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy import false, select
from sqlalchemy.engine import Connection

from contactgraph.domain import AccountContactRelation, Case, Opportunity
from contactgraph.errors import ConcurrencyError
from contactgraph.repos import rows
from contactgraph.repos.backend import chunks
from contactgraph.repos.keys import (
    born,
    case_order_key,
    opportunity_order_key,
    relation_order_key,
    to_micros,
)
from contactgraph.repos.schema import account_contact_relations as R
from contactgraph.repos.schema import cases as K
from contactgraph.repos.schema import opportunities as O
from contactgraph.repos.sql import statements as q
from contactgraph.repos.sql.errors import duplicate, translated
from contactgraph.repos.sql.statements import guarded

if TYPE_CHECKING:
    from contactgraph.repos.sql.session import SqlSession

T = TypeVar("T")
E = TypeVar("E")


def paged(stmt: Any, offset: int, limit: int | None) -> Any:
    """``stmt`` with OFFSET and LIMIT where they apply."""
    if offset:
        stmt = stmt.offset(offset)
    return stmt if limit is None else stmt.limit(limit)


class Part:
    def __init__(self, session: SqlSession) -> None:
        self._s = session

    @property
    def _conn(self) -> Connection:
        return self._s.conn

    @property
    def _tenant(self) -> str:
        return self._s.tenant

    def _fetch(self, stmt: Any, **params: Any) -> list[Any]:
        """Rows of a module-level prebuilt statement (no expanding parameters)."""
        session = self._s
        fast = session.statements.precompiled(stmt, session.conn.dialect)
        return fast.rows(session.begun(), session.tenant, params)

    def _fetch_alone(self, stmt: Any, **params: Any) -> list[Any]:
        """:meth:`_fetch` for a backend method whose whole read is this one statement.

        Run without BEGIN and COMMIT where the session allows it
        (:meth:`SqlSession.alone`); never for a statement whose answer another
        statement of the same read depends on.
        """
        session = self._s
        fast = session.statements.precompiled(stmt, session.conn.dialect)
        return session.alone(lambda driver: fast.rows(driver, session.tenant, params))

    def _fetch_together(self, *queries: tuple[Any, dict[str, Any]]) -> list[list[Any]]:
        """The rows of each ``(statement, params)``, in one transaction, sent together.

        On PostgreSQL the statements (and the BEGIN before them) go in one
        pipeline: one round trip instead of one each.
        """
        session = self._s
        dialect, tenant = session.conn.dialect, session.tenant
        fast = [(session.statements.precompiled(stmt, dialect), p) for stmt, p in queries]
        driver = session.begun()
        if dialect.name != "postgresql":
            return [f.rows(driver, tenant, p) for f, p in fast]
        with driver.pipeline():
            cursors = [f.send(driver, tenant, p) for f, p in fast]
        return [list(c.fetchall()) for c in cursors]

    def _p(self, **params: Any) -> dict[str, Any]:
        return {"t": self._s.tenant, **params}

    def _stale(self, kind: str, version_of: Any, aggregate: Any) -> ConcurrencyError:
        row = self._conn.execute(version_of, self._p(id=aggregate.id)).first()
        actual = None
        if row is not None and row[1] == to_micros(born(aggregate)):
            actual = row[0]
        return ConcurrencyError(kind, aggregate.id, aggregate.version, actual)

    def _many(self, sql: str, args: list[dict[str, Any]]) -> None:
        if args:
            self._conn.exec_driver_sql(sql, args)

    def _external(self, kind: str, system: str, value: str) -> str | None:
        """The id of the ``kind`` record with ``external_ids[system] == value``, if any."""
        found: str | None = self._conn.execute(
            q.EXTERNAL, self._p(kind=kind, system=system, value=value)
        ).scalar()
        return found

    def _chunked(self, stmt: Any, ids: Collection[str], **params: Any) -> list[Any]:
        out: list[Any] = []
        for batch in chunks(ids):
            out.extend(self._conn.execute(stmt, self._p(ids=batch, **params)).all())
        return out


def page(items: list[T], offset: int, limit: int | None) -> list[T]:
    return items[offset : None if limit is None else offset + limit]


@translated
class _Aggregates(Part, Generic[E]):
    """What opportunities, cases and relations share: a versioned row, maybe children.

    A subclass names its table, statements, row writer and reader; it
    overrides :meth:`_build`, :meth:`_write_children` and
    :meth:`_clear_children` when it has more than its row.
    """

    _kind: ClassVar[str]
    _noun: ClassVar[str]
    _table: ClassVar[sa.Table]
    _values: ClassVar[Callable[[str, Any, int], dict[str, Any]]]
    _reader: ClassVar[rows.Reader[Any]]
    _by_id: ClassVar[Any]
    _version: ClassVar[Any]
    _delete: ClassVar[Any]
    _count: ClassVar[Any]
    _external_kind: ClassVar[str | None] = None
    _order_key: ClassVar[Callable[[Any], Any]]
    _order: ClassVar[tuple[Any, ...]] = ()

    def _build(self, found: list[Any]) -> list[E]:
        build = self._reader.build
        return [build(*r) for r in found]

    def _write_children(self, item: E) -> None:
        if self._external_kind is not None:
            self._many(
                self._s.statements.insert_external,
                rows.external_id_values(
                    self._tenant,
                    self._external_kind,
                    [(item.id, item.external_ids)],  # type: ignore[attr-defined]
                ),
            )

    def _clear_children(self, item_id: str) -> None:
        if self._external_kind is not None:
            self._conn.execute(q.DEL_EXTERNAL, self._p(kind=self._external_kind, ids=[item_id]))

    def insert(self, item: E) -> None:
        item_id: str = item.id  # type: ignore[attr-defined]
        if self._conn.execute(self._version, self._p(id=item_id)).first() is not None:
            raise duplicate(f"{self._noun} with id {item_id} exists", item_id)
        values = type(self)._values(self._tenant, item, 1)
        self._conn.exec_driver_sql(self._s.statements.inserts[self._table.name], values)
        self._write_children(item)

    def load(self, item_id: str) -> E | None:
        row = self._conn.execute(self._by_id, self._p(id=item_id)).first()
        return self._build([row])[0] if row is not None else None

    def update(self, item: E) -> None:
        version: int = item.version  # type: ignore[attr-defined]
        values = type(self)._values(self._tenant, item, version + 1)
        sql = self._s.statements.updates[self._table.name]
        if self._conn.exec_driver_sql(sql, guarded(values, item)).rowcount != 1:
            raise self._stale(self._kind, self._version, item)
        self._clear_children(item.id)  # type: ignore[attr-defined]
        self._write_children(item)

    def delete(self, item_id: str) -> bool:
        self._clear_children(item_id)
        return bool(self._conn.execute(self._delete, self._p(id=item_id)).rowcount)

    def count(self) -> int:
        return int(self._conn.execute(self._count, self._p()).scalar_one())

    def _of_contacts(self, contact_ids: Collection[str]) -> list[E]:
        raise NotImplementedError

    def by_external_id(self, system: str, value: str) -> E | None:
        assert self._external_kind is not None
        owner = self._external(self._external_kind, system, value)
        return self.load(owner) if owner is not None else None


class _AccountLinked(_Aggregates[E]):
    """Opportunities and cases: listed by account, by contacts, open or all."""

    def list(
        self,
        account_id: str | None,
        contact_ids: Collection[str] | None,
        open_only: bool,
        offset: int,
        limit: int | None,
    ) -> list[E]:
        """Opportunities or cases: of some contacts (sorted here) or by the table's order."""
        if contact_ids is not None:
            found = [
                x
                for x in self._of_contacts(contact_ids)
                if (account_id is None or x.account_id == account_id)  # type: ignore[attr-defined]
                and not (open_only and x.is_closed)  # type: ignore[attr-defined]
            ]
            return page(sorted(found, key=type(self)._order_key), offset, limit)
        table = self._table
        stmt = select(*self._reader.columns).where(table.c.tenant == self._tenant)
        if account_id is not None:
            stmt = stmt.where(table.c.account_id == account_id)
        if open_only:
            stmt = stmt.where(table.c.is_closed == false())
        stmt = paged(stmt.order_by(*self._order), offset, limit)
        return self._build(list(self._conn.execute(stmt)))


@translated
class SqlOpportunities(_AccountLinked[Opportunity]):
    _kind, _noun = "Opportunity", "an opportunity"
    _table = O
    _values = rows.opportunity_values
    _reader = rows.OPPORTUNITY
    _by_id, _version, _delete, _count = q.OPP_BY_ID, q.OPP_VERSION, q.DEL_OPP, q.COUNT_OPPS
    _external_kind = "opportunity"
    _order_key = opportunity_order_key
    _order = (O.c.close_date.is_(None), O.c.close_date, O.c.name_key, O.c.id)

    def _build(self, found: list[Any]) -> list[Opportunity]:
        at_id = rows.OPPORTUNITY.at["id"]
        roles: dict[str, list[tuple[str, str | None, bool]]] = {r[at_id]: [] for r in found}
        for opp_id, contact_id, role, is_primary in self._chunked(q.ROLES_OF, list(roles)):
            roles[opp_id].append((contact_id, role, is_primary))
        return [rows.OPPORTUNITY.build(*r, roles=roles[r[at_id]]) for r in found]

    def _write_children(self, item: Opportunity) -> None:
        self._many(self._s.statements.insert_role, rows.role_values(self._tenant, item))
        super()._write_children(item)

    def _clear_children(self, item_id: str) -> None:
        self._conn.execute(q.DEL_ROLES, self._p(id=item_id))
        super()._clear_children(item_id)

    def _of_contacts(self, contact_ids: Collection[str]) -> list[Opportunity]:
        ids = {r[0] for r in self._chunked(q.OPPS_OF_CONTACTS, list(contact_ids))}
        return self._build(self._chunked(q.OPPS_BY_IDS, list(ids)))


@translated
class SqlCases(_AccountLinked[Case]):
    _kind, _noun = "Case", "a case"
    _table = K
    _values = rows.case_values
    _reader = rows.CASE
    _by_id, _version, _delete, _count = q.CASE_BY_ID, q.CASE_VERSION, q.DEL_CASE, q.COUNT_CASES
    _external_kind = "case"
    _order_key = case_order_key
    _order = (K.c.opened_at.desc(), K.c.id)

    def _of_contacts(self, contact_ids: Collection[str]) -> list[Case]:
        return self._build(self._chunked(q.CASES_OF_CONTACTS, contact_ids))


@translated
class SqlRelations(_Aggregates[AccountContactRelation]):
    _kind, _noun = "AccountContactRelation", "a relation"
    _table = R
    _values = rows.relation_values
    _reader = rows.RELATION
    _by_id, _version, _delete, _count = q.REL_BY_ID, q.REL_VERSION, q.DEL_REL, q.COUNT_RELS

    def list(
        self, account_id: str | None, contact_ids: Collection[str] | None
    ) -> list[AccountContactRelation]:
        if contact_ids is not None:
            found = [
                r
                for r in self._build(self._chunked(q.RELS_OF_CONTACTS, contact_ids))
                if account_id is None or r.account_id == account_id
            ]
            return sorted(found, key=relation_order_key)
        stmt = select(*q.REL_COLS).where(R.c.tenant == self._tenant)
        if account_id is not None:
            stmt = stmt.where(R.c.account_id == account_id)
        stmt = stmt.order_by(R.c.start_date.is_not(None), R.c.start_date, R.c.id)
        return self._build(list(self._conn.execute(stmt)))
