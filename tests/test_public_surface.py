"""The public surface the design promises callers, exercised the way it is written there.

Every backend runs the same lines: memory and SQLite here, PostgreSQL through
the contract suite in tests/repos.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

import contactgraph as cg
from contactgraph.store import Store


def test_the_names_callers_rely_on_are_exported() -> None:
    for name in (
        "open_store",
        "Account",
        "Contact",
        "Opportunity",
        "Case",
        "policies",
        "ContactGraphError",
        "PolicyViolationError",
        "NotFoundError",
        "ConcurrencyError",
        "ImportRejectedError",
    ):
        assert name in cg.__all__, name
        assert getattr(cg, name) is not None
    assert issubclass(cg.NotFoundError, LookupError)
    for error in (
        cg.PolicyViolationError,
        cg.NotFoundError,
        cg.ConcurrencyError,
        cg.ImportRejectedError,
    ):
        assert issubclass(error, cg.ContactGraphError)


def test_the_design_walkthrough(store: Store) -> None:
    acme = cg.Account.create(name="ACME SA", industry="Manufacturing")
    acme, alice = acme.add_contact(
        last_name="Martin",
        first_name="Alice",
        salutation="Ms.",
        email="alice@acme.fr",
        phone="+33 1 23 45 67 89",
        title="CFO",
        department="Finance",
        decision_role="Economic Buyer",
    )
    acme, bob = acme.add_contact(last_name="Durand", reports_to=alice.id)
    acme = acme.update_contact(bob.id, title="Accountant")
    acme = acme.deactivate_contact(bob.id)

    acme = store.accounts.add(acme)
    acme = store.accounts.get(acme.id)
    with pytest.raises(cg.NotFoundError):
        store.accounts.get("no-such-account")
    stale = acme
    acme = store.accounts.save(acme.update_contact(alice.id, department="Direction financière"))
    with pytest.raises(cg.ConcurrencyError):
        store.accounts.save(stale.update_contact(alice.id, title="Chief Financial Officer"))
    assert store.accounts.account_of(bob.id).id == acme.id
    assert [c.id for c in store.accounts.find_contacts(email="alice@acme.fr")] == [alice.id]
    assert [a.id for a in store.accounts.list()] == [acme.id]
    assert store.accounts.count() == 1

    globex = store.accounts.add(cg.Account.create(name="Globex GmbH"))

    def change_then_fail() -> None:
        with store.transaction():
            store.accounts.save(acme.update_contact(alice.id, title="CEO"))
            raise RuntimeError("changed my mind")

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert store.accounts.get(acme.id).contact(alice.id).title == "CFO"

    assert set(acme.contacts) == {alice.id, bob.id}
    assert acme.contact(bob.id).title == "Accountant"
    assert [c.id for c in acme.active_contacts()] == [alice.id]
    assert [node.contact.id for node in acme.org_chart()] == [alice.id]
    assert [v for v in cg.policies.default().check(acme) if v.is_error] == []
    assert [c.id for c in cg.policies.require(acme, "campaign")] == [alice.id]
    assert cg.policies.readiness(acme)["send_contract"].possible

    deal = cg.Opportunity.create(
        name="ACME renewal",
        account_id=acme.id,
        stage="Prospecting",
        close_date=date(2027, 3, 31),
        amount=Decimal("12000"),
        currency="EUR",
    )
    deal = deal.add_contact_role(alice.id, role="Economic Buyer", primary=True)
    [role] = deal.contact_roles
    assert (role.contact_id, role.role, role.is_primary) == (
        alice.id,
        cg.DecisionRole.ECONOMIC_BUYER,
        True,
    )
    deal = store.opportunities.add(deal)
    ticket = store.cases.add(
        cg.Case.create(subject="Invoice error", account_id=acme.id, contact_id=bob.id)
    )

    graph = store.graph
    assert graph.account_of(bob.id).id == acme.id
    assert {c.id for c in graph.contacts_of(acme.id)} == {alice.id, bob.id}
    assert graph.manager_of(bob.id).id == alice.id
    assert graph.manager_of(alice.id) is None
    assert [c.id for c in graph.reports_of(alice.id)] == [bob.id]
    assert [o.id for o in graph.opportunities_of(alice.id)] == [deal.id]
    assert [c.id for c in graph.cases_of(bob.id)] == [ticket.id]

    moved = store.move_contact(bob.id, to_account=globex.id, on=date(2027, 1, 1))
    assert moved.contact.account_id == globex.id
    assert graph.account_of(bob.id).id == globex.id
    assert graph.manager_of(bob.id) is None  # the reports-to link could not cross accounts

    recipients = store.start_campaign([acme.id])
    assert [c.id for c in recipients.contacts] == [alice.id]
    with pytest.raises(cg.PolicyViolationError) as refused:
        store.start_campaign([globex.id])  # Bob, its only contact, is inactive
    assert globex.id in str(refused.value)
