"""An import never opts a person back in: consent flags go from False to True, never back.

A source without the consent columns, or with empty cells, keeps the stored
flags; a source that says ``false`` for a contact stored as opted out keeps the
opt-out and warns, unless ``ImportOptions(restore_consent=True)``.
"""

from __future__ import annotations

import csv
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from interopkit import US

import contactgraph as cg
from contactgraph.interop import ImportOptions, import_csv, import_tree
from contactgraph.interop.frames import contacts_frame, contacts_from_frame

DATA = Path(__file__).resolve().parents[1] / "data" / "salesforce"
CONSENT = {"email_opt_out": "HasOptedOutOfEmail", "do_not_call": "DoNotCall"}


def _opted_out_alice(store: Any) -> cg.Contact:
    import_tree(store, DATA / "crm/data-plan.json", options=US)
    [alice] = store.accounts.find_contacts(email="alice.martin@acme.example")
    acme = store.accounts.account_of(alice.id)
    acme = acme.update_contact(alice.id, email_opt_out=True, do_not_call=True)
    store.accounts.save(acme)
    return store.accounts.get_contact(alice.id)


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_a_file_without_consent_columns_keeps_the_opt_outs(store: Any) -> None:
    alice = _opted_out_alice(store)
    import_csv(
        store,
        [DATA / "crm/Opportunities.csv", DATA / "crm/Contacts.csv", DATA / "crm/Accounts.csv"],
        options=US,
    )
    again = store.accounts.get_contact(alice.id)
    assert (again.email_opt_out, again.do_not_call) == (True, True)


@pytest.mark.parametrize("cell", ["", "false", "0"])
def test_empty_or_false_cells_keep_the_opt_outs(store: Any, tmp_path: Path, cell: str) -> None:
    alice = _opted_out_alice(store)
    path = _csv(
        tmp_path / "Contact.csv",
        ["ContactGraph_Id__c", "LastName", "HasOptedOutOfEmail", "DoNotCall"],
        [[alice.id, "Martin", cell, cell]],
    )
    report = import_csv(store, path, options=US)
    again = store.accounts.get_contact(alice.id)
    assert (again.email_opt_out, again.do_not_call) == (True, True)
    kept = sorted(w.field or "" for w in report.warnings if "opt-out is kept" in w.reason)
    assert kept == ([] if cell == "" else ["DoNotCall", "HasOptedOutOfEmail"])


def test_restore_consent_lets_the_source_opt_a_person_back_in(store: Any, tmp_path: Path) -> None:
    alice = _opted_out_alice(store)
    path = _csv(
        tmp_path / "Contact.csv",
        ["ContactGraph_Id__c", "LastName", "HasOptedOutOfEmail"],
        [[alice.id, "Martin", "false"]],
    )
    import_csv(store, path, options=ImportOptions(default_region="US", restore_consent=True))
    again = store.accounts.get_contact(alice.id)
    assert (again.email_opt_out, again.do_not_call) == (False, True)


def test_tree_json_that_says_false_keeps_the_opt_out(store: Any, tmp_path: Path) -> None:
    alice = _opted_out_alice(store)
    record = {
        "attributes": {"type": "Contact", "referenceId": "Again1"},
        "ContactGraph_Id__c": alice.id,
        "LastName": "Martin",
        "HasOptedOutOfEmail": False,
        "DoNotCall": None,
    }
    path = tmp_path / "Contact.json"
    path.write_text(json.dumps({"records": [record]}), encoding="utf-8")
    report = import_tree(store, path, options=US)
    again = store.accounts.get_contact(alice.id)
    assert (again.email_opt_out, again.do_not_call) == (True, True)
    assert [w.field for w in report.warnings if "opt-out is kept" in w.reason] == [
        "HasOptedOutOfEmail"
    ]


def test_a_data_frame_that_says_false_keeps_the_opt_out(store: Any) -> None:
    pytest.importorskip("pandas")
    alice = _opted_out_alice(store)
    acme = store.accounts.account_of(alice.id)
    frame = contacts_frame(acme)
    frame.loc[alice.id, "Email Opt Out"] = False
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        kept = contacts_from_frame(frame, acme)
    assert kept.contact(alice.id).email_opt_out is True
    assert any(alice.id in str(w.message) for w in seen)
    restored = contacts_from_frame(frame, acme, restore_consent=True)
    assert restored.contact(alice.id).email_opt_out is False


# --------------------------------------------------------------- property

_CELLS = st.sampled_from(["true", "false", "", None])  # None: the column is missing


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    stored=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=5),
    cells=st.lists(st.tuples(_CELLS, _CELLS), min_size=5, max_size=5),
    missing=st.tuples(st.booleans(), st.booleans()),
)
def test_an_import_never_turns_a_stored_opt_out_off(
    tmp_path_factory: pytest.TempPathFactory,
    stored: list[tuple[bool, bool]],
    cells: list[tuple[str | None, str | None]],
    missing: tuple[bool, bool],
) -> None:
    store = cg.open_store()
    account = cg.Account.create(name="ACME SA")
    for i, (email_opt_out, do_not_call) in enumerate(stored):
        account, _ = account.add_contact(
            last_name=f"Person{i}", email_opt_out=email_opt_out, do_not_call=do_not_call
        )
    account = store.accounts.add(account)
    before = {c.id: c for c in account.contacts.values()}
    columns = [api for (field, api), gone in zip(CONSENT.items(), missing, strict=True) if not gone]
    rows = []
    for (contact_id, _), pair in zip(before.items(), cells, strict=False):
        given_cells = {api: cell or "" for api, cell in zip(CONSENT.values(), pair, strict=True)}
        rows.append([contact_id, account.id, *(given_cells[c] for c in columns)])
    folder = tmp_path_factory.mktemp("consent")
    path = _csv(folder / "Contact.csv", ["ContactGraph_Id__c", "AccountId", *columns], rows)
    import_csv(store, path, options=US)
    after = store.accounts.get(account.id)
    for contact_id, old in before.items():
        new = after.contact(contact_id)
        for field in CONSENT:
            assert getattr(new, field) >= getattr(old, field), (field, contact_id)
