"""Commands that read: accounts, account, contact, search, org-chart, check, opportunities,
cases, hierarchy."""

from __future__ import annotations

import pytest
from clikit import run

from contactgraph.cli import (
    EXIT_AMBIGUOUS,
    EXIT_CHECK_FAILED,
    EXIT_NOT_FOUND,
    EXIT_NOT_READY,
    EXIT_OK,
)

Capsys = pytest.CaptureFixture[str]


def test_accounts_json_lists_every_account(demo: str, capsys: Capsys) -> None:
    result = run(capsys, "accounts", "--store", demo, "--json")
    assert result.code == EXIT_OK
    names = [a["name"] for a in result.json]
    assert names == ["ACME SA", "ACME Services SAS", "Globex GmbH", "Initech Ltd", "Soylent Corp"]


def test_accounts_says_when_the_limit_hides_some(demo: str, capsys: Capsys) -> None:
    result = run(capsys, "--store", demo, "accounts", "--limit", "2")
    assert result.code == EXIT_OK
    assert "Globex" not in result.out
    assert "the first 2 of 5 accounts" in result.out


def test_account_by_name_ignores_case_and_accents(demo: str, capsys: Capsys) -> None:
    result = run(capsys, "--store", demo, "account", "acme sa", "--json")
    assert result.code == EXIT_OK
    data = result.json
    assert data["name"] == "ACME SA"
    assert len(data["contacts"]) == 5
    assert data["readiness"]["actions"]["campaign"]["possible"] is True


def test_account_json_carries_the_opportunities_and_cases_of_the_card(
    demo: str, capsys: Capsys
) -> None:
    data = run(capsys, "--store", demo, "account", "ACME SA", "--json").json
    assert [o["name"] for o in data["opportunities"]] == ["ACME renewal 2027"]
    assert [c["subject"] for c in data["cases"]] == ["Invoice error on order 2026-118"]


def test_a_partial_name_suggests_the_account(demo: str, capsys: Capsys) -> None:
    result = run(capsys, "--store", demo, "account", "acme")
    assert result.code == EXIT_NOT_FOUND
    assert "did you mean 'ACME SA'" in result.err
    assert result.err.count("\n") == 1


def test_a_shared_name_lists_the_candidates_and_exits_6(demo: str, capsys: Capsys) -> None:
    assert run(capsys, "--store", demo, "add", "account", "Acme SA", "--city", "Paris").code == 0
    result = run(capsys, "--store", demo, "account", "acme sa", "--json")
    assert result.code == EXIT_AMBIGUOUS
    error = result.json["error"]
    assert error["kind"] == "ambiguous"
    cities = sorted(c["details"].get("city") for c in error["candidates"])
    assert cities == ["Lyon", "Paris"]
    assert {c["details"]["contacts"] for c in error["candidates"]} == {"5", "0"}
    assert "Traceback" not in result.err


def test_the_name_written_exactly_wins_over_look_alikes(demo: str, capsys: Capsys) -> None:
    run(capsys, "--store", demo, "add", "account", "Acme SA")
    result = run(capsys, "--store", demo, "account", "ACME SA", "--json")
    assert result.code == EXIT_OK
    assert len(result.json["contacts"]) == 5


def test_contact_by_email_with_related_objects(demo: str, capsys: Capsys) -> None:
    result = run(capsys, "--store", demo, "contact", "ALICE.MARTIN@acme.example.fr", "--json")
    assert result.code == EXIT_OK
    data = result.json
    assert data["account"]["name"] == "ACME SA"
    assert data["manager"]["name"] == "Hélène Dubois"
    assert [r["name"] for r in data["reports"]] == ["Bob Durand"]
    assert data["opportunities"][0]["role"] == "Economic Buyer"
    assert data["opportunities"][0]["is_primary"] is True


def test_contact_by_name_with_accents(demo: str, capsys: Capsys) -> None:
    result = run(capsys, "--store", demo, "contact", "helene dubois")
    assert result.code == EXIT_OK
    assert "Directrice générale" in result.out


def test_search_finds_contacts_and_accounts(demo: str, capsys: Capsys) -> None:
    result = run(capsys, "--store", demo, "search", "acme", "--json")
    assert result.code == EXIT_OK
    data = result.json
    assert {a["name"] for a in data["accounts"]} == {"ACME SA", "ACME Services SAS"}
    assert any(c["name"] == "Alice Martin" for c in data["contacts"])
    assert data["truncated"] is False


def test_search_says_when_it_stopped_at_its_limit(demo: str, capsys: Capsys) -> None:
    result = run(capsys, "--store", demo, "search", "acme", "--limit", "1")
    assert result.code == EXIT_OK
    assert "stopped at 1" in result.out
    data = run(capsys, "--store", demo, "search", "acme", "--limit", "1", "--json").json
    assert data["truncated"] is True
    assert len(data["accounts"]) == 1


