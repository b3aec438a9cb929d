"""Merging accounts into a survivor, and undoing it.

In one transaction: the survivor takes the plan's values (external ids and
custom fields combine); the losers' contacts move to it with their
reports-to links among themselves; their opportunities, cases and relations
and their child accounts name the survivor; an active relation that would
now tie a contact to its own account ends on the day, as
:func:`~contactgraph.graph.moves.move_contact` ends one; the losers are
removed; the merge record keeps their fields and the ids of everything that
moved. The store's commit-time integrity checks run on the result like on
any transaction (a parent chain may not loop, nothing may name a removed
account). Records a move left naming a contact now elsewhere (its case, its
deal role) move with their account and keep naming that contact, as history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import immutables

from contactgraph.domain import Account, AccountContactRelation
from contactgraph.domain.common import utcnow
from contactgraph.errors import InvalidValueError, NotFoundError
from contactgraph.interop.json import structure, unstructure
from contactgraph.merging.contacts import check_ids
from contactgraph.merging.ending import OWN_NOTE, end_relation, reopen_relation
from contactgraph.merging.plan import FieldChoice, MergePlan, Move, choose, three_way
from contactgraph.merging.record import MergeRecord, MergeStore, refuse, run_merge
from contactgraph.repos.merges import StandIn, StoredMerge

__all__ = ["merge_accounts", "plan_accounts", "unmerge_accounts"]

_MANAGED = frozenset({"id", "version", "created_at", "updated_at", "contacts"})
_COMBINED = ("external_ids", "extra")
_LINKS = ("contacts", "opportunities", "cases", "relations", "children")


def fields_of(account: Account) -> dict[str, Any]:
    """The account's own fields in JSON shape, without its contacts (not even read)."""
    bare = attrs.evolve(account, contacts=_NO_CONTACTS, reports_index=_NO_CONTACTS)
    data: dict[str, Any] = unstructure(bare)
    data.pop("contacts", None)
    return data


_NO_CONTACTS: immutables.Map[str, Any] = immutables.Map()


def _typed(account: Account, values: Mapping[str, Any]) -> Account:
    """``account`` updated to ``values`` (JSON shape), through the validated command."""
    now = fields_of(account)
    data = {**now, **values, "contacts": []}
    typed = structure(data, Account, trusted=True)
    changed = {f: getattr(typed, f) for f in values if data[f] != now[f]}
    return account.update(**changed) if changed else account


@attrs.define
class _Prepared:
    plan: MergePlan
    survivor: Account
    losers: list[Account]
    target: dict[str, Any]
    ending: frozenset[str] = frozenset()
    """Active relations that would tie a contact to its own account: they end."""
    named: dict[str, Any] = attrs.Factory(dict)
    """The survivor's cases and roles naming a loser's contact already (a move left them)."""
    stand_ins: tuple[StandIn, ...] = ()
    """None: an account merge keeps every contact."""


def _parent_ok(store: MergeStore, ids: set[str]) -> Any:
    def ok(value: Any) -> bool:
        seen: set[str] = set()
        current = value
        while current is not None and current not in seen:
            if current in ids:
                return False
            seen.add(current)
            found = store.accounts.get_many([current])
            current = found[0].parent_id if found else None
        return True

    return ok


