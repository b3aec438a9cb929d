"""Merging contacts into a survivor, and undoing it.

A merge, in one transaction: the survivor takes the plan's values; the
losers' emails and phones become its alternates (opt-outs and external ids
combine); reports-to links, opportunity roles, cases and relations that named
a loser name the survivor; the losers are removed; a merge record keeps the
losers as they were and every link it moved. Losers in another account than
the survivor's: the survivor's account wins; their reports lose their manager
(a link cannot cross accounts), and their cases follow the person to the
survivor's account. An opportunity of another account keeps its account, so
re-pointing a role to the survivor needs a store opened with
``allow_foreign_contact_roles=True`` (else the merge is refused, nothing written).
After a move: a case or role a loser kept at an account it had left (the
move's history) stays there and names the survivor; the merge notes each
loser, its survivor and its account in the transaction
(:meth:`~contactgraph.repos.integrity.Changes.note_stand_in`), so the
integrity checks accept it, and the undo notes the reverse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from contactgraph.domain import Account, Case, Contact, Opportunity, email_key
from contactgraph.domain.common import utcnow
from contactgraph.domain.fields import parse_contact_fields
from contactgraph.errors import InvalidValueError, NotFoundError, PolicyViolationError
from contactgraph.interop.json import structure, unstructure
from contactgraph.merging.ending import OWN_NOTE, end_relation, reopen_relation
from contactgraph.merging.plan import FieldChoice, MergePlan, Move, choose, dedupe, three_way
from contactgraph.merging.record import MergeRecord, MergeStore, refuse, run_merge
from contactgraph.repos.merges import StandIn, StoredMerge

__all__ = ["merge_contacts", "plan_contacts", "unmerge_contacts"]

MANAGED = frozenset({"id", "account_id", "created_at", "updated_at"})
_COMBINED = ("email_opt_out", "do_not_call", "external_ids", "extra")
_ALTERNATES = ("alternate_emails", "alternate_phones")


def check_ids(survivor_id: object, loser_ids: object, what: str) -> tuple[str, list[str]]:
    """The survivor and losers, checked: text, distinct, at least one loser."""
    if not isinstance(survivor_id, str):
        raise InvalidValueError(f"a {what} id is text", field="survivor_id", value=survivor_id)
    if isinstance(loser_ids, str | bytes) or not isinstance(loser_ids, Sequence):
        raise InvalidValueError("a list of ids", field="loser_ids", value=loser_ids)
    losers = list(loser_ids)
    if not losers:
        raise InvalidValueError("merge at least one record", field="loser_ids", value=losers)
    for item in losers:
        if not isinstance(item, str):
            raise InvalidValueError(f"a {what} id is text", field="loser_ids", value=item)
    if survivor_id in losers or len(set(losers)) != len(losers):
        raise InvalidValueError(
            "the survivor and the losers must all differ", field="loser_ids", value=losers
        )
    return survivor_id, losers


@attrs.define
class _Prepared:
    plan: MergePlan
    survivor: Contact
    losers: list[Contact]
    accounts: dict[str, Account]
    plain: dict[str, dict[str, Any]]
    opportunities: list[Opportunity]
    target: dict[str, Any]

    @property
    def stand_ins(self) -> tuple[StandIn, ...]:
        """Each loser, the survivor, and the account the loser belonged to."""
        return tuple((c.id, self.survivor.id, c.account_id) for c in self.losers)


def _prepare(
    store: MergeStore, survivor_id: str, loser_ids: Sequence[str], take: Mapping[str, Any]
) -> _Prepared:
    sid, lids = check_ids(survivor_id, loser_ids, "contact")
    ids = [sid, *lids]
    found = store.accounts.contacts_by_id(ids)
    for cid in ids:
        if cid not in found:
            raise NotFoundError("Contact", cid)
    survivor, losers = found[sid], [found[i] for i in lids]
    store.lock_accounts({c.account_id for c in found.values()})
    accounts = {a.id: a for a in store.accounts.get_many({c.account_id for c in found.values()})}
    home = accounts[survivor.account_id]
    plain = {cid: unstructure(found[cid]) for cid in ids}
    records = [(cid, plain[cid]) for cid in ids]
    given = _given(take, survivor, home, set(plain[sid]), set(ids))

    def manager_ok(value: Any) -> bool:
        if value not in home.contacts or value in ids:
            return False
        return not {c.id for c in home.reporting_chain(value)} & set(ids)

    choices: list[FieldChoice] = []
    for field in plain[sid]:
        if field in MANAGED or field in _ALTERNATES or field in _COMBINED:
            continue
        ok = manager_ok if field == "reports_to" else None
        choices.append(choose(field, records, given, eligible=ok))
    for field in ("email_opt_out", "do_not_call"):
        value = given.get(field, any(p[field] for p in plain.values()))
        choices.append(_combined(field, value, plain[sid], field in given))
    for field in ("external_ids", "extra"):
        merged: dict[str, Any] = {}
        for _, data in reversed(records):
            merged.update(data[field])
        choices.append(_combined(field, given.get(field, merged), plain[sid], field in given))
    target = {**plain[sid], **{c.field: c.value for c in choices}}
    emails = [e for _, p in records for e in (p["email"], *p["alternate_emails"])]
    phones = [n for _, p in records for n in (p["phone"], p["mobile"], *p["alternate_phones"])]
    alternates = {
        "alternate_emails": dedupe(emails, [target["email"]], key=_mailbox),
        "alternate_phones": dedupe(phones, [target["phone"], target["mobile"]]),
    }
    for field, value in alternates.items():
        choices.append(_combined(field, given.get(field, value), plain[sid], field in given))
        target[field] = choices[-1].value
    moves, notes = _moves(store, survivor, losers, accounts, home)
    opportunities = store.opportunities.list(contact_ids=lids)
    for opp in opportunities:
        for role in opp.contact_roles:
            if role.contact_id in lids:
                note = (
                    "" if opp.account_id == home.id else f"opportunity of account {opp.account_id}"
                )
                moves.append(Move("opportunity_role", opp.id, role.contact_id, sid, note))
    plan = MergePlan("contacts", sid, tuple(lids), tuple(choices), tuple(moves), tuple(notes))
    return _Prepared(plan, survivor, losers, accounts, plain, opportunities, target)


def _mailbox(address: str) -> str:
    """The key two spellings of one mailbox share (``Alice@acme.fr``, ``alice@acme.fr``)."""
    return email_key(address) or address


def _combined(field: str, value: Any, survivor: Mapping[str, Any], given: bool) -> FieldChoice:
    return FieldChoice(field, value, None, "given" if given else "combined", survivor[field])


def _given(
    take: Mapping[str, Any], survivor: Contact, home: Account, fields: set[str], ids: set[str]
) -> dict[str, Any]:
    """The caller's choices: record ids as they are, values validated and in JSON shape."""
    if not isinstance(take, Mapping):
        raise InvalidValueError("a mapping of field to id or value", field="take", value=take)
    out: dict[str, Any] = {}
    literal: dict[str, Any] = {}
    for field, wanted in take.items():
        if field not in fields or field in MANAGED:
            raise InvalidValueError("not a field a merge can choose", field="take", value=field)
        if isinstance(wanted, str) and wanted in ids:
            out[field] = wanted
        else:
            literal[field] = wanted
    if literal:
        values, violations = parse_contact_fields(
            literal, region=home.default_region, current=survivor, entity_id=survivor.id
        )
        if violations:
            raise PolicyViolationError(violations, "merge refused: a chosen value is invalid")
        typed = unstructure(attrs.evolve(survivor, **values))
        out.update({field: typed[field] for field in literal})
    return out