@pytest.mark.parametrize(
    ("fmt", "marker"), [("text", "└──"), ("mermaid", "flowchart"), ("dot", "digraph")]
)
def test_org_chart_formats(demo: str, capsys: Capsys, fmt: str, marker: str) -> None:
    result = run(capsys, "--store", demo, "org-chart", "ACME SA", "--format", fmt)
    assert result.code == EXIT_OK
    assert marker in result.out
    assert "Chloé Petit" in result.out


def test_check_reports_the_account_that_is_not_actionable(demo: str, capsys: Capsys) -> None:
    result = run(capsys, "--store", demo, "check", "--json")
    assert result.code == EXIT_OK  # no error-level violation in the demo
    report = {r["account"]["name"]: r for r in result.json}
    assert report["Soylent Corp"]["readiness"]["actionable"] is False
    assert report["ACME SA"]["readiness"]["actionable"] is True


def test_check_strict_exits_1_and_counts_what_it_says(demo: str, capsys: Capsys) -> None:
    result = run(capsys, "--store", demo, "check", "--strict")
    assert result.code == EXIT_CHECK_FAILED
    assert "Soylent Corp: NOT actionable" in result.out
    assert "0 error(s), 4 warning(s) (--strict: warnings count)" in result.out


def test_check_problems_only_and_per_account(demo: str, capsys: Capsys) -> None:
    result = run(capsys, "--store", demo, "check", "--problems")
    assert "Soylent Corp" in result.out
    assert "ACME SA:" not in result.out
    result = run(capsys, "--store", demo, "check", "Initech Ltd", "--json")
    assert [r["account"]["name"] for r in result.json] == ["Initech Ltd"]


def test_opportunities_of_an_account(demo: str, capsys: Capsys) -> None:
    result = run(capsys, "--store", demo, "opportunities", "ACME SA")
    assert result.code == EXIT_OK
    assert "ACME renewal 2027" in result.out
    assert "Alice Martin" in result.out  # the primary contact
    data = run(capsys, "--store", demo, "opportunities", "Globex GmbH", "--json").json
    assert data == []


def test_cases_of_an_account_and_of_a_contact(demo: str, capsys: Capsys) -> None:
    by_account = run(capsys, "--store", demo, "cases", "ACME SA", "--json").json
    by_contact = run(capsys, "--store", demo, "cases", "bob.durand@acme.example.fr", "--json").json
    assert [c["subject"] for c in by_account] == ["Invoice error on order 2026-118"]
    assert by_contact == by_account
    assert run(capsys, "--store", demo, "cases", "Alice Martin", "--json").json == []


def test_cases_of_an_unknown_record_is_not_found(demo: str, capsys: Capsys) -> None:
    result = run(capsys, "--store", demo, "cases", "Nobody Atall")
    assert result.code == EXIT_NOT_FOUND
    assert "Account or Contact 'Nobody Atall' not found" in result.err


def test_hierarchy_shows_parent_and_children(demo: str, capsys: Capsys) -> None:
    data = run(capsys, "--store", demo, "hierarchy", "ACME Services SAS", "--json").json
    assert data["parent"]["name"] == "ACME SA"
    assert data["children"] == []
    assert data["hierarchy"]["name"] == "ACME SA"
    assert [c["name"] for c in data["hierarchy"]["children"]] == ["ACME Services SAS"]
    text = run(capsys, "--store", demo, "hierarchy", "ACME SA").out
    assert "Children: ACME Services SAS" in text
    assert "└── ACME Services SAS" in text


def test_unknown_account_is_exit_3_with_one_line(demo: str, capsys: Capsys) -> None:
    result = run(capsys, "--store", demo, "account", "Nowhere Inc")
    assert result.code == EXIT_NOT_FOUND
    assert result.out == ""
    assert result.err.count("\n") == 1
    assert "Nowhere Inc" in result.err
    assert "Traceback" not in result.err


def test_ready_lists_the_recipients(demo: str, capsys: Capsys) -> None:
    result = run(capsys, "--store", demo, "ready", "Initech Ltd", "--for", "campaign", "--json")
    assert result.code == EXIT_OK
    [initech] = result.json["accounts"]
    assert [c["name"] for c in initech["recipients"]] == ["Priya Patel"]
    assert initech["skipped"] == [
        {
            "id": initech["skipped"][0]["id"],
            "name": "Tom O'Connor",
            "email": "tom.oconnor@initech.example.co.uk",
            "reason": "opted out of email",
        }
    ]


def test_ready_gives_every_reason_not_with_exit_1(demo: str, capsys: Capsys) -> None:
    result = run(capsys, "--store", demo, "ready", "ACME SA", "Soylent Corp", "--for", "contract")
    assert result.code == EXIT_NOT_READY
    assert "contract: 1 of 2 account(s) ready" in result.out
    assert "Soylent Corp: NOT ready" in result.out
    assert "why:" in result.out
    data = run(capsys, "--store", demo, "ready", "Soylent Corp", "--json").json
    assert data["ready"] is False
    [soylent] = data["accounts"]
    assert soylent["recipients"] == []
    assert soylent["reasons"][0]["code"].startswith("readiness.")
