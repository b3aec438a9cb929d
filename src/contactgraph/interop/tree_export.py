"""Salesforce sObject Tree JSON, written as ``sf data import tree`` reads it.

:func:`export_tree` writes one file per sObject and a data plan that lists
them in load order; :func:`~contactgraph.interop.import_tree` reads it back
to the same data. With ``salesforce_compatible=True`` it writes only what an
insert into a Salesforce org can set.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from contactgraph.domain import Account
from contactgraph.interop.mapping import ID_FIELD, OUR_EXTERNAL_IDS_FIELD, OUR_ID_FIELD, SOBJECTS
from contactgraph.interop.paths import open_for_writing
from contactgraph.interop.report import ExportReport, Progress
from contactgraph.interop.salesforce_fields import (
    account_fields,
    case_fields,
    contact_fields,
    contact_role_fields,
    opportunity_fields,
    relation_fields,
)
from contactgraph.repos.protocol import StoreProtocol

__all__ = ["NOT_INSERTABLE", "PLAN_NAME", "export_tree"]

PLAN_NAME = "contactgraph-plan.json"
ORDER = tuple(SOBJECTS)

_SYSTEM = (
    "CreatedDate",
    "CreatedById",
    "LastModifiedDate",
    "LastModifiedById",
    "SystemModstamp",
    "LastActivityDate",
    "LastViewedDate",
    "LastReferencedDate",
    "IsDeleted",
    "MasterRecordId",
    "OwnerId",
    "PhotoUrl",
)
NOT_INSERTABLE: Mapping[str, frozenset[str]] = {
    "Account": frozenset({*_SYSTEM, "BillingAddress", "ShippingAddress"}),
    "Contact": frozenset({*_SYSTEM, "Name", "MailingAddress", "OtherAddress"}),
    "Opportunity": frozenset({*_SYSTEM, "IsClosed", "IsWon", "ExpectedRevenue"}),
    "OpportunityContactRole": frozenset(_SYSTEM),
    "Case": frozenset(
        {
            *_SYSTEM,
            "CaseNumber",
            "IsClosed",
            "ClosedDate",
            "ContactEmail",
            "ContactPhone",
            "ContactMobile",
            "ContactFax",
        }
    ),
    "AccountContactRelation": frozenset({*_SYSTEM, "IsDirect"}),
}
"""Fields Salesforce computes or sets itself: an insert that names them fails, so a
``salesforce_compatible`` export leaves them out (compared without regard to case)."""


class _Refs:
    """Our ids -> ``<Type>Ref<n>`` referenceIds (the pattern the CLI waits for)."""

    def __init__(self) -> None:
        self._refs: dict[str, dict[str, str]] = {}

    def ref(self, sobject: str, our_id: str | None) -> str:
        if not our_id:
            return ""
        table = self._refs.setdefault(sobject, {})
        found = table.get(our_id)
        if found is None:
            found = f"{sobject}Ref{len(table) + 1}"
            table[our_id] = found
        return found

    def at(self, sobject: str, our_id: str | None) -> str:
        return "@" + self.ref(sobject, our_id) if our_id else ""


class _RecordsFile:
    """Writes ``{"records": [...]}`` one record at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._handle: IO[str] = open_for_writing(path)
        self._handle.write('{\n  "records": [')

    def write(self, record: Mapping[str, Any]) -> None:
        self._handle.write(("," if self.count else "") + "\n    ")
        self._handle.write(json.dumps(record, ensure_ascii=False))
        self.count += 1

    def close(self) -> None:
        self._handle.write("\n  ]\n}\n")
        self._handle.close()


_OURS = frozenset(k.casefold() for k in (ID_FIELD, OUR_ID_FIELD, OUR_EXTERNAL_IDS_FIELD))
_NOT_INSERTABLE = {
    name: frozenset(k.casefold() for k in keys) for name, keys in NOT_INSERTABLE.items()
}


def _clean(sobject: str, fields: Mapping[str, Any], salesforce_compatible: bool) -> dict[str, Any]:
    """The fields to write: all with a value, or only those an insert can set."""
    out = {k: v for k, v in fields.items() if v is not None}
    if salesforce_compatible:
        dropped = _OURS | _NOT_INSERTABLE.get(sobject, frozenset())
        out = {
            k: v
            for k, v in out.items()
            if k.casefold() not in dropped and not k.startswith("ContactGraph_")
        }
    return out