def _prepare(
    store: MergeStore, survivor_id: str, loser_ids: Sequence[str], take: Mapping[str, Any]
) -> _Prepared:
    sid, lids = check_ids(survivor_id, loser_ids, "account")
    ids = [sid, *lids]
    store.lock_accounts(ids)
    found = {a.id: a for a in store.accounts.get_many(ids)}
    for aid in ids:
        if aid not in found:
            raise NotFoundError("Account", aid)
    survivor, losers = found[sid], [found[i] for i in lids]
    plain = {aid: fields_of(found[aid]) for aid in ids}
    if not isinstance(take, Mapping):
        raise InvalidValueError("a mapping of field to id or value", field="take", value=take)
    given: dict[str, Any] = {}
    literal: dict[str, Any] = {}
    for field, wanted in take.items():
        if field not in plain[sid] or field in _MANAGED:
            raise InvalidValueError("not a field a merge can choose", field="take", value=field)
        (given if isinstance(wanted, str) and wanted in ids else literal)[field] = wanted
    if literal:
        checked = fields_of(survivor.update(**literal))  # PolicyViolationError when invalid
        given.update({f: checked[f] for f in literal})
    records = [(aid, plain[aid]) for aid in ids]
    choices: list[FieldChoice] = []
    for field in plain[sid]:
        if field in _MANAGED or field in _COMBINED:
            continue
        ok = _parent_ok(store, set(ids)) if field == "parent_id" else None
        choices.append(choose(field, records, given, eligible=ok))
    for field in _COMBINED:
        merged: dict[str, Any] = {}
        for _, data in reversed(records):
            merged.update(data[field])
        how = "given" if field in given else "combined"
        choices.append(FieldChoice(field, given.get(field, merged), None, how, plain[sid][field]))
    moves: list[Move] = []
    notes: list[str] = []
    moving = {c: a.id for a in losers for c in a.contacts}
    ending: set[str] = set()
    for loser in losers:
        lid = loser.id
        moves.extend(Move("contact", c, lid, sid) for c in loser.contacts)
        for opp in store.opportunities.list(account_id=lid):
            moves.append(Move("opportunity", opp.id, lid, sid))
        for case in store.cases.list(account_id=lid):
            moves.append(Move("case", case.id, lid, sid))
        for rel in store.relations.list(account_id=lid):
            own = rel.contact_id in survivor.contacts or rel.contact_id in moving
            moves.append(Move("relation", rel.id, lid, sid, _own_note(rel, own, ending)))
        for child in store.accounts.children_of(lid):
            if child.id not in ids:
                moves.append(Move("child_account", child.id, lid, sid))
    for rel in store.relations.list(account_id=sid, contact_ids=moving):
        if rel.is_active:  # the survivor's relation to a contact that joins it
            moves.append(
                Move("relation", rel.id, moving[rel.contact_id], sid, _own_note(rel, True, ending))
            )
    named: dict[str, Any] = {"cases": {}, "opportunities": {}}
    for case in store.cases.list(account_id=sid, contact_ids=moving):
        named["cases"][case.id] = case.contact_id
    for opp in store.opportunities.list(account_id=sid, contact_ids=moving):
        named["opportunities"][opp.id] = [c for c in opp.contact_ids if c in moving]
    target = {**plain[sid], **{c.field: c.value for c in choices}}
    plan = MergePlan("accounts", sid, tuple(lids), tuple(choices), tuple(moves), tuple(notes))
    return _Prepared(plan, survivor, losers, target, frozenset(ending), named)


def _own_note(rel: AccountContactRelation, own: bool, ending: set[str]) -> str:
    """The plan's note on a relation the merge turns into one of a contact to its own account;
    an active one is added to ``ending``."""
    if not own:
        return ""
    if rel.is_active:
        ending.add(rel.id)
        return f"ends: {OWN_NOTE}"
    return OWN_NOTE


def plan_accounts(
    store: MergeStore,
    survivor_id: str,
    loser_ids: Sequence[str],
    take: Mapping[str, Any] | None = None,
) -> MergePlan:
    """The plan of an account merge, without writing anything (a dry run)."""
    return _prepare(store, survivor_id, loser_ids, take or {}).plan


def merge_accounts(
    store: MergeStore,
    survivor_id: str,
    loser_ids: Sequence[str],
    take: Mapping[str, Any] | None = None,
    *,
    actor: str | None = None,
) -> MergeRecord:
    """Merge accounts ``loser_ids`` into ``survivor_id`` in one transaction (module docstring).

    Raises:
        NotFoundError: an account does not exist.
        InvalidValueError: bad ids or ``take``, naming the field.
        PolicyViolationError: a chosen value or the result breaks a rule; nothing is written.
    """
    return run_merge("accounts", _prepare, _write, store, (survivor_id, loser_ids, take, actor))


