"""Storage of accounts and their contacts: loads, targeted saves, look-ups."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import select

from contactgraph.domain import Account, Contact
from contactgraph.domain.events import ContactEvent, ContactUpdated
from contactgraph.errors import NotFoundError
from contactgraph.repos import rows
from contactgraph.repos.backend import chunks
from contactgraph.repos.keys import (
    ContactQuery,
    SearchNeedle,
    sort_contacts,
)
from contactgraph.repos.protocol import AccountOrder
from contactgraph.repos.schema import accounts as A
from contactgraph.repos.schema import contact_alternates as ALT
from contactgraph.repos.schema import contacts as C
from contactgraph.repos.schema import external_ids as X
from contactgraph.repos.sql import search
from contactgraph.repos.sql import statements as q
from contactgraph.repos.sql.arrays import text_array
from contactgraph.repos.sql.copy import insert_rows
from contactgraph.repos.sql.errors import duplicate, translated
from contactgraph.repos.sql.statements import guarded
from contactgraph.repos.sql.storage import Part, paged

T = TypeVar("T")

_AT_ID = rows.ACCOUNT.at["id"]
_AT_VERSION = rows.ACCOUNT.at["version"]
_AT_CONTACT_ID = rows.CONTACT.at["id"]

_TAKEN_PG = (
    "SELECT new.id, held.account_id FROM unnest(%(ids)s::text[]) AS new(id) "
    "CROSS JOIN LATERAL (SELECT c.account_id FROM contacts c "
    "WHERE c.tenant = %(tenant)s AND c.id = new.id LIMIT 1) AS held"
)
"""The new contact ids a write would take that are held already, and their holders: one
array parameter (written as the array's text, :func:`~contactgraph.repos.sql.arrays.text_array`),
each id looked up through the primary key. (``id = ANY(...)`` let the
planner, whose statistics know nothing of the rows an import is writing, filter every
contact of the tenant instead, once per save.)"""

_TAKEN_SQLITE = (
    "SELECT new.value, c.account_id FROM json_each(:ids) AS new "
    "CROSS JOIN contacts AS c WHERE c.tenant = :tenant AND c.id = new.value"
)
"""The same on SQLite: the ids as one JSON array, each looked up through the primary key
(``CROSS JOIN`` keeps the ids as the outer loop; otherwise the planner walked the tenant)."""


def _only_indexed(query: ContactQuery) -> bool:
    """Whether ``query`` asks for one email or one phone text and nothing else (but a limit)."""
    if query.impossible or not (
        query.phone_also is None
        and query.line is None
        and query.name is None
        and query.title is None
        and query.department is None
        and query.active is None
        and query.account_id is None
    ):
        return False
    return (query.email is None) != (query.phone is None)


def indexed_lookup(query: ContactQuery) -> tuple[Any, str] | None:
    """The statement and key of a look-up one indexed statement answers whole
    (one email or one phone, maybe a limit), else ``None``."""
    if not _only_indexed(query):
        return None
    if query.email is not None:
        return q.FIND_BY_EMAIL, query.email
    return q.FIND_BY_PHONE, str(query.phone)


def found_contacts(found_rows: list[Any], limit: int | None) -> list[Contact]:
    """The contacts of an indexed look-up's rows: each once (a contact found by its
    main value and an alternate comes twice), sorted, at most ``limit``."""
    build = rows.CONTACT.build
    if len(found_rows) < 2:
        found = [build(*r) for r in found_rows]
    else:
        unique = {r[_AT_CONTACT_ID]: r for r in found_rows}.values()
        found = sort_contacts([build(*r) for r in unique])
    return found if limit is None else found[:limit]


_KEYED_FIELDS = frozenset({"alternate_emails", "alternate_phones", "external_ids"})
"""The contact fields stored in rows of their own (``contact_alternates``, ``external_ids``)."""


def keyed_rows_kept(account: Account) -> set[str]:
    """The touched contacts whose alternates and external ids no pending event changed.

    Those whose every event is a :class:`ContactUpdated` naming none of
    :data:`_KEYED_FIELDS` (an import linking a manager changes ``reports_to``
    alone): a save rewrites their contact row, not their alternates' and
    external ids' rows. Any other event (added, moved, removed…) rewrites them.
    """
    kept: set[str] = set()
    rewritten: set[str] = set()
    for event in account.pending_events:
        if not isinstance(event, ContactEvent):
            continue
        cid = event.contact_id
        if isinstance(event, ContactUpdated) and not any(
            c.field in _KEYED_FIELDS for c in event.changes
        ):
            kept.add(cid)
        else:
            rewritten.add(cid)
    return kept - rewritten


def batches(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@translated
class SqlAccounts(Part):
    # ---------------------------------------------------------------- loads

    def _contacts_by_account(self, account_ids: list[str]) -> dict[str, list[Contact]]:
        grouped: dict[str, list[Contact]] = {i: [] for i in account_ids}
        for contact in rows.built(rows.CONTACT, self._chunked(q.CONTACTS_OF_MANY, account_ids)):
            grouped[contact.account_id].append(contact)
        return grouped

    def _assemble(self, account_rows: list[Any]) -> list[Account]:
        """Accounts with their contacts; on PostgreSQL re-read if a version moved meanwhile."""
        for _attempt in range(20):
            ids = [r[_AT_ID] for r in account_rows]
            if not ids:
                return []
            if len(ids) == 1:
                grouped = {
                    ids[0]: rows.built(rows.CONTACT, self._fetch(q.CONTACTS_OF, account_id=ids[0]))
                }
            else:
                grouped = self._contacts_by_account(ids)
            if self._s.snapshot:
                break
            versions = dict(self._chunked(q.ACCOUNT_VERSIONS, ids))
            moved = [r[_AT_ID] for r in account_rows if versions.get(r[_AT_ID]) != r[_AT_VERSION]]
            if not moved:
                break
            account_rows = self._chunked(q.ACCOUNTS_BY_IDS, ids)
        return [rows.ACCOUNT.build(*r, contacts=grouped.get(r[_AT_ID], ())) for r in account_rows]

    def load(self, account_id: str) -> Account | None:
        """The account and its contacts, in one snapshot.

        In a read (or on SQLite) both statements go together: on PostgreSQL in
        one pipeline, and when they are the read's first statements, between
        their own BEGIN and COMMIT in that pipeline (one round trip for the
        whole read; a later statement of the same read sees a snapshot of its
        own, as after a look-up, see :meth:`SqlSession.alone`).
        """
        if self._s.snapshot:
            queries = (
                (q.ACCOUNT_BY_ID, {"id": account_id}),
                (q.CONTACTS_OF, {"account_id": account_id}),
            )
            session = self._s
            fast = [
                (session.statements.precompiled(stmt, session.conn.dialect), p)
                for stmt, p in queries
            ]
            together = session.together_alone(
                lambda driver: [f.send(driver, session.tenant, p) for f, p in fast]
            )
            if together is not None:
                found_rows, contact_rows = (list(c.fetchall()) for c in together)
            else:
                found_rows, contact_rows = self._fetch_together(*queries)
            if not found_rows:
                return None
            contacts = rows.built(rows.CONTACT, contact_rows)
            return rows.ACCOUNT.build(*found_rows[0], contacts=contacts)
        found_rows = self._fetch(q.ACCOUNT_BY_ID, id=account_id)
        if not found_rows:
            return None
        found = self._assemble([found_rows[0]])
        return found[0] if found else None

    def load_many(self, account_ids: Collection[str]) -> list[Account]:
        return self._assemble(self._chunked(q.ACCOUNTS_BY_IDS, list(account_ids)))

    def exists(self, account_id: str) -> bool:
        return bool(self._fetch(q.ACCOUNT_EXISTS, id=account_id))

    def parents_of(self, account_ids: Collection[str]) -> dict[str, str | None]:
        """Account id -> its parent id, for the accounts that exist (no contact is read)."""
        return {r[0]: r[1] for r in self._chunked(q.PARENTS, list(account_ids))}

    def owner_of(self, contact_id: str) -> str | None:
        """The owning account's id; a read's first statement goes out with its BEGIN
        on PostgreSQL (:meth:`SqlSession.first_together`: ``account_of``'s first round trip)."""
        session = self._s
        fast = session.statements.precompiled(q.OWNER, session.conn.dialect)
        found = session.first_together(
            lambda driver: fast.send(driver, session.tenant, {"id": contact_id})
        ).fetchall()
        return str(found[0][0]) if found else None

    def load_owner_of(self, contact_id: str) -> Account | None:
        """The account owning ``contact_id``, with its contacts (``None``: no such contact).

        A read that is this alone goes out on PostgreSQL as one pipeline: BEGIN,
        the owner's row and its contacts' rows (each finding the owner by the
        contact's id, in one snapshot), COMMIT: one round trip, where
        :meth:`owner_of` then :meth:`load` take two. Elsewhere it is those two.
        """
        session = self._s
        if session.snapshot:
            dialect = session.conn.dialect
            params = {"id": contact_id}
            fast = [
                session.statements.precompiled(stmt, dialect)
                for stmt in (q.ACCOUNT_OF_CONTACT, q.CONTACTS_OF_OWNER)
            ]
            together = session.together_alone(
                lambda driver: [f.send(driver, session.tenant, params) for f in fast]
            )
            if together is not None:
                found_rows, contact_rows = (list(c.fetchall()) for c in together)
                if not found_rows:
                    return None
                contacts = rows.built(rows.CONTACT, contact_rows)
                return rows.ACCOUNT.build(*found_rows[0], contacts=contacts)
        owner = self.owner_of(contact_id)
        return None if owner is None else self.load(owner)

    def owners_of(self, contact_ids: Collection[str]) -> dict[str, str]:
        return {r[0]: r[1] for r in self._chunked(q.OWNERS, list(contact_ids))}

    def load_contacts(self, contact_ids: Collection[str]) -> list[Contact]:
        return rows.built(rows.CONTACT, self._chunked(q.CONTACTS_BY_IDS, list(contact_ids)))

    # --------------------------------------------------------------- writes

    def _refuse_taken(self, contact_ids: list[str]) -> None:
        """Refuse, by name, new contact ids another contact of this tenant holds.

        Looked up before anything of the write is written (one statement, the ids
        one parameter, each looked up through the primary key), so a refusal
        needs no savepoint to take the write back (see :meth:`SqlSession.checked_write`).
        """
        if not contact_ids:
            return
        sql, ids = _TAKEN_PG, text_array(contact_ids)
        if self._conn.dialect.name != "postgresql":
            sql, ids = _TAKEN_SQLITE, json.dumps(contact_ids)
        taken = self._conn.exec_driver_sql(sql, {"tenant": self._tenant, "ids": ids}).all()
        if taken:
            cid, holder = sorted(taken)[0]
            raise duplicate(f"contact id {cid} is taken by account {holder}", cid)

    def _write_contacts(self, new_rows: list[tuple[Any, ...]], contacts: list[Contact]) -> None:
        """New contact rows (:func:`~contactgraph.repos.rows.contact_row`'s tuples) in one
        statement (``COPY`` on PostgreSQL, which sends the tuples as they are), then the
        alternates and external ids of ``contacts`` (the new and the changed), one each."""
        st, conn, tenant = self._s.statements, self._conn, self._tenant
        insert_rows(conn, C, st.insert_contact, new_rows)
        self._s.statistics.grew(conn, len(new_rows))
        insert_rows(conn, ALT, st.insert_alternate, rows.alternate_values(tenant, contacts))
        insert_rows(
            conn,
            X,
            st.insert_external,
            rows.external_id_rows(tenant, "contact", ((c.id, c.external_ids) for c in contacts)),
        )

    def insert(self, account: Account) -> None:
        """Store a new account and its contacts: a taken id is refused before any write."""
        with self._s.checked_write() as begin:
            if self.exists(account.id):
                raise duplicate(f"an account with id {account.id} exists", account.id)
            contacts = list(account.contacts.values())
            st, tenant = self._s.statements, self._tenant
            row = rows.account_values(tenant, account, 1)
            new_rows = [rows.contact_row(tenant, c) for c in contacts]
            self._refuse_taken([c.id for c in contacts])
            begin()
            self._conn.exec_driver_sql(st.insert_account, row)
            self._write_contacts(new_rows, contacts)
            self._many(
                st.insert_external,
                rows.external_id_values(tenant, "account", [(account.id, account.external_ids)]),
            )

    def update(self, account: Account) -> None:
        """Store the account's new version and its touched contacts.

        What can refuse the write (a new contact id that is taken, a stale
        version) is checked before anything is written.
        """
        with self._s.checked_write() as begin:
            st, tenant = self._s.statements, self._tenant
            row = guarded(rows.account_values(tenant, account, account.version + 1), account)
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
            self._refuse_taken([c.id for c in added])
            done = self._conn.exec_driver_sql(st.update_account, row)
            if done.rowcount != 1:  # nothing was written: the version moved or the account went
                raise self._stale("Account", q.ACCOUNT_VERSION, account)
            begin()
            self._write_update(account, gone, changed, added)

    def _write_update(
        self, account: Account, gone: list[str], changed: list[Contact], added: list[Contact]
    ) -> None:
        """The contact rows of :meth:`update`, once the account's row is written."""
        st, tenant = self._s.statements, self._tenant
        kept = keyed_rows_kept(account) if changed else set()
        rekeyed = [c for c in changed if c.id not in kept]
        refreshed = gone + [c.id for c in rekeyed]
        for batch in chunks(refreshed):
            self._conn.execute(q.DEL_ALTERNATES, self._p(ids=batch))
            self._conn.execute(q.DEL_EXTERNAL, self._p(kind="contact", ids=batch))
        for batch in chunks(gone):
            self._conn.execute(q.DEL_CONTACTS, self._p(account_id=account.id, ids=batch))
        inserted = added
        if changed:
            args = [rows.contact_values(tenant, c) for c in changed]
            result = self._conn.exec_driver_sql(st.update_contact, args)
            if result.rowcount != len(changed):  # events said stored, the table disagrees
                here = self.owners_of([c.id for c in changed])
                inserted = added + [c for c in changed if c.id not in here]  # held by nobody
                missing = [c.id for c in changed if c.id in kept and c.id not in here]
                for batch in chunks(missing):  # written whole, as the refreshed ones above
                    self._conn.execute(q.DEL_ALTERNATES, self._p(ids=batch))
                    self._conn.execute(q.DEL_EXTERNAL, self._p(kind="contact", ids=batch))
                rekeyed = [c for c in changed if c.id not in kept or c.id not in here]
        contact_row = rows.contact_row
        self._write_contacts([contact_row(tenant, c) for c in inserted], rekeyed + added)
        if account.account_fields_changed:
            self._conn.execute(q.DEL_EXTERNAL, self._p(kind="account", ids=[account.id]))
            self._many(
                st.insert_external,
                rows.external_id_values(tenant, "account", [(account.id, account.external_ids)]),
            )

    def delete(self, account_id: str) -> list[str] | None:
        if not self.exists(account_id):
            return None
        p = self._p(id=account_id)
        ids = list(self._conn.execute(q.CONTACT_IDS_OF, p).scalars())
        self._conn.execute(q.DEL_ACCOUNT_ALTERNATES, p)
        self._conn.execute(q.DEL_ACCOUNT_CONTACT_EXTERNALS, p)
        self._conn.execute(q.DEL_ACCOUNT_CONTACTS, p)
        self._conn.execute(q.DEL_EXTERNAL, self._p(kind="account", ids=[account_id]))
        self._conn.execute(q.DEL_ACCOUNT, p)
        return ids

    # -------------------------------------------------------------- queries

    def _candidates(self, query: ContactQuery) -> Any:
        """The statement (or the ids) for the most selective indexed criterion, or ``None``."""
        if query.email is not None:
            return q.FIND_BY_EMAIL, {"v": query.email}
        if query.phone is not None:
            return q.FIND_BY_PHONE, {"v": query.phone}
        if query.line is not None:
            return q.FIND_BY_LINE, q.line_params(query.line)
        if query.name is not None:
            return self._name_candidates(query.name)
        if query.account_id is not None:
            return q.CONTACTS_OF, {"account_id": query.account_id}
        return None

    def _name_candidates(self, key: str) -> list[str]:
        """Ids whose last, first or full name key is ``key``, or whose first and last
        name keys make it in either order (a split of ``key`` at a space)."""
        ids: set[str] = set()
        ids.update(self._conn.execute(q.IDS_BY_NAME_KEY, self._p(v=key)).scalars())
        splits = [(key[:i], key[i + 1 :]) for i, ch in enumerate(key) if ch == " "]
        for batch in batches(splits, 200):
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
            whole = _only_indexed(query)
            # Index-driven: fetch the few candidates by id, then filter and sort
            # them here with the reference semantics (the planner would
            # otherwise walk a name index to save the sort).
            if isinstance(candidates, list):
                found_rows = self._chunked(q.CONTACTS_BY_IDS, candidates)
            else:
                stmt, params = candidates
                if whole:  # the index answers the whole query
                    return found_contacts(self._fetch_alone(stmt, **params), query.limit)
                found_rows = self._fetch(stmt, **params)
                if stmt is q.FIND_BY_PHONE and query.phone_also is not None:
                    found_rows += self._fetch(stmt, v=query.phone_also)
            at_id, build = _AT_CONTACT_ID, rows.CONTACT.build
            unique = {r[at_id]: r for r in found_rows}.values()
            found = [c for c in (build(*r) for r in unique) if query.matches(c)]
            if len(found) > 1:
                found = sort_contacts(found)
            return found if query.limit is None else found[: query.limit]
        where: list[Any] = [C.c.tenant == self._tenant]
        if query.title is not None:
            where.append(C.c.title_key == query.title)
        if query.department is not None:
            where.append(C.c.department_key == query.department)
        if query.active is not None:
            where.append(C.c.active == query.active)
        stmt = select(*q.CONTACT_COLS).where(*where).order_by(*q.CONTACT_ORDER)
        if query.limit is not None:
            stmt = stmt.limit(query.limit)
        return [rows.CONTACT.build(*r) for r in self._conn.execute(stmt)]

    def search_contacts(
        self, needle: SearchNeedle, limit: int, count_up_to: int
    ) -> tuple[list[Contact], int]:
        """See :mod:`contactgraph.repos.sql.search`."""
        return search.search_contacts(
            self._conn, self._tenant, needle, limit, self.load_contacts, count_up_to=count_up_to
        )

    def search_accounts(
        self, needle: SearchNeedle, limit: int, count_up_to: int
    ) -> tuple[list[Account], int]:
        """See :mod:`contactgraph.repos.sql.search`."""
        return search.search_accounts(
            self._conn, self._tenant, needle, limit, self.load_many, count_up_to=count_up_to
        )

    def by_name_key(self, name_key: str) -> list[Account]:
        ids = self._conn.execute(
            select(A.c.id)
            .where(A.c.tenant == self._tenant, A.c.name_key == name_key)
            .order_by(A.c.id)
        ).scalars()
        return sorted(self.load_many(list(ids)), key=lambda a: a.id)

    def list(
        self,
        order_by: AccountOrder,
        descending: bool,
        offset: int,
        limit: int | None,
        parent_id: str | None,
        *,
        after: str | None = None,
    ) -> list[Account]:
        order = q.ACCOUNT_ORDERS[order_by]
        stmt = select(*q.ACCOUNT_COLS).where(A.c.tenant == self._tenant)
        if parent_id is not None:
            stmt = stmt.where(A.c.parent_id == parent_id)
        if after is not None:
            stmt = stmt.where(self._past(order_by, after, descending))
        stmt = stmt.order_by(*(c.desc() if descending else c for c in order))
        stmt = paged(stmt, offset, limit)
        return self._assemble(list(self._conn.execute(stmt)))

    def _past(self, order_by: AccountOrder, after: str, descending: bool) -> Any:
        """The keyset condition: rows after ``after``'s sort key, read through the index."""
        order = q.ACCOUNT_ORDERS[order_by]
        if order_by is AccountOrder.ID:
            cursor: tuple[Any, ...] = (after,)
        else:
            found = self._conn.execute(
                select(*order).where(A.c.tenant == self._tenant, A.c.id == after)
            ).first()
            if found is None:
                raise NotFoundError("Account", after)
            cursor = tuple(found)
        columns, values = sa.tuple_(*order), sa.tuple_(*(sa.literal(v) for v in cursor))
        return columns < values if descending else columns > values

    def count(self) -> int:
        return int(self._conn.execute(q.COUNT_ACCOUNTS, self._p()).scalar_one())

    def count_contacts(self) -> int:
        return int(self._conn.execute(q.COUNT_CONTACTS, self._p()).scalar_one())

    def by_external_id(self, system: str, value: str) -> Account | None:
        owner = self._external("account", system, value)
        return self.load(owner) if owner is not None else None

    def contact_by_external_id(self, system: str, value: str) -> Contact | None:
        owner = self._external("contact", system, value)
        if owner is None:
            return None
        found = self.load_contacts([owner])
        return found[0] if found else None
