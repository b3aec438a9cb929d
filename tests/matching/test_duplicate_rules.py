"""Duplicate rules on create and update: allow, alert, block; configured per store."""

from __future__ import annotations

import builtins
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import contactgraph as cg
from contactgraph.errors import InvalidValueError, MissingDependencyError
from contactgraph.repos.repositories import Accounts
from contactgraph.rules import DuplicateRule, DuplicateRules, DuplicateWarning
from contactgraph.store import Store
from contactgraph.testing.strategies import emails, person_name_fields
from storekit import BACKENDS


@pytest.fixture(params=BACKENDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _open(kind: str, tmp_path: Path, rules: Any) -> Store:
    if kind == "memory":
        return cg.open_store(duplicates=rules)
    return cg.open_store(f"sqlite:///{tmp_path}/crm.db", duplicates=rules)


@pytest.fixture
def acme_store(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Store]:
    rules = getattr(request, "param", "alert")
    store = _open(kind, tmp_path, rules)
    acme = cg.Account.create(name="ACME SA", website="https://acme.fr", phone="+33 1 40 00 00 00")
    acme, _ = acme.add_contact(
        last_name="Martin", first_name="Alice", email="alice@acme.fr", title="CFO"
    )
    acme, _ = acme.add_contact(last_name="Durand", first_name="Bob", phone="+33 6 12 34 56 78")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the first save finds nothing
        store.accounts.add(acme)
    try:
        yield store
    finally:
        store.close()


def _acme(store: Store) -> cg.Account:
    [acme] = store.accounts.find_by_name("ACME SA")
    return acme


def _alice(store: Store) -> cg.Contact:
    [alice] = store.accounts.find_contacts(email="alice@acme.fr")
    return alice


def _caught(fn: Any) -> tuple[Any, list[DuplicateWarning]]:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = fn()
    return result, [w.message for w in seen if isinstance(w.message, DuplicateWarning)]


# ------------------------------------------------------------------- alert


def test_alert_names_the_stored_contact_and_lets_the_write_land(acme_store: Store) -> None:
    alice = _alice(acme_store)
    acme, again = _acme(acme_store).add_contact(
        last_name="MARTIN", first_name="Alice", email="Alice@ACME.fr"
    )
    saved, found = _caught(lambda: acme_store.accounts.save(acme))
    assert again.id in saved.contacts
    [warning] = found
    assert (warning.kind, warning.record_id, warning.ids) == ("contact", again.id, (alice.id,))
    [candidate] = warning.candidates
    assert candidate.score >= acme_store.duplicate_rules.threshold
    assert "email: same address" in candidate.reasons
    assert again.id in str(warning)
    assert candidate.id in str(warning)


def test_a_nickname_in_another_account_is_found_through_the_phone(acme_store: Store) -> None:
    globex = cg.Account.create(name="Globex")
    globex, robert = globex.add_contact(
        last_name="Durand", first_name="Robert", mobile="+33 6 12 34 56 78"
    )
    _, found = _caught(lambda: acme_store.accounts.add(globex))
    [warning] = found
    assert warning.record_id == robert.id
    assert [c.label for c in warning.candidates] == ["Bob Durand"]
    assert any(r.startswith("first_name: nickname") for r in warning.candidates[0].reasons)


def test_namesakes_with_other_first_names_and_details_are_not_alerted(acme_store: Store) -> None:
    acme, _ = _acme(acme_store).add_contact(
        last_name="Martin", first_name="Zoe", email="zoe@acme.fr"
    )
    _, found = _caught(lambda: acme_store.accounts.save(acme))
    assert found == []


def test_an_update_is_checked_only_when_a_key_field_changes(acme_store: Store) -> None:
    acme = _acme(acme_store)
    [bob] = acme_store.accounts.find_contacts(name="Bob Durand")
    acme, zoe = acme.add_contact(last_name="Lambert", first_name="Zoé", email="zoe@acme.fr")
    acme, found = _caught(lambda: acme_store.accounts.save(acme))
    assert found == []
    retitled = acme.update_contact(bob.id, title="Accountant")
    acme, found = _caught(lambda: acme_store.accounts.save(retitled))
    assert found == []
    renamed = acme.update_contact(
        zoe.id, first_name="Alice", last_name="Martin", email="alice@acme.fr"
    )
    _, found = _caught(lambda: acme_store.accounts.save(renamed))
    assert [w.record_id for w in found] == [zoe.id]


def test_two_new_duplicates_in_one_write_are_told_once(acme_store: Store) -> None:
    initech = cg.Account.create(name="Initech")
    initech, one = initech.add_contact(last_name="Lumbergh", first_name="Bill", email="bill@i.com")
    initech, two = initech.add_contact(last_name="Lumbergh", first_name="Bill", email="bill@i.com")
    _, found = _caught(lambda: acme_store.accounts.add(initech))
    pairs = {frozenset((w.record_id, *w.ids)) for w in found}
    assert pairs == {frozenset((one.id, two.id))}
    assert len(found) == 1


def test_warnings_go_to_the_collector_when_one_is_open(acme_store: Store) -> None:
    acme, again = _acme(acme_store).add_contact(last_name="Martin", email="alice@acme.fr")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing reaches the warnings module
        with acme_store.collect_warnings() as collected:
            acme_store.accounts.save(acme)
    assert [w.record_id for w in collected] == [again.id]


@pytest.mark.parametrize("acme_store", [DuplicateRules(contacts="alert")], indirect=True)
def test_accounts_follow_their_own_rule(acme_store: Store) -> None:
    _, found = _caught(
        lambda: acme_store.accounts.add(cg.Account.create(name="Acme", website="acme.fr"))
    )
    assert found == []  # accounts: allow


# ------------------------------------------------------------------- block


@pytest.mark.parametrize("acme_store", ["block"], indirect=True)
def test_block_refuses_naming_the_new_record_and_the_stored_one(acme_store: Store) -> None:
    before = [(a.id, a.version, sorted(a.contacts)) for a in acme_store.accounts]
    alice = _alice(acme_store)
    acme, again = _acme(acme_store).add_contact(
        last_name="Martin", first_name="Alice", email="alice@acme.fr"
    )
    with pytest.raises(cg.PolicyViolationError) as caught:
        acme_store.accounts.save(acme)
    [violation] = caught.value.violations
    assert violation.code == "duplicate.contact"
    assert violation.entity_id == again.id
    assert alice.id in violation.message
    assert [(a.id, a.version, sorted(a.contacts)) for a in acme_store.accounts] == before


@pytest.mark.parametrize("acme_store", ["block"], indirect=True)
def test_block_refuses_a_company_under_another_legal_form(acme_store: Store) -> None:
    copy = cg.Account.create(name="Acme Inc.", website="http://www.acme.fr/contact")
    with pytest.raises(cg.PolicyViolationError) as caught:
        acme_store.accounts.add(copy)
    assert caught.value.codes == {"duplicate.account"}
    assert caught.value.violations[0].entity_id == copy.id
    assert acme_store.accounts.count() == 1
    other = cg.Account.create(name="Acme Rockets", website="https://acme-rockets.com")
    acme_store.accounts.add(other)  # another company: lands
    assert acme_store.accounts.count() == 2


# ---------------------------------------------------------- configuration


def test_allow_is_the_default_and_checks_nothing(store: Store) -> None:
    assert store.duplicate_rules == DuplicateRules()
    assert not store.duplicate_rules.checks_anything
    acme = cg.Account.create(name="ACME SA")
    acme, _ = acme.add_contact(last_name="Martin", email="alice@acme.fr")
    acme, _ = acme.add_contact(last_name="Martin", email="alice@acme.fr")
    _, found = _caught(lambda: store.accounts.add(acme))
    assert found == []


def test_a_rule_is_parsed_and_bad_ones_refused_naming_the_field() -> None:
    assert DuplicateRules.of("Alert") == DuplicateRules(contacts="alert", accounts="alert")
    assert DuplicateRules.of(DuplicateRule.block).accounts is DuplicateRule.block
    with pytest.raises(InvalidValueError) as caught:
        cg.open_store(duplicates="warn")
    assert caught.value.field == "duplicates"
    with pytest.raises(InvalidValueError) as caught:
        DuplicateRules(threshold=1.5)
    assert caught.value.field == "threshold"
    with pytest.raises(InvalidValueError) as caught:
        DuplicateRules(matcher="fuzzy")  # type: ignore[arg-type]
    assert caught.value.field == "matcher"


def test_another_tenant_keeps_the_rules(tmp_path: Path) -> None:
    store = cg.open_store(f"sqlite:///{tmp_path}/crm.db", duplicates="block")
    try:
        other = store.for_tenant("globex")
        assert other.duplicate_rules == store.duplicate_rules
        acme = cg.Account.create(name="ACME SA")
        acme, _ = acme.add_contact(last_name="Martin", email="alice@acme.fr")
        acme, _ = acme.add_contact(last_name="Martin", email="alice@acme.fr")
        with pytest.raises(cg.PolicyViolationError):
            other.accounts.add(acme)
    finally:
        store.close()


def _without_matching(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_rapidfuzz(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("rapidfuzz") or name.startswith("contactgraph.matching"):
            raise ImportError("No module named 'rapidfuzz'", name="rapidfuzz")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_rapidfuzz)


def test_scored_rules_without_the_extra_are_refused_at_open_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _without_matching(monkeypatch)
    with pytest.raises(MissingDependencyError, match=r"matcher='exact'"):
        cg.open_store(f"sqlite:///{tmp_path}/crm.db", duplicates="alert")
    assert not (tmp_path / "crm.db").exists()  # refused before connecting


def test_exact_rules_need_no_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    _without_matching(monkeypatch)
    store = cg.open_store(duplicates=DuplicateRules(contacts="alert", matcher="exact"))
    acme = cg.Account.create(name="ACME SA")
    acme, alice = acme.add_contact(last_name="Martin", email="alice@acme.fr")
    store.accounts.add(acme)
    globex = cg.Account.create(name="Globex")
    globex, other = globex.add_contact(last_name="Smith", email="ALICE@acme.fr")
    _, found = _caught(lambda: store.accounts.add(globex))
    [warning] = found
    assert (warning.record_id, warning.ids) == (other.id, (alice.id,))
    assert warning.candidates[0].reasons == ("email: same address",)


def test_a_save_never_scans_the_store(acme_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the duplicate rule read every account")

    monkeypatch.setattr(Accounts, "__iter__", refuse)
    monkeypatch.setattr(Accounts, "list", refuse)
    acme, _ = _acme(acme_store).add_contact(last_name="Martin", email="alice@acme.fr")
    _, found = _caught(lambda: acme_store.accounts.save(acme))
    assert len(found) == 1


# --------------------------------------------------------------- property


@settings(max_examples=25)
@given(
    people=st.lists(st.tuples(person_name_fields(), emails()), min_size=1, max_size=6),
    repeat=st.data(),
)
def test_exact_rule_alerts_every_stored_email_and_only_names_stored_records(
    people: list[tuple[dict[str, Any], str]], repeat: st.DataObject
) -> None:
    store = cg.open_store(duplicates=DuplicateRules(contacts="alert", matcher="exact"))
    account = cg.Account.create(name="ACME SA")
    for fields, email in people:
        account, _ = account.add_contact(**fields, email=email)
    with store.collect_warnings():
        account = store.accounts.add(account)
    stored = {c.id: c for c in account.contacts.values()}
    fields, _ = people[0]
    email = repeat.draw(st.sampled_from([e for _, e in people]), label="email seen before")
    account, newcomer = account.add_contact(**fields, email=email)
    with store.collect_warnings() as collected:
        store.accounts.save(account)
    [warning] = [w for w in collected if w.record_id == newcomer.id]
    key = cg.Email(email).key
    same = {cid for cid, c in stored.items() if c.email is not None and c.email.key == key}
    assert same <= set(warning.ids) <= set(stored)
