"""The importer: accounts and contacts, then opportunities, contact roles, cases and relations.

:class:`Loader` is what :func:`~contactgraph.interop.import_tree` and
:func:`~contactgraph.interop.import_csv` run; its plumbing is in
:mod:`contactgraph.interop.engine`, accounts and contacts in
:mod:`contactgraph.interop.people`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs

from contactgraph.domain import (
    AccountContactRelation,
    Case,
    CasePriority,
    CaseStatus,
    Opportunity,
    Stage,
)
from contactgraph.errors import (
    ContactGraphError,
    InvalidValueError,
    PolicyViolationError,
)
from contactgraph.interop.engine import (
    NO_SUBJECT,
    ORDER,
    Refused,
    SourceRecord,
    first_error,
    merge_extra,
)
from contactgraph.interop.mapping import (
    CASE,
    CONTACT_ROLE,
    OPPORTUNITY,
    RELATION,
    map_record,
)
from contactgraph.interop.people import PeopleImport

__all__ = ["ORDER", "Loader", "SourceRecord"]


class Loader(PeopleImport):
    """Writes mapped records into a store, one sObject type after another.

    See :class:`~contactgraph.interop.engine.Engine` for the arguments.
    """

    def _handlers(self) -> dict[str, Callable[[Iterable[SourceRecord]], None]]:
        return {
            "Account": self._import_accounts,
            "Contact": self._import_contacts,
            "Opportunity": self._import_opportunities,
            "OpportunityContactRole": self._import_contact_roles,
            "Case": self._import_cases,
            "AccountContactRelation": self._import_relations,
        }

    # ------------------------------------------------------------ opportunities

    def _import_opportunities(self, records: Iterable[SourceRecord]) -> None:
        for batch in self._batches(records):
            for rec in batch:
                self._one_opportunity(rec)
            self._tick(len(batch))

    def _one_opportunity(self, rec: SourceRecord) -> None:
        mapped = map_record(OPPORTUNITY, rec.fields)
        if mapped.problems:
            self._fail(rec, "Opportunity", list(mapped.problems))
            return
        if self._seen_twice("Opportunity", rec, mapped):
            self._fail(rec, "Opportunity", [(None, "this record appears twice in the import")])
            return
        try:
            raw = mapped.refs.get("AccountId", "")
            if not raw:
                raise Refused("AccountId", "an opportunity needs an account")
            account_id = self._resolve("Account", raw, "AccountId")
            existing_id = self._find_existing("Opportunity", rec, mapped)
            current = self.store.opportunities.get(existing_id) if existing_id else None
            v = mapped.values
            stage = self._picklist(
                rec,
                mapped,
                key="stage",
                api="StageName",
                parse=Stage.parse,
                default=current.stage if current else Stage.PROSPECTING,
            )
            fields: dict[str, Any] = {
                "account_id": account_id,
                "stage": stage,
                "external_ids": {
                    **(dict(current.external_ids) if current else {}),
                    **self._external_ids(rec, mapped),
                },
                "extra": merge_extra(current.extra if current else None, mapped),
            }
            for key in ("name", "close_date", "description"):
                if key in v:
                    fields[key] = v[key]
            if "amount" in v or "currency" in v:
                amount = v.get(
                    "amount", current.amount.amount if current and current.amount else None
                )
                fields["amount"] = amount
                fields["currency"] = v.get("currency") or (
                    current.amount.currency
                    if current and current.amount
                    else self.options.default_currency
                )
                if amount is None:
                    fields.pop("currency")
            for field, note in mapped.notes:
                self._warn(rec, field, note)
            if current is None:
                name = fields.pop("name", None)
                opp = Opportunity.create(name, fields.pop("account_id"), id=mapped.our_id, **fields)
                opp = self.store.opportunities.add(opp)
                status = "created"
            else:
                updated = current.update(**fields)
                status = "unchanged" if updated is current else "updated"
                opp = self.store.opportunities.save(updated) if updated is not current else current
        except Refused as exc:
            self._fail(rec, "Opportunity", [(exc.field, exc.reason)])
            return
        except PolicyViolationError as exc:
            self._fail(rec, "Opportunity", first_error(exc))
            return
        except ContactGraphError as exc:
            self._fail(rec, "Opportunity", [(None, str(exc))])
            return
        self._remember("Opportunity", rec, mapped, opp.id)
        self._ok(rec, "Opportunity", opp.id, status)

    def _import_contact_roles(self, records: Iterable[SourceRecord]) -> None:
        for batch in self._batches(records):
            for rec in batch:
                mapped = map_record(CONTACT_ROLE, rec.fields)
                try:
                    if mapped.problems:
                        field, reason = mapped.problems[0]
                        raise Refused(field, reason)
                    opp_raw = mapped.refs.get("OpportunityId", "")
                    contact_raw = mapped.refs.get("ContactId", "")
                    if not opp_raw or not contact_raw:
                        raise Refused(
                            "OpportunityId" if not opp_raw else "ContactId",
                            "a contact role needs an opportunity and a contact",
                        )
                    opp_id = self._resolve("Opportunity", opp_raw, "OpportunityId")
                    contact_id = self._resolve("Contact", contact_raw, "ContactId")
                    opp = self.store.opportunities.get(opp_id)
                    primary = bool(mapped.values.get("is_primary"))
                    updated = opp.add_contact_role(
                        contact_id, mapped.values.get("role"), primary=primary
                    )
                    if updated is not opp:
                        self.store.opportunities.save(updated)
                    self._ok(
                        rec,
                        "OpportunityContactRole",
                        opp_id,
                        "unchanged" if updated is opp else "created",
                    )
                except Refused as exc:
                    self._fail(rec, "OpportunityContactRole", [(exc.field, exc.reason)])
                except PolicyViolationError as exc:
                    self._fail(rec, "OpportunityContactRole", first_error(exc))
                except ContactGraphError as exc:
                    self._fail(rec, "OpportunityContactRole", [(None, str(exc))])
            self._tick(len(batch))

    # -------------------------------------------------------------------- cases

    def _import_cases(self, records: Iterable[SourceRecord]) -> None:
        for batch in self._batches(records):
            for rec in batch:
                self._one_case(rec)
            self._tick(len(batch))

    def _one_case(self, rec: SourceRecord) -> None:
        mapped = map_record(CASE, rec.fields)
        if mapped.problems:
            self._fail(rec, "Case", list(mapped.problems))
            return
        if self._seen_twice("Case", rec, mapped):
            self._fail(rec, "Case", [(None, "this record appears twice in the import")])
            return
        try:
            contact_raw = mapped.refs.get("ContactId", "")
            account_raw = mapped.refs.get("AccountId", "")
            contact_id = self._resolve("Contact", contact_raw, "ContactId") if contact_raw else None
            if account_raw:
                account_id = self._resolve("Account", account_raw, "AccountId")
            elif contact_id is not None:
                account_id = self.store.accounts.account_of(contact_id).id
            else:
                raise Refused("AccountId", "a case needs an account or a contact")
            existing_id = self._find_existing("Case", rec, mapped)
            current = self.store.cases.get(existing_id) if existing_id else None
            v = mapped.values
            fields: dict[str, Any] = {
                "status": self._picklist(
                    rec,
                    mapped,
                    key="status",
                    api="Status",
                    parse=_case_status,
                    default=current.status if current else CaseStatus.NEW,
                ),
                "priority": self._picklist(
                    rec,
                    mapped,
                    key="priority",
                    api="Priority",
                    parse=_case_priority,
                    default=current.priority if current else CasePriority.MEDIUM,
                ),
                "external_ids": {
                    **(dict(current.external_ids) if current else {}),
                    **self._external_ids(rec, mapped),
                },
                "extra": merge_extra(current.extra if current else None, mapped),
            }
            for key in ("origin", "type", "reason", "description"):
                if key in v:
                    fields[key] = v[key]
            subject = v.get("subject")
            if subject is None and current is None:
                subject = NO_SUBJECT
                self._warn(rec, "Subject", f"no subject in the source: {NO_SUBJECT!r} used")
            for field, note in mapped.notes:
                self._warn(rec, field, note)
            if current is None:
                case = Case.create(subject, account_id, contact_id, id=mapped.our_id, **fields)  # type: ignore[arg-type]
                case = self.store.cases.add(case)
                status = "created"
            else:
                if subject is not None:
                    fields["subject"] = subject
                fields.update(account_id=account_id, contact_id=contact_id)
                updated = current.update(**fields)
                status = "unchanged" if updated is current else "updated"
                case = self.store.cases.save(updated) if updated is not current else current
        except Refused as exc:
            self._fail(rec, "Case", [(exc.field, exc.reason)])
            return
        except PolicyViolationError as exc:
            self._fail(rec, "Case", first_error(exc))
            return
        except ContactGraphError as exc:
            self._fail(rec, "Case", [(None, str(exc))])
            return
        self._remember("Case", rec, mapped, case.id)
        self._ok(rec, "Case", case.id, status)

    # --------------------------------------------------------------- relations

    def _import_relations(self, records: Iterable[SourceRecord]) -> None:
        for batch in self._batches(records):
            for rec in batch:
                self._one_relation(rec)
            self._tick(len(batch))

    def _one_relation(self, rec: SourceRecord) -> None:
        mapped = map_record(RELATION, rec.fields)
        try:
            if mapped.problems:
                field, reason = mapped.problems[0]
                raise Refused(field, reason)
            account_raw = mapped.refs.get("AccountId", "")
            contact_raw = mapped.refs.get("ContactId", "")
            if not account_raw or not contact_raw:
                raise Refused(
                    "AccountId" if not account_raw else "ContactId",
                    "a relation needs an account and a contact",
                )
            account_id = self._resolve("Account", account_raw, "AccountId")
            contact_id = self._resolve("Contact", contact_raw, "ContactId")
            owner = self.store.accounts.account_of(contact_id)
            if owner.id == account_id:
                self._warn(
                    rec,
                    "AccountId",
                    "the contact already belongs to this account (Salesforce's direct relation); "
                    "nothing to record",
                )
                self._ok(rec, "AccountContactRelation", contact_id, "unchanged")
                return
            v = mapped.values
            fields: dict[str, Any] = {
                k: v[k] for k in ("roles", "title", "start_date", "end_date") if k in v
            }
            if v.get("is_active") is not None:
                fields["is_active"] = v["is_active"]
            if fields.get("roles") is None:
                fields.pop("roles", None)
            found = self.store.relations.list(account_id=account_id, contact_id=contact_id)
            built = AccountContactRelation.create(
                account_id,
                contact_id,
                id=mapped.our_id or (found[0].id if found else None),
                **fields,
            )
            if found:
                current = found[0]
                merged = attrs.evolve(built, version=current.version, created_at=current.created_at)
                if merged == current:
                    self._ok(rec, "AccountContactRelation", current.id, "unchanged")
                    return
                rel = self.store.relations.save(merged)
                status = "updated"
            else:
                rel = self.store.relations.add(built)
                status = "created"
        except Refused as exc:
            self._fail(rec, "AccountContactRelation", [(exc.field, exc.reason)])
            return
        except PolicyViolationError as exc:
            self._fail(rec, "AccountContactRelation", first_error(exc))
            return
        except ContactGraphError as exc:
            self._fail(rec, "AccountContactRelation", [(None, str(exc))])
            return
        self._ok(rec, "AccountContactRelation", rel.id, status)


def _case_status(value: Any) -> CaseStatus:
    for member in CaseStatus:
        if isinstance(value, str) and member.value.casefold() == value.strip().casefold():
            return member
    raise InvalidValueError("not a standard status", field="status", value=value)


def _case_priority(value: Any) -> CasePriority:
    for member in CasePriority:
        if isinstance(value, str) and member.value.casefold() == value.strip().casefold():
            return member
    raise InvalidValueError("not a standard priority", field="priority", value=value)
