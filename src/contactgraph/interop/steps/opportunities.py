"""Opportunities, and the contact roles that hang off them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from contactgraph.domain import Opportunity, Stage
from contactgraph.interop.context import ImportContext, merge_extra
from contactgraph.interop.mapping import CONTACT_ROLE, OPPORTUNITY, Mapped, map_record
from contactgraph.interop.records import Refused, SourceRecord

__all__ = ["import_contact_roles", "import_opportunities"]

KIND = "Opportunity"
ROLE = "OpportunityContactRole"


def import_opportunities(ctx: ImportContext, records: Iterable[SourceRecord]) -> None:
    """Create or update each opportunity under its account."""
    ctx.each(records, lambda rec: _one(ctx, rec))


def _one(ctx: ImportContext, rec: SourceRecord) -> None:
    mapped = map_record(OPPORTUNITY, rec.fields)
    with ctx.guard(rec, KIND) as attempt:
        ctx.refuse_problems(mapped)
        ctx.refuse_repeat(KIND, rec, mapped)
        raw = mapped.refs.get("AccountId", "")
        if not raw:
            raise Refused("AccountId", "an opportunity needs an account")
        account_id = ctx.index.resolve("Account", raw, "AccountId")
        existing_id = ctx.index.find_existing(KIND, rec, mapped)
        current = ctx.store.opportunities.get(existing_id) if existing_id else None
        fields = _values(ctx, rec, mapped, current)
        fields["account_id"] = account_id
        for field, note in mapped.notes:
            ctx.warn(rec, field, note)
        if current is None:
            name = fields.pop("name", None)
            opp = Opportunity.create(name, fields.pop("account_id"), id=mapped.our_id, **fields)
            opp = ctx.store.opportunities.add(_own_date(mapped, opp))
            status = "created"
        else:
            updated = _own_date(mapped, current.update(**fields))
            status = "unchanged" if updated is current else "updated"
            opp = ctx.store.opportunities.save(updated) if updated is not current else current
    if attempt.failed:
        return
    ctx.index.remember(KIND, rec, mapped, opp.id)
    ctx.ok(rec, KIND, opp.id, status)


def _own_date(mapped: Mapped, opp: Opportunity) -> Opportunity:
    """The opportunity created when the source says it was (``CreatedDate``)."""
    created = mapped.values.get("created_at")
    if created is None or created == opp.created_at:
        return opp
    return attrs.evolve(opp, created_at=created)


def _values(
    ctx: ImportContext, rec: SourceRecord, mapped: Mapped, current: Opportunity | None
) -> dict[str, Any]:
    v = mapped.values
    stage = ctx.picklist(
        rec,
        mapped,
        key="stage",
        api="StageName",
        parse=Stage.parse,
        default=current.stage if current else Stage.PROSPECTING,
    )
    fields: dict[str, Any] = {
        "stage": stage,
        "external_ids": ctx.index.stored_external_ids(rec, mapped, current),
        "extra": merge_extra(current.extra if current else None, mapped),
    }
    for key in ("name", "close_date", "description"):
        if key in v:
            fields[key] = v[key]
    if "amount" in v or "currency" in v:
        amount = v.get("amount", current.amount.amount if current and current.amount else None)
        fields["amount"] = amount
        fields["currency"] = v.get("currency") or (
            current.amount.currency if current and current.amount else ctx.options.default_currency
        )
        if amount is None:
            fields.pop("currency")
    return fields


def import_contact_roles(ctx: ImportContext, records: Iterable[SourceRecord]) -> None:
    """Add each contact role to its opportunity (a role already there is unchanged)."""
    ctx.each(records, lambda rec: _role(ctx, rec))


def _role(ctx: ImportContext, rec: SourceRecord) -> None:
    mapped = map_record(CONTACT_ROLE, rec.fields)
    with ctx.guard(rec, ROLE):
        ctx.refuse_problems(mapped)
        opp_raw = mapped.refs.get("OpportunityId", "")
        contact_raw = mapped.refs.get("ContactId", "")
        if not opp_raw or not contact_raw:
            raise Refused(
                "OpportunityId" if not opp_raw else "ContactId",
                "a contact role needs an opportunity and a contact",
            )
        opp_id = ctx.index.resolve(KIND, opp_raw, "OpportunityId")
        contact_id = ctx.index.resolve("Contact", contact_raw, "ContactId")
        opp = ctx.store.opportunities.get(opp_id)
        primary = bool(mapped.values.get("is_primary"))
        updated = opp.add_contact_role(contact_id, mapped.values.get("role"), primary=primary)
        if updated is not opp:
            ctx.store.opportunities.save(updated)
        ctx.ok(rec, ROLE, opp_id, "unchanged" if updated is opp else "created")
