"""What a notebook shows: org charts and readiness as HTML, DataFrames without repeats or mixed NAs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import contactgraph as cg
from contactgraph.domain import OrgChart
from contactgraph.interop import frames

HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def acme() -> cg.Account:
    acme = cg.Account.create(name="ACME SA & Fils", phone_region="FR")
    acme, alice = acme.add_contact(
        last_name="Martin", first_name="Alice", title="CFO", email="alice@acme.fr"
    )
    acme, _ = acme.add_contact(last_name="Durand", first_name="Bob", reports_to=alice.id)
    acme, _ = acme.add_contact(last_name=HOSTILE, reports_to=alice.id)
    return acme


# ------------------------------------------------------------- org charts


def test_an_org_chart_is_still_the_list_of_its_top_nodes(acme: cg.Account) -> None:
    chart = acme.org_chart()
    assert isinstance(chart, OrgChart)
    assert isinstance(chart, list)
    assert [n.contact.last_name for n in chart] == ["Martin"]
    assert chart == list(chart)
    assert chart.title == "ACME SA & Fils"
    assert cg.Account.create(name="Empty").org_chart() == []


def test_an_org_chart_draws_as_a_tree_in_jupyter(acme: cg.Account) -> None:
    html = acme.org_chart()._repr_html_()
    assert "ACME SA &amp; Fils" in html
    alice, bob = html.index("Alice Martin, CFO"), html.index("Bob Durand")
    assert alice < html.index("<ul", alice) < bob  # Bob is nested under Alice
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_an_empty_org_chart_says_so() -> None:
    html = cg.Account.create(name="Initech").org_chart()._repr_html_()
    assert "Initech" in html
    assert "no contacts" in html


def test_the_navigator_hands_out_the_same_chart(acme: cg.Account) -> None:
    with cg.open_store() as store:
        store.accounts.add(acme)
        chart = store.graph.org_chart(acme.id)
    assert isinstance(chart, OrgChart)
    assert "Alice Martin, CFO" in chart._repr_html_()


# -------------------------------------------------------------- readiness


def test_readiness_shows_each_action_with_its_recipients_or_its_reasons(
    acme: cg.Account,
) -> None:
    html = cg.policies.readiness(acme)._repr_html_()
    assert "ACME SA &amp; Fils" in html
    for action in ("send_contract", "campaign", "opportunity_follow_up"):
        assert action in html
    assert "blocked" not in html
    assert "Alice Martin, CFO" in html
    assert HOSTILE not in html
    assert "&lt;script&gt;" in html
    assert "no decision maker identified" in html  # a gap


def test_readiness_says_why_an_action_is_blocked() -> None:
    account = cg.Account.create(name=HOSTILE)
    html = cg.policies.readiness(account)._repr_html_()
    assert html.count("blocked") == 3
    assert "has no contact" in html
    assert HOSTILE not in html


# ------------------------------------------------------------- DataFrames


def test_a_contacts_frame_keeps_its_ids_in_the_index_only(acme: cg.Account) -> None:
    df = frames.contacts_frame(acme)
    assert df.index.name == "Contact ID"
    assert "Contact ID" not in df.columns
    assert set(df.index) == set(acme.contacts)
    assert "Account ID" in df.columns  # another record's id is data
    for frame, name in [
        (frames.accounts_frame([acme]), "Account ID"),
        (frames.opportunities_frame([cg.Opportunity.create(name="Deal", account_id=acme.id)]),
         "Opportunity ID"),
    ]:  # fmt: skip
        assert frame.index.name == name
        assert name not in frame.columns


def _missing_kinds(df: pd.DataFrame) -> set[str]:
    kinds = set()
    for value in df.to_numpy(dtype=object).ravel():
        if value is None:
            kinds.add("None")
        elif isinstance(value, float) and math.isnan(value):
            kinds.add("NaN")
        elif value is pd.NA:
            kinds.add("NA")
        elif value is pd.NaT:
            kinds.add("NaT")
    return kinds


def test_missing_values_are_one_kind(acme: cg.Account) -> None:
    df = frames.contacts_frame(acme)
    assert _missing_kinds(df) == {"NA"}
    assert pd.isna(df.loc[df["Last Name"] == "Durand", "Email"]).all()
    deals = frames.opportunities_frame([cg.Opportunity.create(name="Deal", account_id=acme.id)])
    assert _missing_kinds(deals) == {"NA"}


def test_a_row_added_by_hand_stays_na_in_text_and_flag_columns(acme: cg.Account) -> None:
    df = frames.contacts_frame(acme)
    df.loc["c-li-wong", ["Last Name", "Email"]] = ["Wong", "li.wong@acme.fr"]
    added = df.loc["c-li-wong"]
    assert added["Title"] is pd.NA
    assert added["Active"] is pd.NA


def test_a_frame_reads_back_with_its_ids_from_the_index(acme: cg.Account) -> None:
    df = frames.contacts_frame(acme)
    [bob] = acme.find_contacts(name="Bob Durand")
    df.loc[bob.id, "Title"] = "Accountant"
    df.loc["c-li-wong", ["Last Name", "Email"]] = ["Wong", "li.wong@acme.fr"]
    updated = frames.contacts_from_frame(df, acme)
    assert updated.contact(bob.id).title == "Accountant"
    assert updated.contact("c-li-wong").full_name == "Wong"
    assert len(updated) == len(acme) + 1


def test_a_frame_with_the_id_as_a_column_still_reads_back(acme: cg.Account) -> None:
    df = frames.contacts_frame(acme).reset_index()  # as a CSV file holds it
    [bob] = acme.find_contacts(name="Bob Durand")
    df.loc[df["Contact ID"] == bob.id, "Title"] = "Accountant"
    updated = frames.contacts_from_frame(df, acme)
    assert updated.contact(bob.id).title == "Accountant"
    assert len(updated) == len(acme)
