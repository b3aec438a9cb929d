"""Duplicate rules behave alike on every backend: found through the indexes, inside the
transaction, and a blocked write changes nothing."""

from __future__ import annotations

from typing import Literal

import pytest

from contactgraph.domain import Account
from contactgraph.errors import PolicyViolationError
from contactgraph.rules import DuplicateCheck, DuplicateRules, DuplicateWarning
from contactgraph.store import Store
from contactgraph.testing.contracts.base import ContractBase, acme


def _ruled(store: Store, rules: DuplicateRules) -> Store:
    store.install_save_check(DuplicateCheck(rules))
    return store


class DuplicateRuleContract(ContractBase):
    """A duplicate rule installed on the store sees what the backend's indexes hold."""

    @pytest.mark.parametrize("matcher", ["scored", "exact"])
    def test_a_block_rule_refuses_a_copy_and_writes_nothing(
        self, store: Store, matcher: Literal["scored", "exact"]
    ) -> None:
        account, people = acme()
        store.accounts.add(account)
        _ruled(store, DuplicateRules(contacts="block", accounts="block", matcher=matcher))
        alice = people["alice"]
        copy = Account.create(name="Globex")
        copy, twin = copy.add_contact(
            last_name=alice.last_name, first_name=alice.first_name, email="alice.martin@acme.FR"
        )
        with pytest.raises(PolicyViolationError) as caught:
            store.accounts.add(copy)
        [violation] = caught.value.violations
        assert violation.code == "duplicate.contact"
        assert violation.entity_id == twin.id
        assert alice.id in violation.message
        assert not store.accounts.exists(copy.id)

    def test_alerts_see_the_writes_of_the_same_transaction(self, store: Store) -> None:
        _ruled(store, DuplicateRules(contacts="alert"))
        first = Account.create(name="Initech")
        first, bill = first.add_contact(
            last_name="Lumbergh", first_name="Bill", phone="+1 415 555 0142"
        )
        second = Account.create(name="Initrode")
        second, again = second.add_contact(
            last_name="Lumbergh", first_name="William", mobile="+1 415 555 0142"
        )
        with store.collect_warnings() as alerts, store.transaction():
            store.accounts.add(first)
            store.accounts.add(second)
        assert [(w.record_id, w.ids) for w in alerts if isinstance(w, DuplicateWarning)] == [
            (again.id, (bill.id,))
        ]
        assert len(alerts) == 1

    def test_a_blocked_write_inside_a_transaction_leaves_the_others(self, store: Store) -> None:
        _ruled(store, DuplicateRules(accounts="block"))
        account, _ = acme()
        copy = Account.create(name="Acme", website="acme.example", phone="+33 1 40 00 00 00")
        with store.transaction():
            store.accounts.add(account)
            with pytest.raises(PolicyViolationError):
                store.accounts.add(copy)
        assert store.accounts.exists(account.id)
        assert not store.accounts.exists(copy.id)
