"""Salesforce Data Loader CSV, written: one file per sObject, API names as headers.

:func:`export_csv` writes what :func:`~contactgraph.interop.import_csv` reads
back to the same data.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from contactgraph.domain import Account
from contactgraph.interop.cells import cell, neutralise, restore
from contactgraph.interop.mapping import SOBJECTS
from contactgraph.interop.paths import open_for_writing
from contactgraph.interop.report import ExportReport, Progress
from contactgraph.interop.salesforce_fields import (
    account_fields,
    case_fields,
    contact_fields,
    contact_role_fields,
    opportunity_fields,
    relation_fields,
    standard_columns,
    union_columns,
)
from contactgraph.repos.protocol import StoreProtocol

__all__ = ["export_csv", "read_csv_text"]

ORDER = tuple(SOBJECTS)


def export_csv(
    store: StoreProtocol,
    directory: str | os.PathLike[str],
    *,
    account_ids: Iterable[str] | None = None,
    neutralise_formulas: bool = True,
    progress: Progress | None = None,
) -> ExportReport:
    """Write Data Loader CSV files: ``Account.csv``, ``Contact.csv``, ``Opportunity.csv``,
    ``OpportunityContactRole.csv``, ``Case.csv``, ``AccountContactRelation.csv``.

    UTF-8 without BOM, CRLF line ends (as Data Loader writes), API names as
    headers, custom fields (``extra``) as their own columns. Reference columns
    (``AccountId``, ``ReportsToId``…) hold the record's Salesforce id when it
    has one, else our id; ``ContactGraph_Id__c`` holds our id, so
    :func:`import_csv` reads the files back to the same data. Cells that
    could run as spreadsheet formulas get a leading apostrophe (see
    :mod:`contactgraph.interop.cells`), which :func:`import_csv` removes.

    Args:
        store: The store to read.
        directory: Folder to write into (created if needed).
        account_ids: Only these accounts and what hangs off them.
        neutralise_formulas: Set to ``False`` only for a consumer that is
            not a spreadsheet and does not strip the apostrophe.
        progress: Called as ``progress(done, total)``.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    selected = None if account_ids is None else list(account_ids)
    report = ExportReport()
    sf_ids: dict[str, dict[str, str]] = {name: {} for name in ORDER}

    def accounts() -> Iterator[Account]:
        if selected is None:
            yield from store.accounts
        else:
            for account_id in selected:
                yield store.accounts.get(account_id)

    # First pass: custom field names (columns) and the Salesforce ids references need.
    extra_keys: dict[str, dict[str, None]] = {name: {} for name in ORDER}
    wanted: set[str] = set()
    for account in accounts():
        wanted.add(account.id)
        extra_keys["Account"].update(dict.fromkeys(account.extra))
        if "salesforce" in account.external_ids:
            sf_ids["Account"][account.id] = account.external_ids["salesforce"]
        for contact in account.contacts.values():
            extra_keys["Contact"].update(dict.fromkeys(contact.extra))
            if "salesforce" in contact.external_ids:
                sf_ids["Contact"][contact.id] = contact.external_ids["salesforce"]
    opportunities = [
        o for o in store.opportunities.list() if selected is None or o.account_id in wanted
    ]
    for opp in opportunities:
        extra_keys["Opportunity"].update(dict.fromkeys(opp.extra))
        if "salesforce" in opp.external_ids:
            sf_ids["Opportunity"][opp.id] = opp.external_ids["salesforce"]
    cases = [c for c in store.cases.list() if selected is None or c.account_id in wanted]
    for case in cases:
        extra_keys["Case"].update(dict.fromkeys(case.extra))
    relations = [r for r in store.relations.list() if selected is None or r.account_id in wanted]

    def ref_of(sobject: str, our_id: str | None) -> str:
        if not our_id:
            return ""
        return sf_ids[sobject].get(our_id, our_id)

    writers: dict[str, tuple[IO[str], csv.DictWriter[str]]] = {}

    def writer(sobject: str) -> csv.DictWriter[str]:
        if sobject not in writers:
            path = out / f"{sobject}.csv"
            handle = open_for_writing(path)
            columns = union_columns(standard_columns(sobject), extra_keys[sobject])
            w = csv.DictWriter(handle, fieldnames=columns, lineterminator="\r\n")
            # custom-field names come from the data: guarded like cells
            w.writerow({c: neutralise(c) if neutralise_formulas else c for c in columns})
            writers[sobject] = (handle, w)
            report.files.append(path)
            report.counts[sobject] = 0
        return writers[sobject][1]

    def write(sobject: str, fields: Mapping[str, Any]) -> None:
        writer(sobject).writerow({k: cell(v, safe=neutralise_formulas) for k, v in fields.items()})
        report.counts[sobject] += 1

    total = None
    done = 0
    try:
        for name in ORDER:
            writer(name)
        for account in accounts():
            write("Account", account_fields(account, ref_of))
            for contact in account.sorted_contacts():
                write("Contact", contact_fields(contact, ref_of))
            done += 1 + len(account)
            if progress is not None:
                progress(done, total)
        for opp in opportunities:
            write("Opportunity", opportunity_fields(opp, ref_of))
            for role in opp.contact_roles:
                write("OpportunityContactRole", contact_role_fields(opp, role, ref_of))
        for case in cases:
            write("Case", case_fields(case, ref_of))
        for rel in relations:
            write("AccountContactRelation", relation_fields(rel, ref_of))
    finally:
        for handle, _ in writers.values():
            handle.close()
    if progress is not None:
        progress(done, done)
    return report


def read_csv_text(text: str) -> list[dict[str, str]]:
    """Rows of a CSV text with formula escapes removed (a small helper for tests and tools)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return [{k: restore(v) for k, v in row.items()} for row in reader]
