"""Personal data: everything about one person exported; a person forgotten everywhere."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import attrs
import pytest

from contactgraph.domain import Account, AccountContactRelation, Case, Contact
from contactgraph.errors import InvalidValueError, NotFoundError
from contactgraph.privacy import FORGOTTEN_NAME, REDACTED, forget
from contactgraph.repos.history import replay, values_of
from contactgraph.repos.unit_of_work import UnitOfWork
from contactgraph.store import Store
from contactgraph.testing.contracts.base import ContractBase, acme, acme_deal, globex

WILHELMINA: dict[str, Any] = {
    "last_name": "Quaxley",
    "first_name": "Wilhelmina",
    "salutation": "Dr.",
    "email": "wquaxley@acme.example",
    "alternate_emails": ["wq@home.example"],
    "phone": "+33 1 99 88 77 66",
    "mobile": "+33 6 55 44 33 22",
    "title": "Head of Procurement",
    "department": "Purchasing",
    "mailing_address": {"street": "9 rue Zerbinette", "city": "Nantes"},
    "birthdate": "1971-07-14",
    "description": "Prefers calls after 5pm.",
    "external_ids": {"salesforce": "003WQUAX"},
    "extra": {"Hobby__c": "falconry"},
    "decision_role": "Decision Maker",
}
"""A person with every personal field set, and names found nowhere else in the data."""

TRACES = ("quaxley", "wilhelmina", "home.example", "99 88 77 66", "99887766", "falconry")


def _traces(document: Any) -> list[str]:
    text = json.dumps(document, ensure_ascii=False).lower()
    return [t for t in TRACES if t in text]


@attrs.define
class _Notebook:
    """A holder of personal data kept beside the store (as merge records are)."""

    name: str = "notebook"
    notes: dict[str, str] = attrs.Factory(dict)
    forgotten: list[str] = attrs.Factory(list)

    def personal_data(self, store: UnitOfWork, contact_id: str) -> Any:
        return {"note": self.notes.get(contact_id)}

    def forget(self, store: UnitOfWork, contact: Contact) -> int:
        self.forgotten.append(contact.full_name)
        return int(self.notes.pop(contact.id, None) is not None)


def _world(store: Store) -> dict[str, Any]:
    """ACME with Wilhelmina (who reports to Alice and manages Bob), a deal, cases, a relation."""
    account, people = acme()
    account, w = account.add_contact(reports_to=people["alice"].id, **WILHELMINA)
    account = account.update_contact(people["bob"].id, reports_to=w.id)
    account = account.update_contact(
        people["helene"].id, description="Backs up Wilhelmina Quaxley in May."
    )
    other, hank = globex()
    store.accounts.add(account)
    store.accounts.add(other)
    deal = acme_deal(account, people).add_contact_role(w.id, role="Decision Maker")
    deal = store.opportunities.add(deal.update(description="Quaxley signs off."))
    theirs = store.cases.add(
        Case.create(
            "Wilhelmina Quaxley cannot log in",
            account.id,
            w.id,
            description="Call back on 01 99 88 77 66 or write to WQuaxley@acme.example.",
        )
    )
    unrelated = store.cases.add(Case.create("Invoice error", account.id, people["bob"].id))
    relation = store.relations.add(
        AccountContactRelation.create(
            account_id=other.id,
            contact_id=w.id,
            roles=["Influencer"],
            title="Board advisor",
            start_date=date(2025, 1, 1),
        )
    )
    return {
        "account": account,
        "people": people,
        "w": w,
        "other": other,
        "hank": hank,
        "deal": deal,
        "case": theirs,
        "unrelated": unrelated,
        "relation": relation,
    }


class PersonalDataContract(ContractBase):
    def test_the_export_holds_everything_about_the_person(self, store: Store) -> None:
        world = _world(store)
        w: Contact = world["w"]
        store.accounts.save(
            store.accounts.get(world["account"].id).update_contact(w.id, title="CPO")
        )
        document = store.personal_data(w.id)
        json.dumps(document)  # JSON-ready as it is
        assert document["format"] == "contactgraph.personal-data/1"
        assert document["contact"]["email"] == "wquaxley@acme.example"
        assert document["contact"]["title"] == "CPO"
        assert document["account"] == {"id": world["account"].id, "name": "ACME SA"}
        assert document["manager"] == {"id": world["people"]["alice"].id, "name": "Alice Martin"}
        assert document["reports"] == [{"id": world["people"]["bob"].id, "name": "Bob Durand"}]
        [role] = document["opportunity_roles"]
        assert role["opportunity_id"] == world["deal"].id
        assert role["role"] == "Decision Maker"
        assert [c["id"] for c in document["cases"]] == [world["case"].id]
        assert [r["id"] for r in document["relations"]] == [world["relation"].id]
        assert ("title", "Head of Procurement", "CPO") in [
            (h["field"], h["old"], h["new"]) for h in document["history"]
        ]

    def test_an_unknown_person_is_not_found_and_a_bad_id_refused(self, store: Store) -> None:
        with pytest.raises(NotFoundError):
            store.personal_data("nobody")
        with pytest.raises(NotFoundError):
            store.forget("nobody")
        with pytest.raises(InvalidValueError) as caught:
            store.forget(42)  # type: ignore[arg-type]
        assert caught.value.field == "contact_id"

    def test_a_forgotten_person_cannot_be_found_by_name_email_or_phone(self, store: Store) -> None:
        world = _world(store)
        w: Contact = world["w"]
        done = store.forget(w.id)
        assert done.contact_id == w.id
        assert {"first_name", "email", "phone", "mobile", "birthdate"} <= set(done.fields)
        accounts = store.accounts
        assert accounts.find_contacts(email="wquaxley@acme.example") == []
        assert accounts.find_contacts(email="wq@home.example") == []
        assert accounts.find_contacts(phone="+33 1 99 88 77 66") == []
        assert accounts.find_contacts(phone="+33 6 55 44 33 22") == []
        assert accounts.find_contacts(name="Wilhelmina Quaxley") == []
        assert accounts.find_contacts(name="Quaxley") == []
        for needle in ("quaxley", "wilhelmina", "wquaxley@acme", "99887766", "55443322"):
            assert accounts.search(needle).total == 0, needle
        assert accounts.find_contact_by_external_id("salesforce", "003WQUAX") is None

    def test_nothing_personal_is_left_anywhere_the_store_looks(self, store: Store) -> None:
        world = _world(store)
        w: Contact = world["w"]
        store.forget(w.id)
        placeholder = store.accounts.get_contact(w.id)
        assert placeholder.last_name == FORGOTTEN_NAME
        assert placeholder.first_name is None
        assert placeholder.email is None
        assert not placeholder.active
        assert placeholder.email_opt_out
        assert placeholder.do_not_call
        assert _traces(store.personal_data(w.id)) == []
        account = store.accounts.get(world["account"].id)
        assert _traces([c.description for c in account.contacts.values()]) == []
        for record in (w.id, world["people"]["helene"].id, account.id):
            assert _traces([(c.old, c.new) for c in store.history.of(record)]) == [], record
        case = store.cases.get(world["case"].id)
        assert case.subject == f"{REDACTED} cannot log in"
        assert case.description == f"Call back on {REDACTED} or write to {REDACTED}."
        assert store.opportunities.get(world["deal"].id).description == f"{REDACTED} signs off."
        assert store.relations.get(world["relation"].id).title is None

    def test_the_non_personal_facts_remain(self, store: Store) -> None:
        world = _world(store)
        w: Contact = world["w"]
        store.forget(w.id)
        deal = store.opportunities.get(world["deal"].id)
        assert deal.amount == world["deal"].amount
        assert deal.name == "ACME renewal"
        assert deal.role_of(w.id) == world["deal"].role_of(w.id)
        assert store.cases.get(world["unrelated"].id) == world["unrelated"]
        assert store.cases.get(world["case"].id).contact_id == w.id
        relation = store.relations.get(world["relation"].id)
        assert relation.roles == world["relation"].roles
        assert store.graph.manager_of(world["people"]["bob"].id).id == w.id  # type: ignore[union-attr]
        assert store.graph.manager_of(w.id).id == world["people"]["alice"].id  # type: ignore[union-attr]
        alice = store.accounts.get_contact(world["people"]["alice"].id)
        assert alice.email is not None
        assert alice.email.address == "Alice.Martin@acme.fr"
        assert store.accounts.find_contacts(email="Alice.Martin@acme.fr") == [alice]

    def test_history_keeps_its_shape_and_still_replays(self, store: Store) -> None:
        world = _world(store)
        w: Contact = world["w"]
        with store.transaction(actor="dpo@acme.example"):
            done = store.forget(w.id)
        assert not done.files_scrubbed  # not on disk before the block commits
        assert done.history_entries >= 2
        changes = store.history.of(w.id)
        assert changes[-1].action == "forgotten"
        assert changes[-1].actor == "dpo@acme.example"
        assert any(c.redacted for c in changes)
        assert replay(changes) == values_of(store.accounts.get_contact(w.id))
        assert ("reports_to", world["people"]["alice"].id) in [
            (c.field, c.new) for c in changes if c.action == "created"
        ]

    def test_forgetting_twice_is_harmless(self, store: Store) -> None:
        world = _world(store)
        w: Contact = world["w"]
        store.forget(w.id, actor="dpo")
        assert store.history.of(w.id)[-1].actor == "dpo"
        again = store.forget(w.id)
        assert again.fields == ("last_name",)  # the placeholder's own name only
        assert again.cases == 0
        assert store.accounts.get_contact(w.id).last_name == FORGOTTEN_NAME

    def test_holders_export_and_forget_theirs_in_the_transaction(self, store: Store) -> None:
        world = _world(store)
        w: Contact = world["w"]
        book = _Notebook(notes={w.id: "met at the fair"})
        from contactgraph.privacy import personal_data

        assert personal_data(store, w.id, holders=[book])["notebook"] == {"note": "met at the fair"}
        done = forget(store, w.id, holders=[book], scrub=False)
        assert done.holders == {"notebook": 1}
        assert book.forgotten == ["Wilhelmina Quaxley"]

    def test_a_failing_holder_leaves_the_person_as_they_were(self, store: Store) -> None:
        world = _world(store)
        w: Contact = world["w"]

        class Broken(_Notebook):
            def forget(self, store: UnitOfWork, contact: Contact) -> int:
                raise NotFoundError("MergeRecord", "m1")

        before = store.history.of(w.id)
        with pytest.raises(NotFoundError):
            forget(store, w.id, holders=[Broken()], scrub=False)
        assert store.accounts.get_contact(w.id) == world["account"].contact(w.id)
        assert store.history.of(w.id) == before
        assert store.cases.get(world["case"].id) == world["case"]

    def test_other_tenants_are_untouched(self, store: Store, other_tenant: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        other_tenant.accounts.add(account)
        store.forget(people["alice"].id, scrub=False)
        assert other_tenant.accounts.get(account.id) == account.committed(1)
        with pytest.raises(NotFoundError):
            other_tenant.forget("nobody", scrub=False)

    def test_a_store_on_a_person_moved_keeps_the_move_but_not_the_person(
        self, store: Store
    ) -> None:
        world = _world(store)
        w: Contact = world["w"]
        store.move_contact(w.id, world["other"].id)
        store.forget(w.id)
        moved = [c for c in store.history.of(w.id) if c.action == "moved"]
        assert [(c.old, c.new) for c in moved] == [(world["account"].id, world["other"].id)]
        assert isinstance(store.accounts.account_of(w.id), Account)
