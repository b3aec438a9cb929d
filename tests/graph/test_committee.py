"""Buying committees: who holds each decision role, and which are missing."""

from __future__ import annotations

from typing import Any

from graphkit import Crm

import contactgraph as cg
from contactgraph.domain import DecisionRole as R


def test_opportunity_committee_from_contact_roles(store: Any, crm: Crm) -> None:
    committee = store.graph.buying_committee(crm.renewal)
    assert committee.kind == "opportunity"
    assert [c.id for c in committee.holders(R.ECONOMIC_BUYER)] == [crm.alice]
    assert [c.id for c in committee.holders("Evaluator")] == [crm.bob]
    assert committee.primary.id == crm.alice  # type: ignore[union-attr]
    assert R.DECISION_MAKER in committee.missing
    assert R.ECONOMIC_BUYER not in committee.missing
    assert not committee.is_complete
    text = str(committee)
    assert "Economic Buyer: Alice Martin, CFO" in text
    assert "missing: " in text


def test_account_committee_counts_relations_and_leaves_out_inactive_people(
    store: Any, crm: Crm
) -> None:
    acme = store.accounts.get(crm.acme)
    store.accounts.save(acme.update_contact(crm.carol, decision_role="Technical Buyer"))
    committee = store.graph.buying_committee(crm.acme)
    assert committee.kind == "account"
    assert {r: [c.id for c in people] for r, people in committee.by_role.items()} == {
        R.ECONOMIC_BUYER: [crm.alice],
        R.EVALUATOR: [crm.bob],
        R.INFLUENCER: [crm.dan],
    }
    assert R.TECHNICAL_BUYER in committee.missing  # Carol is inactive
    assert [c.id for c in committee.inactive] == [crm.carol]
    sources = {(m.contact.id, m.source) for m in committee.members}
    assert (crm.dan, "relation") in sources


def test_required_roles_are_configurable_and_objects_accepted(store: Any, crm: Crm) -> None:
    deal = store.opportunities.get(crm.renewal)
    committee = store.graph.buying_committee(deal, roles=[R.ECONOMIC_BUYER, R.EVALUATOR])
    assert committee.is_complete
    account = store.accounts.get(crm.globex)
    assert store.graph.buying_committee(account, roles=[R.DECISION_MAKER]).is_complete


def test_a_role_without_a_role_falls_back_to_the_contacts_own(store: Any, crm: Crm) -> None:
    deal = cg.Opportunity.create(name="Globex pilot", account_id=crm.globex)
    deal = deal.add_contact_role(crm.dan).add_contact_role(crm.erin)
    store.opportunities.add(deal)
    committee = store.graph.buying_committee(deal.id)
    assert [(m.contact.id, m.role, m.source) for m in committee.members] == [
        (crm.dan, R.DECISION_MAKER, "contact")
    ]
    assert [c.id for c in committee.without_role] == [crm.erin]
