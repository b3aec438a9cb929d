"""Stateful tests: a store against a plain model, and stores against each other.

:func:`store_machine` builds a ``RuleBasedStateMachine`` that runs random
operations (add, edit and remove accounts and contacts, stale saves,
opportunities, cases, rolled-back transactions, look-ups) on a store and on a
model made of dicts (:class:`~contactgraph.testing.model.Model`, which shares
no matching code with the stores), predicting every result and every refusal,
and compares their whole contents after every step. :func:`differential_machine` runs the
same operations on several stores (memory, SQLite, PostgreSQL…) and checks
that they agree on every result and every error::

    TestMemory = store_machine(contactgraph.open_store).TestCase
    TestAgree = differential_machine(
        memory=contactgraph.open_store, sqlite=lambda: contactgraph.open_store("sqlite://")
    ).TestCase

Ids come from small pools so that operations collide on them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, ClassVar

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from contactgraph.domain import Account, Case, Opportunity
from contactgraph.errors import (
    NotFoundError,
    PolicyViolationError,
)
from contactgraph.store import Store
from contactgraph.testing import strategies as cgst
from contactgraph.testing.model import Model, Outcome, outcome, refused

__all__ = [
    "ACCOUNT_IDS",
    "CONTACT_IDS",
    "Model",
    "NewAccount",
    "Outcome",
    "differential_machine",
    "new_accounts",
    "outcome",
    "refused",
    "store_machine",
]

ACCOUNT_IDS = tuple(f"acct-{i}" for i in range(5))
CONTACT_IDS = tuple(f"ct-{i}" for i in range(10))
OPPORTUNITY_IDS = tuple(f"opp-{i}" for i in range(4))
CASE_IDS = tuple(f"case-{i}" for i in range(4))

StoreFactory = Callable[[], Store]


# --------------------------------------------------------------- operations


@attrs.frozen
class NewAccount:
    account_id: str
    fields: dict[str, Any]
    contacts: tuple[tuple[str, dict[str, Any]], ...]

    def build(self) -> Account:
        account = Account.create(id=self.account_id, **self.fields)
        for contact_id, fields in self.contacts:
            account, _ = account.add_contact(id=contact_id, **fields)
        return account


def new_accounts() -> st.SearchStrategy[NewAccount]:
    contact = st.tuples(st.sampled_from(CONTACT_IDS), cgst.contact_fields("FR"))
    return st.builds(
        NewAccount,
        account_id=st.sampled_from(ACCOUNT_IDS),
        fields=cgst.account_fields().map(lambda f: {**f, "phone_region": "FR"}),
        contacts=st.lists(contact, max_size=4, unique_by=lambda c: c[0]).map(tuple),
    )


# ------------------------------------------------------------- the machines


def _pick(data: st.DataObject, items: Iterable[str], fallback: tuple[str, ...]) -> str:
    pool = sorted(items)
    return data.draw(st.sampled_from(pool if pool else list(fallback)))


class _Operations(RuleBasedStateMachine):
    """The operations, written once; subclasses say how to run and check each one.

    ``self.model`` always exists: the differential machine uses it only to
    choose ids and copies that exist, never to predict.
    """

    model: Model

    def apply(self, name: str, action: Callable[[Store], Any], expected: Outcome | None) -> Any:
        raise NotImplementedError

    def __init__(self) -> None:
        super().__init__()
        self.model = Model()

    def _follow(self, result: Outcome, predicted: Outcome) -> None:
        """Keep the model in step when it is not the one being trusted."""

    # ------------------------------------------------------------ accounts

    @rule(new=new_accounts())
    def add_account(self, new: NewAccount) -> None:
        try:
            account = new.build()
        except PolicyViolationError:
            return
        predicted = self.model.add_account(account)
        self.apply("add_account", lambda s: s.accounts.add(account), predicted)

    @precondition(lambda self: self.model.accounts)
    @rule(data=st.data(), command=cgst.account_commands(valid_only=True))
    def edit_account(self, data: st.DataObject, command: cgst.ContactCommand) -> None:
        account_id = _pick(data, self.model.accounts, ACCOUNT_IDS)
        try:
            edited = cgst.apply_command(self.model.accounts[account_id], command)
        except (PolicyViolationError, NotFoundError):
            return
        predicted = self.model.save_account(edited)
        self.apply("save_account", lambda s: s.accounts.save(edited), predicted)

    @precondition(lambda self: self.model.accounts)
    @rule(data=st.data(), contact_id=st.sampled_from(CONTACT_IDS))
    def add_contact_with_a_pooled_id(self, data: st.DataObject, contact_id: str) -> None:
        account_id = _pick(data, self.model.accounts, ACCOUNT_IDS)
        try:
            edited, _ = self.model.accounts[account_id].add_contact(
                last_name="Pooled", first_name=contact_id, id=contact_id
            )
        except PolicyViolationError:
            return
        predicted = self.model.save_account(edited)
        self.apply("save_account", lambda s: s.accounts.save(edited), predicted)

    @precondition(lambda self: any(len(h) > 1 for h in self.model.history.values()))
    @rule(data=st.data())
    def save_a_stale_copy(self, data: st.DataObject) -> None:
        account_id = _pick(
            data, [k for k, h in self.model.history.items() if len(h) > 1], ACCOUNT_IDS
        )
        stale = data.draw(st.sampled_from(self.model.history[account_id][:-1]))
        changed = stale.update(description=f"stale edit of version {stale.version}")
        predicted = self.model.save_account(changed)
        self.apply("save_stale", lambda s: s.accounts.save(changed), predicted)

    @rule(account_id=st.sampled_from(ACCOUNT_IDS))
    def remove_account(self, account_id: str) -> None:
        predicted = self.model.remove_account(account_id)
        self.apply("remove_account", lambda s: s.accounts.remove(account_id), predicted)

    # ---------------------------------------------------- opportunities, cases

    @precondition(lambda self: self.model.accounts)
    @rule(
        data=st.data(),
        opp_id=st.sampled_from(OPPORTUNITY_IDS),
        stage=st.sampled_from(["Prospecting", "Negotiation/Review", "Closed Won"]),
    )
    def add_opportunity(self, data: st.DataObject, opp_id: str, stage: str) -> None:
        account_id = _pick(data, [*self.model.accounts, "acct-ghost"], ACCOUNT_IDS)
        contacts = sorted(c.id for c in self.model.contacts())
        roles = (
            data.draw(st.lists(st.sampled_from(contacts), max_size=3, unique=True))
            if contacts
            else []
        )
        opp = Opportunity.create(
            f"Deal {opp_id}", account_id, id=opp_id, stage=stage, close_date=date(2027, 3, 31)
        )
        for i, cid in enumerate(roles):
            opp = opp.add_contact_role(cid, "Influencer", primary=i == 0)
        predicted = self.model.add_opportunity(opp)
        self.apply("add_opportunity", lambda s: s.opportunities.add(opp), predicted)

    @precondition(lambda self: self.model.opportunities)
    @rule(data=st.data(), stage=st.sampled_from(["Qualification", "Closed Lost"]))
    def change_opportunity(self, data: st.DataObject, stage: str) -> None:
        opp = self.model.opportunities[_pick(data, self.model.opportunities, OPPORTUNITY_IDS)]
        contacts = sorted(c.id for c in self.model.contacts())
        changed = opp.update(stage=stage)
        new_roles: list[str] = []
        add_role: bool = data.draw(st.booleans())
        if contacts and add_role:
            cid = data.draw(st.sampled_from(contacts))
            if opp.role_of(cid) is None:
                new_roles.append(cid)
            changed = changed.add_contact_role(cid, "Decision Maker", primary=True)
        if changed is opp:
            return
        predicted = self.model.save_opportunity(changed, new_roles)
        self.apply("save_opportunity", lambda s: s.opportunities.save(changed), predicted)

    @precondition(lambda self: self.model.accounts)
    @rule(data=st.data(), case_id=st.sampled_from(CASE_IDS))
    def add_case(self, data: st.DataObject, case_id: str) -> None:
        account_id = _pick(data, self.model.accounts, ACCOUNT_IDS)
        contacts = sorted(c.id for c in self.model.contacts())
        contact_id = data.draw(st.sampled_from([None, *contacts]))
        case = Case.create(f"Case {case_id}", account_id, contact_id, id=case_id)
        predicted = self.model.add_case(case)
        self.apply("add_case", lambda s: s.cases.add(case), predicted)

    @precondition(lambda self: self.model.cases)
    @rule(data=st.data())
    def close_or_reopen_case(self, data: st.DataObject) -> None:
        case = self.model.cases[_pick(data, self.model.cases, CASE_IDS)]
        changed = case.update(status="Working") if case.is_closed else case.close()
        predicted = self.model.save_case(changed)
        self.apply("save_case", lambda s: s.cases.save(changed), predicted)

    # ------------------------------------------------------------ transactions

    @rule(new=new_accounts())
    def rolled_back_transaction(self, new: NewAccount) -> None:
        try:
            account = new.build()
        except PolicyViolationError:
            return

        def attempt(store: Store) -> str:
            try:
                with store.transaction():
                    store.accounts.add(account)
                    raise _Abort
            except _Abort:
                return "rolled back"

        self.apply(
            "rolled_back", attempt, self.model.add_refusal(account) or Outcome("rolled back")
        )

    # ----------------------------------------------------------------- queries

    @precondition(lambda self: self.model.contacts())
    @rule(data=st.data(), limit=st.one_of(st.none(), st.integers(0, 3)))
    def find_contacts(self, data: st.DataObject, limit: int | None) -> None:
        contact = data.draw(st.sampled_from(sorted(self.model.contacts(), key=lambda c: c.id)))
        criteria: dict[str, Any] = data.draw(
            st.sampled_from(
                [
                    {"email": contact.email.address.upper()} if contact.email else {},
                    {"name": contact.full_name},
                    {"name": contact.last_name, "active": contact.active},
                    {"phone": contact.phone.e164} if contact.phone else {},
                    {"title": contact.title or ""},
                    {"department": (contact.department or "").lower()},
                    {"account_id": contact.account_id},
                ]
            )
        )
        expected = Outcome(self.model.find(criteria, limit))
        self.apply(
            "find_contacts", lambda s: s.accounts.find_contacts(limit=limit, **criteria), expected
        )

    @rule(text=st.sampled_from(["mart", "acme", "é", "%", "_", "a", "@", "zoë.", ".com", "+33 6"]))
    def search_contacts(self, text: str) -> None:
        expected = Outcome(self.model.search(text, 5))
        self.apply("search_contacts", lambda s: s.accounts.search_contacts(text, limit=5), expected)


class _Abort(Exception):
    pass


def _settings() -> settings:
    current = settings()
    return settings(
        current,
        max_examples=max(10, current.max_examples // 2),
        stateful_step_count=25,
        deadline=None,
    )


def store_machine(
    open_store: StoreFactory, *, allow_foreign_contact_roles: bool = False
) -> type[RuleBasedStateMachine]:
    """A machine comparing stores made by ``open_store`` with :class:`Model`."""

    class StoreMachine(_Operations):
        factory: ClassVar[StoreFactory] = staticmethod(open_store)

        def __init__(self) -> None:
            super().__init__()
            self.model = Model(allow_foreign_contact_roles)
            self.store = type(self).factory()
            self.store.allow_foreign_contact_roles = allow_foreign_contact_roles

        def apply(self, name: str, action: Callable[[Store], Any], expected: Outcome | None) -> Any:
            got = outcome(lambda: action(self.store))
            if expected is not None:
                assert got == expected, f"{name}: store gave {got}, model expected {expected}"
            return got

        @invariant()
        def same_contents(self) -> None:
            store, model = self.store, self.model
            assert store.accounts.count() == len(model.accounts)
            assert store.accounts.count_contacts() == len(model.contacts())
            listed = store.accounts.list(order_by="id")
            assert listed == [model.accounts[k] for k in sorted(model.accounts)]
            assert store.opportunities.count() == len(model.opportunities)
            assert store.cases.count() == len(model.cases)
            for opp in model.opportunities.values():
                assert store.opportunities.get(opp.id) == opp
            for case in model.cases.values():
                assert store.cases.get(case.id) == case

        def teardown(self) -> None:
            self.store.close()

    StoreMachine.TestCase.settings = _settings()
    return StoreMachine


def differential_machine(**factories: StoreFactory) -> type[RuleBasedStateMachine]:
    """A machine running every operation on each store (by name) and requiring agreement.

    The first store is the reference for the ids operations draw; every
    store's outcome must equal the others', and their contents must agree
    after every step.
    """
    if len(factories) < 2:
        raise ValueError("a differential machine compares at least two stores")

    class DifferentialMachine(_Operations):
        makers: ClassVar[dict[str, StoreFactory]] = dict(factories)

        def __init__(self) -> None:
            super().__init__()
            self.stores = {name: make() for name, make in type(self).makers.items()}

        def apply(self, name: str, action: Callable[[Store], Any], expected: Outcome | None) -> Any:
            got = {
                label: outcome(functools.partial(action, store))
                for label, store in self.stores.items()
            }
            first_label, first = next(iter(got.items()))
            for label, result in got.items():
                assert result == first, (
                    f"{name}: {label} gave {result} but {first_label} gave {first}"
                )
            return first

        @invariant()
        def stores_agree(self) -> None:
            snapshots = {
                label: (
                    store.accounts.list(order_by="id"),
                    store.accounts.count_contacts(),
                    store.opportunities.list(),
                    store.cases.list(),
                )
                for label, store in self.stores.items()
            }
            first_label, first = next(iter(snapshots.items()))
            for label, snap in snapshots.items():
                assert snap == first, f"{label} and {first_label} hold different data"

        def teardown(self) -> None:
            for store in self.stores.values():
                store.close()

    DifferentialMachine.TestCase.settings = _settings()
    return DifferentialMachine
