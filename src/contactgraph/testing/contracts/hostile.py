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

LOOKALIKE_MAILBOXES = [
    ("\u017fam@acme.fr", "sam@acme.fr"),  # LATIN SMALL LETTER LONG S
    ("stra\u00dfe@acme.fr", "strasse@acme.fr"),  # sharp s
    ("o\ufb03ce@acme.fr", "office@acme.fr"),  # LATIN SMALL LIGATURE FFI
]
"""Distinct mailboxes that Unicode case folding would merge (Django's CVE-2019-19844)."""


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

    @pytest.mark.parametrize(("lookalike", "plain"), LOOKALIKE_MAILBOXES)
    def test_case_fold_lookalikes_are_other_mailboxes(
        self, store: Store, lookalike: str, plain: str
    ) -> None:
        """``ſam``/``sam``, ``straße``/``strasse``, ``oﬃce``/``office``: distinct, never merged."""
        account = Account.create(name="ACME SA", id="acme")
        account, near = account.add_contact(last_name="Near", id="near", email=lookalike)
        account, real = account.add_contact(last_name="Real", id="real", email=plain)
        store.accounts.add(account)  # not refused as a duplicate email
        assert store.accounts.find_contacts(email=plain) == [real]
        assert store.accounts.find_contacts(email=plain.upper()) == [real]
        assert store.accounts.find_contacts(email=lookalike) == [near]

    def test_the_kelvin_sign_is_the_letter_k_and_finds_kim(self, store: Store) -> None:
        """NFC maps U+212A KELVIN SIGN to K: ``\\u212aim@acme.fr`` is Kim's address."""
        account = Account.create(name="ACME SA", id="acme")
        account, kim = account.add_contact(last_name="Kim", id="kim", email="kim@acme.fr")
        globex = Account.create(name="Globex", id="globex")
        globex, kelvin = globex.add_contact(last_name="K", id="k", email="\u212aim@globex.fr")
        store.accounts.add(account)
        store.accounts.add(globex)
        assert store.accounts.find_contacts(email="\u212aim@acme.fr") == [kim]
        assert store.accounts.find_contacts(email="kim@globex.fr") == [kelvin]
        stored = store.accounts.get("globex").contact("k").email
        assert stored is not None
        assert stored.address == "Kim@globex.fr"  # stored as the letter mail goes to
