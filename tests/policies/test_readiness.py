"""Commercial readiness: no action on an account without an active contact to act with."""

from __future__ import annotations

import pytest
from hypothesis import given

from contactgraph import Account, InvalidValueError, PolicyViolationError, Severity, policies
from contactgraph.policies import Action
from contactgraph.testing import strategies as cgst

ACTIONS = ["send_contract", "campaign", "opportunity_follow_up"]


@pytest.mark.parametrize("action", ACTIONS)
def test_an_account_without_contacts_is_not_actionable(acme: Account, action: str) -> None:
    with pytest.raises(PolicyViolationError) as info:
        policies.require(acme, action)
    [reason] = info.value.violations
    assert (reason.code, reason.entity_id) == ("readiness.no_active_contact", acme.id)
    assert reason.is_error
    assert (reason.field, reason.policy) == ("contacts", "commercial_readiness")
    assert reason.message == f"ACME SA has no contact: {action} needs at least one active contact"
    assert str(info.value).startswith(f"{action} refused for account ACME SA ({acme.id}): ")


@pytest.mark.parametrize("action", ACTIONS)
def test_an_account_whose_contacts_all_left_is_not_actionable(acme: Account, action: str) -> None:
    acme, alice = acme.add_contact(last_name="Martin", email="alice@acme.fr")
    acme = acme.deactivate_contact(alice.id)
    with pytest.raises(PolicyViolationError) as info:
        policies.require(acme, action)
    assert info.value.codes == {"readiness.no_active_contact"}
    assert "has no active contact" in str(info.value)


@pytest.mark.parametrize("action", ["send_contract", "opportunity_follow_up"])
def test_one_active_contact_is_enough_for_a_contract_or_a_follow_up(
    acme: Account, action: str
) -> None:
    acme, durand = acme.add_contact(last_name="Durand")
    acme, old = acme.add_contact(last_name="Ancien")
    acme = acme.deactivate_contact(old.id)
    assert policies.require(acme, action) == [durand]


def test_a_campaign_needs_someone_who_can_receive_email(acme: Account) -> None:
    acme, durand = acme.add_contact(last_name="Durand")
    with pytest.raises(PolicyViolationError) as info:
        policies.require(acme, "campaign")
    [reason] = info.value.violations
    assert (reason.code, reason.field) == ("readiness.no_emailable_contact", "email")
    acme = acme.update_contact(durand.id, email="durand@acme.fr")
    assert [c.id for c in policies.require(acme, "campaign")] == [durand.id]


def test_an_opted_out_contact_does_not_make_a_campaign_possible(acme: Account) -> None:
    acme, _ = acme.add_contact(last_name="Martin", email="alice@acme.fr", email_opt_out=True)
    with pytest.raises(PolicyViolationError) as info:
        policies.require(acme, "campaign")
    assert info.value.codes == {"readiness.no_emailable_contact"}
    assert len(policies.require(acme, "send_contract")) == 1


def test_an_inactive_contact_with_an_email_does_not_make_a_campaign_possible(
    acme: Account,
) -> None:
    acme, _ = acme.add_contact(last_name="Durand")
    acme, alice = acme.add_contact(last_name="Martin", email="alice@acme.fr")
    acme = acme.deactivate_contact(alice.id)
    with pytest.raises(PolicyViolationError) as info:
        policies.require(acme, Action.CAMPAIGN)
    assert info.value.codes == {"readiness.no_emailable_contact"}


def test_campaign_recipients_are_only_those_who_can_receive_email(acme: Account) -> None:
    acme, alice = acme.add_contact(last_name="Martin", first_name="Alice", email="a@acme.fr")
    acme, _ = acme.add_contact(last_name="Durand", email="b@acme.fr", email_opt_out=True)
    acme, _ = acme.add_contact(last_name="Petit")
    acme, zoe = acme.add_contact(last_name="Abel", first_name="Zoé", email="z@acme.fr")
    assert [c.id for c in policies.require(acme, "campaign")] == [zoe.id, alice.id]
    assert len(policies.recipients(acme, "send_contract")) == 4


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("campaign", Action.CAMPAIGN),
        ("Campaign", Action.CAMPAIGN),
        ("send contract", Action.SEND_CONTRACT),
        ("send-contract", Action.SEND_CONTRACT),
        ("OPPORTUNITY_FOLLOW_UP", Action.OPPORTUNITY_FOLLOW_UP),
    ],
)
def test_actions_are_named_loosely(text: str, action: Action) -> None:
    assert Action.parse(text) is action


