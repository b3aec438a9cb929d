"""DataFrames: readable columns out, the same validation back in, pandas only when asked."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from graphkit import Crm

import contactgraph as cg
from contactgraph.interop import frames


def test_contacts_frame_has_readable_columns(store: Any, crm: Crm) -> None:
    df = frames.contacts_frame(store.accounts.get(crm.acme))
    assert list(df["Last Name"]) == ["Durand", "Martin", "Petit"]
    assert df.index.name == "Contact ID"
    assert df.loc[crm.alice, "Email"] == "alice@acme.fr"
    assert df.loc[crm.alice, "Decision Role"] == "Economic Buyer"
    assert df.loc[crm.bob, "Reports To ID"] == crm.alice
    assert not df.loc[crm.carol, "Active"]
    assert {"First Name", "Title", "Mailing City", "Created"} <= set(df.columns)


def test_to_frame_takes_any_kind_of_record(store: Any, crm: Crm) -> None:
    accounts = frames.to_frame(store.accounts.list())
    assert list(accounts["Account Name"]) == ["ACME SA", "Globex", "Initech"]
    assert list(accounts["Active Contacts"]) == [2, 2, 0]
    opps = frames.to_frame(store.opportunities.list())
    assert opps.loc[crm.renewal, "Amount"] == Decimal("12000")
    assert opps.loc[crm.renewal, "Primary Contact ID"] == crm.alice
    assert (
        opps.loc[crm.renewal, "Contact Roles"]
        == f"{crm.alice}=Economic Buyer*; {crm.bob}=Evaluator"
    )
    cases = frames.to_frame(store.cases.list())
    assert cases.loc[crm.invoice_case, "Status"] == "New"
    rels = frames.to_frame(store.relations.list())
    assert rels.loc[crm.dan_advises_acme, "Roles"] == "Influencer"
    recipients = frames.to_frame(store.start_campaign([crm.acme]))
    assert len(recipients) == 2
    assert frames.to_frame([]).empty
    with pytest.raises(TypeError, match="one kind"):
        frames.to_frame([*store.cases.list(), *store.opportunities.list()])


def test_contacts_round_trip_through_a_frame(store: Any, crm: Crm) -> None:
    acme = store.accounts.get(crm.acme)
    acme = acme.update_contact(
        crm.alice,
        mailing_address={"street": "1 rue de la Paix", "city": "Paris", "country": "FR"},
        extra={"Picture__c": "alice.png"},
        external_ids={"salesforce": "003000000000001"},
        alternate_emails=["a.martin@acme.fr"],
    )
    df = frames.contacts_frame(acme)
    assert df.loc[crm.alice, "Custom: Picture__c"] == "alice.png"
    assert df.loc[crm.alice, "External ID: salesforce"] == "003000000000001"
    again = frames.contacts_from_frame(df, acme)
    assert again.contacts == acme.contacts  # nothing changed, nothing lost
    csv = frames.contacts_frame(acme).to_csv(index=False)
    from io import StringIO

    reread = frames.contacts_from_frame(pd.read_csv(StringIO(csv), dtype=str), acme)
    assert reread.contact(crm.alice).mailing_address == acme.contact(crm.alice).mailing_address
    assert reread.contact(crm.carol).active is False


def test_a_frame_adds_and_updates_contacts_with_managers_further_down(store: Any, crm: Crm) -> None:
    acme = store.accounts.get(crm.acme)
    df = pd.DataFrame(
        [
            {
                "Contact ID": crm.bob,
                "Last Name": "Durand",
                "Title": "Head of Accounting",
                "Reports To ID": crm.alice,
            },
            {
                "Contact ID": "new-1",
                "Last Name": "Roux",
                "First Name": "Dora",
                "Reports To ID": "new-2",
            },
            {"Contact ID": "new-2", "Last Name": "Blanc", "Email": "eve@acme.fr", "Active": "yes"},
            {"Last Name": "Noir", "Phone": "01 23 45 67 89"},
        ]
    )
    updated = frames.contacts_from_frame(df, acme)
    assert updated.contact(crm.bob).title == "Head of Accounting"
    assert updated.contact(crm.bob).reports_to == crm.alice
    assert updated.contact(crm.bob).decision_role is cg.DecisionRole.EVALUATOR  # no column
    assert updated.contact(crm.bob).email is None  # an empty cell clears
    assert updated.contact("new-1").reports_to == "new-2"
    assert updated.contact("new-2").email.address == "eve@acme.fr"  # type: ignore[union-attr]
    noir = updated.find_contacts(name="Noir")[0]
    assert noir.phone.e164 == "+33123456789"  # type: ignore[union-attr]
    store.accounts.save(updated)
    assert len(store.accounts.get(crm.acme)) == 6


def test_every_bad_row_is_reported_and_nothing_changes(store: Any, crm: Crm) -> None:
    acme = store.accounts.get(crm.acme)
    df = pd.DataFrame(
        [
            {"Last Name": "Good", "Email": "good@acme.fr"},
            {"Last Name": None, "Email": "nobody@acme.fr"},
            {"Last Name": "Bad", "Email": "not-an-email"},
            {"Last Name": "Lost", "Reports To ID": "nobody"},
            {"Last Name": "Elsewhere", "Account ID": crm.globex},
        ],
        index=["r1", "r2", "r3", "r4", "r5"],
    )
    with pytest.raises(cg.ImportRejectedError) as info:
        frames.contacts_from_frame(df, acme)
    rows = {(e.row, e.record, e.field) for e in info.value.errors}
    assert (2, "r2", "Last Name") in rows
    assert (3, "r3", "Email") in rows
    assert (4, "r4", "Reports To ID") in rows
    assert (5, "r5", "Account ID") in rows
    assert all(e.row != 1 for e in info.value.errors)
    assert "row 3 [r3]: field 'Email'" in str(info.value)
    assert len(store.accounts.get(crm.acme)) == 3


def test_unknown_columns_are_refused_not_dropped(store: Any, crm: Crm) -> None:
    df = pd.DataFrame([{"Last Name": "Typo", "Emial": "x@acme.fr"}])
    with pytest.raises(cg.ImportRejectedError, match="Emial"):
        frames.contacts_from_frame(df, store.accounts.get(crm.acme))


def test_accounts_round_trip_and_validation(store: Any, crm: Crm) -> None:
    existing = store.accounts.list()
    df = frames.accounts_frame(existing)
    again = frames.accounts_from_frame(df, existing)
    assert [a.name for a in again] == [a.name for a in existing]
    assert all(not a.pending_events for a in again)  # unchanged rows change nothing
    df.loc[crm.globex, "Industry"] = "Utilities"
    changed = {a.id: a for a in frames.accounts_from_frame(df, existing)}
    assert changed[crm.globex].industry == "Utilities"
    created = frames.accounts_from_frame(
        pd.DataFrame([{"Account Name": "Hooli", "Employees": "250"}])
    )
    assert (created[0].name, created[0].number_of_employees) == ("Hooli", 250)
    bad = pd.DataFrame([{"Account Name": ""}, {"Account Name": "Ok", "Employees": "-3"}])
    with pytest.raises(cg.ImportRejectedError) as info:
        frames.accounts_from_frame(bad)
    assert [(e.row, e.field) for e in info.value.errors] == [(1, "Account Name"), (2, "Employees")]


def test_pandas_is_not_imported_with_contactgraph() -> None:
    code = "import sys, contactgraph, contactgraph.graph; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_old_graph_path_is_the_same_module_surface() -> None:
    from contactgraph.graph import frames as old

    assert set(old.__all__) == set(frames.__all__)
    assert all(getattr(old, name) is getattr(frames, name) for name in frames.__all__)
    assert frames.MissingDependencyError is cg.errors.MissingDependencyError


def test_missing_pandas_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(frames.MissingDependencyError, match=r"contactgraph\[pandas\]") as info:
        frames.contacts_frame([])
    assert isinstance(info.value, cg.ContactGraphError)
    assert isinstance(info.value, ImportError)


def test_opportunities_round_trip_update_and_roles(store: Any, crm: Crm) -> None:
    existing = store.opportunities.list()
    df = frames.opportunities_frame(existing)
    again = frames.opportunities_from_frame(df, existing)
    assert again == existing
    assert all(not o.pending_events for o in again)  # unchanged rows change nothing
    fresh = frames.opportunities_from_frame(df.reset_index())[0]  # the id as a column; creates
    renewal = store.opportunities.get(crm.renewal)
    carried = ("id", "account_id", "name", "stage", "amount", "close_date", "contact_roles")
    assert [getattr(fresh, f) for f in carried] == [getattr(renewal, f) for f in carried]
    df.loc[crm.renewal, ["Stage", "Amount", "Contact Roles"]] = [
        "Closed Won",
        "15000",
        f"{crm.bob}=Decision Maker*",
    ]
    df.loc[crm.renewal, "Is Won"] = False  # computed: ignored
    won = frames.opportunities_from_frame(df, existing)[0]
    assert (won.is_won, won.amount.amount) == (True, Decimal("15000"))  # type: ignore[union-attr]
    assert won.primary_contact_id == crm.bob
    assert won.role_of(crm.alice) is None
    assert won.role_of(crm.bob).role is cg.DecisionRole.DECISION_MAKER  # type: ignore[union-attr]
    store.opportunities.save(won)
    assert store.opportunities.get(crm.renewal).stage is cg.Stage.CLOSED_WON


def test_bad_opportunity_rows_are_reported_together(store: Any, crm: Crm) -> None:
    bad = pd.DataFrame(
        [
            {"Opportunity Name": "Fine", "Account ID": crm.acme, "Amount": "10"},
            {"Opportunity Name": "Odd", "Account ID": crm.acme, "Stage": "Almost there"},
            {"Opportunity Name": "Cheap", "Account ID": crm.acme, "Amount": "lots"},
            {"Opportunity Name": "Far", "Account ID": crm.acme, "Amount": "5", "Currency": "Euro"},
            {"Opportunity Name": "Late", "Account ID": crm.acme, "Close Date": "31/03/2027"},
            {"Opportunity Name": None, "Account ID": crm.acme},
            {"Opportunity Name": "Roles", "Account ID": crm.acme, "Contact Roles": "x=Boss"},
        ],
        index=[f"o{i}" for i in range(1, 8)],
    )
    with pytest.raises(cg.ImportRejectedError) as info:
        frames.opportunities_from_frame(bad)
    assert [(e.row, e.record, e.field) for e in info.value.errors] == [
        (2, "o2", "Stage"),
        (3, "o3", "Amount"),
        (4, "o4", "Currency"),
        (5, "o5", "Close Date"),
        (6, "o6", "Opportunity Name"),
        (7, "o7", "Contact Roles"),
    ]
    with pytest.raises(cg.ImportRejectedError, match="Stgae"):
        frames.opportunities_from_frame(pd.DataFrame([{"Opportunity Name": "x", "Stgae": "Won"}]))


def test_cases_round_trip_update_and_validation(store: Any, crm: Crm) -> None:
    existing = store.cases.list()
    df = frames.cases_frame(existing)
    assert frames.cases_from_frame(df, existing) == existing
    fresh = frames.cases_from_frame(df)[0]
    case = store.cases.get(crm.invoice_case)
    carried = ("id", "account_id", "contact_id", "subject", "status", "priority", "origin")
    assert [getattr(fresh, f) for f in carried] == [getattr(case, f) for f in carried]
    df.loc[crm.invoice_case, ["Status", "Priority"]] = ["Closed", "High"]
    closed = frames.cases_from_frame(df, existing)[0]
    assert closed.is_closed
    assert closed.closed_at is not None
    assert closed.priority is cg.CasePriority.HIGH
    bad = pd.DataFrame(
        [
            {"Subject": "Fine", "Account ID": crm.acme},
            {"Subject": "Odd", "Account ID": crm.acme, "Status": "Pending"},
            {"Subject": "", "Account ID": crm.acme, "Priority": "Urgent"},
        ]
    )
    with pytest.raises(cg.ImportRejectedError) as info:
        frames.cases_from_frame(bad)
    assert [(e.row, e.record, e.field) for e in info.value.errors] == [
        (2, None, "Status"),
        (3, None, "Subject"),
        (3, None, "Priority"),
    ]
    with pytest.raises(cg.ImportRejectedError, match="Sevrity"):
        frames.cases_from_frame(pd.DataFrame([{"Subject": "x", "Sevrity": "High"}]))


def test_relations_round_trip_update_and_validation(store: Any, crm: Crm) -> None:
    existing = store.relations.list()
    df = frames.relations_frame(existing)
    assert frames.relations_from_frame(df, existing) == existing
    fresh = frames.relations_from_frame(df)[0]
    rel = store.relations.get(crm.dan_advises_acme)
    carried = ("id", "account_id", "contact_id", "roles", "title", "is_active", "start_date")
    assert [getattr(fresh, f) for f in carried] == [getattr(rel, f) for f in carried]
    df.loc[crm.dan_advises_acme, ["Active", "End Date", "Roles"]] = [
        False,
        "2026-06-30",
        "Influencer; Evaluator",
    ]
    ended = frames.relations_from_frame(df, existing)[0]
    assert (ended.is_active, str(ended.end_date)) == (False, "2026-06-30")
    assert ended.roles == (cg.DecisionRole.INFLUENCER, cg.DecisionRole.EVALUATOR)
    assert ended.version == rel.version  # still the stored relation: it saves
    store.relations.save(ended)
    assert store.relations.get(crm.dan_advises_acme).end_date == ended.end_date
    bad = pd.DataFrame(
        [
            {"Account ID": crm.acme, "Contact ID": crm.dan, "Roles": "Guru"},
            {"Account ID": crm.acme, "Contact ID": crm.dan, "Start Date": "soon"},
            {"Account ID": crm.acme, "Contact ID": crm.dan},
        ]
    )
    with pytest.raises(cg.ImportRejectedError) as info:
        frames.relations_from_frame(bad)
    assert [(e.row, e.field) for e in info.value.errors] == [(1, "Roles"), (2, "Start Date")]
    with pytest.raises(cg.ImportRejectedError, match="Role "):
        frames.relations_from_frame(pd.DataFrame([{"Account ID": crm.acme, "Role ": "x"}]))
