"""Hostile input: injections, odd Unicode and huge text are stored verbatim or refused."""

from __future__ import annotations

import pytest

from contactgraph.domain import Account
from contactgraph.errors import InvalidValueError, NotFoundError, PolicyViolationError
from contactgraph.store import Store
from contactgraph.testing.contracts.base import ContractBase, acme

HOSTILE = [
    "Robert'); DROP TABLE contacts;--",
    "' OR '1'='1",
    '"; DELETE FROM accounts; --',
    "%_\\%",
    "\u202eniraM",
    "Ma\u200brtin",
    "😀" * 40,
    "Z̴̢͎a̸l̶g̷o̸",
    "مرحبا",
    "a\x00b",
    "\ud800",
    "A" * 10_000,
]


class HostileInputContract(ContractBase):
    @pytest.mark.parametrize("text", HOSTILE)
    def test_hostile_values_are_stored_verbatim_or_refused(self, store: Store, text: str) -> None:
        account, _ = acme()
        stored = store.accounts.add(account)
        try:
            changed, contact = stored.add_contact(last_name=text[:80], title=text, department=text)
        except (PolicyViolationError, InvalidValueError):
            assert store.accounts.get(account.id) == stored
            return
        saved = store.accounts.save(changed)
        loaded = store.accounts.get(account.id)
        assert loaded == saved
        assert loaded.contact(contact.id).title == contact.title
        assert contact in store.accounts.find_contacts(title=text)
        assert store.accounts.count() == 1

    @pytest.mark.parametrize("text", HOSTILE)
    def test_hostile_search_terms_find_nothing_and_change_nothing(
        self, store: Store, text: str
    ) -> None:
        account, _ = acme()
        stored = store.accounts.add(account)
        assert store.accounts.find_contacts(email=text) == []
        assert store.accounts.find_contacts(name=text) == []
        assert store.accounts.find_contacts(title=text, department=text) == []
        assert store.accounts.find_contacts(phone=text) == []
        assert store.accounts.search_contacts(text) == []
        assert store.accounts.find_by_external_id(text, text) is None
        assert store.opportunities.list(account_id=text, contact_id=text) == []
        assert store.relations.list(contact_id=text) == []
        with pytest.raises(NotFoundError):
            store.accounts.get(text)
        assert store.accounts.get(account.id) == stored

    @pytest.mark.parametrize("text", ["x\x00y", "\ud800", " padded ", "", "t" * 65, "tab\tbed"])
    def test_ids_that_no_backend_could_keep_are_refused(self, store: Store, text: str) -> None:
        with pytest.raises(PolicyViolationError) as caught:
            store.accounts.add(Account.create(name="Odd", id=text))
        assert "id.invalid" in caught.value.codes
        assert store.accounts.count() == 0
