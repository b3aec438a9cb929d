"""Referential integrity across aggregates, checked when a transaction commits.

Each write tells its transaction level what it touched (:class:`Changes`);
just before the outermost commit the unit of work asks
:func:`integrity_violations` about the final state, so the order of the
writes inside a transaction does not matter. The checks read through the
backend's :class:`~contactgraph.repos.backend.Session`, so every backend
keeps the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from contactgraph.domain import AccountContactRelation, Case, DomainEvent, Opportunity
from contactgraph.domain.events import (
    CaseOpened,
    CaseUpdated,
    OpportunityCreated,
    OpportunityUpdated,
)
from contactgraph.errors import Violation
from contactgraph.repos.backend import Session
from contactgraph.repos.protocol import AccountOrder

__all__ = ["Changes", "integrity_violations"]


@attrs.define
class Changes:
    """What one transaction level wrote: its events and what integrity must re-check."""

    events: list[DomainEvent] = attrs.Factory(list)
    opportunities: dict[str, set[str] | None] = attrs.Factory(dict)
    cases: set[str] = attrs.Factory(set)
    relations: set[str] = attrs.Factory(set)
    removed_contacts: dict[str, str] = attrs.Factory(dict)
    removed_accounts: dict[str, list[str]] = attrs.Factory(dict)
    parents: set[str] = attrs.Factory(set)
    """Accounts written with a new parent (the hierarchy is checked from them)."""
    moved_from: dict[str, str] = attrs.Factory(dict)
    """Opportunities and cases written with another account: the account each had before."""
    roles_before: dict[str, frozenset[str]] = attrs.Factory(dict)
    """Opportunities whose roles changed: the contacts they gave roles to before."""
    contacts_before: dict[str, str | None] = attrs.Factory(dict)
    """Cases that named another contact: the contact each named before."""
    stand_ins: dict[tuple[str, str], str] = attrs.Factory(dict)
    """``(contact, the one standing in for it) -> account`` (see :meth:`note_stand_in`)."""

    def note_stand_in(self, contact_id: str, stand_in: str, account_id: str) -> None:
        """``stand_in`` takes ``contact_id``'s place: a merge (a loser and its survivor) or
        its undo (the survivor and a loser). ``account_id`` is the account the loser
        belonged to when merged: a case or role of *another* account that named the
        one may name the other instead (the person had left that account: it is history)."""
        self.stand_ins.setdefault((contact_id, stand_in), account_id)

    def stood_in(self, before: str | None, now: str | None, account_id: str) -> bool:
        """Whether a record of ``account_id`` naming ``before`` may name ``now`` in its place:
        ``now`` stands in for ``before`` (through one merge or several, an undo) and each
        step's person had left ``account_id``."""
        seen = {before}
        todo = [before]
        while todo:
            current = todo.pop()
            for (left, standing), where in self.stand_ins.items():
                if left == current and where != account_id and standing not in seen:
                    if standing == now:
                        return True
                    seen.add(standing)
                    todo.append(standing)
        return False

    def note_opportunity(self, opportunity: Opportunity, *, added: bool) -> None:
        """What integrity re-checks of an opportunity being written (from its pending events):
        every role when it is new, else the roles given since its last save, and, when
        its account changed, that the roles it keeps are not left with its old account."""
        if added:
            self.check_roles(opportunity.id, None)
            return
        before: set[str] | None = None
        for event in opportunity.pending_events:
            if isinstance(event, OpportunityCreated):
                self.check_roles(opportunity.id, None)
                return
            if isinstance(event, OpportunityUpdated):
                for change in event.changes:
                    if change.field == "account_id":
                        self._moved(opportunity.id, change.old)
                    elif change.field == "contact_roles" and before is None:
                        before = {role["contact_id"] for role in change.old}
                        self.roles_before.setdefault(opportunity.id, frozenset(before))
        given = set() if before is None else set(opportunity.contact_ids) - before
        self.check_roles(opportunity.id, given)

    def note_case(self, case: Case, *, added: bool) -> None:
        """What integrity re-checks of a case being written: its contact when the case is
        new or names another contact; when only its account changed, that the contact
        is not left with the old account."""
        if added:
            self.cases.add(case.id)
            return
        for event in case.pending_events:
            if isinstance(event, CaseOpened):
                self.cases.add(case.id)
            elif isinstance(event, CaseUpdated):
                for change in event.changes:
                    if change.field == "contact_id":
                        self.cases.add(case.id)
                        self.contacts_before.setdefault(case.id, change.old)
                    elif change.field == "account_id":
                        self._moved(case.id, change.old)

    def _moved(self, record_id: str, old_account: str) -> None:
        self.moved_from.setdefault(record_id, old_account)  # the first: before the transaction

    def check_roles(self, opportunity_id: str, contact_ids: set[str] | None) -> None:
        if opportunity_id in self.opportunities:
            known = self.opportunities[opportunity_id]
            merged = None if known is None or contact_ids is None else known | contact_ids
            self.opportunities[opportunity_id] = merged
        else:
            self.opportunities[opportunity_id] = contact_ids

    def merge(self, inner: Changes) -> None:
        self.events.extend(inner.events)
        for oid, ids in inner.opportunities.items():
            self.check_roles(oid, ids)
        self.cases |= inner.cases
        self.relations |= inner.relations
        self.removed_contacts.update(inner.removed_contacts)
        self.removed_accounts.update(inner.removed_accounts)
        self.parents |= inner.parents
        for record_id, old in inner.moved_from.items():
            self._moved(record_id, old)
        for opp_id, roles in inner.roles_before.items():
            self.roles_before.setdefault(opp_id, roles)
        for case_id, contact in inner.contacts_before.items():
            self.contacts_before.setdefault(case_id, contact)
        for (contact_id, stand_in), account_id in inner.stand_ins.items():
            self.note_stand_in(contact_id, stand_in, account_id)