def _write(store: MergeStore, prep: _Prepared) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The account merge's writes; no people, and the body its record keeps."""
    plan, sid = prep.plan, prep.plan.survivor_id
    before = fields_of(prep.survivor)
    survivor = _typed(prep.survivor, {k: v for k, v in prep.target.items() if k not in _MANAGED})
    for loser in prep.losers:
        for contact in loser.contacts.values():
            survivor = survivor.receive_contact(contact, loser.id)
    for loser in prep.losers:
        for contact in loser.contacts.values():
            if contact.reports_to is not None:
                survivor = survivor.revert_contact(attrs.evolve(contact, account_id=sid))
    for loser in prep.losers:
        store.accounts.remove(loser.id)  # its contact rows go before the survivor takes them
    saved = store.accounts.save(survivor)
    links: dict[str, dict[str, Any]] = {k: {} for k in _LINKS}
    day = utcnow().date()
    ended: dict[str, dict[str, Any]] = {}
    for move in plan.moves:
        if move.kind == "opportunity":
            opp = store.opportunities.get(move.record_id)
            store.opportunities.save(opp.update(account_id=sid))
        elif move.kind == "case":
            store.cases.save(store.cases.get(move.record_id).update(account_id=sid))
        elif move.kind == "relation":
            rel = store.relations.get(move.record_id)
            if rel.id in prep.ending:
                rel, ended[rel.id] = end_relation(rel, day)
            if rel.account_id == sid:  # the survivor's own, ended only
                store.relations.save(rel)
                continue
            store.relations.save(attrs.evolve(rel, account_id=sid))
        elif move.kind == "child_account":
            child = store.accounts.get(move.record_id)
            store.accounts.save(child.update(parent_id=sid))
        links[_LINK_OF[move.kind]].setdefault(move.from_id, []).append(move.record_id)
    accounts = {
        "before": before,
        "after": fields_of(saved),
        "losers": {a.id: fields_of(a) for a in prep.losers},
    }
    body = {"plan": plan.to_dict(), "links": {**links, "ended": ended}, "accounts": accounts}
    return (), {**body, "named": prep.named}


_LINK_OF = {
    "contact": "contacts",
    "opportunity": "opportunities",
    "case": "cases",
    "relation": "relations",
    "child_account": "children",
}


def unmerge_accounts(store: MergeStore, stored: StoredMerge, body: dict[str, Any]) -> None:
    """Undo an account merge from its record, inside the caller's transaction.

    The losers come back with their fields; what moved to the survivor goes
    back while it is still there (a contact moved or removed since, an
    opportunity re-filed since, stays as it is now); contacts and records added
    to the survivor since stay with it; survivor fields changed since keep
    their later value (:func:`~contactgraph.merging.plan.three_way`).
    """
    sid, lids = stored.survivor_id, list(stored.loser_ids)
    taken = [a.id for a in store.accounts.get_many(lids)]
    if taken:
        raise refuse(
            "merge.id_taken",
            f"account {taken[0]} exists again: remove it before undoing this merge",
            "loser_ids",
            stored.id,
        )
    store.lock_accounts([sid])
    try:
        survivor = store.accounts.get(sid)
    except NotFoundError:
        raise refuse(
            "merge.survivor_gone",
            f"the survivor {sid} was removed since: nothing to split",
            "survivor_id",
            stored.id,
        ) from None
    links, recorded = body["links"], body["accounts"]
    original = dict(survivor.contacts)
    back: dict[str, Account] = {}
    for lid in lids:
        data = {**recorded["losers"][lid], "version": 0, "contacts": []}
        loser = structure(data, Account, trusted=True)
        for cid in links["contacts"].get(lid, []):
            if cid in survivor.contacts:
                survivor, moved, _cut = survivor.release_contact(cid, lid)
                loser = loser.receive_contact(moved, sid)
        for cid in links["contacts"].get(lid, []):
            manager = original[cid].reports_to if cid in original else None
            if manager is not None and manager in loser.contacts:
                loser = loser.revert_contact(attrs.evolve(original[cid], account_id=lid))
        back[lid] = loser
    _check_no_link_stays(store, stored, back, links, body.get("named"))
    current = fields_of(survivor)
    result = {
        k: three_way(recorded["before"].get(k), recorded["after"].get(k), v)
        for k, v in current.items()
        if k not in _MANAGED
    }
    store.accounts.save(_typed(survivor, result))
    for loser in back.values():
        store.accounts.add(loser)
    for lid in lids:
        for oid in links["opportunities"].get(lid, []):
            opp = _get(store.opportunities.get, oid)
            if opp is not None and opp.account_id == sid:
                store.opportunities.save(opp.update(account_id=lid))
        for kid in links["cases"].get(lid, []):
            case = _get(store.cases.get, kid)
            if case is not None and case.account_id == sid:
                store.cases.save(case.update(account_id=lid))
        for rid in links["relations"].get(lid, []):
            rel = _get(store.relations.get, rid)
            if rel is not None and rel.account_id == sid:
                store.relations.save(attrs.evolve(rel, account_id=lid))
        for cid in links["children"].get(lid, []):
            child = _get(store.accounts.get, cid)
            if child is not None and child.parent_id == sid:
                store.accounts.save(child.update(parent_id=lid))
    for rid, kept in links.get("ended", {}).items():
        rel = _get(store.relations.get, rid)
        if rel is None:
            continue
        found = store.accounts.contacts_by_id([rel.contact_id]).get(rel.contact_id)
        reopened = reopen_relation(rel, kept, None if found is None else found.account_id)
        if reopened is not None:
            store.relations.save(reopened)


