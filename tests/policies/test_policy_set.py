"""Policy sets: the default set, and composing, configuring and enforcing rules."""

from __future__ import annotations

import attrs
import pytest

from contactgraph import Account, NotFoundError, PolicyViolationError, Severity, Violation, policies
from contactgraph.domain import Policy
from contactgraph.errors import InvalidValueError


def test_the_default_set_reports_structure_as_errors_and_the_rest_as_warnings() -> None:
    rules = policies.default()
    assert rules.names == (
        "structure",
        "email_unique_per_account",
        "phone_valid_number",
        "has_active_contact",
        "decision_maker_identified",
    )
    assert {name: rules[name].severity for name in rules.names} == {
        "structure": Severity.ERROR,
        "email_unique_per_account": Severity.WARNING,
        "phone_valid_number": Severity.WARNING,
        "has_active_contact": Severity.WARNING,
        "decision_maker_identified": Severity.WARNING,
    }
    assert all(isinstance(rule, Policy) for rule in rules)


def test_an_empty_account_only_gets_warnings_from_the_default_set(acme: Account) -> None:
    found = policies.default().check(acme)
    assert sorted(v.code for v in found) == [
        "readiness.no_active_contact",
        "readiness.no_decision_maker",
    ]
    assert not any(v.is_error for v in found)
    assert policies.default().enforce(acme) == found


def test_adding_a_policy_appends_it_and_leaves_the_original_set_alone() -> None:
    base = policies.default()
    stricter = base.add(policies.PhoneRequired(), policies.PhoneRegion(region="FR"))
    assert stricter.names[-2:] == ("phone_required", "phone_region")
    assert "phone_required" not in base
    assert len(base) == 5
    assert len(stricter) == 7


def test_adding_a_policy_with_a_taken_name_replaces_it_in_place() -> None:
    strict = policies.EmailUniquePerAccount(severity=Severity.ERROR)
    rules = policies.default().add(strict)
    assert rules.names == policies.default().names
    assert rules["email_unique_per_account"] is strict


def test_removing_policies_by_name() -> None:
    rules = policies.default().remove("decision_maker_identified", "has_active_contact")
    assert rules.names == ("structure", "email_unique_per_account", "phone_valid_number")
    with pytest.raises(NotFoundError) as info:
        rules.remove("decision_maker_identified")
    assert (info.value.kind, info.value.key) == ("Policy", "decision_maker_identified")


def test_configuring_a_policy_changes_only_that_policy() -> None:
    rules = (
        policies.default()
        .add(policies.PhoneRegion())
        .configure("phone_region", region="BE")
        .configure("email_unique_per_account", severity=Severity.ERROR, active_only=True)
    )
    region = rules["phone_region"]
    assert isinstance(region, policies.PhoneRegion)
    assert region.region == "BE"
    unique = rules["email_unique_per_account"]
    assert isinstance(unique, policies.EmailUniquePerAccount)
    assert (unique.severity, unique.active_only) == (Severity.ERROR, True)
    assert policies.default()["email_unique_per_account"].severity is Severity.WARNING


def test_configuring_an_unknown_policy_or_option_fails_loudly() -> None:
    with pytest.raises(NotFoundError) as missing:
        policies.default().configure("no_such_policy", severity=Severity.ERROR)
    assert (missing.value.kind, missing.value.key) == ("Policy", "no_such_policy")
    with pytest.raises(InvalidValueError) as info:
        policies.default().configure("structure", regoin="FR")
    assert info.value.field == "changes"
    assert "not a setting of policy 'structure'" in info.value.reason


def test_policy_names_are_unique_in_a_set() -> None:
    with pytest.raises(ValueError, match="unique"):
        policies.PolicySet((policies.PhoneRequired(), policies.PhoneRequired()))


def test_a_rule_says_what_it_is() -> None:
    assert repr(policies.PhoneRegion()) == "<PhoneRegion 'phone_region' (error)>"


@attrs.frozen
class NoGmailAddresses:
    """An application's own rule, written against the same protocol."""

    name: str = "no_gmail"
    severity: Severity = Severity.ERROR

    def check(self, subject: Account, /) -> list[Violation]:
        return [
            Violation("email.personal", f"{c.full_name} uses gmail", "email", c.id, self.severity)
            for c in subject.contacts.values()
            if c.email is not None and c.email.domain == "gmail.com"
        ]


def test_an_application_rule_joins_a_set_and_errors_come_first(acme: Account) -> None:
    acme, alice = acme.add_contact(last_name="Martin", first_name="Alice", email="al@gmail.com")
    rules = policies.default().add(NoGmailAddresses())
    found = rules.check(acme)
    assert found[0].code == "email.personal"
    assert found[0].entity_id == alice.id
    assert [v.is_error for v in found] == [True, False]
    with pytest.raises(PolicyViolationError) as info:
        rules.enforce(acme)
    assert info.value.codes == {"email.personal", "readiness.no_decision_maker"}
    assert [v.code for v in info.value.errors] == ["email.personal"]
