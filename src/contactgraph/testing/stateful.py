"""Stateful tests: a store against a plain model, and stores against each other.

:func:`store_machine` builds a ``RuleBasedStateMachine`` that runs random
operations (add, edit and remove accounts and contacts, stale saves,
opportunities, cases, rolled-back transactions, look-ups) on a store and on a
model made of dicts, predicting every result and every refusal, and compares
their whole contents after every step. :func:`differential_machine` runs the
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

from contactgraph.domain import Account, Case, Contact, Opportunity
from contactgraph.errors import (
    ContactGraphError,
    NotFoundError,
    PolicyViolationError,
)
from contactgraph.repos.keys import ContactQuery, contact_sort_key, search_matches, search_needle
from contactgraph.store import Store
from contactgraph.testing import strategies as cgst

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


# ------------------------------------------------------------------ outcomes


@attrs.frozen
class Outcome:
    """What an operation gave: a value, or an error's type and codes."""

    value: Any = None
    error: str | None = None
    codes: frozenset[str] = frozenset()

    def __str__(self) -> str:
        if self.error is None:
            return f"ok {self.value!r}"[:300]
        return f"{self.error} {sorted(self.codes)}"


def outcome(action: Callable[[], Any]) -> Outcome:
    """Run ``action``; contactgraph errors become outcomes, anything else propagates."""
    try:
        return Outcome(value=action())
    except PolicyViolationError as exc:
        return Outcome(error="PolicyViolationError", codes=frozenset(exc.codes))
    except ContactGraphError as exc:
        return Outcome(error=type(exc).__name__)


def refused(*codes: str) -> Outcome:
    return Outcome(error="PolicyViolationError", codes=frozenset(codes))


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


# -------------------------------------------------------------------- model


class Model:
    """What a store should hold, as plain dicts, and what each operation should give."""

    def __init__(self, allow_foreign_contact_roles: bool = False) -> None:
        self.accounts: dict[str, Account] = {}
        self.history: dict[str, list[Account]] = {}
        self.opportunities: dict[str, Opportunity] = {}
        self.cases: dict[str, Case] = {}
        self.allow_foreign = allow_foreign_contact_roles

    def owner(self, contact_id: str) -> str | None:
        for account in self.accounts.values():
            if contact_id in account.contacts:
                return account.id
        return None

    def contacts(self) -> list[Contact]:
        return [c for a in self.accounts.values() for c in a.contacts.values()]

    def _keep(self, account: Account) -> Account:
        self.history.setdefault(account.id, []).append(account)
        self.accounts[account.id] = account
        return account

    # ------------------------------------------------------------- accounts

    def add_refusal(self, account: Account) -> Outcome | None:
        if account.id in self.accounts or any(self.owner(c) for c in account.contacts):
            return refused("id.duplicate")
        return None

    def add_account(self, account: Account) -> Outcome:
        refusal = self.add_refusal(account)
        if refusal is not None:
            return refusal
        return Outcome(self._keep(account.committed(1)))

    def save_account(self, account: Account) -> Outcome:
        if not account.pending_events:
            return Outcome(account)
        stored = self.accounts.get(account.id)
        if (
            stored is None
            or stored.version != account.version
            or stored.created_at != account.created_at
        ):
            return Outcome(error="ConcurrencyError")
        for cid in account.touched_contact_ids():
            if cid in account.contacts and cid not in stored.contacts and self.owner(cid):
                return refused("id.duplicate")
        gone = {c for c in stored.contacts if c not in account.contacts}
        codes = set()
        for opp in self.opportunities.values():
            if opp.is_open and opp.primary_contact_id in gone:
                codes.add("contact.primary_on_open_opportunity")
        for case in self.cases.values():
            if case.is_open and case.contact_id in gone:
                codes.add("contact.has_open_cases")
        if codes:
            return refused(*codes)
        return Outcome(self._keep(account.committed(account.version + 1)))

    def remove_account(self, account_id: str) -> Outcome:
        account = self.accounts.get(account_id)
        if account is None:
            return Outcome(error="NotFoundError")
        mine = set(account.contacts)
        if any(
            o.account_id == account_id or mine & set(o.contact_ids)
            for o in self.opportunities.values()
        ) or any(c.account_id == account_id or c.contact_id in mine for c in self.cases.values()):
            return refused("account.referenced")
        del self.accounts[account_id]
        return Outcome(None)

    # ------------------------------------------------------ other aggregates

    def _role_codes(self, opp: Opportunity, contact_ids: Iterable[str]) -> set[str]:
        codes = set()
        for cid in contact_ids:
            holder = self.owner(cid)
            if holder is None:
                codes.add("contact_roles.unknown_contact")
            elif holder != opp.account_id and not self.allow_foreign:
                codes.add("contact_roles.foreign_contact")
        return codes

    def add_opportunity(self, opp: Opportunity) -> Outcome:
        if opp.id in self.opportunities:
            return refused("id.duplicate")
        if opp.account_id not in self.accounts:
            return refused("account_id.unknown")
        codes = self._role_codes(opp, opp.contact_ids)
        if codes:
            return refused(*codes)
        self.opportunities[opp.id] = opp.committed(1)
        return Outcome(self.opportunities[opp.id])

    def save_opportunity(self, opp: Opportunity, new_roles: Iterable[str]) -> Outcome:
        stored = self.opportunities.get(opp.id)
        if stored is None or stored.version != opp.version:
            return Outcome(error="ConcurrencyError")
        codes = self._role_codes(opp, new_roles)
        if codes:
            return refused(*codes)
        self.opportunities[opp.id] = opp.committed(opp.version + 1)
        return Outcome(self.opportunities[opp.id])

    def add_case(self, case: Case) -> Outcome:
        if case.id in self.cases:
            return refused("id.duplicate")
        if case.account_id not in self.accounts:
            return refused("account_id.unknown")
        if case.contact_id is not None and self.owner(case.contact_id) != case.account_id:
            return refused("contact_id.not_of_account")
        self.cases[case.id] = case.committed(1)
        return Outcome(self.cases[case.id])

    def save_case(self, case: Case) -> Outcome:
        stored = self.cases.get(case.id)
        if stored is None or stored.version != case.version:
            return Outcome(error="ConcurrencyError")
        self.cases[case.id] = case.committed(case.version + 1)
        return Outcome(self.cases[case.id])

    # -------------------------------------------------------------- queries

    def find(self, query: ContactQuery) -> list[Contact]:
        if query.impossible:
            return []
        found = sorted((c for c in self.contacts() if query.matches(c)), key=contact_sort_key)
        return found if query.limit is None else found[: query.limit]

    def search(self, text: str, limit: int) -> list[Contact]:
        needle = search_needle(text)
        if needle is None:
            return []
        found = sorted(
            (c for c in self.contacts() if search_matches(needle, c)), key=contact_sort_key
        )
        return found[:limit]


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
        query = ContactQuery.build(limit=limit, **criteria)
        expected = Outcome(self.model.find(query))
        self.apply(
            "find_contacts", lambda s: s.accounts.find_contacts(limit=limit, **criteria), expected
        )

    @rule(text=st.sampled_from(["mart", "acme", "é", "%", "_", "a", "@"]))
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