def _check_no_link_stays(
    store: MergeStore,
    stored: StoredMerge,
    back: Mapping[str, Account],
    links: Mapping[str, Any],
    named: Mapping[str, Any] | None,
) -> None:
    """Refuse the undo when a contact going back would leave a record of the survivor naming it.

    A later contact merge can re-point the survivor's own cases and roles to a
    contact that came with a loser (``glob-martin`` absorbed ``acme-martin``).
    That later change wins: the record stays with the survivor's account, so
    the contact cannot go back without leaving a case naming a contact of
    another account (never allowed) or a role on another account's deal (only
    when the store allows foreign contact roles). Undo the later merge first,
    or re-assign the record.

    A record of the survivor that named the contact already when the merge
    ran (a move before it left the case or the role there) stays naming it:
    the undo puts back what was there. ``named`` lists them (records written
    before it was kept have none: every such record refuses).
    """
    sid = stored.survivor_id
    home = {cid: lid for lid, loser in back.items() for cid in loser.contacts}
    if not home:
        return
    leaving = {
        rid for kind in ("opportunities", "cases") for ids in links[kind].values() for rid in ids
    }
    before = named or {}
    cases_before = before.get("cases", {})
    roles_before = before.get("opportunities", {})
    found: list[str] = []
    names: set[str] = set()
    for case in store.cases.list(contact_ids=home):
        if case.account_id != sid or case.id in leaving or case.contact_id not in home:
            continue
        if cases_before.get(case.id) != case.contact_id:
            found.append(f"case {case.id} names {case.contact_id}")
            names.add(case.contact_id)
    if not getattr(store, "allow_foreign_contact_roles", False):
        for opp in store.opportunities.list(contact_ids=home):
            if opp.account_id == sid and opp.id not in leaving:
                kept = roles_before.get(opp.id, [])
                theirs = [c for c in opp.contact_ids if c in home and c not in kept]
                if theirs:
                    found.append(f"opportunity {opp.id} names {', '.join(theirs)}")
                    names.update(theirs)
    if found:
        raise refuse(
            "merge.contact_linked",
            f"{', '.join(sorted(names))} would go back to "
            f"{', '.join(sorted({home[c] for c in names}))}, but {'; '.join(found)} of the "
            f"survivor {sid}, which stays with it{_SINCE if named is not None else ''}: "
            "undo the change that made it name them first (a later contact merge, say), "
            "or re-assign it",
            "loser_ids",
            stored.id,
        )


_SINCE = " and named nobody going back when the merge ran"


def _get(fn: Any, record_id: str) -> Any:
    try:
        return fn(record_id)
    except NotFoundError:
        return None
