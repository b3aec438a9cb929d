"""`contactgraph history`, `personal-data` and `forget`: read, export and erase from the shell."""

from __future__ import annotations

import pytest
from clikit import run, snapshot

import contactgraph as cg
from contactgraph.cli import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE
from contactgraph.privacy import FORGOTTEN_NAME


@pytest.fixture
def crm(store_url: str) -> str:
    acme = cg.Account.create(name="ACME SA")
    acme, _ = acme.add_contact(last_name="Quaxley", first_name="Wilhelmina", email="wq@acme.fr")
    with cg.open_store(store_url, actor="import") as store:
        acme = store.accounts.add(acme)
        [w] = acme.contacts.values()
        store.accounts.save(acme.update_contact(w.id, title="CFO"))
        store.cases.add(cg.Case.create("Wilhelmina Quaxley cannot log in", acme.id, w.id))
    return store_url


def test_history_of_a_contact_as_text_and_json(
    crm: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = run(capsys, "--store", crm, "history", "wq@acme.fr")
    assert text.code == EXIT_OK
    assert "CFO" in text.out
    assert "import" in text.out
    data = run(
        capsys, "--store", crm, "history", "Wilhelmina Quaxley", "--field", "title", "--json"
    )
    assert [(c["action"], c["old"], c["new"]) for c in data.json["changes"]] == [
        ("updated", None, "CFO")
    ]
    account = run(capsys, "--store", crm, "history", "--account", "ACME SA", "--json")
    assert {c["field"] for c in account.json["changes"]} >= {"name"}


def test_personal_data_prints_one_json_document(
    crm: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "--store", crm, "personal-data", "wq@acme.fr")
    assert result.code == EXIT_OK
    assert result.json["contact"]["email"] == "wq@acme.fr"
    assert result.json["cases"][0]["subject"] == "Wilhelmina Quaxley cannot log in"


def test_forget_asks_for_yes_and_changes_nothing_without_it(
    crm: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(crm)
    result = run(capsys, "--store", crm, "forget", "wq@acme.fr")
    assert result.code == EXIT_USAGE
    assert "--yes" in result.err
    assert snapshot(crm) == before


def test_forget_with_yes_erases_the_person(crm: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(
        capsys, "--store", crm, "forget", "wq@acme.fr", "--yes", "--actor", "dpo", "--json"
    )
    assert result.code == EXIT_OK
    assert result.json["files_scrubbed"] is True
    assert "email" in result.json["fields"]
    assert run(capsys, "--store", crm, "contact", "wq@acme.fr").code == EXIT_NOT_FOUND
    assert run(capsys, "--store", crm, "search", "quaxley", "--json").json["contacts"] == []
    with cg.open_store(crm) as store:
        [account] = list(store.accounts)
        [placeholder] = account.contacts.values()
        assert placeholder.last_name == FORGOTTEN_NAME
        assert store.history.of(placeholder.id)[-1].actor == "dpo"
    again = run(capsys, "--store", crm, "forget", "Wilhelmina", "--yes")
    assert again.code == EXIT_NOT_FOUND
