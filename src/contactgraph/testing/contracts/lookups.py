"""Contacts found (email, phone, name, text, external ids) and accounts listed in pages."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from contactgraph.domain import Account, Contact, Phone
from contactgraph.errors import InvalidValueError, NotFoundError, PolicyViolationError
from contactgraph.repos.keys import sort_contacts
from contactgraph.store import Store
from contactgraph.testing.contracts.base import ContractBase, acme, globex

_LINE_POOL = ("+33144274427", "+33144274428", "+49301234567", "+493012345678", "+4930123456")
"""Lines of which some begin others (Berlin numbers have 7 to 8 digits after 30): a
look-up by one must not find the longer ones."""


def _all(contact: Contact) -> list[Phone]:
    found = (contact.phone, contact.mobile, *contact.alternate_phones)
    return [p for p in found if p is not None]


class ContactLookupContract(ContractBase):
    """Contacts found by email, phone, name, title, text search and external ids."""

    def test_find_by_email_ignores_case_and_matches_alternates(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        store.accounts.add(globex()[0])
        assert store.accounts.find_contacts(email="alice.martin@acme.FR") == [people["alice"]]
        assert store.accounts.find_contacts(email="  H.LEFEVRE@gmail.com ") == [people["helene"]]
        assert store.accounts.find_contacts(email="nobody@acme.fr") == []
        assert store.accounts.find_contacts(email="not an email") == []

    def test_find_by_phone_compares_e164_in_phone_mobile_and_alternates(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        assert store.accounts.find_contacts(phone="+33 1 23 45 67 89") == [people["alice"]]
        assert store.accounts.find_contacts(phone="+33612345678") == [people["bob"]]
        assert store.accounts.find_contacts(phone="+33 6 98 76 54 32") == [people["helene"]]
        assert store.accounts.find_contacts(phone="0123456789") == []  # national: no region here
        assert store.accounts.find_contacts(phone="call me") == []

    def test_find_by_national_text_finds_numbers_kept_unverified(self, store: Store) -> None:
        """A number kept as typed (no region known) is found by the text it was typed as."""
        account = Account.create(name="Initech")  # no region: national text stays unverified
        account, bill = account.add_contact(
            last_name="Lumbergh", phone=Phone.unverified("01 44 27 44 27")
        )
        account, peter = account.add_contact(
            last_name="Gibbons",
            mobile=Phone.unverified("06 11 22 33 44"),
            alternate_phones=[Phone.unverified("01 44 27 44 27")],
        )
        account, _ = account.add_contact(last_name="Bolton", phone="+33 1 44 27 44 27")
        store.accounts.add(account)
        find = store.accounts.find_contacts
        assert find(phone="01 44 27 44 27") == [peter, bill]  # phone and alternate; by name
        assert find(phone="  06 11 22 33 44 ") == [peter]  # mobile, the text cleaned alike
        assert find(phone="unverified:06 11 22 33 44") == [peter]  # the stored form too
        assert find(phone="01 44 27 44 27", limit=1) == [peter]
        assert find(phone="0144274427") == []  # typed otherwise: another text
        assert find(phone="+33 1 44 27 44 27") == find(name="Bolton")  # not the national text

    def test_find_by_phone_finds_a_stored_number_by_its_own_e164_text(self, store: Store) -> None:
        """Text in international form finds the E.164 text it spells, even where
        libphonenumber reads it as another number (and finds that number too)."""
        account = Account.create(name="Jersey Ltd", phone_region="JE")
        # Stored +440640123456, which libphonenumber reads back as +44640123456.
        account, jersey = account.add_contact(last_name="Le Brocq", phone="0640123456")
        account, london = account.add_contact(
            last_name="Smith", mobile="+44 640 123456", alternate_phones=["+44 20 7946 0000"]
        )
        store.accounts.add(account)
        find = store.accounts.find_contacts
        assert jersey.phone == Phone.trusted("+440640123456")  # not Phone(): that reads it
        for text in ("+440640123456", "+44 0640 123456", "+44-0640-123456"):
            assert find(phone=text) == [jersey, london]  # what it spells, what it reads as
            assert account.find_contacts(phone=text) == [jersey, london]
        assert find(phone="+440640123456", limit=1) == [jersey]
        assert find(phone="+440640123456", name="Smith") == [london]
        assert (
            find(phone="+44 640 123456") == [london] == account.find_contacts(phone="+44640123456")
        )
        assert find(phone="+44 (0) 640 123456") == [london]  # not international form: read only
        assert find(phone="0640123456") == []  # national: no region in a store's look-up
        assert account.find_contacts(phone="0640123456") == [jersey]  # the account's region
        assert find(phone="+44 20 7946 0000") == [london] == find(phone="+442079460000")
        assert find(phone="+44 020 7946 0000") == [london]  # the trunk 0: read as before

    def test_a_line_finds_the_number_bare_and_with_any_extension(self, store: Store) -> None:
        account = Account.create(name="Sorbonne")
        account, curie = account.add_contact(
            last_name="Curie", alternate_phones=["+33144274427;ext=9"]
        )
        account, pasteur = account.add_contact(last_name="Pasteur", mobile="+33 1 44 27 44 27")
        account, roux = account.add_contact(last_name="Roux", phone="+33144274428;ext=9")
        store.accounts.add(account)
        on_line = store.accounts.find_contacts_on_line
        assert on_line("+33 1 44 27 44 27") == [curie, pasteur]
        assert on_line("+33 1 44 27 44 27;ext=12") == [curie, pasteur]  # the whole line
        assert on_line("+33144274427", limit=1) == [curie]
        assert on_line("+33144274428") == [roux]
        assert on_line("+3314427442") == []  # a prefix of the number is another line
        assert on_line("01 44 27 44 27") == []  # no calling code: no line
        assert on_line("not a number") == []
        assert store.accounts.find_contacts(phone="+33 1 44 27 44 27") == [pasteur]
        with pytest.raises(InvalidValueError):
            on_line(33144274427)  # type: ignore[arg-type]
        with pytest.raises(InvalidValueError):
            on_line("+33144274427", limit=-1)

    @settings(
        max_examples=20,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.differing_executors,
            HealthCheck.too_slow,
        ],
    )
    @given(data=st.data())
    def test_a_line_look_up_finds_what_a_scan_finds(
        self, store: Store, data: st.DataObject
    ) -> None:
        """Held to a brute-force scan of every stored contact: the contacts with a
        phone, mobile or alternate on the line, and among them every one that
        ``Phone.same_number`` pairs with the number looked up."""
        numbers = st.builds(
            lambda n, ext: n if ext is None else f"{n};ext={ext}",
            st.sampled_from(_LINE_POOL),
            st.sampled_from([None, "1", "9", "12"]),
        )
        account = Account.create(name="Lines")
        for _ in range(data.draw(st.integers(1, 4))):
            alternates = data.draw(st.lists(numbers, max_size=2, unique=True))
            try:
                account, _ = account.add_contact(
                    last_name="Line",
                    phone=data.draw(st.none() | numbers),
                    mobile=data.draw(st.none() | numbers),
                    alternate_phones=alternates,
                )
            except PolicyViolationError:
                reject()  # e.g. an alternate that repeats another number
        store.accounts.add(account)
        looked_up = data.draw(numbers)
        phone = Phone.parse(looked_up)
        found = store.accounts.find_contacts_on_line(looked_up)
        everyone = [c for a in store.accounts for c in a.contacts.values()]
        expected = [
            c for c in everyone if any(p.verified and p.number == phone.number for p in _all(c))
        ]
        assert found == sort_contacts(expected)
        same = {c.id for c in everyone if any(phone.same_number(p) for p in _all(c))}
        assert same <= {c.id for c in found}
        assert store.accounts.find_contacts_on_line(looked_up, limit=2) == found[:2]

    @pytest.mark.parametrize(
        ("query", "who"),
        [
            ("martin", "alice"),
            ("ALICE", "alice"),
            ("Alice Martin", "alice"),
            ("martin alice", "alice"),
            ("helene", "helene"),
            ("LEFEVRE", "helene"),
            ("Hélène Lefèvre", "helene"),
            ("lefevre helene", "helene"),
            ("Hélène Marie Lefèvre Jr.", "helene"),
            ("zoe", "zoe"),
        ],
    )
    def test_find_by_name_ignores_case_and_accents(
        self, store: Store, query: str, who: str
    ) -> None:
        account, people = acme()
        store.accounts.add(account)
        assert [c.id for c in store.accounts.find_contacts(name=query)] == [people[who].id]

    def test_find_by_name_needs_a_whole_part(self, store: Store) -> None:
        store.accounts.add(acme()[0])
        assert store.accounts.find_contacts(name="mart") == []
        assert store.accounts.find_contacts(name="Alice Durand") == []
        assert store.accounts.find_contacts(name="   ") == []

    def test_find_by_title_department_and_active(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        store.accounts.add(globex()[0])
        assert store.accounts.find_contacts(department="finance") == [
            people["bob"],
            people["alice"],
        ]
        assert store.accounts.find_contacts(title="directrice TECHNIQUE") == [people["helene"]]
        assert [c.id for c in store.accounts.find_contacts(active=False)] == [people["zoe"].id]
        assert store.accounts.find_contacts(department="Finance", title="CFO") == [people["alice"]]
        assert store.accounts.find_contacts(account_id=account.id, active=True, limit=2) == [
            people["bob"],
            people["helene"],
        ]
        assert len(store.accounts.find_contacts()) == 5

    def test_find_sorts_by_last_name_first_name_then_id(self, store: Store) -> None:
        account = Account.create(name="Initech")
        for first, last, cid in [
            ("Émile", "Zola", "c5"),
            ("anna", "Ábel", "c4"),
            ("Anna", "abel", "c3"),
            ("Bert", "Abel", "c1"),
            (None, "Abel", "c2"),
        ]:
            fields: dict[str, Any] = {"first_name": first} if first else {}
            account, _ = account.add_contact(last_name=last, id=cid, department="IT", **fields)
        store.accounts.add(account)
        found = store.accounts.find_contacts(department="it")
        assert [c.id for c in found] == ["c2", "c3", "c4", "c1", "c5"]
        assert [c.id for c in store.accounts.find_contacts(department="it", limit=3)] == [
            "c2",
            "c3",
            "c4",
        ]

    def test_find_refuses_bad_arguments(self, store: Store) -> None:
        with pytest.raises(InvalidValueError):
            store.accounts.find_contacts(limit=-1)
        with pytest.raises(InvalidValueError):
            store.accounts.find_contacts(email=42)  # type: ignore[arg-type]
        assert store.accounts.find_contacts(limit=0) == []

    def test_search_contacts_finds_parts_of_names_and_emails(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        store.accounts.add(globex()[0])
        assert store.accounts.search_contacts("LEFEV") == [people["helene"]]
        assert store.accounts.search_contacts("acme.fr") == [people["helene"], people["alice"]]
        assert store.accounts.search_contacts("acme.fr", limit=1) == [people["helene"]]
        assert store.accounts.search_contacts("%") == []
        assert store.accounts.search_contacts("_") == []
        assert store.accounts.search_contacts("") == []

    def test_external_ids_find_accounts_and_contacts(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        assert store.accounts.find_by_external_id("salesforce", "001ACME") == account.committed(1)
        assert (
            store.accounts.find_contact_by_external_id("salesforce", "003ALICE") == people["alice"]
        )
        assert store.accounts.find_by_external_id("salesforce", "003ALICE") is None
        assert store.accounts.find_contact_by_external_id("hubspot", "003ALICE") is None
        changed = store.accounts.get(account.id).update(external_ids={"salesforce": "001NEW"})
        store.accounts.save(changed)
        assert store.accounts.find_by_external_id("salesforce", "001ACME") is None
        assert store.accounts.find_by_external_id("salesforce", "001NEW") is not None


class AccountListContract(ContractBase):
    """Accounts listed in order, by page and by parent; any account round-trips."""

    def _three(self, store: Store) -> list[Account]:
        names = ["zeta Industries", "Émeraude SARL", "alpha Corp"]
        return [store.accounts.add(Account.create(name=n, id=f"a{i}")) for i, n in enumerate(names)]

    def test_list_sorts_by_name_ignoring_case_and_accents(self, store: Store) -> None:
        self._three(store)
        names = [a.name for a in store.accounts.list()]
        assert names == ["alpha Corp", "Émeraude SARL", "zeta Industries"]
        desc = [a.name for a in store.accounts.list(descending=True)]
        assert desc == list(reversed(names))

    def test_list_pages(self, store: Store) -> None:
        self._three(store)
        assert [a.id for a in store.accounts.list(offset=1, limit=1)] == ["a1"]
        assert [a.id for a in store.accounts.list(offset=2, limit=5)] == ["a0"]
        assert store.accounts.list(offset=3) == []
        assert store.accounts.list(limit=0) == []

    @pytest.mark.parametrize("order", ["id", "created_at", "updated_at"])
    def test_list_other_orders(self, store: Store, order: str) -> None:
        added = self._three(store)
        key = {
            "id": lambda a: a.id,
            "created_at": lambda a: (a.created_at, a.id),
            "updated_at": lambda a: (a.updated_at, a.id),
        }[order]
        expected = [a.id for a in sorted(added, key=key)]
        assert [a.id for a in store.accounts.list(order_by=order)] == expected

    def test_list_refuses_bad_arguments(self, store: Store) -> None:
        with pytest.raises(InvalidValueError):
            store.accounts.list(order_by="size")
        with pytest.raises(InvalidValueError):
            store.accounts.list(offset=-1)
        with pytest.raises(InvalidValueError):
            store.accounts.list(limit=-5)

    def test_iteration_streams_every_account_by_name(self, store: Store) -> None:
        with store.transaction():
            for i in range(1203):
                store.accounts.add(Account.create(name=f"Company {i:05d}", id=f"id{i:05d}"))
        names = [a.name for a in store.accounts]
        assert names == [f"Company {i:05d}" for i in range(1203)]
        assert store.accounts.count() == 1203

    @pytest.mark.parametrize("order", ["name", "id", "created_at", "updated_at"])
    @pytest.mark.parametrize("descending", [False, True])
    def test_keyset_pages_walk_the_same_order_as_one_list(
        self, store: Store, order: str, descending: bool
    ) -> None:
        with store.transaction():
            for i, name in enumerate(["Kilo", "alpha", "Émile", "alpha", "Zulu", "bravo", "Ömer"]):
                store.accounts.add(Account.create(name=name, id=f"k{(i * 5) % 7}"))
        whole = [a.id for a in store.accounts.list(order_by=order, descending=descending)]
        walked: list[str] = []
        after = None
        while True:
            page = store.accounts.list(order_by=order, descending=descending, limit=2, after=after)
            walked += [a.id for a in page]
            if len(page) < 2:
                break
            after = page[-1].id
        assert walked == whole
        third = store.accounts.list(order_by=order, descending=descending, after=whole[1], offset=1)
        assert [a.id for a in third] == whole[3:]

    def test_keyset_by_id_goes_on_after_the_cursor_account_is_removed(self, store: Store) -> None:
        self._three(store)
        store.accounts.remove("a1")
        assert [a.id for a in store.accounts.list(order_by="id", after="a1")] == ["a2"]
        with pytest.raises(NotFoundError):
            store.accounts.list(order_by="name", after="a1")
        with pytest.raises(InvalidValueError) as caught:
            store.accounts.list(after="")
        assert caught.value.field == "after"

    def test_keyset_pages_within_a_parent(self, store: Store) -> None:
        store.accounts.add(Account.create(name="Holding", id="h"))
        for i in range(5):
            store.accounts.add(Account.create(name=f"Sub {4 - i}", id=f"s{i}", parent_id="h"))
        page = store.accounts.list(parent_id="h", after="s3", limit=2)
        assert [a.name for a in page] == ["Sub 2", "Sub 3"]

    def test_find_by_name_ignores_case_and_accents_and_uses_no_other_name(
        self, store: Store
    ) -> None:
        self._three(store)
        store.accounts.add(Account.create(name="EMERAUDE sarl", id="a9"))
        assert [a.id for a in store.accounts.find_by_name("émeraude SARL")] == ["a1", "a9"]
        assert store.accounts.find_by_name("Émeraude") == []
        assert store.accounts.find_by_name("  ") == []
        with pytest.raises(InvalidValueError) as caught:
            store.accounts.find_by_name(5)  # type: ignore[arg-type]
        assert caught.value.field == "name"

    def test_children_of_an_account(self, store: Store) -> None:
        parent = store.accounts.add(Account.create(name="Holding", id="h"))
        store.accounts.add(Account.create(name="Sub B", id="b", parent_id=parent.id))
        store.accounts.add(Account.create(name="Sub A", id="a", parent_id=parent.id))
        assert [a.id for a in store.accounts.children_of("h")] == ["a", "b"]
        assert store.accounts.children_of("a") == []

    @settings(
        max_examples=15,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.differing_executors,
        ],
    )
    @given(data=st.data())
    def test_any_account_round_trips(self, store: Store, data: st.DataObject) -> None:
        from contactgraph.testing import strategies

        account = data.draw(strategies.accounts(max_contacts=6, max_commands=6))
        if store.accounts.exists(account.id):
            return
        stored = store.accounts.add(account)
        assert store.accounts.get(account.id) == stored
        for contact in account.contacts.values():
            if contact.email is not None:
                assert contact in store.accounts.find_contacts(email=contact.email.address)
            assert contact in store.accounts.find_contacts(name=contact.full_name)
