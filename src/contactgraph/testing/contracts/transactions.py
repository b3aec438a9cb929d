"""Transactions and events: atomic units, savepoints, events after commit, isolation."""

from __future__ import annotations

import threading

import pytest

from contactgraph.domain import Account, Case, DomainEvent
from contactgraph.errors import ConcurrencyError, ContactGraphError, PolicyViolationError
from contactgraph.store import Store
from contactgraph.testing.contracts.base import (
    Boom,
    ContractBase,
    acme,
    globex,
    recorded_events,
    rolled_back,
)


class TransactionContract(ContractBase):
    def test_an_exception_rolls_every_write_back(self, store: Store) -> None:
        account, people = acme()
        stored = store.accounts.add(account)
        with pytest.raises(Boom):
            rolled_back(
                store,
                lambda: store.accounts.save(stored.update(industry="Retail")),
                lambda: store.accounts.add(globex()[0]),
                lambda: store.cases.add(Case.create("Lost", account.id, people["bob"].id)),
            )
        assert store.accounts.get(account.id) == stored
        assert store.accounts.count() == 1
        assert store.accounts.count_contacts() == 4
        assert store.cases.count() == 0
        assert store.accounts.find_contacts(email="hank@globex.example") == []

    def test_reads_inside_see_the_transaction_writes(self, store: Store) -> None:
        account, _ = acme()
        with store.transaction():
            store.accounts.add(account)
            assert store.accounts.get(account.id).version == 1
            assert store.accounts.count() == 1

    def test_nested_blocks_are_savepoints(self, store: Store) -> None:
        a, _ = acme()
        g, _ = globex()
        with store.transaction():
            store.accounts.add(a)
            with pytest.raises(Boom):
                rolled_back(store, lambda: store.accounts.add(g))
            assert not store.accounts.exists(g.id)
        assert store.accounts.exists(a.id)
        assert not store.accounts.exists(g.id)

    def test_a_refused_write_inside_a_transaction_changes_nothing_else(self, store: Store) -> None:
        account, people = acme()
        stored = store.accounts.add(account)
        with store.transaction():
            store.accounts.save(stored.update(industry="Retail"))
            with pytest.raises(ConcurrencyError):
                store.accounts.save(stored.update(industry="Banking"))
            other = Account.create(name="Dup")
            other, _ = other.add_contact(last_name="Copy", id=people["bob"].id)
            with pytest.raises(PolicyViolationError):
                store.accounts.add(other)
            store.accounts.add(globex()[0])
        assert store.accounts.get(account.id).industry == "Retail"
        assert store.accounts.count() == 2
        assert not store.accounts.exists(other.id)

    def test_events_are_published_after_commit_in_order(self, store: Store) -> None:
        seen = recorded_events(store)
        account, people = acme()
        with store.transaction():
            stored = store.accounts.add(account)
            assert seen == []
            store.accounts.save(stored.update_contact(people["bob"].id, title="Controller"))
        names = [e.name for e in seen]
        assert names[0] == "AccountCreated"
        assert names.count("ContactAdded") == 4
        assert names[-1] == "ContactUpdated"

    def test_no_event_for_a_rolled_back_transaction(self, store: Store) -> None:
        seen = recorded_events(store)
        with pytest.raises(Boom):
            rolled_back(store, lambda: store.accounts.add(acme()[0]))
        account, _ = acme()
        stored = store.accounts.add(account)
        seen.clear()
        with pytest.raises(ConcurrencyError):
            store.accounts.save(stored.committed(7).update(industry="Retail"))
        assert seen == []
        with pytest.raises(PolicyViolationError):
            store.cases.add(Case.create("x", account.id, "ghost"))
        assert seen == []

    def test_events_of_a_failed_nested_block_are_dropped(self, store: Store) -> None:
        seen = recorded_events(store)
        account, _ = acme()
        lost, _ = globex()
        with store.transaction():
            store.accounts.add(account)
            with pytest.raises(Boom):
                rolled_back(store, lambda: store.accounts.add(lost))
        assert {e.aggregate_id for e in seen} == {account.id}
        assert {e.name for e in seen} == {"AccountCreated", "ContactAdded", "ContactDeactivated"}

    def test_unsubscribe_and_a_failing_handler(self, store: Store) -> None:
        seen: list[DomainEvent] = []

        def broken(event: DomainEvent) -> None:
            raise ValueError("handler bug")

        store.subscribe(broken)
        unsubscribe = store.subscribe(seen.append)
        store.accounts.add(globex()[0])
        assert len(seen) == 2
        unsubscribe()
        unsubscribe()
        store.accounts.add(acme()[0])
        assert len(seen) == 2

    def test_removal_publishes_an_event(self, store: Store) -> None:
        account = store.accounts.add(globex()[0])
        seen = recorded_events(store)
        store.accounts.remove(account.id)
        assert [e.name for e in seen] == ["AccountRemoved"]

    def test_other_threads_do_not_see_uncommitted_writes(self, store: Store) -> None:
        account, _ = acme()
        seen_inside: list[bool] = []

        def look() -> None:
            seen_inside.append(store.accounts.exists(account.id))

        with store.transaction():
            store.accounts.add(account)
            thread = threading.Thread(target=look)
            thread.start()
            thread.join()
        assert seen_inside == [False]
        assert store.accounts.exists(account.id)

    def test_a_closed_store_refuses_work(self, store: Store) -> None:
        store.close()
        with pytest.raises(ContactGraphError):
            store.accounts.count()
