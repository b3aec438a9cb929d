"""Field history: every saved change kept with its actor, read per record and per field."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactgraph.domain import Account
from contactgraph.errors import (
    ConcurrencyError,
    InvalidValueError,
    NotFoundError,
    PolicyViolationError,
)
from contactgraph.repos.history import Change, replay, values_of
from contactgraph.store import Store
from contactgraph.testing.contracts.base import Boom, ContractBase, acme, globex, rolled_back


def _fields(changes: list[Change]) -> list[tuple[str, str | None, Any, Any]]:
    return [(c.action, c.field, c.old, c.new) for c in changes]


def _stored_text(store: Store, record_id: str) -> list[tuple[str | None, str | None, str | None]]:
    """The raw stored values of a record's history, as the backend keeps them."""
    entries = store._read(lambda s: s.history.of(record_id, None))
    return [(e.field, e.old, e.new) for e in entries]


def _replays(store: Store, record_id: str, current: Account | Any | None) -> None:
    expected = None if current is None else values_of(current)
    assert replay(store.history.of(record_id)) == expected, record_id


class HistoryContract(ContractBase):
    def test_a_new_contact_has_its_creation_values(self, store: Store) -> None:
        account, people = acme()
        with store.transaction(actor="alice"):
            store.accounts.add(account)
        alice = people["alice"]
        changes = store.history.of(alice.id)
        assert {c.action for c in changes} == {"created"}
        assert {c.actor for c in changes} == {"alice"}
        assert len({c.seq for c in changes}) == 1
        values = {c.field: c.new for c in changes}
        assert alice.email is not None
        assert values["email"] == alice.email.address == "Alice.Martin@acme.fr"
        assert values["phone"] == "+33123456789"
        assert values["last_name"] == "Martin"
        assert values["account_id"] == account.id
        assert values["external_ids"] == {"salesforce": "003ALICE"}
        assert "mobile" not in values  # no value, no change
        assert replay(changes) == values_of(alice)

    def test_an_update_keeps_field_old_new_when_and_who(self, store: Store) -> None:
        account, people = acme()
        stored = store.accounts.add(account)
        bob = people["bob"].id
        before = store.history.of(bob)
        with store.transaction(actor="carol"):
            store.accounts.save(stored.update_contact(bob, title="Controller", email="b@acme.fr"))
        after = store.history.of(bob)
        new = after[len(before) :]
        assert sorted(_fields(new)) == [
            ("updated", "email", None, "b@acme.fr"),
            ("updated", "title", "Accountant", "Controller"),
        ]
        assert {c.actor for c in new} == {"carol"}
        assert all(c.at >= before[-1].at for c in new)
        assert new[0].seq == before[-1].seq + 1
        assert [c.new for c in store.history.of(bob, field="title")] == ["Accountant", "Controller"]
        assert [c.new for c in store.history(bob, field="mobile")] == ["+33612345678"]

    def test_the_transaction_actor_wins_over_the_store_and_inner_over_outer(
        self, store: Store
    ) -> None:
        named = type(store)(store.backend, actor="sync-service", _owns_backend=False)
        account, people = acme()
        named.accounts.add(account)
        alice = people["alice"].id
        with named.transaction(actor="alice"):
            current = named.accounts.save(named.accounts.get(account.id).update(industry="Retail"))
            with named.transaction(actor="bob"):
                current = named.accounts.save(current.update_contact(alice, title="CEO"))
            named.accounts.save(current.update_contact(alice, department="Board"))
        assert {c.actor for c in named.history.of(account.id, field="name")} == {"sync-service"}
        assert [c.actor for c in named.history.of(account.id, field="industry")][-1] == "alice"
        assert [c.actor for c in named.history.of(alice, field="title")][-1] == "bob"
        assert [c.actor for c in named.history.of(alice, field="department")][-1] == "alice"
        assert store.actor is None
        assert {c.actor for c in store.history.of(people["bob"].id)} == {"sync-service"}

    def test_account_fields_and_their_removal_are_kept(self, store: Store) -> None:
        account, people = globex()
        stored = store.accounts.add(account)
        store.accounts.save(stored.update(industry="Insurance", website="https://globex.example"))
        store.accounts.remove(account.id)
        changes = store.history.of(account.id)
        assert ("updated", "industry", "Banking", "Insurance") in _fields(changes)
        assert changes[-1].action == "deleted"
        assert changes[-1].field is None
        assert store.history.of(people.id)[-1].action == "deleted"
        assert replay(changes) is None

    def test_deactivation_removal_and_a_move_are_recorded(self, store: Store) -> None:
        account, people = acme()
        other, _ = globex()
        stored = store.accounts.add(account)
        store.accounts.add(other)
        stored = store.accounts.save(stored.reactivate_contact(people["zoe"].id))
        store.accounts.save(stored.remove_contact(people["zoe"].id))
        zoe = store.history.of(people["zoe"].id)
        assert ("updated", "active", False, True) in _fields(zoe)
        assert zoe[-1].action == "deleted"
        bob = people["bob"].id
        store.move_contact(bob, other.id)
        moved = store.history.of(bob)
        assert _fields(moved)[-2:] == [
            ("updated", "reports_to", people["alice"].id, None),
            ("moved", "account_id", account.id, other.id),
        ]
        assert [c.new for c in store.history.of(bob, field="account_id")] == [account.id, other.id]
        _replays(store, bob, store.accounts.get_contact(bob))

    def test_a_rolled_back_write_leaves_no_history(self, store: Store) -> None:
        account, people = acme()
        stored = store.accounts.add(account)
        before = store.history.of(people["alice"].id)
        with pytest.raises(Boom):
            rolled_back(
                store,
                lambda: store.accounts.save(stored.update_contact(people["alice"].id, title="X")),
            )
        assert store.history.of(people["alice"].id) == before
        g, hank = globex()
        with pytest.raises(Boom):
            rolled_back(store, lambda: store.accounts.add(g))
        assert store.history.of(hank.id) == []

    def test_changes_made_before_the_first_save_are_kept_in_order(self, store: Store) -> None:
        account = Account.create(name="Initech")
        account, peter = account.add_contact(last_name="Gibbons", first_name="Peter")
        account = account.update_contact(peter.id, title="Engineer")
        account = account.update_contact(peter.id, title="Manager", first_name=None)
        account, gone = account.add_contact(last_name="Lumbergh")
        account = account.remove_contact(gone.id)
        store.accounts.add(account)
        changes = store.history.of(peter.id)
        assert _fields(changes) == [
            ("created", "account_id", None, account.id),
            ("created", "last_name", None, "Gibbons"),
            ("created", "first_name", None, "Peter"),
            ("created", "active", None, True),
            ("created", "email_opt_out", None, False),
            ("created", "do_not_call", None, False),
            ("updated", "title", None, "Engineer"),
            ("updated", "title", "Engineer", "Manager"),
            ("updated", "first_name", "Peter", None),
        ]
        assert store.history.of(gone.id) == []  # never stored
        _replays(store, peter.id, store.accounts.get_contact(peter.id))

    def test_values_are_stored_as_the_json_of_the_field(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        helene = people["helene"].id
        [(field, old, new)] = _stored_text(store, helene)
        assert field is None
        assert old is None
        assert new is not None
        created = json.loads(new)
        assert created["mailing_address"] == {
            "street": "2 avenue Foch",
            "city": "Lyon",
            "postal_code": "69006",
        }
        assert created["birthdate"] == "1980-02-29"
        assert created["alternate_phones"] == ["+33698765432"]
        assert created["salutation"] == "Dr."
        stored = store.accounts.get(account.id)
        store.accounts.save(stored.update_contact(helene, email="hl@acme.fr"))
        assert _stored_text(store, helene)[-1] == ("email", '"helene@acme.fr"', '"hl@acme.fr"')
        store.accounts.save(store.accounts.get(account.id).update(annual_revenue="7.10"))
        last = _stored_text(store, account.id)[-1]
        assert last == ("annual_revenue", '"1250000.50"', '"7.10"')

    def test_history_belongs_to_its_tenant(self, store: Store, other_tenant: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        assert other_tenant.history.of(people["alice"].id) == []
        assert other_tenant.history.of(account.id) == []

    def test_bad_arguments_are_refused_naming_them(self, store: Store) -> None:
        with pytest.raises(InvalidValueError) as caught:
            store.history.of(5)  # type: ignore[arg-type]
        assert caught.value.field == "record_id"
        with pytest.raises(InvalidValueError) as caught:
            store.history.of("c1", field="shoe_size")
        assert caught.value.field == "field"
        assert store.history.of("nobody\x00") == []
        assert store.history.of("never-seen") == []
        account, _ = acme()
        for actor in ("", "  ", "x" * 257, 42, "a\x00b"):
            with pytest.raises(InvalidValueError) as caught, store.transaction(actor=actor):  # type: ignore[arg-type]
                store.accounts.add(account)
            assert caught.value.field == "actor"
        assert not store.accounts.exists(account.id)
        with pytest.raises(InvalidValueError):
            type(store)(store.backend, actor="", _owns_backend=False)

    def test_a_refused_save_writes_no_history(self, store: Store) -> None:
        account, people = acme()
        stored = store.accounts.add(account)
        store.accounts.save(stored.update(industry="Retail"))
        before = store.history.of(account.id)
        with pytest.raises(ConcurrencyError):
            store.accounts.save(stored.update(industry="Banking"))  # stale
        assert store.history.of(account.id) == before
        with pytest.raises(PolicyViolationError):
            store.accounts.add(account)  # the id is taken
        assert store.history.of(people["alice"].id)[-1].seq == 1

    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.differing_executors,
            HealthCheck.too_slow,
        ],
    )
    @given(data=st.data())
    def test_replaying_a_history_gives_the_current_values(
        self, store: Store, data: st.DataObject
    ) -> None:
        from contactgraph.testing import strategies

        first = data.draw(strategies.accounts(max_contacts=5, max_commands=4), label="first")
        second = data.draw(strategies.accounts(max_contacts=3, max_commands=2), label="second")
        if set(first.contacts) & set(second.contacts) or first.id == second.id:
            return
        with store.for_tenant(f"replay-{uuid.uuid4().hex}") as fresh:
            self._replay(fresh, first, second, data)

    def _replay(self, store: Store, first: Account, second: Account, data: st.DataObject) -> None:
        from contactgraph.testing import strategies

        with store.transaction():
            first = store.accounts.add(first)
            second = store.accounts.add(second)
        seen = {first.id, second.id, *first.contacts, *second.contacts}
        rounds = data.draw(
            st.lists(
                st.tuples(
                    st.lists(strategies.account_commands(valid_only=True), max_size=4),
                    st.one_of(st.none(), st.integers(0, 20)),
                ),
                max_size=4,
            ),
            label="rounds",
        )
        for commands, move in rounds:
            changed = first
            for command in commands:
                try:
                    changed = strategies.apply_command(changed, command)
                except (PolicyViolationError, NotFoundError):
                    continue
            first = store.accounts.save(changed)
            seen.update(first.contacts)
            if move is not None and first.contacts:
                mover = sorted(first.contacts)[move % len(first.contacts)]
                store.move_contact(mover, second.id)
                first = store.accounts.get(first.id)
        everyone = {
            c.id: c for a in (first, store.accounts.get(second.id)) for c in a.contacts.values()
        }
        for record_id in seen:
            if record_id in (first.id, second.id):
                _replays(store, record_id, store.accounts.get(record_id))
            else:
                _replays(store, record_id, everyone.get(record_id))