def _listing(ids: Iterable[str], limit: int = 5) -> str:
    items = list(ids)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def integrity_violations(
    session: Session, changes: Changes, *, allow_foreign_contact_roles: bool
) -> list[Violation]:
    """Referential integrity across aggregates, on the state a transaction is about to commit.

    * An account may only be removed when no opportunity, case or relation
      refers to it or to one of its contacts (``account.referenced``).
    * A contact may only be removed from its account when it is not the
      primary contact of an open opportunity (``contact.primary_on_open_opportunity``),
      has no open case (``contact.has_open_cases``) and no active relation
      (``contact.has_active_relations``), unless these are reassigned in the
      same transaction. Closed cases, closed opportunities, ended relations
      and non-primary roles keep the id as history.
    * An opportunity, case or relation refers to an account that exists
      (``account_id.unknown``).
    * A new role's contact exists (``contact_roles.unknown_contact``) and,
      unless the store allows foreign contact roles, belongs to the
      opportunity's account (``contact_roles.foreign_contact``).
    * A case's contact, when the case is opened or names another contact,
      is a contact of the case's account (``contact_id.not_of_account``).
    * An opportunity or case moved to another account keeps its contacts
      and may not leave one with the account it leaves (the same two codes);
      a contact it named that had already left (moved, or removed while a
      closed record keeps its id) stays named, as history
      (:meth:`_Written.left_behind`).
    * A role or case that named, before the transaction, a contact that a merge
      in it removed may name the survivor instead (or, on the undo, the loser
      again) when the loser had left the record's account by then: history a
      move left, handed to the same person's surviving record
      (:meth:`Changes.note_stand_in`). Roles and a case's contact are judged
      against what they were before the transaction, so one taken away and
      given back in it is not new.
    * A relation's contact exists (``contact_id.unknown``).
    * An account written with a new parent names an account of the tenant
      (``parent_id.unknown``) and its parent chain never comes back to it
      (``parent_id.cycle``), whatever the order of the writes.

    Contacts that moved to another account still exist: a move is not a removal.

    On a backend whose sessions take row locks (PostgreSQL, where concurrent
    writers run at READ COMMITTED), the accounts these rules read are first
    locked ``FOR SHARE`` in id order, and the hierarchy rules take a
    per-tenant lock: a concurrent transaction that changes one of them
    (removing a contact or an account updates or deletes its row) either
    commits before the checks read, and is seen, or waits until this one has
    committed and then sees its writes in its own checks. SQLite and memory
    run one writer at a time and need none of it.
    """
    written = _Written.load(session, changes)
    if session.row_locks:
        _lock_referenced(session, changes, written)
    out: list[Violation] = []
    _removed_accounts(session, changes, out)
    _removed_contacts(session, changes, out)
    _written_opportunities(session, written, out, allow_foreign_contact_roles)
    _written_cases(session, written, out)
    _written_relations(session, written, out)
    _written_parents(session, changes, out)
    return out


