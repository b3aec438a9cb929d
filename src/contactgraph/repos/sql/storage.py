"""Storage of opportunities, cases and relations, and what every repository shares.

Each ``Sql*`` class is one kind of aggregate seen through one session's
connection: it stores and finds, nothing more (the rules every backend shares
live above, in the store). Reads build entities with the readers of
:mod:`contactgraph.repos.rows`; writes send the rows' dicts to the bulk SQL of
:class:`~contactgraph.repos.sql.statements.BulkSql`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any, TypeVar

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
        return fast.rows(session.driver, session.tenant, params)

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
class SqlOpportunities(Part):
    def _with_roles(self, opp_rows: list[Any]) -> list[Opportunity]:
        at_id = rows.OPPORTUNITY.at["id"]
        roles: dict[str, list[tuple[str, str | None, bool]]] = {r[at_id]: [] for r in opp_rows}
        for opp_id, contact_id, role, is_primary in self._chunked(q.ROLES_OF, list(roles)):
            roles[opp_id].append((contact_id, role, is_primary))
        return [rows.OPPORTUNITY.build(*r, roles=roles[r[at_id]]) for r in opp_rows]

    def insert(self, opportunity: Opportunity) -> None:
        if self._conn.execute(q.OPP_VERSION, self._p(id=opportunity.id)).first() is not None:
            raise duplicate(f"an opportunity with id {opportunity.id} exists", opportunity.id)
        st = self._s.statements
        self._conn.exec_driver_sql(
            st.insert_opportunity, rows.opportunity_values(self._tenant, opportunity, 1)
        )
        self._write_children(opportunity)

    def _write_children(self, opp: Opportunity) -> None:
        st = self._s.statements
        self._many(st.insert_role, rows.role_values(self._tenant, opp))
        self._many(
            st.insert_external,
            rows.external_id_values(self._tenant, "opportunity", [(opp.id, opp.external_ids)]),
        )

    def _clear_children(self, opp_id: str) -> None:
        self._conn.execute(q.DEL_ROLES, self._p(id=opp_id))
        self._conn.execute(q.DEL_EXTERNAL, self._p(kind="opportunity", ids=[opp_id]))

    def load(self, opportunity_id: str) -> Opportunity | None:
        row = self._conn.execute(q.OPP_BY_ID, self._p(id=opportunity_id)).first()
        return self._with_roles([row])[0] if row is not None else None

    def update(self, opportunity: Opportunity) -> None:
        version = opportunity.version
        row = rows.opportunity_values(self._tenant, opportunity, version + 1)
        done = self._conn.exec_driver_sql(
            self._s.statements.update_opportunity, guarded(row, opportunity)
        )
        if done.rowcount != 1:
            raise self._stale("Opportunity", q.OPP_VERSION, opportunity)
        self._clear_children(opportunity.id)
        self._write_children(opportunity)

    def delete(self, opportunity_id: str) -> bool:
        self._clear_children(opportunity_id)
        return bool(self._conn.execute(q.DEL_OPP, self._p(id=opportunity_id)).rowcount)

    def list(
        self,
        account_id: str | None,
        contact_ids: Collection[str] | None,
        open_only: bool,
        offset: int,
        limit: int | None,
    ) -> list[Opportunity]:
        if contact_ids is not None:
            ids = {r[0] for r in self._chunked(q.OPPS_OF_CONTACTS, list(contact_ids))}
            found = [
                o
                for o in self._with_roles(self._chunked(q.OPPS_BY_IDS, list(ids)))
                if (account_id is None or o.account_id == account_id)
                and not (open_only and o.is_closed)
            ]
            return page(sorted(found, key=opportunity_order_key), offset, limit)
        stmt = select(*q.OPP_COLS).where(O.c.tenant == self._tenant)
        if account_id is not None:
            stmt = stmt.where(O.c.account_id == account_id)
        if open_only:
            stmt = stmt.where(O.c.is_closed == false())
        stmt = stmt.order_by(O.c.close_date.is_(None), O.c.close_date, O.c.name_key, O.c.id)
        stmt = paged(stmt, offset, limit)
        return self._with_roles(list(self._conn.execute(stmt)))

    def count(self) -> int:
        return int(self._conn.execute(q.COUNT_OPPS, self._p()).scalar_one())

    def by_external_id(self, system: str, value: str) -> Opportunity | None:
        owner = self._external("opportunity", system, value)
        return self.load(owner) if owner is not None else None


@translated
class SqlCases(Part):
    def insert(self, case: Case) -> None:
        if self._conn.execute(q.CASE_VERSION, self._p(id=case.id)).first() is not None:
            raise duplicate(f"a case with id {case.id} exists", case.id)
        self._conn.exec_driver_sql(
            self._s.statements.insert_case, rows.case_values(self._tenant, case, 1)
        )
        self._write_externals(case)

    def _write_externals(self, case: Case) -> None:
        self._many(
            self._s.statements.insert_external,
            rows.external_id_values(self._tenant, "case", [(case.id, case.external_ids)]),
        )

    def load(self, case_id: str) -> Case | None:
        row = self._conn.execute(q.CASE_BY_ID, self._p(id=case_id)).first()
        return rows.CASE.build(*row) if row is not None else None

    def update(self, case: Case) -> None:
        version = case.version
        row = rows.case_values(self._tenant, case, version + 1)
        done = self._conn.exec_driver_sql(self._s.statements.update_case, guarded(row, case))
        if done.rowcount != 1:
            raise self._stale("Case", q.CASE_VERSION, case)
        self._conn.execute(q.DEL_EXTERNAL, self._p(kind="case", ids=[case.id]))
        self._write_externals(case)

    def delete(self, case_id: str) -> bool:
        self._conn.execute(q.DEL_EXTERNAL, self._p(kind="case", ids=[case_id]))
        return bool(self._conn.execute(q.DEL_CASE, self._p(id=case_id)).rowcount)

    def list(
        self,
        account_id: str | None,
        contact_ids: Collection[str] | None,
        open_only: bool,
        offset: int,
        limit: int | None,
    ) -> list[Case]:
        if contact_ids is not None:
            found = [
                c
                for c in (
                    rows.CASE.build(*r) for r in self._chunked(q.CASES_OF_CONTACTS, contact_ids)
                )
                if (account_id is None or c.account_id == account_id)
                and not (open_only and c.is_closed)
            ]
            return page(sorted(found, key=case_order_key), offset, limit)
        stmt = select(*q.CASE_COLS).where(K.c.tenant == self._tenant)
        if account_id is not None:
            stmt = stmt.where(K.c.account_id == account_id)
        if open_only:
            stmt = stmt.where(K.c.is_closed == false())
        stmt = stmt.order_by(K.c.opened_at.desc(), K.c.id)
        stmt = paged(stmt, offset, limit)
        return [rows.CASE.build(*r) for r in self._conn.execute(stmt)]

    def count(self) -> int:
        return int(self._conn.execute(q.COUNT_CASES, self._p()).scalar_one())

    def by_external_id(self, system: str, value: str) -> Case | None:
        owner = self._external("case", system, value)
        return self.load(owner) if owner is not None else None


@translated
class SqlRelations(Part):
    def insert(self, relation: AccountContactRelation) -> None:
        if self._conn.execute(q.REL_VERSION, self._p(id=relation.id)).first() is not None:
            raise duplicate(f"a relation with id {relation.id} exists", relation.id)
        self._conn.exec_driver_sql(
            self._s.statements.insert_relation, rows.relation_values(self._tenant, relation, 1)
        )

    def load(self, relation_id: str) -> AccountContactRelation | None:
        row = self._conn.execute(q.REL_BY_ID, self._p(id=relation_id)).first()
        return rows.RELATION.build(*row) if row is not None else None

    def update(self, relation: AccountContactRelation) -> None:
        version = relation.version
        row = rows.relation_values(self._tenant, relation, version + 1)
        done = self._conn.exec_driver_sql(
            self._s.statements.update_relation, guarded(row, relation)
        )
        if done.rowcount != 1:
            raise self._stale("AccountContactRelation", q.REL_VERSION, relation)

    def delete(self, relation_id: str) -> bool:
        return bool(self._conn.execute(q.DEL_REL, self._p(id=relation_id)).rowcount)

    def list(
        self, account_id: str | None, contact_ids: Collection[str] | None
    ) -> list[AccountContactRelation]:
        if contact_ids is not None:
            found = [
                r
                for r in (
                    rows.RELATION.build(*row)
                    for row in self._chunked(q.RELS_OF_CONTACTS, contact_ids)
                )
                if account_id is None or r.account_id == account_id
            ]
            return sorted(found, key=relation_order_key)
        stmt = select(*q.REL_COLS).where(R.c.tenant == self._tenant)
        if account_id is not None:
            stmt = stmt.where(R.c.account_id == account_id)
        stmt = stmt.order_by(R.c.start_date.is_not(None), R.c.start_date, R.c.id)
        return [rows.RELATION.build(*r) for r in self._conn.execute(stmt)]

    def count(self) -> int:
        return int(self._conn.execute(q.COUNT_RELS, self._p()).scalar_one())
