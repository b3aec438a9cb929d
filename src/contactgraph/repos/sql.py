"""The SQL backend: SQLAlchemy Core, one implementation for SQLite and PostgreSQL.

Transactions: on SQLite the driver's own transaction handling is switched off
(SQLAlchemy's recipe) and the backend emits ``BEGIN IMMEDIATE`` for writes
(so writers in several processes queue on the busy timeout instead of
deadlocking) and ``BEGIN`` for reads (a WAL snapshot). On PostgreSQL writes
run at READ COMMITTED; an account is read again if its version moved while
its contacts were being read, so a loaded aggregate is always consistent.

Optimistic concurrency is ``UPDATE … SET version = v + 1 WHERE tenant = ?
AND id = ? AND version = v`` and a row count, inside the transaction. Saving
an account writes its row and only the contacts its events name. Hot paths
run pre-built statements (compiled once and cached by SQLAlchemy) or, for
bulk rows, the driver's ``executemany`` on SQL generated from the schema.
Driver errors are translated into :mod:`contactgraph.errors`.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import bindparam, false, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, SQLAlchemyError

from contactgraph.domain import Account, AccountContactRelation, Case, Contact, Opportunity
from contactgraph.errors import (
    ConcurrencyError,
    ContactGraphError,
    PolicyViolationError,
    SchemaVersionError,
    StoreConfigurationError,
    StoreUnavailableError,
    Violation,
)
from contactgraph.repos import rows, schema
from contactgraph.repos.backend import chunks
from contactgraph.repos.keys import (
    ContactQuery,
    born,
    case_order_key,
    opportunity_order_key,
    relation_order_key,
    sort_contacts,
    to_micros,
)
from contactgraph.repos.protocol import AccountOrder
from contactgraph.repos.schema import (
    account_contact_relations as R,
)
from contactgraph.repos.schema import (
    accounts as A,
)
from contactgraph.repos.schema import (
    cases as K,
)
from contactgraph.repos.schema import (
    contact_alternates as ALT,
)
from contactgraph.repos.schema import (
    contacts as C,
)
from contactgraph.repos.schema import (
    external_ids as X,
)
from contactgraph.repos.schema import (
    opportunities as O,
)
from contactgraph.repos.schema import (
    opportunity_contact_roles as OCR,
)

__all__ = ["SqlBackend", "open_sql_backend"]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

BUSY_TIMEOUT_S = 30.0
"""How long an SQLite writer waits for another one before giving up."""

_t: sa.BindParameter[str] = bindparam("t")


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


class _Statements:
    """SQL text for the bulk paths, in the driver's parameter style."""

    def __init__(self, dialect: str) -> None:
        mark = "?" if dialect == "sqlite" else "%s"
        self.mark = mark

        def insert(table: sa.Table) -> str:
            names = [c.name for c in table.columns]
            return (
                f'INSERT INTO "{table.name}" ({_quoted(names)}) '
                f"VALUES ({', '.join(mark for _ in names)})"
            )

        self.insert_account = insert(A)
        self.insert_contact = insert(C)
        self.insert_alternate = insert(ALT)
        self.insert_external = insert(X)
        self.insert_opportunity = insert(O)
        self.insert_role = insert(OCR)
        self.insert_case = insert(K)
        self.insert_relation = insert(R)

        def update(table: sa.Table, keys: Sequence[str], extra: str = "") -> str:
            sets = ", ".join(f'"{c.name}" = {mark}' for c in table.columns if c.name not in keys)
            where = " AND ".join(f'"{k}" = {mark}' for k in keys)
            return f'UPDATE "{table.name}" SET {sets} WHERE {where}{extra}'

        guard = f' AND "version" = {mark} AND "created_at" = {mark}'
        self.update_account = update(A, ("tenant", "id"), guard)
        self.update_contact = update(C, ("tenant", "id"))
        self.update_opportunity = update(O, ("tenant", "id"), guard)
        self.update_case = update(
            K, ("tenant", "id"), f' AND "version" = {mark} AND "opened_at" = {mark}'
        )
        self.update_relation = update(R, ("tenant", "id"), guard)
        self._dialect = dialect
        self._precompiled: dict[int, _Precompiled] = {}

    def precompiled(self, stmt: Any, dialect: sa.Dialect) -> _Precompiled:
        found = self._precompiled.get(id(stmt))
        if found is None:
            found = self._precompiled[id(stmt)] = _Precompiled(stmt, dialect)
        return found


class _Precompiled:
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
        self.order = list(compiled.positiontup) if compiled.positional else None

    def rows(self, conn: Connection, params: dict[str, Any]) -> list[Any]:
        values = {**self.defaults, **params}
        args: Any = tuple(values[n] for n in self.order) if self.order is not None else values
        cursor = conn.connection.driver_connection.execute(self.sql, args)  # type: ignore[union-attr]
        return list(cursor.fetchall())


def _update_args(
    row: tuple[Any, ...], version: int | None = None, aggregate: Any = None
) -> tuple[Any, ...]:
    """``row`` (tenant, id, rest…) as UPDATE parameters: rest…, tenant, id[, version, born]."""
    args = (*row[2:], row[0], row[1])
    if version is None:
        return args
    return (*args, version, to_micros(born(aggregate)))


# ---------------------------------------------------------------- errors


