"""Commercial actions: readiness first, every non-actionable account named, nobody unwilling reached."""

from __future__ import annotations

from typing import Any

import pytest
from graphkit import Crm, SpyStore

import contactgraph as cg
from contactgraph.graph import follow_up, send_contract, start_campaign


def _ids(recipients: Any) -> list[str]:
    return [c.id for c in recipients]


def test_contract_goes_to_the_active_contacts_with_a_role_primary_first(
    store: Any, crm: Crm
) -> None:
    recipients = store.send_contract(crm.renewal)
    assert _ids(recipients) == [crm.alice, crm.bob]
    assert recipients.emails == ["alice@acme.fr", "bob@acme.fr"]
    assert _ids(follow_up(store, store.opportunities.get(crm.renewal))) == [crm.alice, crm.bob]


def test_contract_skips_inactive_and_opted_out_role_contacts(store: Any, crm: Crm) -> None:
    acme = store.accounts.get(crm.acme)
    store.accounts.save(acme.update_contact(crm.bob, email_opt_out=True))
    deal = store.opportunities.get(crm.renewal).add_contact_role(crm.carol, role="Influencer")
    store.opportunities.save(deal)
    recipients = store.send_contract(crm.renewal)
    assert _ids(recipients) == [crm.alice]
    assert {(s.contact.id, s.reason) for s in recipients.skipped} == {
        (crm.bob, "opted out of email"),
        (crm.carol, "inactive"),
    }


def test_opportunity_without_roles_reaches_the_accounts_consenting_contacts(
    store: Any, crm: Crm
) -> None:
    deal = cg.Opportunity.create(name="Globex pilot", account_id=crm.globex)
    store.opportunities.add(deal)
    assert _ids(send_contract(store, deal.id)) == [crm.dan]  # Erin opted out


def test_opportunity_whose_role_contacts_are_all_unreachable_is_refused(
    store: Any, crm: Crm
) -> None:
    acme = store.accounts.get(crm.acme)
    acme, _ = acme.add_contact(last_name="Leroy", email="paul@acme.fr")  # not on the deal
    store.accounts.save(
        acme.deactivate_contact(crm.alice).update_contact(crm.bob, email_opt_out=True)
    )
    with pytest.raises(cg.PolicyViolationError) as info:
        store.follow_up(crm.renewal)
    assert info.value.codes == {"opportunity.no_reachable_contact"}
    assert "Alice Martin (inactive)" in str(info.value)
    assert "Bob Durand (opted out of email)" in str(info.value)


def test_contract_on_an_account_without_active_contact_is_refused(store: Any, crm: Crm) -> None:
    deal = cg.Opportunity.create(name="Initech audit", account_id=crm.initech)
    store.opportunities.add(deal)
    with pytest.raises(cg.PolicyViolationError) as info:
        store.send_contract(deal)
    assert info.value.codes == {"readiness.no_active_contact"}
    assert info.value.violations[0].entity_id == crm.initech
    assert "Initech has no contact" in str(info.value)


def test_campaign_on_accounts_reaches_emailable_contacts_only(store: Any, crm: Crm) -> None:
    recipients = store.start_campaign([crm.acme, crm.globex])
    assert _ids(recipients) == [crm.bob, crm.alice, crm.dan]  # ACME SA first, then by name
    assert crm.carol not in recipients
    assert crm.erin not in recipients
    assert [a.name for a in recipients.accounts] == ["ACME SA", "Globex"]


def test_campaign_names_every_account_that_is_not_actionable(store: Any, crm: Crm) -> None:
    lonely = cg.Account.create(name="Umbrella")
    lonely, _zoe = lonely.add_contact(last_name="Zed", email="zoe@umbrella.io", email_opt_out=True)
    store.accounts.add(lonely)
    with pytest.raises(cg.PolicyViolationError) as info:
        start_campaign(store, [crm.acme, crm.initech, lonely.id, "no-such-id"])
    by_account = {v.entity_id: v.code for v in info.value.violations}
    assert by_account == {
        crm.initech: "readiness.no_active_contact",
        lonely.id: "readiness.no_emailable_contact",
        "no-such-id": "campaign.unknown_target",
    }
    assert "2 account(s) not actionable, 1 unknown target(s)" in str(info.value)


def test_campaign_on_contacts_mixes_objects_and_ids(store: Any, crm: Crm) -> None:
    dan = store.accounts.get(crm.globex).contact(crm.dan)
    recipients = store.start_campaign([dan, crm.alice, crm.carol])
    assert _ids(recipients) == [crm.alice, crm.dan]
    assert [(s.contact.id, s.reason) for s in recipients.skipped] == [(crm.carol, "inactive")]


def test_campaign_aimed_only_at_unreachable_contacts_names_their_account(
    store: Any, crm: Crm
) -> None:
    with pytest.raises(cg.PolicyViolationError) as info:
        store.start_campaign([crm.erin, crm.carol, crm.alice])
    assert {(v.entity_id, v.code) for v in info.value.violations} == {
        (crm.globex, "campaign.no_reachable_target")
    }
    assert "Erin Stone (opted out of email)" in str(info.value)


def test_campaign_reads_contacts_again_from_the_store(store: Any, crm: Crm) -> None:
    stale = store.accounts.get(crm.acme).contact(crm.alice)
    store.accounts.save(store.accounts.get(crm.acme).deactivate_contact(crm.alice))
    recipients = store.start_campaign([stale, crm.bob])
    assert _ids(recipients) == [crm.bob]


def test_campaign_needs_a_target_of_a_known_kind(store: Any, crm: Crm) -> None:
    with pytest.raises(cg.PolicyViolationError, match="at least one"):
        store.start_campaign([])
    with pytest.raises(cg.InvalidValueError) as caught:
        store.start_campaign([42])
    assert caught.value.field == "targets"
    with pytest.raises(cg.InvalidValueError) as caught:
        store.start_campaign(None)
    assert caught.value.field == "targets"


def test_contact_with_no_email_is_never_a_campaign_recipient(store: Any, crm: Crm) -> None:
    acme = store.accounts.get(crm.acme)
    acme, _ = acme.add_contact(last_name="Noemail")
    store.accounts.save(acme)
    recipients = store.start_campaign([crm.acme])
    assert all(c.email is not None and c.active and not c.email_opt_out for c in recipients)
    assert len(recipients) == 2


def test_a_campaign_costs_the_same_for_few_or_many_targets(store: Any, crm: Crm) -> None:
    accounts, contacts = [], []
    for i in range(12):
        account = cg.Account.create(name=f"Prospect {i:02}")
        account, person = account.add_contact(last_name=f"Buyer{i}", email=f"buyer{i}@p{i}.example")
        store.accounts.add(account)
        accounts.append(account.id)
        contacts.append(person.id)
    spy = SpyStore(store)
    start_campaign(spy, [*accounts[:2], *contacts[2:4]])
    few = spy.total
    spy.reset()
    start_campaign(spy, [*accounts[:6], *contacts[6:]])
    assert spy.total == few <= 3
    spy.reset()
    send_contract(spy, crm.renewal)
    assert spy.total <= 3
