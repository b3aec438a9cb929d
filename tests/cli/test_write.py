"""Commands that change data: the record written with --json, and nothing written on refusal."""

from __future__ import annotations

import pytest
from clikit import run, snapshot

from contactgraph import open_store
from contactgraph.cli import EXIT_AMBIGUOUS, EXIT_NOT_FOUND, EXIT_OK, EXIT_REFUSED, EXIT_USAGE

Capsys = pytest.CaptureFixture[str]


def test_add_account_with_parent_prints_the_record(demo: str, capsys: Capsys) -> None:
    result = run(
        capsys,
        "--store", demo, "add", "account", "ACME Logistique",
        "--industry", "Logistics", "--country", "France", "--city", "Lyon",
        "--parent", "acme sa", "--json",
    )  # fmt: skip
    assert result.code == EXIT_OK, result.err
    data = result.json
    assert data["name"] == "ACME Logistique"
    assert data["billing_address"]["city"] == "Lyon"
    assert data["version"] == 1
    with open_store(demo) as store:
        stored = store.accounts.get(data["id"])
        assert stored.parent_id == store.accounts.find_by_external_id("demo", "acme").id


def test_add_account_on_a_fresh_store_creates_it(store_url: str, capsys: Capsys) -> None:
    result = run(capsys, "--store", store_url, "add", "account", "Initech Ltd")
    assert result.code == EXIT_OK
    assert "added account Initech Ltd" in result.out


def test_add_contact_with_manager_by_name(demo: str, capsys: Capsys) -> None:
    result = run(
        capsys,
        "--store", demo, "add", "contact", "ACME SA",
        "--last-name", "Roux", "--first-name", "Léa", "--salutation", "Mme",
        "--email", "lea.roux@acme.example.fr", "--phone", "04 72 00 00 09",
        "--title", "Acheteuse", "--department", "Achats",
        "--reports-to", "karim benali", "--decision-role", "Influencer", "--json",
    )  # fmt: skip
    assert result.code == EXIT_OK, result.err
    lea = result.json
    assert lea["last_name"] == "Roux"
    assert lea["phone"] == "+33472000009"
    karim = run(capsys, "--store", demo, "contact", "karim.benali@acme.example.fr", "--json").json
    assert lea["reports_to"] == karim["id"]
    assert lea["account_id"] == karim["account"]["id"]


def test_a_last_name_is_enough(demo: str, capsys: Capsys) -> None:
    result = run(capsys, "--store", demo, "add", "contact", "Globex GmbH", "--last-name", "Braun")
    assert result.code == EXIT_OK
    assert "added Braun" in result.out


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["add", "contact", "ACME SA", "--last-name", "Roux", "--email", "not-an-email"], "email"),
        (["add", "contact", "ACME SA", "--last-name", " "], "last_name"),
        (["add", "contact", "ACME SA", "--last-name", "Roux", "--decision-role", "Boss"], "role"),
        (["add", "account", ""], "name"),
        (
            [
                "add",
                "opportunity",
                "ACME SA",
                "--name",
                "X",
                "--stage",
                "Dreaming",
                "--close-date",
                "2027-01-31",
            ],
            "stage",
        ),
        (
            ["add", "role", "ACME renewal 2027", "Anna Schmidt", "--role", "Influencer"],
            "contact",
        ),
        (["add", "case", "ACME SA", "--subject", "Broken", "--priority", "Urgent"], "priority"),
        (["edit", "contact", "alice.martin@acme.example.fr", "--last-name", ""], "last_name"),
        (["edit", "contact", "Alice Martin", "--reports-to", "bob durand"], "reports_to"),
        (["edit", "contact", "Bob Durand", "--reports-to", "Anna Schmidt"], "reports_to"),
        (["edit", "account", "ACME SA", "--parent", "ACME Services SAS"], "parent_id"),
        (["move", "Alice Martin", "--to", "ACME SA"], "account"),
    ],
)
def test_bad_input_names_the_violation_and_writes_nothing(
    demo: str, capsys: Capsys, argv: list[str], named: str
) -> None:
    before = snapshot(demo)
    result = run(capsys, "--store", demo, *argv, "--json")
    assert result.code == EXIT_REFUSED, result.err
    error = result.json["error"]
    assert error["kind"] == "refused"
    assert named in error["message"]
    assert "Traceback" not in result.err
    assert snapshot(demo) == before


def test_a_refusal_lists_violations_with_code_and_field(demo: str, capsys: Capsys) -> None:
    result = run(
        capsys, "--store", demo, "add", "contact", "ACME SA", "--last-name", "Roux",
        "--email", "nope", "--json",
    )  # fmt: skip
    [violation] = result.json["error"]["violations"]
    assert violation["field"] == "email"
    assert violation["code"].startswith("email.")


def test_edit_account_changes_and_clears_fields(demo: str, capsys: Capsys) -> None:
    result = run(
        capsys, "--store", demo, "edit", "account", "Globex GmbH",
        "--industry", "Transport", "--city", "Hamburg", "--type", "", "--json",
    )  # fmt: skip
    assert result.code == EXIT_OK, result.err
    data = result.json
    assert data["industry"] == "Transport"
    assert data["type"] is None
    assert data["billing_address"]["city"] == "Hamburg"
    assert data["billing_address"]["street"] == "Friedrichstraße 100"  # other parts kept


def test_edit_account_parent_and_detach(demo: str, capsys: Capsys) -> None:
    data = run(
        capsys, "--store", demo, "edit", "account", "Initech Ltd", "--parent", "Globex GmbH",
        "--json",
    ).json  # fmt: skip
    assert data["parent_id"] is not None
    data = run(
        capsys, "--store", demo, "edit", "account", "Initech Ltd", "--parent", "", "--json"
    ).json
    assert data["parent_id"] is None


