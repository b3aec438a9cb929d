"""Accounts and their contacts kept: add, get, save, remove, stale copies, owner look-up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contactgraph.domain import Account
from contactgraph.errors import ConcurrencyError, NotFoundError, PolicyViolationError
from contactgraph.repos.protocol import AccountRepository
from contactgraph.store import Store
from contactgraph.testing.contracts.base import ContractBase, acme, globex


class AccountStorageContract(ContractBase):
    """Accounts and their contacts: add, get, save, remove, contact to account."""

    def test_accounts_keep_the_repository_protocol(self, store: Store) -> None:
        assert isinstance(store.accounts, AccountRepository)

    def test_add_returns_the_stored_copy_at_version_1(self, store: Store) -> None:
        account, _ = acme()
        stored = store.accounts.add(account)
        assert stored.version == 1
        assert stored.pending_events == ()
        assert stored == account.committed(1)

    def test_get_returns_every_field_as_added(self, store: Store) -> None:
        account, people = acme()
        stored = store.accounts.add(account)
        loaded = store.accounts.get(account.id)
        assert loaded == stored
        assert loaded.pending_events == ()
        helene = loaded.contact(people["helene"].id)
        assert helene == people["helene"]
        assert helene.alternate_emails == people["helene"].alternate_emails
        assert dict(helene.extra) == {
            "Picture__c": "h.png",
            "Vip__c": True,
            "Visits__c": 3,
            "Nothing__c": None,
        }
        assert loaded.annual_revenue == Decimal("1250000.50")
        assert str(loaded.annual_revenue) == "1250000.50"
        assert loaded.manager_of(people["bob"].id) == people["alice"]
        assert loaded.created_at == account.created_at

    @pytest.mark.parametrize("missing", ["no-such-id", "", "x" * 10_000, "a\x00b", "\ud800"])
    def test_get_missing_raises_not_found(self, store: Store, missing: str) -> None:
        with pytest.raises(NotFoundError):
            store.accounts.get(missing)

    def test_get_of_a_non_string_raises_not_found(self, store: Store) -> None:
        with pytest.raises(NotFoundError):
            store.accounts.get(42)  # type: ignore[arg-type]

    def test_adding_an_existing_id_is_refused_and_changes_nothing(self, store: Store) -> None:
        account, _ = acme()
        store.accounts.add(account)
        again = Account.create(name="Impostor", id=account.id)
        with pytest.raises(PolicyViolationError) as caught:
            store.accounts.add(again)
        assert "id.duplicate" in caught.value.codes
        assert store.accounts.get(account.id).name == "ACME SA"
        assert store.accounts.count() == 1

    def test_a_contact_id_taken_in_another_account_is_refused(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        other = Account.create(name="Globex")
        other, _ = other.add_contact(last_name="Copy", id=people["alice"].id)
        with pytest.raises(PolicyViolationError) as caught:
            store.accounts.add(other)
        assert "id.duplicate" in caught.value.codes
        assert store.accounts.count() == 1
        assert store.accounts.count_contacts() == 4
        assert store.accounts.account_of(people["alice"].id).id == account.id

    def test_save_writes_the_change_and_returns_the_next_version(self, store: Store) -> None:
        account, people = acme()
        stored = store.accounts.add(account)
        changed = stored.update_contact(people["bob"].id, title="Head of Accounting")
        saved = store.accounts.save(changed)
        assert saved.version == 2
        assert saved.pending_events == ()
        loaded = store.accounts.get(account.id)
        assert loaded == saved
        assert loaded.contact(people["bob"].id).title == "Head of Accounting"

    def test_save_without_changes_returns_the_copy_as_is(self, store: Store) -> None:
        stored = store.accounts.add(acme()[0])
        assert store.accounts.save(stored) is stored
        assert store.accounts.get(stored.id).version == 1

    def test_saving_a_stale_copy_raises_and_writes_nothing(self, store: Store) -> None:
        account, people = acme()
        stored = store.accounts.add(account)
        first = store.accounts.save(stored.update(industry="Retail"))
        stale = stored.update_contact(people["alice"].id, title="CEO")
        with pytest.raises(ConcurrencyError) as caught:
            store.accounts.save(stale)
        assert (caught.value.expected, caught.value.actual) == (1, 2)
        loaded = store.accounts.get(account.id)
        assert loaded == first
        assert loaded.contact(people["alice"].id).title == "CFO"

    def test_edits_to_two_different_contacts_of_one_account_conflict(self, store: Store) -> None:
        account, people = acme()
        stored = store.accounts.add(account)
        one = stored.update_contact(people["alice"].id, title="CEO")
        two = stored.update_contact(people["bob"].id, title="Controller")
        store.accounts.save(one)
        with pytest.raises(ConcurrencyError):
            store.accounts.save(two)
        assert store.accounts.get(account.id).contact(people["bob"].id).title == "Accountant"

    def test_saving_an_account_never_added_raises_not_found(self, store: Store) -> None:
        with pytest.raises(NotFoundError):
            store.accounts.save(Account.create(name="Never stored"))

    def test_saving_a_removed_account_raises_concurrency_error(self, store: Store) -> None:
        stored = store.accounts.add(acme()[0])
        store.accounts.remove(stored.id)
        with pytest.raises(ConcurrencyError) as caught:
            store.accounts.save(stored.update(industry="Retail"))
        assert caught.value.actual is None

    def test_a_copy_from_before_a_removal_cannot_overwrite_a_new_account(
        self, store: Store
    ) -> None:
        old = store.accounts.add(Account.create(name="ACME SA", id="acme"))
        store.accounts.remove("acme")
        new, _ = Account.create(name="ACME Reborn", id="acme").add_contact(last_name="Martin")
        store.accounts.add(new)
        with pytest.raises(ConcurrencyError) as caught:
            store.accounts.save(old.update(industry="Retail"))
        assert caught.value.actual is None
        assert store.accounts.get("acme").name == "ACME Reborn"
        assert store.accounts.count_contacts() == 1

    def test_contacts_added_changed_and_removed_in_one_save(self, store: Store) -> None:
        account, people = acme()
        stored = store.accounts.add(account)
        changed, carol = stored.add_contact(
            last_name="Petit", first_name="Carol", email="carol@acme.fr"
        )
        changed = changed.remove_contact(people["zoe"].id)
        changed = changed.update_contact(people["alice"].id, email="alice@acme.com")
        saved = store.accounts.save(changed)
        loaded = store.accounts.get(account.id)
        assert loaded == saved
        assert set(loaded.contacts) == {
            people["alice"].id,
            people["bob"].id,
            people["helene"].id,
            carol.id,
        }
        assert store.accounts.count_contacts() == 4
        assert store.accounts.find_contacts(email="alice@acme.fr") == []
        assert [c.id for c in store.accounts.find_contacts(email="ALICE@acme.com")] == [
            people["alice"].id
        ]
        with pytest.raises(NotFoundError):
            store.accounts.account_of(people["zoe"].id)

    def test_a_contact_removed_then_added_again_with_its_id(self, store: Store) -> None:
        account, people = acme()
        stored = store.accounts.add(account)
        changed = stored.remove_contact(people["zoe"].id)
        changed, back = changed.add_contact(
            last_name="Zoë", first_name="Again", id=people["zoe"].id
        )
        store.accounts.save(changed)
        assert store.accounts.get_contact(back.id).first_name == "Again"
        assert store.accounts.count_contacts() == 4

    def test_remove_deletes_the_account_and_its_contacts(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        store.accounts.add(globex()[0])
        store.accounts.remove(account.id)
        with pytest.raises(NotFoundError):
            store.accounts.get(account.id)
        with pytest.raises(NotFoundError):
            store.accounts.account_of(people["alice"].id)
        assert store.accounts.find_contacts(email="helene@acme.fr") == []
        assert store.accounts.count() == 1
        assert store.accounts.count_contacts() == 1
        with pytest.raises(NotFoundError):
            store.accounts.remove(account.id)

    def test_an_account_id_can_be_reused_after_removal(self, store: Store) -> None:
        account, _ = acme()
        store.accounts.add(account)
        store.accounts.remove(account.id)
        again = store.accounts.add(Account.create(name="ACME reborn", id=account.id))
        assert again.version == 1
        assert store.accounts.get(account.id).name == "ACME reborn"

    def test_contact_to_account_and_back(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        bob = people["bob"].id
        assert store.accounts.account_of(bob).id == account.id
        assert store.accounts.account_id_of(bob) == account.id
        assert store.accounts.get_contact(bob) == people["bob"]
        assert store.accounts.contacts_by_id([bob, "ghost", people["alice"].id]) == {
            bob: people["bob"],
            people["alice"].id: people["alice"],
        }
        with pytest.raises(NotFoundError):
            store.accounts.account_id_of("ghost")
        with pytest.raises(NotFoundError):
            store.accounts.get_contact("ghost")
        assert store.accounts.exists(account.id)
        assert not store.accounts.exists("ghost")

    def test_account_of_is_the_whole_owner_as_get_reads_it(self, store: Store) -> None:
        """``account_of`` reads the owner and its contacts together (one round trip on
        PostgreSQL): the same account ``get`` gives, among others, even in a transaction."""
        stored = store.accounts.add(acme()[0])
        other = store.accounts.add(globex()[0])
        for account in (stored, other):
            for contact_id in account.contacts:
                assert store.accounts.account_of(contact_id) == store.accounts.get(account.id)
        with store.transaction():
            contact_id = next(iter(other.contacts))
            assert store.accounts.account_of(contact_id) == other
        for ghost in ("ghost", stored.id):  # an account's id is no contact's
            with pytest.raises(NotFoundError):
                store.accounts.account_of(ghost)

    def test_get_many_keeps_the_order_asked_and_skips_missing(self, store: Store) -> None:
        a = store.accounts.add(acme()[0])
        g = store.accounts.add(globex()[0])
        assert [x.id for x in store.accounts.get_many([g.id, "ghost", a.id, g.id])] == [g.id, a.id]
        assert store.accounts.get_many([]) == []
