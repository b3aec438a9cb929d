"""What each rule reports, whole: code, message, field, entity, severity and policy.

Import row reports and the CLI print every part of a violation and of a
refused argument, so each is asserted in full here; mutation testing
(`./dev mutate`) found rules whose field, entity or message no test held.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest

from contactgraph import Account, NotFoundError, PolicyViolationError, Severity, Violation, policies
from contactgraph.domain import Phone, check_structure
from contactgraph.domain.display import readiness_html
from contactgraph.errors import InvalidValueError
from contactgraph.policies import Action

ERROR, WARNING = Severity.ERROR, Severity.WARNING
ACTIONS = "send_contract, campaign, opportunity_follow_up"


def _whole(found: list[Violation] | tuple[Violation, ...]) -> list[tuple[object, ...]]:
    return [(v.code, v.message, v.field, v.entity_id, v.severity, v.policy) for v in found]


def _by_message(row: tuple[object, ...]) -> tuple[str, str]:
    return str(row[1]), str(row[3])


def _refusal(call: Callable[[], object]) -> tuple[str, str | None, object]:
    with pytest.raises(InvalidValueError) as info:
        call()
    return info.value.reason, info.value.field, info.value.value


@attrs.frozen
class _Named:
    name: object = "mine"
    severity: object = Severity.ERROR
    check: object = staticmethod(lambda subject: [])


@attrs.frozen
class _Unchecking:
    """Named and graded, but with no check at all."""

    name: str = "mine"
    severity: Severity = Severity.ERROR


RULES = [
    policies.StructuralInvariants,
    policies.EmailUniquePerAccount,
    policies.PhoneRequired,
    policies.PhoneValidNumber,
    policies.PhoneRegion,
    policies.HasActiveContact,
    policies.DecisionMakerIdentified,
]


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_a_rule_refuses_what_is_not_an_account_naming_the_subject(rule: type) -> None:
    assert _refusal(lambda: rule().check("ACME SA")) == ("must be an Account", "subject", "ACME SA")


@pytest.mark.parametrize("call", [policies.readiness, policies.recipients, policies.require])
def test_readiness_refuses_what_is_not_an_account_naming_it(call: Callable[..., object]) -> None:
    args = ("ACME SA",) if call is policies.readiness else ("ACME SA", "campaign")
    assert _refusal(lambda: call(*args)) == ("must be an Account", "account", "ACME SA")


@pytest.mark.parametrize("bad", [5, None, "campaign".ljust(81)])
def test_an_action_that_is_no_action_is_refused_naming_it(bad: object) -> None:
    assert _refusal(lambda: Action.parse(bad)) == (  # type: ignore[arg-type]
        f"unknown action; use one of {ACTIONS}",
        "action",
        bad,
    )


def test_an_action_name_of_80_characters_is_read() -> None:
    assert Action.parse("  Campaign".ljust(80)) is Action.CAMPAIGN


def test_an_unknown_action_is_refused_by_readiness_item(acme: Account) -> None:
    assert _refusal(lambda: policies.readiness(acme)["cold call"]) == (
        f"unknown action; use one of {ACTIONS}",
        "action",
        "cold call",
    )


def test_the_duplicate_email_message_names_every_holder(acme: Account) -> None:
    acme, alice = acme.add_contact(last_name="Martin", first_name="Alice", email="info@acme.fr")
    acme, bob = acme.add_contact(last_name="Durand", first_name="Bob", email="Info@acme.fr")
    acme, chloe = acme.add_contact(last_name="Petit", first_name="Chloé", email="info@ACME.fr")
    acme, dan = acme.add_contact(last_name="Abel", first_name="Dan", email="sales@acme.fr")
    acme, eve = acme.add_contact(last_name="Roux", first_name="Eve", email="sales@acme.fr")
    acme, _ = acme.add_contact(last_name="Seul", first_name="Sam", email="sam@acme.fr")
    shared = "info@acme.fr is shared by Bob Durand, Alice Martin, Chloé Petit"
    sales = "sales@acme.fr is shared by Dan Abel, Eve Roux"
    rule = "email_unique_per_account"
    assert sorted(_whole(policies.EmailUniquePerAccount().check(acme)), key=_by_message) == [
        ("email.duplicate", shared, "email", contact_id, WARNING, rule)
        for contact_id in sorted([alice.id, bob.id, chloe.id])
    ] + [
        ("email.duplicate", sales, "email", contact_id, WARNING, rule)
        for contact_id in sorted([dan.id, eve.id])
    ]
    messages = [v.message for v in policies.EmailUniquePerAccount().check(acme)]
    assert messages == [shared] * 3 + [sales] * 2


def test_only_active_holders_count_when_asked(acme: Account) -> None:
    acme, alice = acme.add_contact(last_name="Martin", first_name="Alice", email="info@acme.fr")
    acme, bob = acme.add_contact(last_name="Durand", first_name="Bob", email="info@acme.fr")
    acme, chloe = acme.add_contact(last_name="Petit", first_name="Chloé", email="info@acme.fr")
    acme = acme.deactivate_contact(chloe.id)
    [first, second] = policies.EmailUniquePerAccount(active_only=True).check(acme)
    assert first.message == second.message == "info@acme.fr is shared by Bob Durand, Alice Martin"
    assert {first.entity_id, second.entity_id} == {alice.id, bob.id}


def test_phone_required_takes_a_phone_or_a_mobile(acme: Account) -> None:
    acme, _ = acme.add_contact(last_name="Martin", phone="01 23 45 67 89")
    acme, _ = acme.add_contact(last_name="Durand", mobile="06 12 34 56 78")
    acme, chloe = acme.add_contact(last_name="Petit", first_name="Chloé")
    acme, dan = acme.add_contact(last_name="Abel", first_name="Dan")
    assert _whole(policies.PhoneRequired().check(acme)) == [
        ("phone.required", "Dan Abel has no phone or mobile", "phone", dan.id, ERROR,
         "phone_required"),
        ("phone.required", "Chloé Petit has no phone or mobile", "phone", chloe.id, ERROR,
         "phone_required"),
    ]  # fmt: skip


def test_phone_valid_number_reports_the_account_and_each_contact_line(acme: Account) -> None:
    acme = acme.update(phone="+1 926 442 9205")
    acme, alice = acme.add_contact(
        last_name="Martin", phone="+1 766 175 1814", mobile="+1 926 442 9206"
    )
    acme, _ = acme.add_contact(last_name="Durand", phone="01 23 45 67 89", mobile="06 12 34 56 78")
    rule = "phone_valid_number"
    assert _whole(policies.PhoneValidNumber().check(acme)) == [
        ("phone.not_valid", "+19264429205 is not an assigned number", "phone", acme.id, WARNING, rule),
        ("phone.not_valid", "+17661751814 is not an assigned number", "phone", alice.id, WARNING, rule),
        ("mobile.not_valid", "+19264429206 is not an assigned number", "mobile", alice.id, WARNING, rule),
    ]  # fmt: skip
    assert (
        policies.PhoneValidNumber().check(acme.update(phone="01 23 45 67 89"))[0].entity_id
        == alice.id
    )


def test_phone_valid_number_says_an_unverified_phone_was_kept_as_typed() -> None:
    acme = Account.create(name="Nowhere Ltd")  # no country: nothing places the number
    acme, alice = acme.add_contact(last_name="Martin", phone=Phone.unverified("01 44 27 44 27"))
    assert _whole(policies.PhoneValidNumber().check(acme)) == [
        ("phone.unverified",
         "01 44 27 44 27 was kept as typed: no country placed it (set one to verify it)",
         "phone", alice.id, WARNING, "phone_valid_number"),
    ]  # fmt: skip


def test_phone_region_reports_each_line_from_elsewhere(acme: Account) -> None:
    acme, alice = acme.add_contact(
        last_name="Martin", phone="+44 20 7946 0958", mobile="+44 7700 900123"
    )
    acme, _ = acme.add_contact(last_name="Durand", phone="01 23 45 67 89", mobile="06 12 34 56 78")
    assert _whole(policies.PhoneRegion(region="fr").check(acme)) == [
        ("phone.region", "+44 20 7946 0958 is not a FR number", "phone", alice.id, ERROR, "phone_region"),
        ("mobile.region", "+44 7700 900123 is not a FR number", "mobile", alice.id, ERROR, "phone_region"),
    ]  # fmt: skip


def test_has_active_contact_reports_the_account(acme: Account) -> None:
    assert _whole(policies.HasActiveContact().check(acme)) == [
        ("readiness.no_active_contact", "ACME SA has no active contact", "contacts", acme.id,
         WARNING, "has_active_contact"),
    ]  # fmt: skip
    acme, alice = acme.add_contact(last_name="Martin")
    acme, _ = acme.add_contact(last_name="Durand")
    assert policies.HasActiveContact().check(acme.deactivate_contact(alice.id)) == []


def test_decision_maker_identified_reports_the_account(acme: Account) -> None:
    acme, _ = acme.add_contact(last_name="Martin", decision_role="Influencer")
    assert _whole(policies.DecisionMakerIdentified().check(acme)) == [
        ("readiness.no_decision_maker", "no decision maker identified at ACME SA",
         "decision_role", acme.id, WARNING, "decision_maker_identified"),
    ]  # fmt: skip


def test_readiness_reasons_whole(acme: Account) -> None:
    report = policies.readiness(acme)
    assert [(key, state.action) for key, state in report.actions.items()] == [
        (action, action) for action in Action
    ]
    assert _whole(report["campaign"].reasons) == [
        ("readiness.no_active_contact",
         "ACME SA has no contact: campaign needs at least one active contact",
         "contacts", acme.id, ERROR, "commercial_readiness"),
    ]  # fmt: skip
    acme, alice = acme.add_contact(last_name="Martin", email="alice@acme.fr")
    report = policies.readiness(acme.deactivate_contact(alice.id))
    assert report["send_contract"].reasons[0].message == (
        "ACME SA has no active contact: send_contract needs at least one active contact"
    )
    acme = acme.update_contact(alice.id, email_opt_out=True)
    report = policies.readiness(acme)
    assert _whole(report["campaign"].reasons) == [
        ("readiness.no_emailable_contact",
         "no active contact of ACME SA has an email address without an opt-out",
         "email", acme.id, ERROR, "commercial_readiness"),
    ]  # fmt: skip
    assert report["send_contract"].possible
    assert report["opportunity_follow_up"].possible


def test_the_no_callable_gap_is_a_warning_naming_the_phone(acme: Account) -> None:
    acme, alice = acme.add_contact(last_name="Martin", decision_role="Decision Maker")
    acme, bob = acme.add_contact(last_name="Durand", phone="01 23 45 67 89", do_not_call=True)
    assert _whole(policies.readiness(acme).gaps) == [
        ("readiness.no_callable_contact", "no active contact of ACME SA can be called", "phone",
         acme.id, WARNING, "commercial_readiness"),
    ]  # fmt: skip
    assert policies.readiness(acme.update_contact(alice.id, mobile="06 12 34 56 78")).gaps == ()
    assert policies.readiness(acme.update_contact(alice.id, phone="01 23 45 67 80")).gaps == ()
    assert policies.readiness(acme.update_contact(bob.id, do_not_call=False)).gaps == ()


def test_an_account_of_inactive_contacts_has_no_callable_gap(acme: Account) -> None:
    """Nobody active: readiness already blocks every action, the call gap would repeat it."""
    acme, alice = acme.add_contact(last_name="Martin", decision_role="Decision Maker")
    codes = [g.code for g in policies.readiness(acme.deactivate_contact(alice.id)).gaps]
    assert codes == ["readiness.no_decision_maker"]


def test_readiness_shows_as_a_table_in_jupyter(acme: Account) -> None:
    acme, _ = acme.add_contact(last_name="Martin", first_name="Alice", title="CFO")
    report = policies.readiness(acme)
    assert report._repr_html_() == readiness_html(
        "ACME SA",
        [
            ("send_contract", True, ["Alice Martin, CFO"], []),
            (
                "campaign",
                False,
                [],
                ["no active contact of ACME SA has an email address without an opt-out"],
            ),
            ("opportunity_follow_up", True, ["Alice Martin, CFO"], []),
        ],
        [
            "no decision maker identified at ACME SA",
            "no active contact of ACME SA can be called",
        ],
    )


def test_a_summary_joins_every_reason_of_a_blocked_action(acme: Account) -> None:
    reasons = (
        Violation("x.first", "nobody answers", "contacts", acme.id),
        Violation("x.second", "nobody reads", "email", acme.id),
    )
    report = policies.Readiness(
        acme.id,
        "ACME SA",
        {Action.CAMPAIGN: policies.ActionReadiness(Action.CAMPAIGN, (), reasons)},
        (),
    )
    assert report.summary() == ["campaign: NOT ready: nobody answers; nobody reads"]
    assert not report.actionable


def test_require_names_the_action_and_the_account(acme: Account) -> None:
    with pytest.raises(PolicyViolationError) as info:
        policies.require(acme, " Send Contract ")
    assert str(info.value) == (
        f"send_contract refused for account ACME SA ({acme.id}): "
        f"[error] readiness.no_active_contact: ACME SA has no contact: send_contract needs at least one active contact"
        f" (field 'contacts', id {acme.id})"
    )


def test_a_policy_set_refuses_what_is_no_policy_naming_it() -> None:
    shape = "must be a policy (a name, a severity and a check)"
    assert _refusal(lambda: policies.PolicySet("structure")) == (  # type: ignore[arg-type]
        "must be a list of policies",
        "policies",
        "structure",
    )
    assert _refusal(lambda: policies.PolicySet.of(5)) == (  # type: ignore[arg-type]
        "must be a list of policies",
        "policies",
        5,
    )
    for bad in (_Named(name=5), _Named(severity="error"), _Named(check="yes"), _Unchecking(), 5):
        assert _refusal(lambda bad=bad: policies.PolicySet([bad])) == (shape, "policies", bad)  # type: ignore[misc]
        assert _refusal(lambda bad=bad: policies.default().add(bad)) == (shape, "policies", bad)  # type: ignore[misc]
    assert policies.PolicySet([_Named()]).names == ("mine",)
    assert policies.PolicySet.of([_Named()]).names == ("mine",)


def test_a_policy_set_names_the_doubles() -> None:
    with pytest.raises(ValueError, match=r"^policy names must be unique in a set: \['a', 'b'\]$"):
        policies.PolicySet([_Named("b"), _Named("a"), _Named("c"), _Named("a"), _Named("b")])


def test_removing_names_what_is_missing_or_no_name() -> None:
    assert _refusal(lambda: policies.default().remove("structure", 5)) == (  # type: ignore[arg-type]
        "must be a policy name",
        "names",
        5,
    )
    with pytest.raises(NotFoundError) as info:
        policies.default().remove("structure", "zeta", "alpha")
    assert (info.value.kind, info.value.key) == ("Policy", "alpha")
    with pytest.raises(NotFoundError) as info:
        policies.default()["alpha"]
    assert (info.value.kind, info.value.key) == ("Policy", "alpha")


def test_configuring_names_the_policy_and_the_changes() -> None:
    with pytest.raises(InvalidValueError) as info:
        policies.default().configure("structure", regoin="FR")
    assert info.value.reason.startswith("not a setting of policy 'structure': ")
    assert "regoin" in info.value.reason
    assert (info.value.field, info.value.value) == ("changes", {"regoin": "FR"})
    rules = policies.default().configure("structure", severity=Severity.WARNING)
    assert [rule.severity for rule in rules] == [WARNING] * 5
    assert rules.names == policies.default().names


def test_enforce_raises_with_the_summary_and_returns_warnings(acme: Account) -> None:
    rules = policies.default().add(policies.PhoneRequired())
    acme, _ = acme.add_contact(last_name="Martin")
    with pytest.raises(PolicyViolationError) as info:
        rules.enforce(acme, "ACME SA cannot be saved")
    assert str(info.value).startswith("ACME SA cannot be saved: ")
    assert [v.code for v in info.value.violations] == [
        "phone.required",
        "readiness.no_decision_maker",
    ]
    assert policies.default().enforce(acme) == policies.default().check(acme)
    assert len(policies.default().enforce(acme)) == 1


def test_a_policy_set_iterates_and_knows_its_members() -> None:
    rules = policies.default()
    assert [rule.name for rule in rules] == list(rules.names)
    assert "structure" in rules
    assert "phone_required" not in rules
    assert len(rules) == 5
    assert len(rules.remove("structure")) == 4


def test_check_structure_refuses_what_it_cannot_check() -> None:
    acme = Account.create(name="ACME SA")
    assert _refusal(lambda: check_structure("ACME SA")) == (  # type: ignore[arg-type]
        "must be an Account",
        "account",
        "ACME SA",
    )
    for bad in ("c-1", b"c-1", 5):
        assert _refusal(lambda bad=bad: check_structure(acme, bad)) == (  # type: ignore[misc]
            "must be a list of ids",
            "contact_ids",
            bad,
        )
    assert check_structure(acme, iter(())) == []