def test_edit_contact_completes_and_clears(demo: str, capsys: Capsys) -> None:
    result = run(
        capsys, "--store", demo, "edit", "contact", "bob.durand@acme.example.fr",
        "--phone", "04 72 00 00 04", "--title", "Chef comptable", "--department", "",
        "--reports-to", "", "--json",
    )  # fmt: skip
    assert result.code == EXIT_OK, result.err
    bob = result.json
    assert bob["phone"] == "+33472000004"
    assert bob["title"] == "Chef comptable"
    assert bob["department"] is None
    assert bob["reports_to"] is None


def test_edit_with_nothing_to_change_is_a_usage_error(demo: str, capsys: Capsys) -> None:
    result = run(capsys, "--store", demo, "edit", "contact", "Bob Durand")
    assert result.code == EXIT_USAGE
    assert "nothing to change" in result.err


def test_deactivate_and_reactivate(demo: str, capsys: Capsys) -> None:
    data = run(capsys, "--store", demo, "deactivate", "Chloé Petit", "--json").json
    assert data["active"] is False
    data = run(capsys, "--store", demo, "reactivate", "chloe petit", "--json").json
    assert data["active"] is True


def test_move_keeps_history_and_reports_cut_links(demo: str, capsys: Capsys) -> None:
    result = run(
        capsys, "--store", demo, "move", "Alice Martin", "--to", "Globex GmbH",
        "--on", "2027-01-01", "--json",
    )  # fmt: skip
    assert result.code == EXIT_OK, result.err
    data = result.json
    assert data["to_account"]["name"] == "Globex GmbH"
    assert data["relation"]["end_date"] == "2027-01-01"
    assert data["contact"]["reports_to"] is None
    assert any("Bob Durand no longer reports to Alice Martin" in w for w in data["warnings"])


def test_opportunity_role_and_case_lifecycle(demo: str, capsys: Capsys) -> None:
    deal = run(
        capsys, "--store", demo, "add", "opportunity", "Globex GmbH", "--name", "Globex pilot",
        "--stage", "Prospecting", "--close-date", "2027-06-30", "--amount", "5000",
        "--currency", "eur", "--json",
    ).json  # fmt: skip
    assert deal["amount"] == {"amount": "5000", "currency": "EUR"}
    role = run(
        capsys, "--store", demo, "add", "role", "Globex pilot", "Anna Schmidt",
        "--role", "Evaluator", "--primary", "--json",
    ).json  # fmt: skip
    assert role["contact_roles"][0]["role"] == "Evaluator"
    assert role["contact_roles"][0]["is_primary"] is True
    case = run(
        capsys, "--store", demo, "add", "case", "Globex GmbH", "--subject", "Login fails",
        "--contact", "a.schmidt@globex.example.de", "--priority", "High", "--json",
    ).json  # fmt: skip
    assert case["status"] == "New"
    assert case["priority"] == "High"
    closed = run(capsys, "--store", demo, "close", "case", "Login fails", "--json").json
    assert closed["status"] == "Closed"
    assert closed["closed_at"] is not None


def test_names_shared_by_several_contacts_list_candidates(demo: str, capsys: Capsys) -> None:
    run(capsys, "--store", demo, "add", "contact", "Initech Ltd", "--last-name", "Martin",
        "--first-name", "Alice", "--title", "Buyer")  # fmt: skip
    before = snapshot(demo)
    result = run(capsys, "--store", demo, "deactivate", "Alice Martin", "--json")
    assert result.code == EXIT_AMBIGUOUS
    candidates = result.json["error"]["candidates"]
    assert {c["details"]["at"] for c in candidates} == {"ACME SA", "Initech Ltd"}
    assert snapshot(demo) == before


def test_an_unknown_record_is_not_found_and_nothing_is_written(demo: str, capsys: Capsys) -> None:
    before = snapshot(demo)
    result = run(capsys, "--store", demo, "add", "contact", "Nowhere Inc", "--last-name", "X")
    assert result.code == EXIT_NOT_FOUND
    assert snapshot(demo) == before


def test_an_empty_contact_for_a_role_is_a_usage_error(demo: str, capsys: Capsys) -> None:
    result = run(
        capsys, "--store", demo, "add", "role", "ACME renewal 2027", "", "--role", "Influencer"
    )
    assert result.code == EXIT_USAGE
    assert "CONTACT is empty" in result.err


def test_a_phone_no_country_places_is_kept_unverified_with_a_warning(
    store_url: str, capsys: Capsys
) -> None:
    assert run(capsys, "--store", store_url, "add", "account", "Nowhere Ltd").code == EXIT_OK
    result = run(
        capsys, "--store", store_url, "add", "contact", "Nowhere Ltd",
        "--last-name", "Roux", "--phone", "01 44 27 44 27", "--json",
    )  # fmt: skip
    assert result.code == EXIT_OK, result.err
    assert "--phone '01 44 27 44 27' has no country" in result.err
    assert result.json["phone"] == "unverified:01 44 27 44 27"
    # once the account has a country, the same text is read there
    run(capsys, "--store", store_url, "edit", "account", "Nowhere Ltd", "--country", "France")
    edited = run(
        capsys, "--store", store_url, "edit", "contact", result.json["id"],
        "--mobile", "06 12 34 56 78", "--json",
    )  # fmt: skip
    assert edited.code == EXIT_OK, edited.err
    assert edited.json["mobile"] == "+33612345678"
    assert "no country" not in edited.err
