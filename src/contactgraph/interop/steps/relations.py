"""AccountContactRelation: a contact's tie to an account that is not its own."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from contactgraph.domain import AccountContactRelation
from contactgraph.interop.context import ImportContext
from contactgraph.interop.mapping import RELATION, map_record
from contactgraph.interop.records import Refused, SourceRecord

__all__ = ["import_relations"]

KIND = "AccountContactRelation"


def import_relations(ctx: ImportContext, records: Iterable[SourceRecord]) -> None:
    """Create or update each relation (one per account and contact)."""
    ctx.each(records, lambda rec: _one(ctx, rec))


def _one(ctx: ImportContext, rec: SourceRecord) -> None:
    mapped = map_record(RELATION, rec.fields)
    with ctx.guard(rec, KIND):
        ctx.refuse_problems(mapped)
        account_raw = mapped.refs.get("AccountId", "")
        contact_raw = mapped.refs.get("ContactId", "")
        if not account_raw or not contact_raw:
            raise Refused(
                "AccountId" if not account_raw else "ContactId",
                "a relation needs an account and a contact",
            )
        account_id = ctx.index.resolve("Account", account_raw, "AccountId")
        contact_id = ctx.index.resolve("Contact", contact_raw, "ContactId")
        owner = ctx.store.accounts.account_of(contact_id)
        if owner.id == account_id:
            ctx.warn(
                rec,
                "AccountId",
                "the contact already belongs to this account (Salesforce's direct relation); "
                "nothing to record",
            )
            ctx.ok(rec, KIND, contact_id, "unchanged")
            return
        if mapped.extra:  # a relation has no custom fields: say what is not kept
            ctx.warn(
                rec, None, "not kept (a relation has no custom fields): " + ", ".join(mapped.extra)
            )
        v = mapped.values
        fields: dict[str, Any] = {
            k: v[k] for k in ("roles", "title", "start_date", "end_date") if k in v
        }
        if v.get("is_active") is not None:
            fields["is_active"] = v["is_active"]
        if fields.get("roles") is None:
            fields.pop("roles", None)
        found = ctx.store.relations.list(account_id=account_id, contact_id=contact_id)
        built = AccountContactRelation.create(
            account_id, contact_id, id=mapped.our_id or (found[0].id if found else None), **fields
        )
        if found:
            current = found[0]
            merged = attrs.evolve(built, version=current.version, created_at=current.created_at)
            if merged == current:
                ctx.ok(rec, KIND, current.id, "unchanged")
                return
            rel = ctx.store.relations.save(merged)
            status = "updated"
        else:
            rel = ctx.store.relations.add(built)
            status = "created"
        ctx.ok(rec, KIND, rel.id, status)