def _moves(
    store: MergeStore,
    survivor: Contact,
    losers: list[Contact],
    accounts: dict[str, Account],
    home: Account,
) -> tuple[list[Move], list[str]]:
    ids = {survivor.id, *(c.id for c in losers)}
    moves: list[Move] = []
    notes: list[str] = []
    for loser in losers:
        account = accounts[loser.account_id]
        same = account.id == home.id
        if not same:
            notes.append(
                f"{loser.id} belongs to account {account.id}; the survivor's account {home.id} wins"
            )
        for report in account.direct_reports(loser.id):
            if report.id not in ids:
                note = "" if same else "cut: the manager would be in another account"
                moves.append(
                    Move("reports_to", report.id, loser.id, survivor.id if same else None, note)
                )
    lids = [c.id for c in losers]
    where = {c.id: c.account_id for c in losers}
    for case in store.cases.list(contact_ids=lids):
        note = ""
        if case.account_id != home.id:
            note = (
                f"stays with account {case.account_id}: {case.contact_id} had left it"
                if _stays(case, where)
                else f"moves to account {home.id}"
            )
        moves.append(Move("case", case.id, case.contact_id or "", survivor.id, note))
    for rel in store.relations.list(contact_ids=lids):
        own = OWN_NOTE if rel.account_id == home.id else ""
        note = f"ends: {own}" if own and rel.is_active else own
        moves.append(Move("relation", rel.id, rel.contact_id, survivor.id, note))
    return moves, notes


