"""Each configurable business rule, on accounts that keep it and accounts that break it."""

from __future__ import annotations

import immutables

from contactgraph import Account, Contact, PersonName, Severity, policies
from contactgraph.domain import check_structure


def test_email_unique_per_account_flags_every_holder_of_a_shared_address(acme: Account) -> None:
    acme, alice = acme.add_contact(last_name="Martin", first_name="Alice", email="info@acme.fr")
    acme, bob = acme.add_contact(last_name="Durand", first_name="Bob", email="INFO@Acme.fr")
    acme, _ = acme.add_contact(last_name="Petit", first_name="Chloé", email="chloe@acme.fr")
    found = policies.EmailUniquePerAccount().check(acme)
    assert sorted(v.entity_id for v in found) == sorted([alice.id, bob.id])
    assert {v.code for v in found} == {"email.duplicate"}
    assert {v.severity for v in found} == {Severity.WARNING}
    assert {(v.message, v.field, v.policy) for v in found} == {
        ("info@acme.fr is shared by Bob Durand, Alice Martin", "email", "email_unique_per_account")
    }


def test_email_unique_per_account_can_ignore_inactive_contacts(acme: Account) -> None:
    acme, _ = acme.add_contact(last_name="Martin", email="info@acme.fr")
    acme, bob = acme.add_contact(last_name="Durand", email="info@acme.fr")
    acme = acme.deactivate_contact(bob.id)
    assert len(policies.EmailUniquePerAccount().check(acme)) == 2
    assert policies.EmailUniquePerAccount(active_only=True).check(acme) == []


def test_the_same_email_in_two_accounts_is_not_a_duplicate(acme: Account) -> None:
    acme, _ = acme.add_contact(last_name="Martin", email="alice@acme.fr")
    globex, _ = Account.create(name="Globex").add_contact(last_name="Martin", email="alice@acme.fr")
    assert policies.EmailUniquePerAccount().check(acme) == []
    assert policies.EmailUniquePerAccount().check(globex) == []


def test_phone_required_flags_active_contacts_without_phone_or_mobile(acme: Account) -> None:
    acme, alice = acme.add_contact(last_name="Martin", first_name="Alice")
    acme, _ = acme.add_contact(last_name="Durand", mobile="06 12 34 56 78")
    acme, chloe = acme.add_contact(last_name="Petit")
    acme = acme.deactivate_contact(chloe.id)
    [missing] = policies.PhoneRequired().check(acme)
    assert (missing.code, missing.field, missing.entity_id) == ("phone.required", "phone", alice.id)
    assert missing.is_error
    assert "Alice Martin" in missing.message


def test_phone_valid_number_warns_about_unassigned_numbers(acme: Account) -> None:
    acme = acme.update(phone="+1 926 442 9205")
    acme, alice = acme.add_contact(last_name="Martin", phone="01 23 45 67 89")
    acme, bob = acme.add_contact(last_name="Durand", mobile="+1 766 175 1814")
    found = policies.PhoneValidNumber().check(acme)
    assert sorted((v.code, v.entity_id) for v in found) == sorted(
        [("phone.not_valid", acme.id), ("mobile.not_valid", bob.id)]
    )
    assert all(v.severity is Severity.WARNING for v in found)
    assert alice.id not in {v.entity_id for v in found}


def test_phone_region_flags_numbers_from_elsewhere(acme: Account) -> None:
    acme, _ = acme.add_contact(last_name="Martin", phone="01 23 45 67 89")
    acme, bob = acme.add_contact(last_name="Durand", mobile="+44 7700 900123")
    [foreign] = policies.PhoneRegion(region="FR").check(acme)
    assert (foreign.code, foreign.entity_id) == ("mobile.region", bob.id)
    assert "is not a FR number" in foreign.message
    assert policies.PhoneRegion(region="fr").check(acme) == [foreign]


def test_phone_region_counts_an_unassigned_number_in_its_countrys_region() -> None:
    us, _ = Account.create(name="Initech", phone_region="US").add_contact(
        last_name="Cannan", phone="9264429205"
    )
    assert policies.PhoneRegion(region="US").check(us) == []
    assert len(policies.PhoneRegion(region="FR").check(us)) == 1


def test_has_active_contact(acme: Account) -> None:
    [empty] = policies.HasActiveContact().check(acme)
    assert (empty.code, empty.entity_id) == ("readiness.no_active_contact", acme.id)
    acme, alice = acme.add_contact(last_name="Martin")
    assert policies.HasActiveContact().check(acme) == []
    assert len(policies.HasActiveContact().check(acme.deactivate_contact(alice.id))) == 1


def test_decision_maker_identified(acme: Account) -> None:
    acme, alice = acme.add_contact(last_name="Martin", decision_role="Influencer")
    [gap] = policies.DecisionMakerIdentified().check(acme)
    assert gap.code == "readiness.no_decision_maker"
    assert gap.message == "no decision maker identified at ACME SA"
    acme = acme.update_contact(alice.id, decision_role="Decision Maker")
    assert policies.DecisionMakerIdentified().check(acme) == []
    assert len(policies.DecisionMakerIdentified().check(acme.deactivate_contact(alice.id))) == 1


def test_structural_invariants_report_what_check_structure_finds() -> None:
    loop = [
        Contact(id="c-1", account_id="acc", name=PersonName.trusted("Martin"), reports_to="c-2"),
        Contact(id="c-2", account_id="acc", name=PersonName.trusted("Durand"), reports_to="c-1"),
    ]
    broken = Account(id="acc", name="ACME SA", contacts=immutables.Map({c.id: c for c in loop}))
    found = policies.StructuralInvariants().check(broken)
    assert found == check_structure(broken)
    assert {v.code for v in found} == {"reports_to.cycle"}
    assert [v.is_error for v in policies.default().check(broken)][:2] == [True, True]
