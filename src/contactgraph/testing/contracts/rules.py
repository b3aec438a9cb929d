"""Duplicate rules behave alike on every backend: found through the indexes, inside the
transaction, and a blocked write changes nothing."""

from __future__ import annotations

from typing import Literal

import pytest

from contactgraph.domain import Account, Phone
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

    @pytest.mark.parametrize(
        ("typed", "placed"),
        [
            ("+33 1 44 27 44 27", None),  # the bare number
            ("01 44 27 44 27", "account"),  # national text read in the account's region
            ("01 44 27 44 27", "mailing"),  # kept unverified, placed by the mailing country
            ("+33 1 44 27 44 27;ext=9", None),  # the same extension
        ],
    )
    def test_a_stored_alternate_with_an_extension_is_found_by_its_line(
        self, store: Store, typed: str, placed: str | None
    ) -> None:
        # only the number is shared: no name, email or search finds the stored contact
        stored = Account.create(name="Sorbonne")
        stored, dean = stored.add_contact(
            last_name="Curie",
            first_name="Marie",
            email="marie@sorbonne.example",
            alternate_phones=["+33144274427;ext=9"],
        )
        store.accounts.add(stored)
        _ruled(store, DuplicateRules(contacts="block", matcher="exact"))
        fresh = Account.create(name="Institut", phone_region="FR" if placed == "account" else None)
        address = {"city": "Paris", "country": "France"} if placed == "mailing" else None
        fresh, twin = fresh.add_contact(
            last_name="Pasteur",
            first_name="Louis",
            phone=Phone.unverified(typed) if placed == "mailing" else typed,
            mailing_address=address,
        )
        assert twin.phone is not None
        assert twin.phone.verified is (placed != "mailing")
        with pytest.raises(PolicyViolationError) as caught:
            store.accounts.add(fresh)
        assert [(v.code, v.entity_id) for v in caught.value.violations] == [
            ("duplicate.contact", twin.id)
        ]
        assert dean.id in caught.value.violations[0].message
        assert not store.accounts.exists(fresh.id)

    def test_another_extension_of_the_line_is_another_number(self, store: Store) -> None:
        stored = Account.create(name="Sorbonne")
        stored, _ = stored.add_contact(
            last_name="Curie", first_name="Marie", alternate_phones=["+33144274427;ext=9"]
        )
        store.accounts.add(stored)
        _ruled(store, DuplicateRules(contacts="alert", matcher="exact"))
        fresh = Account.create(name="Institut")
        fresh, _ = fresh.add_contact(last_name="Pasteur", phone="+33 1 44 27 44 27;ext=12")
        with store.collect_warnings() as alerts:
            store.accounts.add(fresh)
        assert not [w for w in alerts if isinstance(w, DuplicateWarning)]

    def test_an_extension_on_a_busy_switchboard_line_is_found(self, store: Store) -> None:
        # more contacts on the line than a look-up reads: the very extension is found
        stored = Account.create(name="Sorbonne")
        for ext in range(1, 31):
            stored, desk = stored.add_contact(
                last_name=f"Desk{ext:02d}", alternate_phones=[f"+33144274400;ext={ext}"]
            )
        store.accounts.add(stored)
        _ruled(store, DuplicateRules(contacts="block", matcher="exact"))
        fresh = Account.create(name="Institut")
        fresh, twin = fresh.add_contact(last_name="Pasteur", phone="+33 1 44 27 44 00;ext=30")
        with pytest.raises(PolicyViolationError) as caught:
            store.accounts.add(fresh)
        assert [(v.code, v.entity_id) for v in caught.value.violations] == [
            ("duplicate.contact", twin.id)
        ]
        assert desk.id in caught.value.violations[0].message