def _stays(case: Case, where: Mapping[str, str]) -> bool:
    """Whether a loser's case stays with its account: the loser had left that account
    (a move left the case there, as its history), so the survivor takes its place there."""
    return case.contact_id is not None and where[case.contact_id] != case.account_id


def plan_contacts(
    store: MergeStore,
    survivor_id: str,
    loser_ids: Sequence[str],
    take: Mapping[str, Any] | None = None,
) -> MergePlan:
    """The plan of a contact merge, without writing anything (a dry run)."""
    return _prepare(store, survivor_id, loser_ids, take or {}).plan


def _roles(opp: Opportunity) -> list[dict[str, Any]]:
    roles: list[dict[str, Any]] = unstructure(opp)["contact_roles"]
    return roles


def merge_contacts(
    store: MergeStore,
    survivor_id: str,
    loser_ids: Sequence[str],
    take: Mapping[str, Any] | None = None,
    *,
    actor: str | None = None,
) -> MergeRecord:
    """Merge ``loser_ids`` into ``survivor_id`` in one transaction (see the module docstring).

    Raises:
        NotFoundError: a contact does not exist.
        InvalidValueError: bad ids or ``take``, naming the field.
        PolicyViolationError: a chosen value or the result breaks a rule; nothing is written.
    """
    return run_merge("contacts", _prepare, _write, store, (survivor_id, loser_ids, take, actor))


