"""The independent comparison itself, on the project's own files (runs on a bare clone).

The same check the public data sets go through holds on tests/data/salesforce,
and it fails when a store loses or changes what the files hold: a planted
change of a value, a custom field, a link, or a record.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from acceptkit import (
    PRIVATE,
    SYSTEM_ON_RELATION,
    Allowed,
    check_data_set,
    from_its_contact,
    not_kept,
    placed_under,
)
from rawfiles import csv_records, plan_records, report_records, tree_records

import contactgraph as cg
from contactgraph.interop import ImportOptions, import_csv, import_tree

DATA = Path(__file__).resolve().parents[1] / "data" / "salesforce"
OPTIONS = ImportOptions(default_region="US", orphan_account="Resort Guests")
CLOSED_WON = Allowed(
    1,
    "'Closed/Won' is read as the standard 'Closed Won'",
    lambda expected, actual: (expected, actual) == ("Closed/Won", "Closed Won"),
)


def _crm() -> cg.Store:
    store = cg.open_store()
    import_tree(store, DATA / "crm/data-plan.json", options=OPTIONS)
    return store


def _check_crm(store: cg.Store) -> None:
    check_data_set(
        plan_records(DATA / "crm/data-plan.json"),
        store,
        default_region="US",
        allowed={("Opportunity", "StageName"): CLOSED_WON},
    )


NESTED = DATA / "nested/accounts-contacts-tree.json"
RELATION_NOT_KEPT = {
    ("AccountContactRelation", f): Allowed(1, SYSTEM_ON_RELATION, not_kept)
    for f in ("IsDirect", "CreatedDate")
}


@pytest.mark.parametrize(
    "plan",
    [
        "hierarchy/Account-plan.json",
        "junction/Account-AccountContactRelation-Contact-plan.json",
        "nested/accounts-contacts-tree.json",
    ],
)
def test_own_plans_land_as_the_files_say(plan: str) -> None:
    store = cg.open_store()
    import_tree(store, DATA / plan, options=OPTIONS)
    records = plan_records(DATA / plan) if "plan" in plan else tree_records(DATA / plan)
    allowed = RELATION_NOT_KEPT if plan.startswith("junction") else {}
    check_data_set(records, store, default_region="US", allowed=allowed)


def test_own_crm_lands_as_the_files_say() -> None:
    _check_crm(_crm())
    from_csv = cg.open_store()
    files = [DATA / "crm" / n for n in ("Accounts.csv", "Contacts.csv", "Opportunities.csv")]
    import_csv(from_csv, files, options=OPTIONS)
    kinds = {"Accounts": "Account", "Contacts": "Contact", "Opportunities": "Opportunity"}
    records = [r for p in files for r in csv_records(p, kinds[p.stem])]
    check_data_set(
        records, from_csv, default_region="US", allowed={("Opportunity", "StageName"): CLOSED_WON}
    )


def test_own_guests_and_report_land_as_the_files_say() -> None:
    store = cg.open_store()
    import_tree(store, DATA / "guests/data-plan.json", options=OPTIONS)
    check_data_set(
        plan_records(DATA / "guests/data-plan.json"),
        store,
        default_region="US",
        allowed={
            ("Contact", "AccountId"): Allowed(3, PRIVATE, placed_under("Resort Guests")),
            ("Case", "AccountId"): Allowed(2, "a case with only a ContactId", from_its_contact),
        },
        made={"Account": 1},
    )
    report = cg.open_store()
    import_csv(report, DATA / "reports/Accounts-Contacts.csv", options=OPTIONS)
    records = report_records(DATA / "reports/Accounts-Contacts.csv")
    check_data_set(records, report, default_region="US")


def _first_contact(store: cg.Store, email: str) -> tuple[cg.Account, Any]:
    [contact] = store.accounts.find_contacts(email=email)
    return store.accounts.account_of(contact.id), contact


def _change_email(store: cg.Store) -> None:
    account, alice = _first_contact(store, "alice.martin@acme.example")
    store.accounts.save(account.update_contact(alice.id, email="alice@elsewhere.example"))


def _drop_custom_field(store: cg.Store) -> None:
    account, alice = _first_contact(store, "alice.martin@acme.example")
    extra = {k: v for k, v in alice.extra.items() if k != "Languages__c"}
    store.accounts.save(account.update_contact(alice.id, extra=extra))


def _drop_manager(store: cg.Store) -> None:
    import_tree(store, NESTED)
    for account in store.accounts:
        for contact in account.contacts.values():
            if contact.reports_to:
                store.accounts.save(account.update_contact(contact.id, reports_to=None))
                return
    raise AssertionError("the nested data has a reports-to link")


def _lose_an_opportunity(store: cg.Store) -> None:
    store.opportunities.remove(store.opportunities.list()[0].id)


def _change_a_phone(store: cg.Store) -> None:
    acme = next(a for a in store.accounts if a.name == "ACME SA")
    store.accounts.save(acme.update(phone="+33 1 40 00 00 99"))


PLANTED: dict[str, Callable[[cg.Store], None]] = {
    "an email": _change_email,
    "a custom field": _drop_custom_field,
    "a reports-to link": _drop_manager,
    "a record": _lose_an_opportunity,
    "a phone": _change_a_phone,
}


def _check_crm_and_nested(store: cg.Store) -> None:
    records = [*plan_records(DATA / "crm/data-plan.json"), *tree_records(NESTED)]
    allowed = {("Opportunity", "StageName"): CLOSED_WON}
    check_data_set(records, store, default_region="US", allowed=allowed)


def test_the_check_passes_before_anything_is_planted() -> None:
    store = _crm()
    import_tree(store, NESTED)
    _check_crm_and_nested(store)


@pytest.mark.parametrize("loss", sorted(PLANTED))
def test_the_check_fails_on_a_planted_loss(loss: str) -> None:
    store = _crm()
    PLANTED[loss](store)
    if loss != "a reports-to link":
        import_tree(store, NESTED)
    with pytest.raises(AssertionError):
        _check_crm_and_nested(store)
