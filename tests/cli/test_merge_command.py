"""`contactgraph merge` and `unmerge`: a dry run, a merge with a chosen value, its undo."""

from __future__ import annotations

import json

import pytest

import contactgraph as cg
from contactgraph.cli import EXIT_AMBIGUOUS, EXIT_NOT_FOUND, EXIT_OK, EXIT_REFUSED, EXIT_USAGE, main


@pytest.fixture
def twins(store_url: str) -> tuple[str, str, str]:
    acme = cg.Account.create(name="ACME SA")
    acme, alice = acme.add_contact(first_name="Alice", last_name="Martin", email="alice@acme.fr")
    acme, twin = acme.add_contact(
        first_name="Alice", last_name="Martin", email="alice.m@gmail.com", title="CFO"
    )
    with cg.open_store(store_url) as store:
        store.accounts.add(acme)
    return store_url, alice.id, twin.id


def test_a_dry_run_shows_the_plan_and_writes_nothing(
    twins: tuple[str, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    url, alice, twin = twins
    code = main(["--store", url, "merge", "contacts", alice, twin, "--dry-run", "--json"])
    plan = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK
    assert (plan["survivor_id"], plan["loser_ids"]) == (alice, [twin])
    title = next(f for f in plan["fields"] if f["field"] == "title")
    assert (title["value"], title["source"]) == ("CFO", twin)
    with cg.open_store(url) as store:
        assert store.accounts.get_contact(twin).title == "CFO"
        assert store.merges.count() == 0


def test_merge_with_take_then_unmerge(
    twins: tuple[str, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    url, alice, twin = twins
    code = main(["--store", url, "merge", "contacts", alice, twin, "--take", f"email={twin}"])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    merge_id = out.rsplit("unmerge ", 1)[1].strip()
    with cg.open_store(url) as store:
        merged = store.accounts.get_contact(alice)
        assert merged.email is not None
        assert merged.email.address == "alice.m@gmail.com"
        assert [e.address for e in merged.alternate_emails] == ["alice@acme.fr"]
    assert main(["--store", url, "unmerge", merge_id, "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["unmerged_at"] is not None
    with cg.open_store(url) as store:
        assert store.accounts.get_contact(twin).title == "CFO"
    assert main(["--store", url, "unmerge", merge_id]) == EXIT_REFUSED


def test_bad_arguments_are_refused(
    twins: tuple[str, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    url, alice, twin = twins
    assert main(["--store", url, "merge", "contacts", alice, "nobody"]) == EXIT_NOT_FOUND
    assert main(["--store", url, "merge", "contacts", alice, twin, "--take", "email"]) == EXIT_USAGE
    assert main(["--store", url, "merge", "accounts", alice, twin]) == EXIT_NOT_FOUND
    assert main(["--store", url, "unmerge", "no-such-merge"]) == EXIT_NOT_FOUND
    assert main(["--store", url, "merge", "contacts", "Alice Martin", twin]) == EXIT_AMBIGUOUS
    capsys.readouterr()


def test_records_may_be_named_by_email(
    twins: tuple[str, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    url, alice, twin = twins
    code = main(["--store", url, "merge", "contacts", "alice@acme.fr", "alice.m@gmail.com"])
    assert code == EXIT_OK
    assert f"into {alice}" in capsys.readouterr().out
    with cg.open_store(url) as store:
        assert not store.accounts.contacts_by_id([twin])