def _write(store: MergeStore, prep: _Prepared) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The contact merge's writes; the people and the body its record keeps."""
    plan, sid = prep.plan, prep.plan.survivor_id
    accounts = prep.accounts
    home_id = prep.survivor.account_id
    accounts[home_id] = accounts[home_id].revert_contact(
        structure(prep.target, Contact, trusted=True)
    )
    links: dict[str, list[dict[str, Any]]] = {
        "reports": [],
        "opportunities": [],
        "cases": [],
        "relations": [],
    }
    owner = {c.id: c.account_id for c in prep.losers}
    for move in plan.moves:
        if move.kind == "reports_to":
            where = owner[move.from_id]
            accounts[where] = accounts[where].update_contact(move.record_id, reports_to=move.to_id)
            links["reports"].append(
                {"contact_id": move.record_id, "from": move.from_id, "to": move.to_id}
            )
    for loser in prep.losers:
        accounts[loser.account_id] = accounts[loser.account_id].remove_contact(
            loser.id, reassign_reports_to=None
        )
    saved = {a.id: store.accounts.save(a) for a in accounts.values()}
    for opp in prep.opportunities:
        repointed = opp
        for lid in plan.loser_ids:
            repointed = repointed.repoint_contact(lid, sid)
        store.opportunities.save(repointed)
        links["opportunities"].append(
            {"id": opp.id, "before": _roles(opp), "after": _roles(repointed)}
        )
    for case in store.cases.list(contact_ids=plan.loser_ids):
        to = case.account_id if _stays(case, owner) else home_id
        store.cases.save(case.update(contact_id=sid, account_id=to))
        links["cases"].append(
            {
                "id": case.id,
                "contact_id": case.contact_id,
                "account_id": case.account_id,
                "to_account_id": to,
            }
        )
    day = utcnow().date()
    for rel in store.relations.list(contact_ids=plan.loser_ids):
        entry: dict[str, Any] = {"id": rel.id, "contact_id": rel.contact_id}
        moved = attrs.evolve(rel, contact_id=sid)
        if rel.account_id == home_id and rel.is_active:  # the survivor's own account now
            moved, entry["ended"] = end_relation(moved, day)
        store.relations.save(moved)
        links["relations"].append(entry)
    after = unstructure(saved[home_id].contact(sid))
    people: dict[str, Any] = {c.id: {"contact": prep.plain[c.id]} for c in prep.losers}
    people[sid] = {
        "before": prep.plain[sid],
        "after": after,
        "fields": [f.to_dict() for f in plan.fields],
    }
    recorded = plan.to_dict()
    recorded["fields"] = [
        {"field": f.field, "source": f.source, "how": f.how, "changed": f.changed}
        for f in plan.fields
    ]
    return (sid, *plan.loser_ids), {"plan": recorded, "links": links, "people": people}


def unmerge_contacts(
    store: MergeStore, stored: StoredMerge, body: dict[str, Any]
) -> tuple[StandIn, ...]:
    """Undo a contact merge from its record, inside the caller's transaction; returns
    ``(survivor, loser, the loser's account)`` for each loser put back (a case or role
    the loser had kept at an account it had left names it again: history).

    Later changes win: a survivor field changed since the merge keeps its
    value (see :func:`~contactgraph.merging.plan.three_way`); a link
    re-pointed by the merge goes back only while it still names the
    survivor (a case closed since goes back closed; one re-assigned since
    stays where it was put); an opportunity or case removed since is skipped.
    """
    sid, lids = stored.survivor_id, list(stored.loser_ids)
    people = body["people"]
    for pid in (sid, *lids):
        if pid not in stored.people or "forgotten" in people.get(pid, {"forgotten": True}):
            raise refuse(
                "merge.forgotten",
                f"the personal data of {pid} was forgotten: this merge cannot be undone",
                "id",
                stored.id,
            )
    taken = store.accounts.contacts_by_id(lids)
    if taken:
        raise refuse(
            "merge.id_taken",
            f"contact {sorted(taken)[0]} exists again: remove it before undoing this merge",
            "loser_ids",
            stored.id,
        )
    now = store.accounts.contacts_by_id([sid]).get(sid)
    if now is None:
        raise refuse(
            "merge.survivor_gone",
            f"the survivor {sid} was removed since: nothing to split",
            "survivor_id",
            stored.id,
        )
    snaps = {lid: structure(people[lid]["contact"], Contact, trusted=True) for lid in lids}
    wanted = {now.account_id, *(s.account_id for s in snaps.values())}
    store.lock_accounts(wanted)
    accounts = {a.id: a for a in store.accounts.get_many(wanted)}
    for aid in wanted:
        if aid not in accounts:
            raise refuse(
                "merge.account_gone",
                f"account {aid} was removed since the merge: re-create it first",
                "loser_ids",
                stored.id,
            )
    home_id = now.account_id
    for _lid, snap in snaps.items():
        accounts[snap.account_id] = accounts[snap.account_id].receive_contact(
            attrs.evolve(snap, reports_to=None), home_id
        )
    current = unstructure(now)
    before, after = people[sid]["before"], people[sid]["after"]
    result = {
        k: v if k in MANAGED else three_way(before.get(k), after.get(k), v)
        for k, v in current.items()
    }
    if now.reports_to is not None and result["reports_to"] != now.reports_to:
        # Cleared first: every link set below is then one of the final state's, so a
        # transient loop (the survivor back under a report still re-pointed to it) cannot form.
        accounts[home_id] = accounts[home_id].update_contact(sid, reports_to=None)
    owner = {lid: s.account_id for lid, s in snaps.items()}
    for link in body["links"]["reports"]:
        account = accounts[owner[link["from"]]]
        contact = account.contacts.get(link["contact_id"])
        if contact is not None and contact.reports_to == link["to"]:
            accounts[account.id] = account.update_contact(contact.id, reports_to=link["from"])
    for snap in snaps.values():
        account = accounts[snap.account_id]
        manager = snap.reports_to if snap.reports_to in account.contacts else None
        accounts[snap.account_id] = account.revert_contact(attrs.evolve(snap, reports_to=manager))
    home = accounts[home_id]
    if result["reports_to"] not in home.contacts or result["reports_to"] == sid:
        result["reports_to"] = None
    accounts[home_id] = home.revert_contact(structure(result, Contact, trusted=True))
    for account in accounts.values():
        store.accounts.save(account)
    _restore_links(store, sid, body["links"])
    return tuple((sid, lid, snap.account_id) for lid, snap in snaps.items())


