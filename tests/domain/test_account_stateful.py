"""A stateful test: an Account driven side by side with a plain-dict model.

Rules run the same operation on the aggregate and on the model; contact ids
come from a Bundle, so operations collide on the same people (and on people
already removed). After every step the invariants compare the two.
"""

from __future__ import annotations

import string
import unicodedata
from typing import Any

import attrs
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from contactgraph import Account, NotFoundError, PolicyViolationError
from contactgraph.testing import strategies as cgst


@attrs.define
class Person:
    """What the model knows about a contact: plain values, as typed."""

    last_name: str
    first_name: str | None
    email: str | None
    title: str | None
    reports_to: str | None
    active: bool = True


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    return unicodedata.normalize("NFC", value.strip()) or None


def _is_forest(parents: dict[str, str | None]) -> bool:
    for start, manager in parents.items():
        seen = {start}
        node = manager
        while node is not None:
            if node not in parents or node in seen:
                return False
            seen.add(node)
            node = parents[node]
    return True


class AccountAgainstModel(RuleBasedStateMachine):
    """ACME SA as the library keeps it, and as a dict of Persons says it should be."""

    contacts = Bundle("contacts")

    def __init__(self) -> None:
        super().__init__()
        self.account = Account.create(name="ACME SA", phone_region="FR")
        self.model: dict[str, Person] = {}

    # ---------------------------------------------------------------- helpers

    def _expect_refusal(self, call: Any, *errors: type[Exception]) -> None:
        try:
            call()
        except errors as refused:
            event(f"refused: {type(refused).__name__}")
        else:
            raise AssertionError("the account accepted a change the model refuses")

    def _parents_with(self, changes: dict[str, str | None]) -> dict[str, str | None]:
        parents = {cid: p.reports_to for cid, p in self.model.items()}
        parents.update(changes)
        return parents

    # ------------------------------------------------------------------ rules

    @initialize(target=contacts, fields=cgst.contact_fields(), contact_id=cgst.contact_ids())
    def first_contact(self, fields: dict[str, Any], contact_id: str) -> str:
        return self.add(fields, None, contact_id)

    @rule(
        target=contacts,
        fields=cgst.contact_fields(),
        manager=st.one_of(st.none(), contacts),
        contact_id=cgst.contact_ids(),
    )
    def add(self, fields: dict[str, Any], manager: str | None, contact_id: str) -> Any:
        kept = {k: fields[k] for k in ("last_name", "first_name", "email", "title") if k in fields}
        if manager is not None and manager not in self.model:
            self._expect_refusal(
                lambda: self.account.add_contact(id=contact_id, reports_to=manager, **kept),
                PolicyViolationError,
            )
            return multiple()
        self.account, contact = self.account.add_contact(id=contact_id, reports_to=manager, **kept)
        assert contact.id == contact_id
        self.model[contact_id] = Person(
            last_name=_text(kept["last_name"]) or "",
            first_name=_text(kept.get("first_name")),
            email=_text(kept.get("email")),
            title=_text(kept.get("title")),
            reports_to=manager,
        )
        return contact_id

    @rule(contact=contacts, title=st.one_of(st.none(), cgst.titles()))
    def retitle(self, contact: str, title: str | None) -> None:
        if contact not in self.model:
            self._expect_refusal(
                lambda: self.account.update_contact(contact, title=title), NotFoundError
            )
            return
        self.account = self.account.update_contact(contact, title=title)
        self.model[contact].title = title

    @rule(contact=contacts, email=cgst.emails())
    def change_email(self, contact: str, email: str) -> None:
        if contact not in self.model:
            self._expect_refusal(
                lambda: self.account.update_contact(contact, email=email), NotFoundError
            )
            return
        self.account = self.account.update_contact(contact, email=email)
        self.model[contact].email = _text(email)

    @rule(contact=contacts, email=cgst.invalid_emails())
    def give_a_bad_email(self, contact: str, email: str) -> None:
        expected = PolicyViolationError if contact in self.model else NotFoundError
        self._expect_refusal(lambda: self.account.update_contact(contact, email=email), expected)

    @rule(contact=contacts, manager=st.one_of(st.none(), contacts))
    def set_manager(self, contact: str, manager: str | None) -> None:
        call = lambda: self.account.update_contact(contact, reports_to=manager)  # noqa: E731
        if contact not in self.model:
            self._expect_refusal(call, NotFoundError)
            return
        parents = self._parents_with({contact: manager})
        if not _is_forest(parents):
            self._expect_refusal(call, PolicyViolationError)
            return
        self.account = call()
        self.model[contact].reports_to = manager

    @rule(contact=contacts, active=st.booleans())
    def set_active(self, contact: str, active: bool) -> None:
        command = self.account.reactivate_contact if active else self.account.deactivate_contact
        if contact not in self.model:
            self._expect_refusal(lambda: command(contact), NotFoundError)
            return
        self.account = command(contact)
        self.model[contact].active = active

    @rule(contact=consumes(contacts), reassign=st.one_of(st.none(), st.just("keep"), contacts))
    def remove(self, contact: str, reassign: str | None) -> None:
        def call() -> Account:
            if reassign == "keep":
                return self.account.remove_contact(contact)
            return self.account.remove_contact(contact, reassign_reports_to=reassign)

        if contact not in self.model:
            self._expect_refusal(call, NotFoundError)
            return
        reports = [cid for cid, p in self.model.items() if p.reports_to == contact]
        if reports and reassign == "keep":
            self._expect_refusal(call, PolicyViolationError)
            return
        removed_manager = self.model[contact].reports_to
        changes = {cid: (removed_manager if cid == reassign else reassign) for cid in reports}
        parents = self._parents_with(changes)
        del parents[contact]
        if reports and not _is_forest(parents):
            self._expect_refusal(call, PolicyViolationError)
            return
        self.account = call()
        del self.model[contact]
        for cid, manager in changes.items():
            self.model[cid].reports_to = manager

    @precondition(lambda self: self.model)
    @rule()
    def save(self) -> None:
        self.account = self.account.committed(self.account.version + 1)

    # ------------------------------------------------------------- invariants

    @invariant()
    def same_people(self) -> None:
        assert set(self.account.contacts) == set(self.model)
        for cid, person in self.model.items():
            contact = self.account.contact(cid)
            assert contact.last_name == person.last_name
            assert contact.first_name == person.first_name
            assert contact.title == person.title
            assert contact.reports_to == person.reports_to
            assert contact.active is person.active
            assert contact.account_id == self.account.id
            if person.email is None:
                assert contact.email is None
            else:
                assert contact.email is not None
                assert contact.email.key == _ascii_lower(person.email)

    @invariant()
    def same_hierarchy(self) -> None:
        for cid in self.model:
            expected = {r for r, p in self.model.items() if p.reports_to == cid}
            assert {c.id for c in self.account.direct_reports(cid)} == expected
        roots = {cid for cid, p in self.model.items() if p.reports_to is None}
        assert {n.contact.id for n in self.account.org_chart()} == roots

    @invariant()
    def same_searches(self) -> None:
        active = {cid for cid, p in self.model.items() if p.active}
        assert {c.id for c in self.account.active_contacts()} == active
        for person in self.model.values():
            if person.email is not None:
                expected = {
                    cid
                    for cid, p in self.model.items()
                    if p.email is not None and _ascii_lower(p.email) == _ascii_lower(person.email)
                }
                found = self.account.find_contacts(email=_ascii_swap(person.email))
                assert {c.id for c in found} == expected


AccountAgainstModel.TestCase.settings = settings(stateful_step_count=30)
TestAccountAgainstModel = AccountAgainstModel.TestCase


def _ascii_lower(text: str) -> str:
    return text.translate(str.maketrans(string.ascii_uppercase, string.ascii_lowercase))


def _ascii_swap(text: str) -> str:
    """ASCII letters' case swapped, other letters kept: what email look-ups ignore."""
    letters = string.ascii_lowercase + string.ascii_uppercase
    return text.translate(str.maketrans(letters, string.ascii_uppercase + string.ascii_lowercase))
