"""The stateful model is independent of the code it checks, and catches a broken matcher."""

from __future__ import annotations

import ast
import inspect
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

import contactgraph as cg
from contactgraph.domain import Account, Contact, match_key
from contactgraph.repos.keys import ContactQuery
from contactgraph.repos.memory import accounts as memory
from contactgraph.testing import model
from contactgraph.testing.contract import acme
from contactgraph.testing.stateful import store_machine


def _model_with_acme() -> tuple[model.Model, Account, dict[str, Contact]]:
    account, people = acme()
    m = model.Model()
    m.add_account(account)
    return m, account, people


def test_the_model_imports_nothing_of_the_storage_code() -> None:
    tree = ast.parse(inspect.getsource(model))
    imported = {
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert not [name for name in imported if name.startswith("contactgraph.repos")]


@given(st.text())
def test_the_model_folds_text_as_the_domain_rule_says(text: str) -> None:
    assert model.fold(text) == match_key(text)


def test_the_model_finds_what_the_look_ups_promise() -> None:
    m, _, people = _model_with_acme()
    alice, helene = people["alice"], people["helene"]
    assert m.find({"email": "ALICE.MARTIN@acme.fr"}) == [alice]
    assert m.find({"email": "h.lefevre@GMAIL.com"}) == [helene]
    assert m.find({"phone": "+33698765432"}) == [helene]
    assert m.find({"name": "helene lefevre"}) == [helene]
    assert m.find({"name": "LEFÈVRE  Hélène"}) == [helene]
    assert m.find({"name": "Hélène Marie Lefèvre Jr."}) == [helene]
    assert m.find({"name": "Lef"}) == []
    assert m.find({"department": "finance"}) == [people["bob"], alice]
    assert m.find({"department": "finance", "active": True}, limit=1) == [people["bob"]]
    assert [c.id for c in m.find({"active": False})] == [people["zoe"].id]
    assert m.find({}, limit=0) == []
    assert m.search("MART", 5) == [alice]
    assert m.search("acme.fr", 5) == [helene, alice]
    assert m.search("   ", 5) == []


def test_the_model_and_the_store_agree_on_acme(store: Any) -> None:
    m, account, _ = _model_with_acme()
    store.accounts.add(account)
    for criteria in ({"email": "ALICE.MARTIN@acme.fr"}, {"name": "helene"}, {"title": "cfo"}):
        assert store.accounts.find_contacts(**criteria) == m.find(criteria)
    assert store.accounts.search_contacts("acme", limit=5) == m.search("acme", 5)


def _hunt(machine: Any) -> None:
    """Run ``machine`` long enough to meet the bug, without shrinking (the failure is enough)."""
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=300,
            stateful_step_count=30,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        ),
    )


def test_a_store_whose_name_look_up_forgets_full_names_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    correct = ContactQuery.matches

    def last_name_only(self: ContactQuery, contact: Contact) -> bool:
        if self.name is not None and self.name != match_key(contact.last_name):
            return False
        return correct(self, contact)

    monkeypatch.setattr(ContactQuery, "matches", last_name_only)
    with pytest.raises(AssertionError, match="find_contacts: store gave"):
        _hunt(store_machine(cg.open_store))


def test_a_store_whose_search_ignores_emails_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    real = memory.contact_search_rank

    def names_only(needle: Any, search_key: str, last: str, first: str) -> int | None:
        return real(needle, search_key.partition("\n")[0], last, first)

    monkeypatch.setattr(memory, "contact_search_rank", names_only)
    with pytest.raises(AssertionError, match="search_contacts: store gave"):
        _hunt(store_machine(cg.open_store))