def _accounts(store: StoreProtocol, account_ids: Iterable[str] | None) -> Iterator[Account]:
    if account_ids is None:
        yield from store.accounts
    else:
        for account_id in account_ids:
            yield store.accounts.get(account_id)


def export_tree(
    store: StoreProtocol,
    directory: str | os.PathLike[str],
    *,
    account_ids: Iterable[str] | None = None,
    salesforce_compatible: bool = False,
    progress: Progress | None = None,
) -> ExportReport:
    """Write the store (or some accounts and what hangs off them) as a tree data plan.

    Writes ``Account.json``, ``Contact.json``, ``Opportunity.json``,
    ``OpportunityContactRole.json``, ``Case.json``,
    ``AccountContactRelation.json`` and the plan ``contactgraph-plan.json``
    that lists them in load order. References are ``@<Type>Ref<n>``.

    Args:
        store: The store to read.
        directory: Folder to write into (created if needed).
        account_ids: Only these accounts, with their contacts, opportunities,
            cases and relations.
        salesforce_compatible: Write only fields an insert can set, for
            ``sf data import tree``: no ``Id``, no ``ContactGraph_*`` fields,
            none of :data:`NOT_INSERTABLE` (custom fields kept from an
            import may carry them).
            Without it (the default) the export reads back without loss.
        progress: Called as ``progress(done, total)``.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    refs = _Refs()
    report = ExportReport()
    selected = None if account_ids is None else list(account_ids)
    total = (
        None if selected is not None else store.accounts.count() + store.accounts.count_contacts()
    )
    done = 0
    files = {name: _RecordsFile(out / f"{name}.json") for name in ORDER}
    wanted: set[str] = set()
    try:
        for account in _accounts(store, selected):
            wanted.add(account.id)
            fields = account_fields(account, refs.at)
            files["Account"].write(
                _record(
                    "Account",
                    refs.ref("Account", account.id),
                    _clean("Account", fields, salesforce_compatible),
                )
            )
            for contact in account.sorted_contacts():
                fields = contact_fields(contact, refs.at)
                files["Contact"].write(
                    _record(
                        "Contact",
                        refs.ref("Contact", contact.id),
                        _clean("Contact", fields, salesforce_compatible),
                    )
                )
            done += 1 + len(account)
            if progress is not None:
                progress(done, total)
        for opp in store.opportunities.list():
            if selected is not None and opp.account_id not in wanted:
                continue
            fields = opportunity_fields(opp, refs.at)
            files["Opportunity"].write(
                _record(
                    "Opportunity",
                    refs.ref("Opportunity", opp.id),
                    _clean("Opportunity", fields, salesforce_compatible),
                )
            )
            for n, role in enumerate(opp.contact_roles, start=1):
                fields = contact_role_fields(opp, role, refs.at)
                files["OpportunityContactRole"].write(
                    _record(
                        "OpportunityContactRole",
                        f"{refs.ref('Opportunity', opp.id)}Role{n}",
                        _clean("OpportunityContactRole", fields, False),
                    )
                )
        for case in store.cases.list():
            if selected is not None and case.account_id not in wanted:
                continue
            fields = case_fields(case, refs.at)
            files["Case"].write(
                _record(
                    "Case", refs.ref("Case", case.id), _clean("Case", fields, salesforce_compatible)
                )
            )
        for rel in store.relations.list():
            if selected is not None and rel.account_id not in wanted:
                continue
            fields = relation_fields(rel, refs.at)
            files["AccountContactRelation"].write(
                _record(
                    "AccountContactRelation",
                    refs.ref("AccountContactRelation", rel.id),
                    _clean("AccountContactRelation", fields, salesforce_compatible),
                )
            )
    finally:
        for f in files.values():
            f.close()
    plan = []
    for name in ORDER:
        f = files[name]
        report.counts[name] = f.count
        if f.count:
            plan.append(
                {"sobject": name, "saveRefs": True, "resolveRefs": True, "files": [f.path.name]}
            )
            report.files.append(f.path)
        else:
            f.path.unlink()
    plan_path = out / PLAN_NAME
    with open_for_writing(plan_path) as handle:
        handle.write(json.dumps(plan, indent=2) + "\n")
    report.files.insert(0, plan_path)
    if progress is not None:
        progress(done, total)
    return report


def _record(sobject: str, ref: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {"attributes": {"type": sobject, "referenceId": ref}, **fields}