def _translate(fn: F) -> F:
    """Turn driver errors into ours (``raise OurError(...) from e``)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ContactGraphError:
            raise
        except IntegrityError as exc:
            raise PolicyViolationError(
                [
                    Violation(
                        "id.duplicate",
                        f"refused by the database: {exc.orig}",
                        "id",
                        None,
                        policy="store",
                    )
                ],
                "refused: an id is taken (written concurrently?)",
            ) from exc
        except DBAPIError as exc:
            raise StoreUnavailableError(_driver_message(exc)) from exc
        except SQLAlchemyError as exc:
            raise StoreUnavailableError(f"the store failed: {exc}") from exc
        except _driver_errors() as exc:  # from statements run on the driver directly
            if "Integrity" in type(exc).__name__ or "UniqueViolation" in type(exc).__name__:
                raise PolicyViolationError(
                    [Violation("id.duplicate", f"refused by the database: {exc}", "id", None)],
                    "refused: an id is taken (written concurrently?)",
                ) from exc
            raise StoreUnavailableError(_driver_message(exc)) from exc

    return wrapper  # type: ignore[return-value]


@functools.cache
def _driver_errors() -> tuple[type[Exception], ...]:
    import sqlite3

    found: list[type[Exception]] = [sqlite3.Error]
    try:
        import psycopg
    except ImportError:
        pass
    else:
        found.append(psycopg.Error)
    return tuple(found)


def _driver_message(exc: Exception) -> str:
    text = str(exc.orig if isinstance(exc, DBAPIError) else exc).strip()
    if "locked" in text:
        return (
            f"the SQLite database stayed locked by another writer for more than "
            f"{BUSY_TIMEOUT_S:g} s ({text}); retry later"
        )
    return f"the database refused or failed: {text}"


def _translated(cls: type[T]) -> type[T]:
    for name, member in list(vars(cls).items()):
        if callable(member) and not name.startswith("__"):
            setattr(cls, name, _translate(member))
    return cls


def _duplicate(message: str, entity_id: str) -> PolicyViolationError:
    return PolicyViolationError(
        [Violation("id.duplicate", message, "id", entity_id, policy="store")],
        "refused: the id is taken",
    )


# ------------------------------------------------------------- statements

_CONTACT_COLS = [C.c[n] for n in schema.CONTACT_COLUMNS[1:]]
_ACCOUNT_COLS = [A.c[n] for n in schema.ACCOUNT_COLUMNS[1:]]
_OPP_COLS = [O.c[n] for n in schema.OPPORTUNITY_COLUMNS[1:]]
_CASE_COLS = [K.c[n] for n in schema.CASE_COLUMNS[1:]]
_REL_COLS = [R.c[n] for n in schema.RELATION_COLUMNS[1:]]

_ACCOUNT_BY_ID = select(*_ACCOUNT_COLS).where(A.c.tenant == _t, A.c.id == bindparam("id"))
_ACCOUNTS_BY_IDS = select(*_ACCOUNT_COLS).where(
    A.c.tenant == _t, A.c.id.in_(bindparam("ids", expanding=True))
)
_ACCOUNT_VERSION = select(A.c.version, A.c.created_at).where(
    A.c.tenant == _t, A.c.id == bindparam("id")
)
_ACCOUNT_VERSIONS = select(A.c.id, A.c.version).where(
    A.c.tenant == _t, A.c.id.in_(bindparam("ids", expanding=True))
)
_CONTACTS_OF = select(*_CONTACT_COLS).where(
    C.c.tenant == _t, C.c.account_id == bindparam("account_id")
)
_CONTACTS_OF_MANY = select(*_CONTACT_COLS).where(
    C.c.tenant == _t, C.c.account_id.in_(bindparam("ids", expanding=True))
)
_CONTACTS_BY_IDS = select(*_CONTACT_COLS).where(
    C.c.tenant == _t, C.c.id.in_(bindparam("ids", expanding=True))
)
_OWNER = select(C.c.account_id).where(C.c.tenant == _t, C.c.id == bindparam("id"))
_OWNERS = select(C.c.id, C.c.account_id).where(
    C.c.tenant == _t, C.c.id.in_(bindparam("ids", expanding=True))
)
_CONTACT_IDS_OF = select(C.c.id).where(C.c.tenant == _t, C.c.account_id == bindparam("id"))
_ALT_CONTACTS = select(ALT.c.contact_id).where(
    ALT.c.tenant == _t, ALT.c.kind == bindparam("kind"), ALT.c.value == bindparam("value")
)
_EXTERNAL = (
    select(X.c.owner_id)
    .where(
        X.c.tenant == _t,
        X.c.kind == bindparam("kind"),
        X.c.system == bindparam("system"),
        X.c.value == bindparam("value"),
    )
    .order_by(X.c.owner_id)
    .limit(1)
)
_DEL_EXTERNAL = sa.delete(X).where(
    X.c.tenant == _t,
    X.c.kind == bindparam("kind"),
    X.c.owner_id.in_(bindparam("ids", expanding=True)),
)
_DEL_ALTERNATES = sa.delete(ALT).where(
    ALT.c.tenant == _t, ALT.c.contact_id.in_(bindparam("ids", expanding=True))
)
_DEL_CONTACTS = sa.delete(C).where(
    C.c.tenant == _t,
    C.c.account_id == bindparam("account_id"),
    C.c.id.in_(bindparam("ids", expanding=True)),
)
_CONTACTS_OF_ACCOUNT = select(C.c.id).where(C.c.tenant == _t, C.c.account_id == bindparam("id"))
_DEL_ACCOUNT_ALTERNATES = sa.delete(ALT).where(
    ALT.c.tenant == _t, ALT.c.contact_id.in_(_CONTACTS_OF_ACCOUNT.scalar_subquery())
)
_DEL_ACCOUNT_CONTACT_EXTERNALS = sa.delete(X).where(
    X.c.tenant == _t,
    X.c.kind == "contact",
    X.c.owner_id.in_(_CONTACTS_OF_ACCOUNT.scalar_subquery()),
)
_DEL_ACCOUNT_CONTACTS = sa.delete(C).where(C.c.tenant == _t, C.c.account_id == bindparam("id"))
_DEL_ACCOUNT = sa.delete(A).where(A.c.tenant == _t, A.c.id == bindparam("id"))
_COUNT_ACCOUNTS = select(func.count()).select_from(A).where(A.c.tenant == _t)
_COUNT_CONTACTS = select(func.count()).select_from(C).where(C.c.tenant == _t)
_ACCOUNT_EXISTS = select(A.c.id).where(A.c.tenant == _t, A.c.id == bindparam("id"))
_PARENTS = select(A.c.id, A.c.parent_id).where(
    A.c.tenant == _t, A.c.id.in_(bindparam("ids", expanding=True))
)
_EXISTING_CONTACTS = select(C.c.id, C.c.account_id).where(
    C.c.tenant == _t, C.c.id.in_(bindparam("ids", expanding=True))
)

_OPP_BY_ID = select(*_OPP_COLS).where(O.c.tenant == _t, O.c.id == bindparam("id"))
_OPPS_BY_IDS = select(*_OPP_COLS).where(
    O.c.tenant == _t, O.c.id.in_(bindparam("ids", expanding=True))
)
_ROLES_OF = (
    select(OCR.c.opportunity_id, OCR.c.contact_id, OCR.c.role, OCR.c.is_primary)
    .where(OCR.c.tenant == _t, OCR.c.opportunity_id.in_(bindparam("ids", expanding=True)))
    .order_by(OCR.c.opportunity_id, OCR.c.position)
)
_OPPS_OF_CONTACTS = select(OCR.c.opportunity_id).where(
    OCR.c.tenant == _t, OCR.c.contact_id.in_(bindparam("ids", expanding=True))
)
_DEL_ROLES = sa.delete(OCR).where(OCR.c.tenant == _t, OCR.c.opportunity_id == bindparam("id"))
_DEL_OPP = sa.delete(O).where(O.c.tenant == _t, O.c.id == bindparam("id"))
_OPP_VERSION = select(O.c.version, O.c.created_at).where(
    O.c.tenant == _t, O.c.id == bindparam("id")
)
_COUNT_OPPS = select(func.count()).select_from(O).where(O.c.tenant == _t)

_CASE_BY_ID = select(*_CASE_COLS).where(K.c.tenant == _t, K.c.id == bindparam("id"))
_CASES_OF_CONTACTS = select(*_CASE_COLS).where(
    K.c.tenant == _t, K.c.contact_id.in_(bindparam("ids", expanding=True))
)
_DEL_CASE = sa.delete(K).where(K.c.tenant == _t, K.c.id == bindparam("id"))
_CASE_VERSION = select(K.c.version, K.c.opened_at).where(
    K.c.tenant == _t, K.c.id == bindparam("id")
)
_COUNT_CASES = select(func.count()).select_from(K).where(K.c.tenant == _t)

_REL_BY_ID = select(*_REL_COLS).where(R.c.tenant == _t, R.c.id == bindparam("id"))
_RELS_OF_CONTACTS = select(*_REL_COLS).where(
    R.c.tenant == _t, R.c.contact_id.in_(bindparam("ids", expanding=True))
)
_DEL_REL = sa.delete(R).where(R.c.tenant == _t, R.c.id == bindparam("id"))
_REL_VERSION = select(R.c.version, R.c.created_at).where(
    R.c.tenant == _t, R.c.id == bindparam("id")
)
_COUNT_RELS = select(func.count()).select_from(R).where(R.c.tenant == _t)

_v: sa.BindParameter[str] = bindparam("v")
_IDS_BY_EMAIL = sa.union(
    select(C.c.id).where(C.c.tenant == _t, C.c.email_key == _v),
    select(ALT.c.contact_id).where(ALT.c.tenant == _t, ALT.c.kind == "email", ALT.c.value == _v),
)
_IDS_BY_PHONE = sa.union(
    select(C.c.id).where(C.c.tenant == _t, C.c.phone == _v),
    select(C.c.id).where(C.c.tenant == _t, C.c.mobile == _v),
    select(ALT.c.contact_id).where(ALT.c.tenant == _t, ALT.c.kind == "phone", ALT.c.value == _v),
)
_FIND_BY_EMAIL = select(*_CONTACT_COLS).where(
    C.c.tenant == _t, C.c.id.in_(_IDS_BY_EMAIL.scalar_subquery())
)
_FIND_BY_PHONE = select(*_CONTACT_COLS).where(
    C.c.tenant == _t, C.c.id.in_(_IDS_BY_PHONE.scalar_subquery())
)
_IDS_BY_NAME_KEY = sa.union(
    select(C.c.id).where(C.c.tenant == _t, C.c.last_key == _v),
    select(C.c.id).where(C.c.tenant == _t, C.c.first_key == _v),
    select(C.c.id).where(C.c.tenant == _t, C.c.full_key == _v),
)
_CONTACT_ORDER = (C.c.last_key, C.c.first_key, C.c.middle_key, C.c.id)
_ACCOUNT_ORDERS = {
    AccountOrder.NAME: (A.c.name_key, A.c.id),
    AccountOrder.CREATED_AT: (A.c.created_at, A.c.id),
    AccountOrder.UPDATED_AT: (A.c.updated_at, A.c.id),
    AccountOrder.ID: (A.c.id,),
}


def _batches(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------- storage


def _paged(stmt: Any, offset: int, limit: int | None) -> Any:
    """``stmt`` with OFFSET and LIMIT where they apply."""
    if offset:
        stmt = stmt.offset(offset)
    return stmt if limit is None else stmt.limit(limit)


class _Part:
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
        fast = self._s.statements.precompiled(stmt, self._conn.dialect)
        return fast.rows(self._conn, {"t": self._s.tenant, **params})

    def _p(self, **params: Any) -> dict[str, Any]:
        return {"t": self._s.tenant, **params}

    def _stale(self, kind: str, version_of: Any, aggregate: Any) -> ConcurrencyError:
        row = self._conn.execute(version_of, self._p(id=aggregate.id)).first()
        actual = None
        if row is not None and row[1] == to_micros(born(aggregate)):
            actual = row[0]
        return ConcurrencyError(kind, aggregate.id, aggregate.version, actual)

    def _many(self, sql: str, args: list[tuple[Any, ...]]) -> None:
        if args:
            self._conn.exec_driver_sql(sql, args)

    def _external(self, kind: str, system: str, value: str) -> str | None:
        """The id of the ``kind`` record with ``external_ids[system] == value``, if any."""
        found: str | None = self._conn.execute(
            _EXTERNAL, self._p(kind=kind, system=system, value=value)
        ).scalar()
        return found

    def _chunked(self, stmt: Any, ids: Collection[str], **params: Any) -> list[Any]:
        out: list[Any] = []
        for batch in chunks(ids):
            out.extend(self._conn.execute(stmt, self._p(ids=batch, **params)).all())
        return out


@_translated
class SqlAccounts(_Part):
    # ---------------------------------------------------------------- loads

    def _contacts_by_account(self, account_ids: list[str]) -> dict[str, list[Contact]]:
        grouped: dict[str, list[Contact]] = {i: [] for i in account_ids}
        for row in self._chunked(_CONTACTS_OF_MANY, account_ids):
            grouped[row[1]].append(rows.contact_from_row(row))
        return grouped

    def _assemble(self, account_rows: list[Any]) -> list[Account]:
        """Accounts with their contacts; on PostgreSQL re-read if a version moved meanwhile."""
        for _attempt in range(20):
            ids = [r[0] for r in account_rows]
            if not ids:
                return []
            if len(ids) == 1:
                grouped = {
                    ids[0]: [
                        rows.contact_from_row(r)
                        for r in self._fetch(_CONTACTS_OF, account_id=ids[0])
                    ]
                }
            else:
                grouped = self._contacts_by_account(ids)
            if self._s.snapshot:
                break
            versions = dict(self._chunked(_ACCOUNT_VERSIONS, ids))
            moved = [r[0] for r in account_rows if versions.get(r[0]) != r[1]]
            if not moved:
                break
            account_rows = self._chunked(_ACCOUNTS_BY_IDS, ids)
        return [rows.account_from_row(r, grouped.get(r[0], ())) for r in account_rows]

    def load(self, account_id: str) -> Account | None:
        found_rows = self._fetch(_ACCOUNT_BY_ID, id=account_id)
        if not found_rows:
            return None
        row = found_rows[0]
        found = self._assemble([row])
        return found[0] if found else None

    def load_many(self, account_ids: Collection[str]) -> list[Account]:
        return self._assemble(self._chunked(_ACCOUNTS_BY_IDS, list(account_ids)))

    def exists(self, account_id: str) -> bool:
        return bool(self._fetch(_ACCOUNT_EXISTS, id=account_id))

    def parents_of(self, account_ids: Collection[str]) -> dict[str, str | None]:
        """Account id -> its parent id, for the accounts that exist (no contact is read)."""
        return {r[0]: r[1] for r in self._chunked(_PARENTS, list(account_ids))}

    def owner_of(self, contact_id: str) -> str | None:
        found = self._fetch(_OWNER, id=contact_id)
        return str(found[0][0]) if found else None

    def owners_of(self, contact_ids: Collection[str]) -> dict[str, str]:
        return {r[0]: r[1] for r in self._chunked(_OWNERS, list(contact_ids))}

    def load_contacts(self, contact_ids: Collection[str]) -> list[Contact]:
        return [
            rows.contact_from_row(r) for r in self._chunked(_CONTACTS_BY_IDS, list(contact_ids))
        ]

    # --------------------------------------------------------------- writes

    def _refuse_taken(self, account: Account, contact_ids: Collection[str]) -> None:
        taken = self._chunked(_EXISTING_CONTACTS, list(contact_ids))
        if taken:
            cid, holder = sorted(taken)[0]
            raise _duplicate(f"contact id {cid} is taken by account {holder}", cid)

    def _write_side_rows(self, account: Account, contacts: list[Contact]) -> None:
        st = self._s.statements
        self._many(st.insert_alternate, rows.alternate_rows(self._tenant, contacts))
        self._many(
            st.insert_external,
            rows.external_id_rows(
                self._tenant, "contact", ((c.id, c.external_ids) for c in contacts)
            ),
        )

    def insert(self, account: Account) -> None:
        if self.exists(account.id):
            raise _duplicate(f"an account with id {account.id} exists", account.id)
        contacts = list(account.contacts.values())
        self._refuse_taken(account, account.contacts.keys())
        st = self._s.statements
        tenant = self._tenant
        self._conn.exec_driver_sql(st.insert_account, rows.account_row(tenant, account, 1))
        self._many(st.insert_contact, [rows.contact_row(tenant, c) for c in contacts])
        self._write_side_rows(account, contacts)
        self._many(
            st.insert_external,
            rows.external_id_rows(tenant, "account", [(account.id, account.external_ids)]),
        )

    def update(self, account: Account) -> None:
        st = self._s.statements
        tenant = self._tenant
        version = account.version
        row = rows.account_row(tenant, account, version + 1)
        done = self._conn.exec_driver_sql(st.update_account, _update_args(row, version, account))
        if done.rowcount != 1:
            raise self._stale("Account", _ACCOUNT_VERSION, account)
        gone: list[str] = []
        changed: list[Contact] = []
        added: list[Contact] = []
        for cid, existed in account.touched_contacts().items():
            contact = account.contacts.get(cid)
            if contact is None:
                if existed:
                    gone.append(cid)
            elif existed:
                changed.append(contact)
            else:
                added.append(contact)
        if added:
            self._refuse_taken(account, [c.id for c in added])
        refreshed = gone + [c.id for c in changed]
        for batch in chunks(refreshed):
            self._conn.execute(_DEL_ALTERNATES, self._p(ids=batch))
            self._conn.execute(_DEL_EXTERNAL, self._p(kind="contact", ids=batch))
        for batch in chunks(gone):
            self._conn.execute(_DEL_CONTACTS, self._p(account_id=account.id, ids=batch))
        if changed:
            args = [_update_args(rows.contact_row(tenant, c)) for c in changed]
            result = self._conn.exec_driver_sql(st.update_contact, args)
            if result.rowcount != len(changed):  # events said stored, the table disagrees
                here = self.owners_of([c.id for c in changed])
                missing = [c for c in changed if c.id not in here]
                self._refuse_taken(account, [c.id for c in missing])
                added.extend(missing)
        self._many(st.insert_contact, [rows.contact_row(tenant, c) for c in added])
        self._write_side_rows(account, changed + added)
        if account.account_fields_changed:
            self._conn.execute(_DEL_EXTERNAL, self._p(kind="account", ids=[account.id]))
            self._many(
                st.insert_external,
                rows.external_id_rows(tenant, "account", [(account.id, account.external_ids)]),
            )

    def delete(self, account_id: str) -> list[str] | None:
        if not self.exists(account_id):
            return None
        p = self._p(id=account_id)
        ids = list(self._conn.execute(_CONTACT_IDS_OF, p).scalars())
        self._conn.execute(_DEL_ACCOUNT_ALTERNATES, p)
        self._conn.execute(_DEL_ACCOUNT_CONTACT_EXTERNALS, p)
        self._conn.execute(_DEL_ACCOUNT_CONTACTS, p)
        self._conn.execute(_DEL_EXTERNAL, self._p(kind="account", ids=[account_id]))
        self._conn.execute(_DEL_ACCOUNT, p)
        return ids

    # -------------------------------------------------------------- queries

    def _candidates(self, query: ContactQuery) -> Any:
        """The statement (or the ids) for the most selective indexed criterion, or ``None``."""
        if query.email is not None:
            return _FIND_BY_EMAIL, {"v": query.email}
        if query.phone is not None:
            return _FIND_BY_PHONE, {"v": query.phone}
        if query.name is not None:
            return self._name_candidates(query.name)
        if query.account_id is not None:
            return _CONTACTS_OF, {"account_id": query.account_id}
        return None

    def _name_candidates(self, key: str) -> list[str]:
        """Ids whose last, first or full name key is ``key``, or whose first and last
        name keys make it in either order (a split of ``key`` at a space)."""
        ids: set[str] = set()
        ids.update(self._conn.execute(_IDS_BY_NAME_KEY, self._p(v=key)).scalars())
        splits = [(key[:i], key[i + 1 :]) for i, ch in enumerate(key) if ch == " "]
        for batch in _batches(splits, 200):
            for pair in (
                sa.tuple_(C.c.first_key, C.c.last_key),
                sa.tuple_(C.c.last_key, C.c.first_key),
            ):
                stmt = select(C.c.id).where(C.c.tenant == self._tenant, pair.in_(batch))
                ids.update(self._conn.execute(stmt).scalars())
        return sorted(ids)

    def find_contacts(self, query: ContactQuery) -> list[Contact]:
        candidates = self._candidates(query)
        if candidates is not None:
            # Index-driven: fetch the few candidates by id, then filter and sort
            # them here with the reference semantics (the planner would
            # otherwise walk a name index to save the sort).
            if isinstance(candidates, list):
                found_rows = self._chunked(_CONTACTS_BY_IDS, candidates)
            else:
                stmt, params = candidates
                found_rows = self._fetch(stmt, **params)
            found = sort_contacts(
                c for c in map(rows.contact_from_row, found_rows) if query.matches(c)
            )
            return found if query.limit is None else found[: query.limit]
        where: list[Any] = [C.c.tenant == self._tenant]
        if query.title is not None:
            where.append(C.c.title_key == query.title)
        if query.department is not None:
            where.append(C.c.department_key == query.department)
        if query.active is not None:
            where.append(C.c.active == query.active)
        stmt = select(*_CONTACT_COLS).where(*where).order_by(*_CONTACT_ORDER)
        if query.limit is not None:
            stmt = stmt.limit(query.limit)
        return [rows.contact_from_row(r) for r in self._conn.execute(stmt)]

    def search_contacts(self, needle: str, limit: int) -> list[Contact]:
        stmt = (
            select(*_CONTACT_COLS)
            .where(
                C.c.tenant == self._tenant,
                sa.or_(
                    C.c.full_key.contains(needle, autoescape=True),
                    C.c.email_search.contains(needle, autoescape=True),
                ),
            )
            .order_by(*_CONTACT_ORDER)
            .limit(limit)
        )
        return [rows.contact_from_row(r) for r in self._conn.execute(stmt)]

    def list(
        self,
        order_by: AccountOrder,
        descending: bool,
        offset: int,
        limit: int | None,
        parent_id: str | None,
    ) -> list[Account]:
        order = _ACCOUNT_ORDERS[order_by]
        stmt = select(*_ACCOUNT_COLS).where(A.c.tenant == self._tenant)
        if parent_id is not None:
            stmt = stmt.where(A.c.parent_id == parent_id)
        stmt = stmt.order_by(*(c.desc() if descending else c for c in order))
        stmt = _paged(stmt, offset, limit)
        return self._assemble(list(self._conn.execute(stmt)))

    def count(self) -> int:
        return int(self._conn.execute(_COUNT_ACCOUNTS, self._p()).scalar_one())

    def count_contacts(self) -> int:
        return int(self._conn.execute(_COUNT_CONTACTS, self._p()).scalar_one())

    def by_external_id(self, system: str, value: str) -> Account | None:
        owner = self._external("account", system, value)
        return self.load(owner) if owner is not None else None

    def contact_by_external_id(self, system: str, value: str) -> Contact | None:
        owner = self._external("contact", system, value)
        if owner is None:
            return None
        found = self.load_contacts([owner])
        return found[0] if found else None


def _page(items: list[T], offset: int, limit: int | None) -> list[T]:
    return items[offset : None if limit is None else offset + limit]


@_translated
class SqlOpportunities(_Part):
    def _with_roles(self, opp_rows: list[Any]) -> list[Opportunity]:
        roles: dict[str, list[tuple[str, str | None, bool]]] = {r[0]: [] for r in opp_rows}
        for row in self._chunked(_ROLES_OF, list(roles)):
            roles[row[0]].append((row[1], row[2], row[3]))
        return [rows.opportunity_from_rows(r, roles[r[0]]) for r in opp_rows]

    def insert(self, opportunity: Opportunity) -> None:
        if self._conn.execute(_OPP_VERSION, self._p(id=opportunity.id)).first() is not None:
            raise _duplicate(f"an opportunity with id {opportunity.id} exists", opportunity.id)
        st = self._s.statements
        self._conn.exec_driver_sql(
            st.insert_opportunity, rows.opportunity_row(self._tenant, opportunity, 1)
        )
        self._write_children(opportunity)

    def _write_children(self, opp: Opportunity) -> None:
        st = self._s.statements
        self._many(st.insert_role, rows.role_rows(self._tenant, opp))
        self._many(
            st.insert_external,
            rows.external_id_rows(self._tenant, "opportunity", [(opp.id, opp.external_ids)]),
        )

    def _clear_children(self, opp_id: str) -> None:
        self._conn.execute(_DEL_ROLES, self._p(id=opp_id))
        self._conn.execute(_DEL_EXTERNAL, self._p(kind="opportunity", ids=[opp_id]))

    def load(self, opportunity_id: str) -> Opportunity | None:
        row = self._conn.execute(_OPP_BY_ID, self._p(id=opportunity_id)).first()
        return self._with_roles([row])[0] if row is not None else None

    def update(self, opportunity: Opportunity) -> None:
        version = opportunity.version
        row = rows.opportunity_row(self._tenant, opportunity, version + 1)
        done = self._conn.exec_driver_sql(
            self._s.statements.update_opportunity, _update_args(row, version, opportunity)
        )
        if done.rowcount != 1:
            raise self._stale("Opportunity", _OPP_VERSION, opportunity)
        self._clear_children(opportunity.id)
        self._write_children(opportunity)

    def delete(self, opportunity_id: str) -> bool:
        self._clear_children(opportunity_id)
        return bool(self._conn.execute(_DEL_OPP, self._p(id=opportunity_id)).rowcount)

    def list(
        self,
        account_id: str | None,
        contact_ids: Collection[str] | None,
        open_only: bool,
        offset: int,
        limit: int | None,
    ) -> list[Opportunity]:
        if contact_ids is not None:
            ids = {r[0] for r in self._chunked(_OPPS_OF_CONTACTS, list(contact_ids))}
            found = [
                o
                for o in self._with_roles(self._chunked(_OPPS_BY_IDS, list(ids)))
                if (account_id is None or o.account_id == account_id)
                and not (open_only and o.is_closed)
            ]
            return _page(sorted(found, key=opportunity_order_key), offset, limit)
        stmt = select(*_OPP_COLS).where(O.c.tenant == self._tenant)
        if account_id is not None:
            stmt = stmt.where(O.c.account_id == account_id)
        if open_only:
            stmt = stmt.where(O.c.is_closed == false())
        stmt = stmt.order_by(O.c.close_date.is_(None), O.c.close_date, O.c.name_key, O.c.id)
        stmt = _paged(stmt, offset, limit)
        return self._with_roles(list(self._conn.execute(stmt)))

    def count(self) -> int:
        return int(self._conn.execute(_COUNT_OPPS, self._p()).scalar_one())

    def by_external_id(self, system: str, value: str) -> Opportunity | None:
        owner = self._external("opportunity", system, value)
        return self.load(owner) if owner is not None else None


@_translated
class SqlCases(_Part):
    def insert(self, case: Case) -> None:
        if self._conn.execute(_CASE_VERSION, self._p(id=case.id)).first() is not None:
            raise _duplicate(f"a case with id {case.id} exists", case.id)
        self._conn.exec_driver_sql(
            self._s.statements.insert_case, rows.case_row(self._tenant, case, 1)
        )
        self._write_externals(case)

    def _write_externals(self, case: Case) -> None:
        self._many(
            self._s.statements.insert_external,
            rows.external_id_rows(self._tenant, "case", [(case.id, case.external_ids)]),
        )

    def load(self, case_id: str) -> Case | None:
        row = self._conn.execute(_CASE_BY_ID, self._p(id=case_id)).first()
        return rows.case_from_row(row) if row is not None else None

    def update(self, case: Case) -> None:
        version = case.version
        row = rows.case_row(self._tenant, case, version + 1)
        done = self._conn.exec_driver_sql(
            self._s.statements.update_case, _update_args(row, version, case)
        )
        if done.rowcount != 1:
            raise self._stale("Case", _CASE_VERSION, case)
        self._conn.execute(_DEL_EXTERNAL, self._p(kind="case", ids=[case.id]))
        self._write_externals(case)

    def delete(self, case_id: str) -> bool:
        self._conn.execute(_DEL_EXTERNAL, self._p(kind="case", ids=[case_id]))
        return bool(self._conn.execute(_DEL_CASE, self._p(id=case_id)).rowcount)

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
                for c in map(
                    rows.case_from_row, self._chunked(_CASES_OF_CONTACTS, list(contact_ids))
                )
                if (account_id is None or c.account_id == account_id)
                and not (open_only and c.is_closed)
            ]
            return _page(sorted(found, key=case_order_key), offset, limit)
        stmt = select(*_CASE_COLS).where(K.c.tenant == self._tenant)
        if account_id is not None:
            stmt = stmt.where(K.c.account_id == account_id)
        if open_only:
            stmt = stmt.where(K.c.is_closed == false())
        stmt = stmt.order_by(K.c.opened_at.desc(), K.c.id)
        stmt = _paged(stmt, offset, limit)
        return [rows.case_from_row(r) for r in self._conn.execute(stmt)]

    def count(self) -> int:
        return int(self._conn.execute(_COUNT_CASES, self._p()).scalar_one())

    def by_external_id(self, system: str, value: str) -> Case | None:
        owner = self._external("case", system, value)
        return self.load(owner) if owner is not None else None


@_translated
class SqlRelations(_Part):
    def insert(self, relation: AccountContactRelation) -> None:
        if self._conn.execute(_REL_VERSION, self._p(id=relation.id)).first() is not None:
            raise _duplicate(f"a relation with id {relation.id} exists", relation.id)
        self._conn.exec_driver_sql(
            self._s.statements.insert_relation, rows.relation_row(self._tenant, relation, 1)
        )

    def load(self, relation_id: str) -> AccountContactRelation | None:
        row = self._conn.execute(_REL_BY_ID, self._p(id=relation_id)).first()
        return rows.relation_from_row(row) if row is not None else None

    def update(self, relation: AccountContactRelation) -> None:
        version = relation.version
        row = rows.relation_row(self._tenant, relation, version + 1)
        done = self._conn.exec_driver_sql(
            self._s.statements.update_relation, _update_args(row, version, relation)
        )
        if done.rowcount != 1:
            raise self._stale("AccountContactRelation", _REL_VERSION, relation)

    def delete(self, relation_id: str) -> bool:
        return bool(self._conn.execute(_DEL_REL, self._p(id=relation_id)).rowcount)

    def list(
        self, account_id: str | None, contact_ids: Collection[str] | None
    ) -> list[AccountContactRelation]:
        if contact_ids is not None:
            found = [
                r
                for r in map(
                    rows.relation_from_row, self._chunked(_RELS_OF_CONTACTS, list(contact_ids))
                )
                if account_id is None or r.account_id == account_id
            ]
            return sorted(found, key=relation_order_key)
        stmt = select(*_REL_COLS).where(R.c.tenant == self._tenant)
        if account_id is not None:
            stmt = stmt.where(R.c.account_id == account_id)
        stmt = stmt.order_by(R.c.start_date.is_not(None), R.c.start_date, R.c.id)
        return [rows.relation_from_row(r) for r in self._conn.execute(stmt)]

    def count(self) -> int:
        return int(self._conn.execute(_COUNT_RELS, self._p()).scalar_one())


# ------------------------------------------------------------------ session


class _SqlSavepoint:
    def __init__(self, session: SqlSession) -> None:
        self._nested = session.conn.begin_nested()

    @_translate
    def release(self) -> None:
        self._nested.commit()

    @_translate
    def rollback(self) -> None:
        self._nested.rollback()


class SqlSession:
    """One transaction on one pooled connection."""

    def __init__(self, backend: SqlBackend, write: bool) -> None:
        self.tenant = backend.tenant
        self.statements = backend.statements
        self.snapshot = backend.dialect == "sqlite"
        self._backend = backend
        try:
            conn = backend.engine.connect()
            if backend.dialect == "sqlite":
                conn = conn.execution_options(
                    contactgraph_begin="BEGIN IMMEDIATE" if write else "BEGIN"
                )
            self.conn = conn
            self._tx = conn.begin()
        except SQLAlchemyError as exc:
            raise _as_unavailable(exc, backend.url) from exc
        self.accounts = SqlAccounts(self)
        self.opportunities = SqlOpportunities(self)
        self.cases = SqlCases(self)
        self.relations = SqlRelations(self)

    def savepoint(self) -> _SqlSavepoint:
        return _SqlSavepoint(self)

    def commit(self) -> None:
        try:
            self._tx.commit()
        except SQLAlchemyError as exc:
            raise _as_unavailable(exc, self._backend.url) from exc
        finally:
            self._close()

    def rollback(self) -> None:
        try:
            if self._tx.is_active:
                self._tx.rollback()
        except SQLAlchemyError:
            pass  # the connection is discarded below; the server rolls back
        finally:
            self._close()

    def _close(self) -> None:
        self.conn.close()


def _as_unavailable(exc: SQLAlchemyError, url: str) -> StoreUnavailableError:
    if isinstance(exc, DBAPIError):
        return StoreUnavailableError(f"{url}: {_driver_message(exc)}")
    return StoreUnavailableError(f"{url}: {exc}")


# ------------------------------------------------------------------ backend


class SqlBackend:
    """An SQLAlchemy engine seen as one tenant."""

    def __init__(
        self,
        engine: Engine,
        *,
        tenant: str,
        url: str,
        scratch: Path | None = None,
        owns_engine: bool = True,
    ) -> None:
        self.engine = engine
        self.tenant = tenant
        self.url = url
        self.dialect = engine.dialect.name
        self.statements = _Statements(self.dialect)
        self._scratch = scratch
        self._owns_engine = owns_engine

    def session(self, *, write: bool) -> SqlSession:
        return SqlSession(self, write)

    def for_tenant(self, tenant: str) -> SqlBackend:
        return SqlBackend(self.engine, tenant=tenant, url=self.url, owns_engine=False)

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()
            if self._scratch is not None:
                shutil.rmtree(self._scratch, ignore_errors=True)


# ---------------------------------------------------------------- opening


def _sqlite_engine(url: sa.URL, shown: str) -> tuple[Engine, Path | None]:
    """The engine, and the temporary directory to delete on close for ``sqlite://``."""
    database = url.database or ""
    scratch = None
    if database in ("", ":memory:"):
        # A throwaway file rather than :memory:, so that threads get separate
        # connections and WAL snapshots exactly as with a real file.
        scratch = Path(tempfile.mkdtemp(prefix="contactgraph-"))
        url = url.set(database=str(scratch / "crm.db"))
    else:
        path = Path(database).expanduser()
        if path.is_dir():
            raise StoreConfigurationError(
                f"{shown}: {path} is a directory; give a file path such as sqlite:///{path / 'crm.db'}"
            )
        parent = path.absolute().parent
        if not parent.is_dir():
            raise StoreConfigurationError(
                f"{shown}: the directory {parent} does not exist; create it or fix the path "
                "(sqlite:///relative/path.db, sqlite:////absolute/path.db)"
            )
        if path.exists() and not os.access(path, os.R_OK | os.W_OK):
            raise StoreUnavailableError(f"{shown}: no permission to read and write {path}")
        if not path.exists() and not os.access(parent, os.W_OK):
            raise StoreUnavailableError(f"{shown}: no permission to create a file in {parent}")
    engine = sa.create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S},
        pool_size=8,
        max_overflow=24,
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Straight to the driver: this runs on every transaction, reads included.
        begin = conn.get_execution_options().get("contactgraph_begin", "BEGIN")
        conn.connection.driver_connection.execute(begin)  # type: ignore[union-attr]

    return engine, scratch


