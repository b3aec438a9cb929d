"""The repository contract: one test suite every backend passes.

A backend proves itself by subclassing :class:`StoreContract` (or one of the
smaller contracts) and providing a ``store`` fixture that yields an empty
store::

    import pytest
    import contactgraph as cg
    from contactgraph.testing.contract import StoreContract

    class TestMyBackend(StoreContract):
        @pytest.fixture
        def store(self, tmp_path):
            with cg.open_store(f"sqlite:///{tmp_path / 'crm.db'}") as store:
                yield store

Tenant tests use ``store.for_tenant(...)``; a backend that cannot share its
database between tenants overrides the ``other_tenant`` fixture.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactgraph.domain import (
    Account,
    AccountContactRelation,
    Case,
    Contact,
    DomainEvent,
    Opportunity,
)
from contactgraph.errors import (
    ConcurrencyError,
    ContactGraphError,
    InvalidValueError,
    NotFoundError,
    PolicyViolationError,
)
from contactgraph.repos.protocol import (
    AccountRepository,
    CaseRepository,
    OpportunityRepository,
    RelationRepository,
)
from contactgraph.store import Store

__all__ = [
    "AccountRepositoryContract",
    "Boom",
    "CaseRepositoryContract",
    "HostileInputContract",
    "IntegrityContract",
    "OpportunityRepositoryContract",
    "RelationRepositoryContract",
    "StoreContract",
    "TenantContract",
    "TransactionContract",
    "acme",
    "globex",
    "rolled_back",
]


# ------------------------------------------------------------------ data


def acme(name: str = "ACME SA") -> tuple[Account, dict[str, Contact]]:
    """ACME and four people, with every kind of contact field set somewhere."""
    account = Account.create(
        name=name,
        industry="Manufacturing",
        type="Customer",
        website="https://acme.example",
        phone="+33 1 40 00 00 00",
        billing_address={
            "street": "1 rue de la Paix\nBâtiment B",
            "city": "Paris",
            "country": "France",
        },
        annual_revenue="1250000.50",
        number_of_employees=120,
        external_ids={"salesforce": "001ACME"},
        extra={"Rating__c": "Hot", "Score__c": 4.5},
        description="Key account.\nRenewal in March.",
    )
    account, alice = account.add_contact(
        last_name="Martin",
        first_name="Alice",
        salutation="Ms.",
        email="Alice.Martin@ACME.fr",
        phone="+33 1 23 45 67 89",
        title="CFO",
        department="Finance",
        decision_role="Economic Buyer",
        external_ids={"salesforce": "003ALICE"},
    )
    account, bob = account.add_contact(
        last_name="Durand",
        first_name="Bob",
        reports_to=alice.id,
        title="Accountant",
        department="Finance",
        mobile="06 12 34 56 78",
    )
    account, helene = account.add_contact(
        last_name="Lefèvre",
        first_name="Hélène",
        middle_name="Marie",
        suffix="Jr.",
        salutation="Dr.",
        email="helene@acme.fr",
        alternate_emails=["h.lefevre@gmail.com"],
        alternate_phones=["+33 6 98 76 54 32"],
        title="Directrice technique",
        department="R&D",
        mailing_address={"street": "2 avenue Foch", "city": "Lyon", "postal_code": "69006"},
        birthdate="1980-02-29",
        extra={"Picture__c": "h.png", "Vip__c": True, "Visits__c": 3, "Nothing__c": None},
        lead_source="Web",
        description="Met at the Lyon fair.\nCall back in May.",
        email_opt_out=True,
        do_not_call=True,
        decision_role="Technical Buyer",
    )
    account, zoe = account.add_contact(last_name="Zoë", active=True)
    account = account.deactivate_contact(zoe.id)
    return account, {"alice": alice, "bob": bob, "helene": helene, "zoe": zoe}


def globex() -> tuple[Account, Contact]:
    account = Account.create(name="Globex Corporation", industry="Banking")
    account, hank = account.add_contact(
        last_name="Scorpio", first_name="Hank", email="hank@globex.example", title="CEO"
    )
    return account, hank


class Boom(RuntimeError):
    """Raised on purpose inside a transaction to roll it back."""


def rolled_back(store: Store, *actions: Callable[[], object]) -> None:
    """Run ``actions`` in a transaction (nested if one is open), then raise :class:`Boom`."""
    with store.transaction():
        for action in actions:
            action()
        raise Boom("rolled back on purpose")


def _events(store: Store) -> list[DomainEvent]:
    seen: list[DomainEvent] = []
    store.subscribe(seen.append)
    return seen


class _Base:
    @pytest.fixture
    def store(self) -> Iterator[Store]:
        raise NotImplementedError("a backend's test class provides the `store` fixture")

    @pytest.fixture
    def other_tenant(self, store: Store) -> Iterator[Store]:
        other = store.for_tenant(f"{store.tenant}-other")
        yield other
        other.close()


# -------------------------------------------------------------- accounts


class AccountRepositoryContract(_Base):
    """Accounts and their contacts: add, get, save, remove, look-ups, lists."""

    def test_keeps_the_repository_protocol(self, store: Store) -> None:
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

    def test_get_many_keeps_the_order_asked_and_skips_missing(self, store: Store) -> None:
        a = store.accounts.add(acme()[0])
        g = store.accounts.add(globex()[0])
        assert [x.id for x in store.accounts.get_many([g.id, "ghost", a.id, g.id])] == [g.id, a.id]
        assert store.accounts.get_many([]) == []

    # ------------------------------------------------------------ look-ups

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

    # --------------------------------------------------------------- lists

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


# ---------------------------------------------------- other aggregates


def _deal(account: Account, people: dict[str, Contact], **fields: Any) -> Opportunity:
    deal = Opportunity.create(
        name=fields.pop("name", "ACME renewal"),
        account_id=account.id,
        stage=fields.pop("stage", "Prospecting"),
        close_date=fields.pop("close_date", date(2027, 3, 31)),
        amount=Decimal("12000.00"),
        currency="EUR",
        external_ids={"salesforce": "006DEAL"},
        **fields,
    )
    deal = deal.add_contact_role(people["alice"].id, role="Economic Buyer", primary=True)
    return deal.add_contact_role(people["helene"].id, role="Technical Buyer")


class OpportunityRepositoryContract(_Base):
    def test_keeps_the_repository_protocol(self, store: Store) -> None:
        assert isinstance(store.opportunities, OpportunityRepository)

    def test_add_get_save_remove(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        deal = _deal(account, people)
        stored = store.opportunities.add(deal)
        assert stored.version == 1
        loaded = store.opportunities.get(deal.id)
        assert loaded == stored
        assert loaded.contact_roles == deal.contact_roles
        assert loaded.amount is not None
        assert str(loaded.amount.amount) == "12000.00"
        saved = store.opportunities.save(loaded.update(stage="Negotiation/Review"))
        assert saved.version == 2
        assert store.opportunities.get(deal.id).stage.value == "Negotiation/Review"
        with pytest.raises(ConcurrencyError):
            store.opportunities.save(loaded.update(name="Stale"))
        assert store.opportunities.find_by_external_id("salesforce", "006DEAL") == saved
        store.opportunities.remove(deal.id)
        with pytest.raises(NotFoundError):
            store.opportunities.get(deal.id)
        with pytest.raises(NotFoundError):
            store.opportunities.remove(deal.id)
        assert store.opportunities.count() == 0

    def test_duplicate_id_is_refused(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        deal = store.opportunities.add(_deal(account, people))
        with pytest.raises(PolicyViolationError) as caught:
            store.opportunities.add(Opportunity.create("Other", account.id, id=deal.id))
        assert "id.duplicate" in caught.value.codes

    def test_list_filters_and_orders(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        g, hank = globex()
        store.accounts.add(g)
        late = store.opportunities.add(
            _deal(account, people, name="b late", close_date=date(2028, 1, 1))
        )
        undated = store.opportunities.add(_deal(account, people, name="a undated", close_date=None))
        soon = store.opportunities.add(
            _deal(account, people, name="z soon", close_date=date(2027, 1, 1))
        )
        tie = store.opportunities.add(
            _deal(account, people, name="Y soon", close_date=date(2027, 1, 1))
        )
        won = store.opportunities.add(_deal(account, people, name="won", stage="Closed Won"))
        other = store.opportunities.add(
            Opportunity.create("Globex deal", g.id).add_contact_role(hank.id, primary=True)
        )
        ids = [o.id for o in store.opportunities.list(account_id=account.id)]
        assert ids == [tie.id, soon.id, won.id, late.id, undated.id]
        assert [o.id for o in store.opportunities.list(account_id=account.id, open_only=True)] == [
            tie.id,
            soon.id,
            late.id,
            undated.id,
        ]
        assert [o.id for o in store.opportunities.list(contact_id=hank.id)] == [other.id]
        both = store.opportunities.list(
            contact_ids=[hank.id, people["helene"].id], limit=2, offset=1
        )
        assert [o.id for o in both] == [soon.id, won.id]
        assert store.opportunities.list(contact_id="ghost") == []
        assert store.opportunities.list(contact_ids=[]) == []
        assert store.opportunities.count() == 6


class CaseRepositoryContract(_Base):
    def test_keeps_the_repository_protocol(self, store: Store) -> None:
        assert isinstance(store.cases, CaseRepository)

    def test_add_get_save_remove(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        ticket = Case.create(
            "Invoice error",
            account.id,
            people["bob"].id,
            priority="High",
            origin="Email",
            description="Line 1\nLine 2",
            external_ids={"salesforce": "500X"},
        )
        stored = store.cases.add(ticket)
        assert store.cases.get(ticket.id) == stored
        closed = store.cases.save(stored.close())
        loaded = store.cases.get(ticket.id)
        assert loaded == closed
        assert loaded.closed_at is not None
        assert store.cases.find_by_external_id("salesforce", "500X") == closed
        with pytest.raises(ConcurrencyError):
            store.cases.save(stored.update(subject="Stale"))
        store.cases.remove(ticket.id)
        with pytest.raises(NotFoundError):
            store.cases.get(ticket.id)
        assert store.cases.count() == 0

    def test_list_most_recent_first(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        first = store.cases.add(Case.create("First", account.id, people["bob"].id))
        second = store.cases.add(Case.create("Second", account.id, people["alice"].id))
        third = store.cases.add(Case.create("Third", account.id, None, status="Closed"))
        assert [c.id for c in store.cases.list()] == [third.id, second.id, first.id]
        assert [c.id for c in store.cases.list(open_only=True)] == [second.id, first.id]
        assert [c.id for c in store.cases.list(contact_id=people["bob"].id)] == [first.id]
        assert [c.id for c in store.cases.list(account_id=account.id, offset=2)] == [first.id]
        anyone = store.cases.list(contact_ids=[people["bob"].id, people["alice"].id, "ghost"])
        assert [c.id for c in anyone] == [second.id, first.id]
        assert store.cases.list(contact_ids=[]) == []


class RelationRepositoryContract(_Base):
    def test_keeps_the_repository_protocol(self, store: Store) -> None:
        assert isinstance(store.relations, RelationRepository)

    def test_add_get_save_remove_list(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        g, _ = globex()
        store.accounts.add(g)
        board = AccountContactRelation.create(
            g.id,
            people["alice"].id,
            roles="Decision Maker;Influencer",
            title="Board member",
            start_date="2020-01-01",
        )
        undated = AccountContactRelation.create(g.id, people["bob"].id)
        stored = store.relations.add(board)
        store.relations.add(undated)
        assert store.relations.get(board.id) == stored
        ended = store.relations.save(stored.end(date(2024, 12, 31)))
        assert store.relations.get(board.id) == ended
        with pytest.raises(ConcurrencyError):
            store.relations.save(stored)
        assert [r.id for r in store.relations.list(account_id=g.id)] == [undated.id, board.id]
        assert [r.id for r in store.relations.list(contact_id=people["alice"].id)] == [board.id]
        both = store.relations.list(contact_ids=[people["alice"].id, people["bob"].id, "ghost"])
        assert [r.id for r in both] == [undated.id, board.id]
        assert store.relations.list(contact_ids=[]) == []
        store.relations.remove(undated.id)
        assert store.relations.count() == 1
        with pytest.raises(NotFoundError):
            store.relations.get(undated.id)


# --------------------------------------------------------------- integrity


class IntegrityContract(_Base):
    """Referential integrity across aggregates, enforced at commit by every store."""

    def test_a_case_contact_must_belong_to_the_case_account(self, store: Store) -> None:
        account, _ = acme()
        store.accounts.add(account)
        g, hank = globex()
        store.accounts.add(g)
        with pytest.raises(PolicyViolationError) as caught:
            store.cases.add(Case.create("Wrong", account.id, hank.id))
        assert "contact_id.not_of_account" in caught.value.codes
        with pytest.raises(PolicyViolationError) as caught:
            store.cases.add(Case.create("Nowhere", "ghost-account", None))
        assert "account_id.unknown" in caught.value.codes
        assert store.cases.count() == 0

    def test_roles_must_be_contacts_of_the_account_unless_relaxed(self, store: Store) -> None:
        account, _ = acme()
        store.accounts.add(account)
        g, hank = globex()
        store.accounts.add(g)
        foreign = Opportunity.create("Cross", account.id).add_contact_role(hank.id, "Influencer")
        with pytest.raises(PolicyViolationError) as caught:
            store.opportunities.add(foreign)
        assert "contact_roles.foreign_contact" in caught.value.codes
        ghost = Opportunity.create("Ghost", account.id).add_contact_role("ghost", "Influencer")
        with pytest.raises(PolicyViolationError) as caught:
            store.opportunities.add(ghost)
        assert "contact_roles.unknown_contact" in caught.value.codes
        store.allow_foreign_contact_roles = True
        assert store.opportunities.add(foreign).version == 1
        with pytest.raises(PolicyViolationError):
            store.opportunities.add(ghost)

    def test_a_role_left_behind_by_a_move_does_not_block_other_changes(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        g, _ = globex()
        store.accounts.add(g)
        deal = store.opportunities.add(_deal(account, people))
        source = store.accounts.get(account.id)
        released, moved, _cut = source.release_contact(people["helene"].id, g.id)
        with store.transaction():
            store.accounts.save(released)
            store.accounts.save(store.accounts.get(g.id).receive_contact(moved, account.id))
        assert store.opportunities.save(deal.update(stage="Qualification")).version == 2

    def test_removing_the_primary_contact_of_an_open_deal_is_refused(self, store: Store) -> None:
        account, people = acme()
        stored = store.accounts.add(account)
        deal = store.opportunities.add(_deal(account, people))
        with pytest.raises(PolicyViolationError) as caught:
            store.accounts.save(stored.remove_contact(people["alice"].id, reassign_reports_to=None))
        assert "contact.primary_on_open_opportunity" in caught.value.codes
        assert "Alice Martin" in str(caught.value)
        assert "ACME renewal" in str(caught.value)
        assert store.accounts.get(account.id) == stored
        with store.transaction():
            store.accounts.save(stored.remove_contact(people["alice"].id, reassign_reports_to=None))
            store.opportunities.save(deal.set_primary(people["helene"].id))
        assert store.accounts.count_contacts() == 3

    def test_removing_a_contact_with_an_open_case_is_refused(self, store: Store) -> None:
        account, people = acme()
        stored = store.accounts.add(account)
        ticket = store.cases.add(Case.create("Invoice error", account.id, people["bob"].id))
        with pytest.raises(PolicyViolationError) as caught:
            store.accounts.save(stored.remove_contact(people["bob"].id))
        assert "contact.has_open_cases" in caught.value.codes
        assert "Invoice error" in str(caught.value)
        store.cases.save(ticket.close())
        assert store.accounts.save(stored.remove_contact(people["bob"].id)).version == 2

    def test_a_non_primary_role_does_not_block_a_removal(self, store: Store) -> None:
        account, people = acme()
        stored = store.accounts.add(account)
        store.opportunities.add(_deal(account, people))
        store.accounts.save(stored.remove_contact(people["helene"].id))

    def test_removing_a_referenced_account_is_refused_and_says_why(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        deal = store.opportunities.add(_deal(account, people))
        with pytest.raises(PolicyViolationError) as caught:
            store.accounts.remove(account.id)
        assert "account.referenced" in caught.value.codes
        assert deal.id in str(caught.value)
        assert store.accounts.exists(account.id)
        with store.transaction():
            store.accounts.remove(account.id)
            store.opportunities.remove(deal.id)
        assert not store.accounts.exists(account.id)

    def test_an_account_whose_contact_has_a_relation_elsewhere_is_refused(
        self, store: Store
    ) -> None:
        account, people = acme()
        store.accounts.add(account)
        g, _ = globex()
        store.accounts.add(g)
        store.relations.add(AccountContactRelation.create(g.id, people["bob"].id))
        with pytest.raises(PolicyViolationError) as caught:
            store.accounts.remove(account.id)
        assert "account.referenced" in caught.value.codes

    def test_a_relation_needs_an_existing_account_and_contact(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        with pytest.raises(PolicyViolationError) as caught:
            store.relations.add(AccountContactRelation.create("ghost", people["bob"].id))
        assert "account_id.unknown" in caught.value.codes
        with pytest.raises(PolicyViolationError) as caught:
            store.relations.add(AccountContactRelation.create(account.id, "ghost"))
        assert "contact_id.unknown" in caught.value.codes

    def test_order_inside_a_transaction_does_not_matter(self, store: Store) -> None:
        account, people = acme()
        with store.transaction():
            store.cases.add(Case.create("Early", account.id, people["bob"].id))
            store.opportunities.add(_deal(account, people))
            store.accounts.add(account)
        assert store.cases.count() == 1


# ------------------------------------------------------------ transactions


class TransactionContract(_Base):
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
        seen = _events(store)
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
        seen = _events(store)
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
        seen = _events(store)
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
        seen = _events(store)
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


# ------------------------------------------------------------------ tenants


class TenantContract(_Base):
    def test_nothing_of_another_tenant_is_read_or_written(
        self, store: Store, other_tenant: Store
    ) -> None:
        account, people = acme()
        store.accounts.add(account)
        store.opportunities.add(_deal(account, people))
        store.cases.add(Case.create("Help", account.id, people["bob"].id))
        assert other_tenant.tenant != store.tenant
        assert other_tenant.accounts.count() == 0
        assert other_tenant.accounts.count_contacts() == 0
        assert other_tenant.accounts.list() == []
        assert list(other_tenant.accounts) == []
        assert other_tenant.accounts.find_contacts(email="alice.martin@acme.fr") == []
        assert other_tenant.accounts.search_contacts("martin") == []
        assert other_tenant.accounts.find_by_external_id("salesforce", "001ACME") is None
        assert other_tenant.opportunities.list() == []
        assert other_tenant.cases.count() == 0
        with pytest.raises(NotFoundError):
            other_tenant.accounts.get(account.id)
        with pytest.raises(NotFoundError):
            other_tenant.accounts.account_of(people["alice"].id)
        with pytest.raises(NotFoundError):
            other_tenant.accounts.remove(account.id)

    def test_the_same_ids_live_in_two_tenants(self, store: Store, other_tenant: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        twin = other_tenant.accounts.add(account)
        other_tenant.accounts.save(twin.update(name="ACME Twin"))
        assert store.accounts.get(account.id).name == "ACME SA"
        assert other_tenant.accounts.get(account.id).name == "ACME Twin"
        store.accounts.remove(account.id)
        assert other_tenant.accounts.account_of(people["bob"].id).name == "ACME Twin"


# ------------------------------------------------------------- hostile input

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


class HostileInputContract(_Base):
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


class StoreContract(
    AccountRepositoryContract,
    OpportunityRepositoryContract,
    CaseRepositoryContract,
    RelationRepositoryContract,
    IntegrityContract,
    TransactionContract,
    TenantContract,
    HostileInputContract,
):
    """Everything a store promises; subclass it once per backend."""
