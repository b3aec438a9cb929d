"""``store.duplicates()`` and ``store.lookalikes()`` on the stores the feature suites use."""

from __future__ import annotations

import builtins
from typing import Any

import pytest

import contactgraph as cg
from contactgraph.errors import InvalidValueError, MissingDependencyError
from contactgraph.store import Store
from contactgraph.testing.people import cluster_pairs, generate

PLANTED = generate(1500, seed=5)


@pytest.fixture
def filled(store: Store) -> Store:
    with store.transaction():
        for account in PLANTED.accounts:
            store.accounts.add(account)
    return store


def test_the_store_finds_what_the_accounts_hold(filled: Store) -> None:
    clusters = filled.duplicates()
    found = cluster_pairs(iter(c.contact_ids for c in clusters))
    truth = set(PLANTED.duplicate_pairs)
    assert len(found & truth) >= 0.9 * len(truth)
    assert len(found & truth) >= 0.85 * len(found)
    assert all(c.reasons and 0.99 <= c.score <= 1 for c in clusters)


def test_account_duplicates_come_from_the_store(filled: Store) -> None:
    clusters = filled.duplicates(kind="accounts")
    found = cluster_pairs(iter(c.account_ids for c in clusters))
    assert found & PLANTED.duplicate_accounts
    assert all(len(c.account_ids) >= 2 for c in clusters)


def test_an_unknown_kind_is_refused_naming_it(filled: Store) -> None:
    with pytest.raises(InvalidValueError) as caught:
        filled.duplicates(kind="people")  # type: ignore[call-overload]
    assert caught.value.field == "kind"


def test_lookalike_emails_and_names_are_listed(store: Store) -> None:
    acme = cg.Account.create(name="ACME SA")
    acme, alice = acme.add_contact(last_name="Martin", email="alice@acme.fr")
    acme, spoof = acme.add_contact(last_name="Martin", email="\u0430lice@acme.fr")
    store.accounts.add(acme)
    pairs = store.lookalikes()
    assert [(p.values, p.ids) for p in pairs] == [
        (("alice@acme.fr", "\u0430lice@acme.fr"), ((alice.id,), (spoof.id,)))
    ]


def test_without_the_extra_the_error_says_how_to_install_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_import = builtins.__import__

    def no_rapidfuzz(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("rapidfuzz") or name.startswith("contactgraph.matching"):
            raise ImportError("No module named 'rapidfuzz'", name="rapidfuzz")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_rapidfuzz)
    with pytest.raises(MissingDependencyError, match=r"contactgraph\[duplicates\]"):
        store.duplicates()


def test_the_placeholders_forgotten_people_leave_are_not_duplicates(store: Store) -> None:
    acme = cg.Account.create(name="ACME SA")
    ids = []
    for first, email in [("Alice", "alice@acme.fr"), ("Bruno", "bruno@acme.fr")]:
        acme, contact = acme.add_contact(last_name="Martin", first_name=first, email=email)
        ids.append(contact.id)
    acme, twin = acme.add_contact(last_name="Martin", first_name="Alice", email="alice@acme.fr")
    store.accounts.add(acme)
    assert any(set(c.contact_ids) == {ids[0], twin.id} for c in store.duplicates())
    for contact_id in ids:
        store.forget(contact_id)
    # Two "(forgotten)" placeholders with nothing else are not one person.
    assert store.duplicates() == []
