"""Import -> export -> import gives the same data, in both formats; CSV cells stay safe."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from interopkit import snapshot

import contactgraph as cg
from contactgraph.interop import (
    export_csv,
    export_tree,
    import_csv,
    import_tree,
    neutralise,
    restore,
)
from contactgraph.testing import strategies as cgst


def build_crm(store: Any) -> None:
    """A small CRM with everything the round trip must keep: reports-to, roles, consent, ids."""
    acme = cg.Account.create(
        "ACME SA",
        billing_address={
            "street": "1 rue de la Paix\nBâtiment B",
            "city": "Paris",
            "country": "France",
        },
        annual_revenue="1250000.50",
        external_ids={"salesforce": "001000000000001AAA"},
        extra={"Rating__c": "Hot", "Score__c": 12},
    )
    acme, alice = acme.add_contact(
        "Martin",
        first_name="Alice",
        salutation="Ms.",
        email="alice@acme.fr",
        phone="01 23 45 67 89",
        mobile="06 12 34 56 78",
        title="CFO",
        department="Finance",
        decision_role="Economic Buyer",
        alternate_emails=["a.martin@acme.fr", "alice@perso.fr"],
        external_ids={"salesforce": "003000000000001AAA"},
        birthdate="1980-02-29",
    )
    acme, bob = acme.add_contact(
        "Durand",
        first_name="Bob",
        reports_to=alice.id,
        email="bob@acme.fr",
        email_opt_out=True,
        do_not_call=True,
        description='=HYPERLINK("http://evil")\nsecond line, with comma; semicolon',
    )
    acme, chloe = acme.add_contact("O'Callaghan", first_name="-Chloé", reports_to=bob.id)
    acme = acme.deactivate_contact(chloe.id)
    globex = cg.Account.create("+Globex", parent_id=None, phone_region="US", phone="415 555 0100")
    globex, _dana = globex.add_contact(
        "Smith", first_name="Dana", phone="415 555 0101", title="@CEO"
    )
    with store.transaction():
        acme = store.accounts.add(acme)
        globex = store.accounts.add(globex)
        store.accounts.save(globex.update(parent_id=acme.id))
        deal = cg.Opportunity.create(
            "ACME renewal",
            acme.id,
            stage="Negotiation/Review",
            close_date=date(2027, 3, 31),
            amount=Decimal("12000.00"),
            currency="EUR",
            external_ids={"salesforce": "006000000000001AAA"},
        )
        deal = deal.add_contact_role(alice.id, "Economic Buyer", primary=True)
        deal = deal.add_contact_role(bob.id, "Influencer")
        store.opportunities.add(deal)
        store.cases.add(
            cg.Case.create("Invoice error", acme.id, bob.id, priority="High", origin="Email")
        )
        store.relations.add(
            cg.AccountContactRelation.create(
                globex.id, alice.id, roles="Influencer;Evaluator", start_date="2024-01-01"
            )
        )


def _csv_trip(store: Any, folder: Path, fresh: Any) -> Any:
    report = export_csv(store, folder)
    import_csv(fresh, report.files)
    return fresh


def _tree_trip(store: Any, folder: Path, fresh: Any) -> Any:
    report = export_tree(store, folder)
    import_tree(fresh, report.files[0])
    return fresh


TRIPS: dict[str, Callable[[Any, Path, Any], Any]] = {"csv": _csv_trip, "tree": _tree_trip}


@pytest.mark.parametrize("trip", sorted(TRIPS))
def test_a_built_crm_survives_the_round_trip(
    trip: str, store: Any, new_store: Callable[[], Any], tmp_path: Path
) -> None:
    build_crm(store)
    expected = snapshot(store)
    if trip == "csv":  # CSV has only text: custom field values come back as text
        expected = _extras_as_text(expected)
    fresh = TRIPS[trip](store, tmp_path / "out", new_store())
    assert snapshot(fresh) == expected
    again = TRIPS[trip](fresh, tmp_path / "out2", fresh)
    assert snapshot(again) == expected


def _extras_as_text(data: Any) -> Any:
    if isinstance(data, dict):
        return {
            k: ({x: str(y) for x, y in v.items()} if k == "extra" else _extras_as_text(v))
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [_extras_as_text(x) for x in data]
    return data


def test_csv_export_is_data_loader_shaped_and_safe(store: Any, tmp_path: Path) -> None:
    build_crm(store)
    report = export_csv(store, tmp_path)
    names = [p.name for p in report.files]
    assert names[:2] == ["Account.csv", "Contact.csv"]
    raw = (tmp_path / "Contact.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw
    rows = _dict_rows(tmp_path / "Contact.csv")
    bob = next(r for r in rows if r["LastName"] == "Durand")
    alice = next(r for r in rows if r["LastName"] == "Martin")
    assert bob["Description"].startswith("'=HYPERLINK")
    assert bob["ReportsToId"] == "003000000000001AAA"  # the manager's Salesforce id
    assert bob["HasOptedOutOfEmail"] == "true"
    assert alice["Phone"] == "'+33123456789"
    assert alice["Id"] == "003000000000001AAA"
    chloe = next(r for r in rows if r["LastName"] == "O'Callaghan")
    assert chloe["FirstName"] == "'-Chloé"
    assert chloe["ContactGraph_Active__c"] == "false"
    accounts = _dict_rows(tmp_path / "Account.csv")
    assert {a["Name"] for a in accounts} == {"ACME SA", "'+Globex"}
    assert next(a for a in accounts if a["Name"] == "ACME SA")["Rating__c"] == "Hot"
    for path in report.files:
        with path.open(encoding="utf-8", newline="") as handle:
            cells = [value for row in csv.reader(handle) for value in row]
        for value in cells:
            assert value[:1] not in ("=", "+", "-", "@", "\t", "\r"), (path.name, value)


def _dict_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_tree_export_for_salesforce_leaves_our_fields_out(store: Any, tmp_path: Path) -> None:
    build_crm(store)
    report = export_tree(store, tmp_path, salesforce_compatible=True)
    text = "".join(p.read_text("utf-8") for p in report.files)
    assert "ContactGraph_" not in text
    assert '"Id"' not in text
    assert "@AccountRef1" in text


def test_export_of_some_accounts(store: Any, tmp_path: Path) -> None:
    build_crm(store)
    acme = next(a for a in store.accounts if a.name == "ACME SA")
    report = export_csv(store, tmp_path, account_ids=[acme.id])
    assert report.counts["Account"] == 1
    assert report.counts["Contact"] == 3
    assert report.counts["Opportunity"] == 1


FORMULA_START = st.sampled_from(["=", "+", "-", "@", "\t", "\r", "'", "''", "a", ""])


@given(st.tuples(FORMULA_START, st.text(max_size=20)).map("".join))
def test_neutralise_is_reversible_and_safe(value: str) -> None:
    safe = neutralise(value)
    assert restore(safe) == value
    assert safe[:1] not in ("=", "+", "-", "@", "\t", "\r")


@given(cgst.accounts(max_contacts=6, max_commands=6))
def test_generated_accounts_survive_the_csv_round_trip(account: cg.Account) -> None:
    import tempfile

    store = cg.open_store()
    store.accounts.add(account)
    expected = snapshot(store)
    with tempfile.TemporaryDirectory() as folder:
        fresh = _csv_trip(store, Path(folder), cg.open_store())
    assert snapshot(fresh) == expected