@attrs.frozen
class _Written:
    """The opportunities, cases and relations a transaction wrote, as they now are."""

    opportunities: list[tuple[Opportunity, set[str] | None]]
    cases: list[Case]
    relations: list[AccountContactRelation]
    relinked: set[str] = attrs.field(factory=set)
    """Cases opened or naming another contact: their contact is checked whatever it was."""
    moved_from: dict[str, str] = attrs.field(factory=dict)
    """Records whose account changed: the account each had before the transaction."""
    changes: Changes = attrs.field(factory=Changes)
    """What the transaction noted (the roles and contacts records had before, stand-ins)."""

    def relinked_case(self, case: Case) -> bool:
        """Whether the case is new or names another contact than before the transaction."""
        if case.id not in self.relinked:
            return False
        before = self.changes.contacts_before
        return case.id not in before or before[case.id] != case.contact_id

    def given_roles(self, opp: Opportunity, to_check: set[str] | None) -> list[str]:
        """The contacts the transaction gave a role on ``opp`` (that had none before it)."""
        before = self.changes.roles_before.get(opp.id, frozenset())
        return [c for c in opp.contact_ids if _checked(c, to_check) and c not in before]

    def in_place_of_a_leaver(self, opp: Opportunity, contact_id: str) -> bool:
        """Whether ``contact_id``'s role on ``opp`` stands in for a role the opportunity
        gave before the transaction to someone who had left its account: a merge (the
        loser's role goes to the survivor), or its undo (the loser's role comes back,
        also beside the survivor's own, which a merge had joined with it)."""
        before = self.changes.roles_before.get(opp.id, frozenset())
        return any(self.changes.stood_in(old, contact_id, opp.account_id) for old in sorted(before))

    def left_behind(
        self, session: Session, record_id: str, account_id: str, contact: tuple[str, str | None]
    ) -> str | None:
        """The old account a record moved to ``account_id`` would leave a contact with.

        ``contact`` is the contact's id and the account it belongs to now.

        A record moved to another account (an account merge, its undo, a
        re-filing) keeps naming its contacts. It may not part from a contact
        of the account it leaves, unless that person is related to the account
        it goes to (the ended relation a :func:`move
        <contactgraph.graph.moves.move_contact>` leaves says they were there).
        A contact it named elsewhere already (the history a move leaves: the
        person changed company, the deal and the case stayed) or no longer
        there (removed, kept by a closed record) stays named, as before.
        """
        contact_id, holder = contact
        old = self.moved_from.get(record_id)
        if old is None or old == account_id or holder != old:
            return None
        return None if session.relations.list(account_id, [contact_id]) else old

    @classmethod
    def load(cls, session: Session, changes: Changes) -> _Written:
        opps = []
        for opp_id, to_check in changes.opportunities.items():
            opp = session.opportunities.load(opp_id)
            if opp is not None:
                opps.append((opp, to_check))
        moved = {k: v for k, v in changes.moved_from.items() if k not in changes.opportunities}
        wanted = sorted(changes.cases | moved.keys())
        cases = [c for c in map(session.cases.load, wanted) if c is not None]
        rels = [r for r in map(session.relations.load, sorted(changes.relations)) if r is not None]
        return cls(opps, cases, rels, changes.cases, changes.moved_from, changes)

    def contact_ids(self) -> set[str]:
        """Contacts the written aggregates refer to (whose accounts the checks read)."""
        ids = {
            c
            for o, check in self.opportunities
            for c in o.contact_ids
            if _checked(c, check) or o.id in self.moved_from
        }
        ids.update(c.contact_id for c in self.cases if c.contact_id is not None)
        ids.update(r.contact_id for r in self.relations)
        return ids


def _checked(contact_id: str, to_check: set[str] | None) -> bool:
    return to_check is None or contact_id in to_check


def _lock_referenced(session: Session, changes: Changes, written: _Written) -> None:
    """Share-lock every account the checks read, in id order; the hierarchy per tenant."""
    ids = {o.account_id for o, _ in written.opportunities}
    ids.update(c.account_id for c in written.cases)
    ids.update(r.account_id for r in written.relations)
    ids.update(session.accounts.owners_of(sorted(written.contact_ids())).values())
    if changes.parents:
        session.lock_tenant("hierarchy")
        parents = session.accounts.parents_of(sorted(changes.parents))
        ids.update(p for p in parents.values() if p is not None)
    session.lock_accounts(ids, shared=True)