def _restore_links(store: MergeStore, sid: str, links: dict[str, Any]) -> None:
    for entry in links["opportunities"]:
        try:
            opp = store.opportunities.get(entry["id"])
        except NotFoundError:
            continue
        store.opportunities.save(_restore_roles(opp, entry["before"], entry["after"]))
    for entry in links["cases"]:
        try:
            case = store.cases.get(entry["id"])
        except NotFoundError:
            continue
        if case.contact_id == sid:
            fields: dict[str, Any] = {"contact_id": entry["contact_id"]}
            home = entry["account_id"]  # unless merged into another account since
            if case.account_id == entry["to_account_id"] and store.accounts.get_many([home]):
                fields["account_id"] = home
            store.cases.save(case.update(**fields))
    for entry in links["relations"]:
        try:
            rel = store.relations.get(entry["id"])
        except NotFoundError:
            continue
        if rel.contact_id == sid:
            back = attrs.evolve(rel, contact_id=entry["contact_id"])
            found = store.accounts.contacts_by_id([back.contact_id]).get(back.contact_id)
            owner = None if found is None else found.account_id
            reopened = reopen_relation(back, entry["ended"], owner) if "ended" in entry else None
            store.relations.save(reopened or back)


def _restore_roles(
    opp: Opportunity, before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> Opportunity:
    """The roles put back three-way, keyed by contact (see :func:`three_way`)."""
    current = _roles(opp)

    def keyed(roles: list[dict[str, Any]]) -> dict[str, Any]:
        return {r["contact_id"]: r for r in roles}

    result = three_way(keyed(before), keyed(after), keyed(current))
    if result == keyed(current):
        return opp
    order = [r["contact_id"] for r in before] + [r["contact_id"] for r in current]
    ordered = [result[c] for c in dict.fromkeys(order) if c in result]
    primaries = [r["contact_id"] for r in ordered if r["is_primary"]]
    keep = next((c for c in primaries if keyed(current).get(c, {}).get("is_primary")), None)
    keep = keep or (primaries[0] if primaries else None)
    for role in current:
        opp = opp.remove_contact_role(role["contact_id"])
    for role in ordered:
        opp = opp.add_contact_role(
            role["contact_id"], role["role"], primary=role["contact_id"] == keep
        )
    return opp
