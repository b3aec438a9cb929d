"""Navigation both ways, one call a step, on every store."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from graphkit import Crm, SpyStore, build_crm

import contactgraph as cg
from contactgraph.graph import Navigator


def test_contact_to_account_manager_and_reports(store: Any, crm: Crm) -> None:
    nav = Navigator(store)
    assert nav.account_of(crm.bob).name == "ACME SA"
    assert nav.contact(crm.bob).full_name == "Bob Durand"
    assert nav.manager_of(crm.bob).id == crm.alice  # type: ignore[union-attr]
    assert nav.manager_of(crm.alice) is None
    assert [c.id for c in nav.reports_of(crm.alice)] == [crm.bob]
    assert [c.id for c in nav.all_reports_of(crm.alice)] == [crm.bob, crm.carol]
    assert [c.id for c in nav.reporting_chain(crm.carol)] == [crm.bob, crm.alice]
    assert [c.id for c in nav.colleagues_of(crm.bob)] == [crm.alice, crm.carol]
    assert [c.id for c in nav.colleagues_of(crm.bob, active_only=True)] == [crm.alice]
    chart = nav.org_chart_of(crm.alice)
    assert [(d, c.id) for d, c in chart.walk()] == [(0, crm.alice), (1, crm.bob), (2, crm.carol)]


def test_account_to_contacts_and_decision_makers(store: Any, crm: Crm) -> None:
    nav = Navigator(store)
    assert [c.last_name for c in nav.contacts_of(crm.acme)] == ["Durand", "Martin", "Petit"]
    assert [c.last_name for c in nav.active_contacts_of(crm.acme)] == ["Durand", "Martin"]
    assert [c.id for c in nav.decision_makers_of(crm.acme)] == [crm.alice]
    assert nav.contacts_of(crm.initech) == []
    assert [n.contact.id for n in nav.org_chart(crm.acme)] == [crm.alice]


def test_opportunities_with_roles_and_cases_both_ways(store: Any, crm: Crm) -> None:
    nav = Navigator(store)
    assert [o.id for o in nav.opportunities_of(crm.alice)] == [crm.renewal]
    roles = nav.opportunity_roles_of(crm.bob)
    assert [(r.opportunity.name, r.role, r.is_primary) for r in roles] == [
        ("ACME renewal", cg.DecisionRole.EVALUATOR, False)
    ]
    assert nav.opportunity_roles_of(crm.alice)[0].is_primary
    assert nav.opportunities_of(crm.carol) == []
    assert [k.id for k in nav.cases_of(crm.bob)] == [crm.invoice_case]
    assert nav.cases_of(crm.alice) == []
    assert [o.id for o in nav.opportunities_of_account(crm.acme)] == [crm.renewal]
    assert [k.subject for k in nav.cases_of_account(crm.acme)] == ["Invoice error"]
    assert nav.opportunities_of_account(crm.globex) == []


def test_related_accounts_and_contacts_with_roles_and_dates(store: Any, crm: Crm) -> None:
    nav = Navigator(store)
    related = nav.related_accounts_of(crm.dan)
    assert [(r.account.name, r.relation.roles, r.relation.start_date) for r in related] == [
        ("ACME SA", (cg.DecisionRole.INFLUENCER,), date(2025, 1, 1))
    ]
    assert nav.related_accounts_of(crm.dan, on=date(2024, 12, 31)) == []
    assert nav.related_accounts_of(crm.alice) == []
    outside = nav.related_contacts_of(crm.acme)
    assert [(r.contact.full_name, r.relation.title) for r in outside] == [("Dan Smith", "Advisor")]


def test_unknown_ids_raise_not_found(store: Any, crm: Crm) -> None:
    nav = Navigator(store)
    with pytest.raises(cg.NotFoundError):
        nav.account_of("no-such-contact")
    with pytest.raises(cg.NotFoundError):
        nav.contacts_of("no-such-account")
    with pytest.raises(cg.NotFoundError):
        nav.reports_of("no-such-contact")


def test_people_at_an_account_on_a_date(store: Any, crm: Crm) -> None:
    nav = Navigator(store)
    today = nav.people_at(crm.acme)
    assert {(t.contact.full_name, t.kind) for t in today} == {
        ("Alice Martin", "member"),
        ("Bob Durand", "member"),
        ("Carol Petit", "member"),
        ("Dan Smith", "relation"),
    }
    dan = next(t for t in today if t.kind == "relation")
    assert (dan.title, dan.roles, dan.current) == ("Advisor", (cg.DecisionRole.INFLUENCER,), True)
    carol = next(t for t in today if t.contact.id == crm.carol)
    assert carol.current is False
    before = nav.people_at(crm.acme, on=date(2025, 6, 1))
    assert [t.contact.full_name for t in before] == ["Dan Smith"]  # members were created later


def test_tenures_and_people_at_after_a_move(store: Any, crm: Crm) -> None:
    nav = Navigator(store)
    created = nav.contact(crm.bob).created_at.date()
    moved_on = date(created.year + 1, 1, 1)
    store.move_contact(crm.bob, to_account=crm.globex, on=moved_on)
    tenures = nav.tenures_of(crm.bob)
    assert [(t.account_name, t.kind, t.start, t.end) for t in tenures] == [
        ("ACME SA", "relation", created, moved_on),
        ("Globex", "member", moved_on, None),
    ]
    assert "Bob Durand" in [t.contact.full_name for t in nav.people_at(crm.acme, on=created)]
    later = date(created.year + 1, 6, 1)
    assert "Bob Durand" not in [t.contact.full_name for t in nav.people_at(crm.acme, on=later)]
    assert "Bob Durand" in [t.contact.full_name for t in nav.people_at(crm.globex, on=later)]
    assert "Bob Durand" not in [t.contact.full_name for t in nav.people_at(crm.globex, on=created)]
    history = nav.history_of(crm.acme)
    bob = next(t for t in history if t.contact.id == crm.bob)
    assert (bob.kind, bob.title, bob.end, bob.current) == (
        "relation",
        "Accountant",
        moved_on,
        False,
    )


def test_cards_read_well_as_text(store: Any, crm: Crm) -> None:
    nav = Navigator(store)
    card = nav.card(crm.bob)
    text = str(card)
    assert "Bob Durand" in text
    assert "Account: ACME SA" in text
    assert "Manager: Alice Martin, CFO" in text
    assert "Opportunity: ACME renewal [Prospecting] as Evaluator" in text
    assert "Case: Invoice error [New]" in text
    assert [r.id for r in card.reports] == [crm.carol]
    assert "Related: ACME SA (active)" in str(nav.card(crm.dan))
    account_text = str(nav.account_card(crm.acme))
    assert "Opportunity: ACME renewal" in account_text
    assert "Related: Dan Smith, CEO" in account_text
    assert "send_contract: ready" in account_text
    assert "NOT ready" in str(nav.account_card(crm.initech))


# ------------------------------------------------------------------ query counts


def _grow(store: Any, crm: Crm, n: int) -> None:
    """Add ``n`` more of everything around Alice and ACME."""
    acme = store.accounts.get(crm.acme)
    with store.transaction():
        for i in range(n):
            acme, _report = acme.add_contact(last_name=f"Report{i}", reports_to=crm.alice)
            other = cg.Account.create(name=f"Partner {i}")
            store.accounts.add(other)
            store.relations.add(
                cg.AccountContactRelation.create(other.id, crm.alice, roles="Other")
            )
            store.relations.add(cg.AccountContactRelation.create(crm.acme, crm.dan, title=f"T{i}"))
            store.opportunities.add(
                cg.Opportunity.create(name=f"Deal {i}", account_id=crm.acme).add_contact_role(
                    crm.alice, role="Influencer"
                )
            )
            store.cases.add(
                cg.Case.create(subject=f"Case {i}", account_id=crm.acme, contact_id=crm.alice)
            )
        store.accounts.save(acme)


STEPS: list[tuple[str, str, int]] = [  # step, on whom, documented most calls
    ("account_of", "alice", 1),
    ("manager_of", "alice", 1),
    ("reports_of", "alice", 1),
    ("all_reports_of", "alice", 1),
    ("colleagues_of", "alice", 1),
    ("relations_of", "alice", 1),
    ("related_accounts_of", "alice", 2),
    ("opportunities_of", "alice", 1),
    ("opportunity_roles_of", "alice", 1),
    ("cases_of", "alice", 1),
    ("tenures_of", "alice", 3),
    ("card", "alice", 5),
    ("contacts_of", "acme", 1),
    ("active_contacts_of", "acme", 1),
    ("decision_makers_of", "acme", 1),
    ("opportunities_of_account", "acme", 1),
    ("cases_of_account", "acme", 1),
    ("related_contacts_of", "acme", 2),
    ("parent_of", "acme", 2),
    ("children_of", "acme", 2),
    ("hierarchy", "acme", 2),
    ("people_at", "acme", 4),
    ("account_card", "acme", 7),
    ("buying_committee", "acme", 4),
    ("buying_committee", "renewal", 4),
]


@pytest.mark.parametrize(("step", "who", "most"), STEPS)
def test_each_step_costs_the_same_whatever_the_number_of_related_records(
    store: Any, step: str, who: str, most: int
) -> None:
    spy = SpyStore(store)
    crm = build_crm(store)
    key = getattr(crm, who)
    _grow(store, crm, 2)
    getattr(Navigator(spy), step)(key)
    small = dict(spy.calls)
    _grow(store, crm, 10)
    spy.reset()
    getattr(Navigator(spy), step)(key)
    assert dict(spy.calls) == small
    assert sum(small.values()) <= most
