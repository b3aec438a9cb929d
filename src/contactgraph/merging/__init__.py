"""Merge and unmerge of contacts and of accounts, over the store protocol.

``store.merge_contacts(survivor, losers)``, ``store.merge_accounts(...)``
and ``store.unmerge(merge_id)`` call the functions here; see
``docs/howto/merge.md``. A merge runs in one transaction and leaves a merge
record (:class:`MergeRecord`, kept by ``store.merges``) from which
:func:`unmerge` restores the losers and their links, also after later
changes to the survivor (those stay).
"""

from __future__ import annotations

import json

import attrs

from contactgraph.domain.common import utcnow
from contactgraph.merging.accounts import merge_accounts, plan_accounts, unmerge_accounts
from contactgraph.merging.contacts import merge_contacts, plan_contacts, unmerge_contacts
from contactgraph.merging.plan import FieldChoice, MergePlan, Move, three_way
from contactgraph.merging.record import MergeRecord, MergeStore, refuse
from contactgraph.repos.checks import rearranging
from contactgraph.repos.merges import StandIn

__all__ = [
    "FieldChoice",
    "MergePlan",
    "MergeRecord",
    "MergeStore",
    "Move",
    "merge_accounts",
    "merge_contacts",
    "plan_accounts",
    "plan_contacts",
    "three_way",
    "unmerge",
]


def unmerge(store: MergeStore, merge_id: str) -> MergeRecord:
    """Undo a merge from its record, in one transaction; returns the record, marked undone.

    Raises:
        NotFoundError: no merge has this id.
        PolicyViolationError: the merge was undone already (``merge.undone``), a
            loser's id exists again, the survivor or a loser's account is gone,
            a person's data was forgotten, or a contact going back is named by
            a record staying with the survivor (``merge.contact_linked``);
            nothing is written.
    """
    with store.transaction(), rearranging():  # the contacts going back are not new people
        stored = store.merges.get(merge_id)
        if stored.unmerged_at is not None:
            raise refuse("merge.undone", f"merge {merge_id} was undone already", "id", merge_id)
        body = json.loads(stored.body)
        stand_ins: tuple[StandIn, ...] = ()
        if stored.kind == "contacts":
            stand_ins = unmerge_contacts(store, stored, body)
        else:
            unmerge_accounts(store, stored, body)
        stored = store.merges.save(attrs.evolve(stored, unmerged_at=utcnow()), stand_ins=stand_ins)
    return MergeRecord.of(stored)