def test_an_unknown_action_is_refused_listing_the_known_ones(acme: Account) -> None:
    with pytest.raises(
        InvalidValueError, match="send_contract, campaign, opportunity_follow_up"
    ) as info:
        policies.require(acme, "cold_call")
    assert (info.value.field, info.value.value) == ("action", "cold_call")


def test_readiness_explains_every_action_and_the_gaps(acme: Account) -> None:
    acme, durand = acme.add_contact(last_name="Durand", first_name="Bob")
    report = policies.readiness(acme)
    assert report.actionable
    assert (report.account_id, report.account_name) == (acme.id, "ACME SA")
    assert report["send_contract"].possible
    assert report["send_contract"].recipients == (durand,)
    assert not report["campaign"].possible
    assert [r.code for r in report["campaign"].reasons] == ["readiness.no_emailable_contact"]
    assert report[Action.OPPORTUNITY_FOLLOW_UP].possible
    assert sorted(g.code for g in report.gaps) == [
        "readiness.no_callable_contact",
        "readiness.no_decision_maker",
    ]
    assert {(g.code, g.field, g.entity_id, g.severity) for g in report.gaps} == {
        ("readiness.no_callable_contact", "phone", acme.id, Severity.WARNING),
        ("readiness.no_decision_maker", "decision_role", acme.id, Severity.WARNING),
    }
    assert [r.field for r in report["campaign"].reasons] == ["email"]
    assert report.summary() == [
        "send_contract: ready (1 recipient(s))",
        "campaign: NOT ready: no active contact of ACME SA has an email address without an opt-out",
        "opportunity_follow_up: ready (1 recipient(s))",
        "gap: no decision maker identified at ACME SA",
        "gap: no active contact of ACME SA can be called",
    ]


def test_readiness_of_a_well_covered_account_has_no_gap(acme: Account) -> None:
    acme, _ = acme.add_contact(
        last_name="Martin",
        email="alice@acme.fr",
        phone="01 23 45 67 89",
        decision_role="Decision Maker",
    )
    report = policies.readiness(acme)
    assert all(state.possible for state in report.actions.values())
    assert report.gaps == ()


def test_a_contact_who_refuses_calls_does_not_make_the_account_callable(acme: Account) -> None:
    acme, _ = acme.add_contact(last_name="Martin", phone="01 23 45 67 89", do_not_call=True)
    codes = {g.code for g in policies.readiness(acme).gaps}
    assert "readiness.no_callable_contact" in codes


def test_readiness_of_an_empty_account(acme: Account) -> None:
    report = policies.readiness(acme)
    assert not report.actionable
    assert all(r.reasons[0].code == "readiness.no_active_contact" for r in report.actions.values())
    assert [g.message for g in report.gaps] == ["no decision maker identified at ACME SA"]


@given(cgst.accounts(max_contacts=8, max_commands=6))
def test_require_agrees_with_readiness_and_recipients(account: Account) -> None:
    report = policies.readiness(account)
    for action in Action:
        state = report[action]
        assert list(state.recipients) == policies.recipients(account, action)
        if state.possible:
            assert policies.require(account, action) == list(state.recipients)
            assert state.recipients
        else:
            with pytest.raises(PolicyViolationError) as info:
                policies.require(account, action)
            assert info.value.violations == state.reasons
        expected = [
            c.id
            for c in account.contacts.values()
            if c.active and (action is not Action.CAMPAIGN or (c.email and not c.email_opt_out))
        ]
        assert sorted(c.id for c in state.recipients) == sorted(expected)