def _postgres_engine(url: sa.URL, shown: str) -> Engine:
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise StoreConfigurationError(
            f"{shown}: PostgreSQL needs psycopg 3; install it with "
            "pip install 'contactgraph[postgres]'"
        ) from exc
    return sa.create_engine(
        url.set(drivername="postgresql+psycopg"),
        pool_pre_ping=True,
        pool_size=8,
        max_overflow=24,
        connect_args={"connect_timeout": 10},
    )


def _ensure_schema(conn: Connection, shown: str) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7272002)")
    present = set(sa.inspect(conn).get_table_names())
    ours = {t.name for t in schema.metadata.sorted_tables}
    if "meta" not in present:
        if present & ours:
            raise SchemaVersionError(
                f"{shown} holds tables named like contactgraph's ({sorted(present & ours)}) but "
                "no meta table: it is not a contactgraph store, or it is damaged"
            )
        schema.metadata.create_all(conn)
        conn.execute(
            sa.insert(schema.meta),
            {"tenant": "", "key": "schema_version", "value": str(schema.SCHEMA_VERSION)},
        )
        return
    value = conn.execute(
        select(schema.meta.c.value).where(
            schema.meta.c.tenant == "", schema.meta.c.key == "schema_version"
        )
    ).scalar()
    if value is None or not str(value).isdigit():
        raise SchemaVersionError(
            f"{shown}: the schema version is missing or unreadable ({value!r})"
        )
    version = int(value)
    if version > schema.SCHEMA_VERSION:
        raise SchemaVersionError(
            f"{shown} was written by a newer contactgraph (schema version {version}); this "
            f"version reads schema version {schema.SCHEMA_VERSION} and older: upgrade "
            "contactgraph to open it"
        )
    if version < schema.SCHEMA_VERSION:  # pragma: no cover - no older version exists yet
        raise SchemaVersionError(f"{shown}: schema version {version} has no migration")