def _v(out: list[Violation], code: str, message: str, field: str, entity_id: str) -> None:
    out.append(Violation(code, message, field, entity_id, policy="referential_integrity"))


def _removed_accounts(session: Session, changes: Changes, out: list[Violation]) -> None:
    accounts, opps, cases, rels = (
        session.accounts,
        session.opportunities,
        session.cases,
        session.relations,
    )
    for account_id, contact_ids in changes.removed_accounts.items():
        if accounts.exists(account_id):
            continue
        alive = accounts.owners_of(contact_ids)
        gone = [c for c in contact_ids if c not in alive]
        refs: dict[str, set[str]] = {
            "opportunities": {o.id for o in opps.list(account_id, None, False, 0, None)},
            "cases": {c.id for c in cases.list(account_id, None, False, 0, None)},
            "relations": {r.id for r in rels.list(account_id, None)},
        }
        children = accounts.list(AccountOrder.NAME, False, 0, None, account_id)
        if children:
            refs["child accounts"] = {c.id for c in children}
        if gone:
            refs["opportunities"].update(o.id for o in opps.list(None, gone, False, 0, None))
            refs["cases"].update(c.id for c in cases.list(None, gone, False, 0, None))
            refs["relations"].update(r.id for r in rels.list(None, gone))
        said = [f"{len(ids)} {kind} ({_listing(sorted(ids))})" for kind, ids in refs.items() if ids]
        if said:
            _v(
                out,
                "account.referenced",
                f"account {account_id} cannot be removed: {'; '.join(said)} still refer to it "
                "or to its contacts; remove or re-point them in the same transaction",
                "id",
                account_id,
            )


def _removed_contacts(session: Session, changes: Changes, out: list[Violation]) -> None:
    removed = {
        cid: label
        for cid, label in changes.removed_contacts.items()
        if not any(cid in ids for ids in changes.removed_accounts.values())
    }
    if not removed:
        return
    alive = session.accounts.owners_of(list(removed))
    gone = [c for c in removed if c not in alive]
    if not gone:
        return
    gone_set = set(gone)
    for opp in session.opportunities.list(None, gone, True, 0, None):
        primary = opp.primary_contact_id
        if primary is not None and primary in gone_set:
            _v(
                out,
                "contact.primary_on_open_opportunity",
                f"{removed[primary]} cannot be removed: primary contact of open "
                f"opportunity {opp.name!r} ({opp.id}); set another primary contact "
                "in the same transaction",
                "contact_roles",
                primary,
            )
    for case in session.cases.list(None, gone, True, 0, None):
        if case.contact_id is not None:
            _v(
                out,
                "contact.has_open_cases",
                f"{removed[case.contact_id]} cannot be removed: raised open case "
                f"{case.subject!r} ({case.id}); close it or re-point its contact "
                "in the same transaction",
                "contact_id",
                case.contact_id,
            )
    for rel in session.relations.list(None, gone):
        if rel.is_active:
            _v(
                out,
                "contact.has_active_relations",
                f"{removed[rel.contact_id]} cannot be removed: active relation "
                f"{rel.id} to account {rel.account_id}; end or remove it in the "
                "same transaction",
                "contact_id",
                rel.contact_id,
            )


