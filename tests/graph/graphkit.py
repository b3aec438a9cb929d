"""Helpers for the graph tests: stores, a small CRM (ACME SA, Globex, Initech), a spy store."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import attrs

import contactgraph as cg
from contactgraph.repos.protocol import StoreProtocol


@attrs.frozen
class Crm:
    """Ids of the sample CRM, so tests read like the domain."""

    acme: str
    globex: str
    initech: str
    alice: str
    bob: str
    carol: str
    dan: str
    erin: str
    renewal: str
    invoice_case: str
    dan_advises_acme: str


def build_crm(store: StoreProtocol) -> Crm:
    """ACME SA (Alice CFO <- Bob accountant <- Carol technician, inactive), Globex (Dan CEO,
    Erin opted out), Initech (nobody); Dan advises ACME; a renewal deal and an invoice case."""
    acme = cg.Account.create(name="ACME SA", industry="Manufacturing", phone_region="FR")
    acme, alice = acme.add_contact(
        last_name="Martin",
        first_name="Alice",
        salutation="Ms.",
        email="alice@acme.fr",
        title="CFO",
        decision_role="Economic Buyer",
    )
    acme, bob = acme.add_contact(
        last_name="Durand",
        first_name="Bob",
        email="bob@acme.fr",
        title="Accountant",
        reports_to=alice.id,
        decision_role="Evaluator",
    )
    acme, carol = acme.add_contact(
        last_name="Petit", first_name="Carol", title="Technician", reports_to=bob.id
    )
    acme = acme.deactivate_contact(carol.id)
    globex = cg.Account.create(name="Globex", industry="Energy")
    globex, dan = globex.add_contact(
        last_name="Smith",
        first_name="Dan",
        email="dan@globex.com",
        title="CEO",
        decision_role="Decision Maker",
    )
    globex, erin = globex.add_contact(
        last_name="Stone", first_name="Erin", email="erin@globex.com", email_opt_out=True
    )
    initech = cg.Account.create(name="Initech")
    renewal = (
        cg.Opportunity.create(
            name="ACME renewal",
            account_id=acme.id,
            close_date=date(2027, 3, 31),
            amount="12000",
            currency="EUR",
        )
        .add_contact_role(alice.id, role="Economic Buyer", primary=True)
        .add_contact_role(bob.id, role="Evaluator")
    )
    case = cg.Case.create(subject="Invoice error", account_id=acme.id, contact_id=bob.id)
    advises = cg.AccountContactRelation.create(
        acme.id, dan.id, roles="Influencer", title="Advisor", start_date=date(2025, 1, 1)
    )
    with store.transaction():
        for account in (acme, globex, initech):
            store.accounts.add(account)
        store.opportunities.add(renewal)
        store.cases.add(case)
        store.relations.add(advises)
    return Crm(
        acme=acme.id,
        globex=globex.id,
        initech=initech.id,
        alice=alice.id,
        bob=bob.id,
        carol=carol.id,
        dan=dan.id,
        erin=erin.id,
        renewal=renewal.id,
        invoice_case=case.id,
        dan_advises_acme=advises.id,
    )


class _SpyRepo:
    def __init__(self, inner: Any, name: str, calls: Counter[str]) -> None:
        self._inner = inner
        self._name = name
        self._calls = calls

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._inner, attr)
        if not callable(value):
            return value
        key = f"{self._name}.{attr}"

        def call(*args: Any, **kwargs: Any) -> Any:
            self._calls[key] += 1
            return value(*args, **kwargs)

        return call

    def __iter__(self) -> Iterator[Any]:
        self._calls[f"{self._name}.__iter__"] += 1
        return iter(self._inner)


class SpyStore:
    """Wraps a store and counts every repository call (``calls["accounts.get"]``…)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()
        self.tenant = inner.tenant
        self.accounts = _SpyRepo(inner.accounts, "accounts", self.calls)
        self.opportunities = _SpyRepo(inner.opportunities, "opportunities", self.calls)
        self.cases = _SpyRepo(inner.cases, "cases", self.calls)
        self.relations = _SpyRepo(inner.relations, "relations", self.calls)

    def transaction(self) -> Any:
        return self.inner.transaction()

    def subscribe(self, handler: Callable[[Any], None]) -> Callable[[], None]:
        result: Callable[[], None] = self.inner.subscribe(handler)
        return result

    def close(self) -> None:
        self.inner.close()

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def reset(self) -> None:
        self.calls.clear()
