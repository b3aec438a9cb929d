"""Imports that lose nothing: references in another letter case, the source's own dates,
and Salesforce-compatible exports that an insert accepts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import contactgraph as cg
from contactgraph.interop import (
    ImportMode,
    ImportOptions,
    export_csv,
    export_tree,
    import_csv,
    import_tree,
)
from contactgraph.interop.tree_export import NOT_INSERTABLE


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"records": records}), encoding="utf-8")
    return path


def _rec(kind: str, ref: str, **fields: Any) -> dict[str, Any]:
    return {"attributes": {"type": kind, "referenceId": ref}, **fields}


def test_a_reference_in_another_letter_case_resolves_with_a_warning(
    store: Any, tmp_path: Path
) -> None:
    path = _write(
        tmp_path / "tree.json",
        [
            _rec("Account", "AccountRef10", Name="ACME SA"),
            _rec("Contact", "ContactRef1", LastName="Martin", AccountId="@accountRef10"),
        ],
    )
    report = import_tree(store, path)
    assert report.of("Contact").created == 1
    (acme,) = list(store.accounts)
    assert [c.name.last for c in acme.contacts.values()] == ["Martin"]
    (warning,) = report.warnings
    assert (warning.row, warning.field, warning.record) == (2, "AccountId", "ContactRef1")
    assert "@accountRef10" in warning.reason
    assert "'AccountRef10'" in warning.reason


def test_a_reference_matching_two_referenceids_by_case_stays_missing(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "tree.json",
        [
            _rec("Account", "AccountRef1", Name="ACME SA"),
            _rec("Account", "accountref1", Name="Globex"),
            _rec("Contact", "ContactRef1", LastName="Martin", AccountId="@ACCOUNTREF1"),
        ],
    )
    report = import_tree(cg.open_store(), path, options=ImportOptions(mode=ImportMode.PARTIAL))
    assert report.of("Contact").failed == 1
    assert "missing reference @ACCOUNTREF1" in report.errors[0].reason
    assert report.warnings == []


OPENED = datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC)
CLOSED = datetime(2021, 3, 9, 10, 0, 0, tzinfo=UTC)
CREATED = datetime(2020, 11, 2, 8, 30, 0, tzinfo=UTC)


def test_cases_and_opportunities_keep_the_dates_of_the_source(store: Any, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "tree.json",
        [
            _rec("Account", "AccountRef1", Name="ACME SA"),
            _rec(
                "Case",
                "CaseRef1",
                Subject="Invoice error",
                AccountId="@AccountRef1",
                Status="Closed",
                CreatedDate="2021-03-04T05:06:07.000+0000",
                ClosedDate="2021-03-09T10:00:00.000+0000",
            ),
            _rec(
                "Case",
                "CaseRef2",
                Subject="Still open",
                AccountId="@AccountRef1",
                CreatedDate="2021-03-04T05:06:07Z",
            ),
            _rec(
                "Opportunity",
                "OppRef1",
                Name="ACME renewal",
                AccountId="@AccountRef1",
                StageName="Prospecting",
                CloseDate="2027-03-31",
                CreatedDate="2020-11-02T08:30:00.000+0000",
            ),
        ],
    )
    import_tree(store, path)
    cases = {c.subject: c for c in store.cases.list()}
    assert cases["Invoice error"].opened_at == OPENED
    assert cases["Invoice error"].closed_at == CLOSED
    assert cases["Still open"].opened_at == OPENED
    assert cases["Still open"].closed_at is None
    (deal,) = store.opportunities.list()
    assert deal.created_at == CREATED
    assert "CreatedDate" not in deal.extra
    # and an export reads back with the same dates
    export_csv(store, tmp_path / "csv")
    again = cg.open_store()
    import_csv(again, sorted((tmp_path / "csv").glob("*.csv")))
    assert {c.subject: c.opened_at for c in again.cases.list()} == {
        "Invoice error": OPENED,
        "Still open": OPENED,
    }
    assert [o.created_at for o in again.opportunities.list()] == [CREATED]


def test_a_date_that_cannot_be_read_is_kept_with_a_warning(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "tree.json",
        [
            _rec("Account", "AccountRef1", Name="ACME SA"),
            _rec("Case", "CaseRef1", Subject="x", AccountId="@AccountRef1", CreatedDate="soon"),
        ],
    )
    store = cg.open_store()
    report = import_tree(store, path)
    (case,) = store.cases.list()
    assert case.extra["CreatedDate"] == "soon"
    assert [w.field for w in report.warnings] == ["CreatedDate"]


def _salesforce_store() -> Any:
    store = cg.open_store()
    acme = cg.Account.create(
        "ACME SA",
        extra={"BillingAddress": '{"city": "Paris"}', "OwnerId": "005xx", "Region__c": "EMEA"},
    )
    acme, alice = acme.add_contact(
        last_name="Martin",
        first_name="Alice",
        extra={
            "Name": "Alice Martin",
            "MailingAddress": '{"city": "Paris"}',
            "CreatedDate": "2020-01-01T00:00:00.000+0000",
            "SystemModstamp": "2020-01-01T00:00:00.000+0000",
            "PhotoUrl": "/services/images/photo/003",
            "OwnerId": "005xx",
            "Hobby__c": "chess",
        },
    )
    store.accounts.add(acme)
    case = cg.Case.create(
        "Invoice error",
        acme.id,
        alice.id,
        extra={"CaseNumber": "00001001", "IsClosed": "false", "ContactEmail": "a@acme.fr"},
    )
    store.cases.add(case)
    return store


@pytest.mark.parametrize("compatible", [True, False])
def test_a_salesforce_compatible_tree_export_writes_only_insertable_fields(
    tmp_path: Path, compatible: bool
) -> None:
    out = tmp_path / "out"
    export_tree(_salesforce_store(), out, salesforce_compatible=compatible)
    written: dict[str, set[str]] = {}
    for path in out.glob("*.json"):
        if path.name == "contactgraph-plan.json":
            continue
        for record in json.loads(path.read_text(encoding="utf-8"))["records"]:
            kind = record["attributes"]["type"]
            written.setdefault(kind, set()).update(k for k in record if k != "attributes")
    forbidden = {
        "Account": {"BillingAddress", "OwnerId", "ContactGraph_Id__c"},
        "Contact": {
            "Name",
            "MailingAddress",
            "CreatedDate",
            "SystemModstamp",
            "PhotoUrl",
            "OwnerId",
        },
        "Case": {"CaseNumber", "IsClosed", "ContactEmail", "CreatedDate"},
    }
    for kind, names in forbidden.items():
        assert names <= NOT_INSERTABLE[kind] | {"Id", "ContactGraph_Id__c"}
        if compatible:
            assert not (written[kind] & names), (kind, written[kind] & names)
        else:
            assert names <= written[kind], (kind, names - written[kind])
    assert "Hobby__c" in written["Contact"]
    assert "Region__c" in written["Account"]
    assert {"FirstName", "LastName", "AccountId"} <= written["Contact"]