def _discard(engine: Engine, scratch: Path | None) -> None:
    engine.dispose()
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)


def open_sql_backend(url: str, *, tenant: str) -> SqlBackend:
    """Open (and create on first use) an SQLite or PostgreSQL store."""
    try:
        parsed = sa.make_url(url)
    except ArgumentError as exc:
        raise StoreConfigurationError(f"{url!r} is not a valid database URL: {exc}") from exc
    shown = parsed.render_as_string(hide_password=True)
    driver = parsed.drivername
    scratch = None
    if driver in ("sqlite", "sqlite+pysqlite"):
        engine, scratch = _sqlite_engine(parsed, shown)
    elif driver in ("postgresql", "postgres", "postgresql+psycopg"):
        engine = _postgres_engine(parsed, shown)
    elif driver.startswith(("postgresql+", "postgres+")):
        raise StoreConfigurationError(
            f"{shown}: driver {driver.split('+', 1)[1]!r} is not supported; use "
            "postgresql+psycopg:// (psycopg 3)"
        )
    else:
        raise StoreConfigurationError(
            f"{shown}: unsupported SQL URL; use sqlite:///path/crm.db or "
            "postgresql+psycopg://user@host/db"
        )
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                conn.execution_options(contactgraph_begin="BEGIN IMMEDIATE")
            with conn.begin():
                _ensure_schema(conn, shown)
    except ContactGraphError:
        _discard(engine, scratch)
        raise
    except DBAPIError as exc:
        _discard(engine, scratch)
        text = str(exc.orig)
        if "file is not a database" in text:
            raise StoreConfigurationError(f"{shown}: the file is not an SQLite database") from exc
        hint = (
            "check that the server runs and accepts connections at this address, and that "
            "the user, password and database in the URL exist"
            if engine.dialect.name == "postgresql"
            else "check the path and its permissions"
        )
        raise StoreUnavailableError(f"cannot open {shown}: {text.strip()}; {hint}") from exc
    except SQLAlchemyError as exc:
        _discard(engine, scratch)
        raise StoreUnavailableError(f"cannot open {shown}: {exc}") from exc
    return SqlBackend(engine, tenant=tenant, url=shown, scratch=scratch)