def _written_opportunities(
    session: Session, written: _Written, out: list[Violation], allow_foreign: bool
) -> None:
    accounts = session.accounts
    for opp, to_check in written.opportunities:
        if not accounts.exists(opp.account_id):
            _v(
                out,
                "account_id.unknown",
                f"opportunity {opp.name!r} refers to account {opp.account_id}, which does "
                "not exist",
                "account_id",
                opp.id,
            )
            continue
        ids = written.given_roles(opp, to_check)
        kept = [c for c in opp.contact_ids if c not in ids] if opp.id in written.moved_from else []
        owners = accounts.owners_of([*ids, *kept])
        for cid in [] if allow_foreign else kept:
            left = written.left_behind(session, opp.id, opp.account_id, (cid, owners.get(cid)))
            if left is not None:
                _v(
                    out,
                    "contact_roles.foreign_contact",
                    f"opportunity {opp.name!r} would move to account {opp.account_id} and "
                    f"leave its contact {cid} with account {left}; open the store "
                    "with allow_foreign_contact_roles=True to allow it",
                    "contact_roles",
                    cid,
                )
        for cid in ids:
            holder = owners.get(cid)
            if holder is None:
                _v(
                    out,
                    "contact_roles.unknown_contact",
                    f"opportunity {opp.name!r} gives a role to contact {cid}, which does not exist",
                    "contact_roles",
                    cid,
                )
            elif (
                holder != opp.account_id
                and not allow_foreign
                and not written.in_place_of_a_leaver(opp, cid)
            ):
                _v(
                    out,
                    "contact_roles.foreign_contact",
                    f"contact {cid} belongs to account {holder}, not to the opportunity's "
                    f"account {opp.account_id}; open the store with "
                    "allow_foreign_contact_roles=True to allow it",
                    "contact_roles",
                    cid,
                )


def _written_cases(session: Session, written: _Written, out: list[Violation]) -> None:
    accounts = session.accounts
    for case in written.cases:
        if not accounts.exists(case.account_id):
            _v(
                out,
                "account_id.unknown",
                f"case {case.subject!r} refers to account {case.account_id}, which does not exist",
                "account_id",
                case.id,
            )
        elif case.contact_id is not None:
            holder = accounts.owner_of(case.contact_id)
            if not written.relinked_case(case):
                contact = (case.contact_id, holder)
                left = written.left_behind(session, case.id, case.account_id, contact)
                if left is not None:
                    _v(
                        out,
                        "contact_id.not_of_account",
                        f"case {case.subject!r} would move to account {case.account_id} and "
                        f"leave its contact {case.contact_id} with account {left}",
                        "contact_id",
                        case.id,
                    )
            elif holder != case.account_id and not (
                holder is not None
                and written.changes.stood_in(
                    written.changes.contacts_before.get(case.id), case.contact_id, case.account_id
                )
            ):
                where = "does not exist" if holder is None else f"belongs to account {holder}"
                _v(
                    out,
                    "contact_id.not_of_account",
                    f"case {case.subject!r}: contact {case.contact_id} {where}, not to the "
                    f"case's account {case.account_id}",
                    "contact_id",
                    case.id,
                )


def _written_relations(session: Session, written: _Written, out: list[Violation]) -> None:
    accounts = session.accounts
    for rel in written.relations:
        if not accounts.exists(rel.account_id):
            _v(
                out,
                "account_id.unknown",
                f"relation {rel.id} refers to account {rel.account_id}, which does not exist",
                "account_id",
                rel.id,
            )
        if accounts.owner_of(rel.contact_id) is None:
            _v(
                out,
                "contact_id.unknown",
                f"relation {rel.id} refers to contact {rel.contact_id}, which does not exist",
                "contact_id",
                rel.id,
            )


def _written_parents(session: Session, changes: Changes, out: list[Violation]) -> None:
    if not changes.parents:
        return
    parent = session.accounts.parents_of(sorted(changes.parents))
    todo = {p for p in parent.values() if p is not None and p not in parent}
    while todo:  # read the chains above the written accounts, one query per level
        found = session.accounts.parents_of(sorted(todo))
        parent.update(found)
        todo = {p for p in found.values() if p is not None and p not in parent}
    reported: set[frozenset[str]] = set()
    for account_id in sorted(changes.parents):
        if account_id not in parent:
            continue  # removed later in the same transaction
        first = parent[account_id]
        if first is None:
            continue
        if first not in parent:
            _v(
                out,
                "parent_id.unknown",
                f"account {account_id} names parent account {first}, which does not exist",
                "parent_id",
                account_id,
            )
            continue
        chain = [account_id]
        current: str | None = first
        while current is not None and current in parent and current not in chain:
            chain.append(current)
            current = parent[current]
        if current is None or current not in chain:
            continue
        loop = chain[chain.index(current) :]
        if frozenset(loop) in reported:
            continue
        reported.add(frozenset(loop))
        _v(
            out,
            "parent_id.cycle",
            f"account {account_id}'s parent chain loops: {' -> '.join([*loop, current])}; "
            "an account cannot be its own ancestor",
            "parent_id",
            account_id,
        )
