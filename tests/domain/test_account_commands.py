"""Account commands: each returns a new Account, records an event, or refuses with every reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from contactgraph import (
    Account,
    Address,
    Contact,
    DecisionRole,
    Email,
    NotFoundError,
    Phone,
    PolicyViolationError,
    Salutation,
)
from contactgraph.domain.events import (
    AccountCreated,
    AccountUpdated,
    ContactAdded,
    ContactDeactivated,
    ContactReactivated,
    ContactRemoved,
    ContactUpdated,
    FieldChange,
)

Team = tuple[Account, Contact, Contact, Contact]


def _codes(error: pytest.ExceptionInfo[PolicyViolationError]) -> list[str]:
    return sorted(v.code for v in error.value.violations)


# ------------------------------------------------------------------ create


def test_an_account_is_created_with_its_fields_and_an_event() -> None:
    acme = Account.create(
        name="ACME SA",
        industry="Manufacturing",
        type="Customer",
        annual_revenue="1200000.50",
        number_of_employees="250",
        billing_address={"city": "Lyon", "country": "France"},
    )
    assert (acme.name, acme.industry, acme.type) == ("ACME SA", "Manufacturing", "Customer")
    assert acme.annual_revenue == Decimal("1200000.50")
    assert acme.number_of_employees == 250
    assert acme.billing_address == Address(city="Lyon", country="France")
    assert acme.version == 0
    assert len(acme) == 0
    [event] = acme.pending_events
    assert isinstance(event, AccountCreated)
    assert (event.aggregate_id, event.account_name) == (acme.id, "ACME SA")


def test_the_billing_country_gives_national_phones_their_region() -> None:
    acme = Account.create(
        name="ACME SA", phone="04 72 00 00 00", billing_address={"country": "France"}
    )
    assert acme.default_region == "FR"
    assert acme.phone == Phone("+33472000000")


@pytest.mark.parametrize("name", ["", "   ", None])
def test_an_account_needs_a_name(name: str | None) -> None:
    with pytest.raises(PolicyViolationError) as info:
        Account.create(name=name)  # type: ignore[arg-type]
    assert _codes(info) == ["account_name.required"]
    assert info.value.violations[0].field == "name"


def test_create_reports_every_bad_field_at_once() -> None:
    with pytest.raises(PolicyViolationError) as info:
        Account.create(
            name="ACME\nSA", phone="12", number_of_employees=-3, revnue=10, phone_region="XX"
        )
    assert _codes(info) == [
        "field.unknown",
        "name.invalid",
        "number_of_employees.invalid",
        "phone.invalid",
        "phone_region.invalid",
    ]


# ------------------------------------------------------------------ update


def test_update_changes_fields_and_records_old_and_new_values(acme: Account) -> None:
    updated = acme.update(industry="Aerospace", website="https://acme.example")
    assert (updated.industry, updated.website) == ("Aerospace", "https://acme.example")
    assert acme.industry == "Manufacturing"
    event = updated.pending_events[-1]
    assert isinstance(event, AccountUpdated)
    assert set(event.changes) == {
        FieldChange("industry", "Manufacturing", "Aerospace"),
        FieldChange("website", None, "https://acme.example"),
    }


def test_update_reads_a_national_phone_in_the_accounts_region(acme: Account) -> None:
    assert acme.update(phone="01 23 45 67 89").phone == Phone("+33123456789")


def test_an_update_that_changes_nothing_returns_the_same_account(acme: Account) -> None:
    assert acme.update(industry="Manufacturing") is acme


def test_a_refused_update_changes_nothing(acme: Account) -> None:
    with pytest.raises(PolicyViolationError) as info:
        acme.update(name="", industry="Aerospace")
    assert _codes(info) == ["account_name.required"]
    assert acme.name == "ACME SA"
    assert acme.industry == "Manufacturing"


# ------------------------------------------------------------- add_contact


def test_a_contact_is_added_with_a_last_name_only(acme: Account) -> None:
    after, durand = acme.add_contact(last_name="Durand")
    assert durand.last_name == "Durand"
    assert durand.account_id == acme.id
    assert (durand.first_name, durand.email, durand.phone, durand.reports_to) == (
        None,
        None,
        None,
        None,
    )
    assert durand.active
    assert after.contact(durand.id) == durand
    assert len(after) == 1
    assert len(acme) == 0
    assert isinstance(after.pending_events[-1], ContactAdded)


def test_a_contact_is_added_with_every_field(acme: Account) -> None:
    acme, boss = acme.add_contact(last_name="Lefèvre", title="CEO")
    acme, alice = acme.add_contact(
        last_name="Martin",
        first_name="Alice",
        middle_name="Marie",
        salutation="Mme",
        suffix="PhD",
        email="Alice@ACME.fr",
        phone="01 23 45 67 89",
        mobile="+33 6 12 34 56 78",
        title="CFO",
        department="Finance",
        mailing_address={"street": "12 rue de la Paix", "city": "Paris", "country": "France"},
        reports_to=boss.id,
        decision_role="economic buyer",
        email_opt_out=True,
        do_not_call=True,
        description="Met at the Lyon fair.\nCall back in May.",
        birthdate="1980-02-29",
        lead_source="Trade Show",
        alternate_emails=["a.martin@gmail.com", "A.Martin@gmail.com"],
        alternate_phones=["04 72 00 00 00"],
        external_ids={"salesforce": "0035g00000AbCdEAAV"},
        extra={"Picture__c": "alice.png", "Score__c": 12},
    )
    assert alice.display_name == "Mrs. Alice Marie Martin PhD"
    assert alice.salutation is Salutation.MRS
    assert alice.email == Email("Alice@acme.fr")
    assert alice.phone == Phone("+33123456789")
    assert alice.mobile == Phone("+33612345678")
    assert alice.label == "Alice Marie Martin PhD, CFO"
    assert alice.mailing_address == Address(
        street="12 rue de la Paix", city="Paris", country="France"
    )
    assert alice.reports_to == boss.id
    assert alice.decision_role is DecisionRole.ECONOMIC_BUYER
    assert alice.is_decision_maker
    assert (alice.email_opt_out, alice.do_not_call) == (True, True)
    assert not alice.can_receive_email
    assert alice.birthdate == date(1980, 2, 29)
    assert alice.alternate_emails == (
        Email("a.martin@gmail.com"),
        Email("A.Martin@gmail.com"),
    )
    assert alice.alternate_phones == (Phone("+33472000000"),)
    assert dict(alice.external_ids) == {"salesforce": "0035g00000AbCdEAAV"}
    assert dict(alice.extra) == {"Picture__c": "alice.png", "Score__c": 12}


def test_a_contact_repr_is_short_enough_for_a_notebook(acme: Account) -> None:
    _, alice = acme.add_contact(last_name="Martin", first_name="Alice", email="alice@acme.fr")
    assert repr(alice) == (
        f"Contact(id={alice.id!r}, name='Alice Martin', account_id={acme.id!r}, "
        "email='alice@acme.fr')"
    )


@pytest.mark.parametrize("last_name", [None, "", "  "])
def test_a_contact_needs_a_last_name(acme: Account, last_name: str | None) -> None:
    with pytest.raises(PolicyViolationError) as info:
        acme.add_contact(last_name=last_name, first_name="Alice")
    assert _codes(info) == ["last_name.required"]


def test_a_refused_add_lists_every_problem_with_its_field_and_contact_id(acme: Account) -> None:
    with pytest.raises(PolicyViolationError) as info:
        acme.add_contact(
            id="c-alice",
            last_name="Mar\x00tin",
            first_name="Ali\nce",
            salutation="Sir",
            email="alice@",
            phone="12",
            reports_to="no-such-contact",
            nickname="Ali",
        )
    found = {(v.code, v.field) for v in info.value.violations}
    assert found == {
        ("last_name.invalid", "last_name"),
        ("first_name.invalid", "first_name"),
        ("salutation.invalid", "salutation"),
        ("email.invalid", "email"),
        ("phone.invalid", "phone"),
        ("reports_to.outside_account", "reports_to"),
        ("field.unknown", "nickname"),
    }
    assert {v.entity_id for v in info.value.violations} == {"c-alice"}
    assert all(v.is_error for v in info.value.violations)
    assert len(acme) == 0


def test_a_missing_last_name_does_not_hide_the_other_problems(acme: Account) -> None:
    with pytest.raises(PolicyViolationError) as info:
        acme.add_contact(first_name="Alice", reports_to="no-such-contact", email="nope")
    assert _codes(info) == ["email.invalid", "last_name.required", "reports_to.outside_account"]


def test_a_contact_id_is_unique_in_its_account(acme: Account) -> None:
    acme, _ = acme.add_contact(id="c-1", last_name="Martin")
    with pytest.raises(PolicyViolationError) as info:
        acme.add_contact(id="c-1", last_name="Durand")
    assert _codes(info) == ["id.duplicate"]
    assert acme.contact("c-1").last_name == "Martin"


@pytest.mark.parametrize("account_id", ["", "   ", " acc-1", "acc\n1", "x" * 65, 42])
def test_an_account_id_is_one_short_line(account_id: object) -> None:
    with pytest.raises(PolicyViolationError) as info:
        Account.create(name="ACME SA", id=account_id)  # type: ignore[arg-type]
    assert _codes(info) == ["id.invalid"]


@pytest.mark.parametrize("contact_id", ["", "   ", "x" * 65, "c-1\r\n", "c-\x001", 7])
def test_a_contact_id_is_one_short_line(acme: Account, contact_id: str) -> None:
    with pytest.raises(PolicyViolationError) as info:
        acme.add_contact(id=contact_id, last_name="Martin")
    assert _codes(info) == ["id.invalid"]


def test_a_10000_character_title_is_refused(acme: Account) -> None:
    with pytest.raises(PolicyViolationError) as info:
        acme.add_contact(last_name="Martin", title="CFO" * 3_334)
    assert _codes(info) == ["title.invalid"]


def test_flags_must_be_booleans_not_truthy_text(acme: Account) -> None:
    with pytest.raises(PolicyViolationError) as info:
        acme.add_contact(last_name="Martin", active="no", email_opt_out=1)
    assert _codes(info) == ["active.invalid", "email_opt_out.invalid"]


# ---------------------------------------------------------- update_contact


def test_update_contact_records_the_changed_fields_only(acme_team: Team) -> None:
    acme, alice, _, _ = acme_team
    after = acme.update_contact(
        alice.id, title="Chief Financial Officer", department="Finance", first_name="Alicia"
    )
    event = after.pending_events[-1]
    assert isinstance(event, ContactUpdated)
    assert event.contact_id == alice.id
    assert set(event.changes) == {
        FieldChange("title", "CFO", "Chief Financial Officer"),
        FieldChange("first_name", "Alice", "Alicia"),
    }
    changed = after.contact(alice.id)
    assert changed.full_name == "Alicia Martin"
    assert changed.salutation is Salutation.MS
    assert changed.updated_at >= alice.updated_at
    assert acme.contact(alice.id) == alice


def test_event_values_are_plain_data(acme_team: Team) -> None:
    acme, _, bob, _ = acme_team
    after = acme.update_contact(bob.id, salutation="M.", phone="06 12 34 56 78", email=None)
    changes = {c.field: c for c in after.pending_events[-1].changes}  # type: ignore[attr-defined]
    assert type(changes["salutation"].new) is str
    assert changes["salutation"].new == "Mr."
    assert changes["phone"].new == "+33612345678"
    assert (changes["email"].old, changes["email"].new) == ("bob@acme.fr", None)


def test_an_update_that_changes_nothing_returns_the_same_account_and_no_event(
    acme_team: Team,
) -> None:
    acme, alice, _, _ = acme_team
    assert acme.update_contact(alice.id, title="CFO", email="alice@ACME.FR") is acme


def test_clearing_the_last_name_is_refused(acme_team: Team) -> None:
    acme, alice, _, _ = acme_team
    with pytest.raises(PolicyViolationError) as info:
        acme.update_contact(alice.id, last_name="")
    assert _codes(info) == ["last_name.required"]


def test_a_refused_update_lists_a_bad_email_a_cycle_and_an_unknown_field_at_once(
    acme_team: Team,
) -> None:
    acme, alice, _, chloe = acme_team
    with pytest.raises(PolicyViolationError) as info:
        acme.update_contact(alice.id, email="alice@@acme.fr", reports_to=chloe.id, nickname="Ali")
    violations = {v.code: v for v in info.value.violations}
    assert set(violations) == {"email.invalid", "reports_to.cycle", "field.unknown"}
    assert {v.entity_id for v in violations.values()} == {alice.id}
    assert violations["email.invalid"].field == "email"
    assert violations["reports_to.cycle"].field == "reports_to"
    assert violations["field.unknown"].field == "nickname"
    assert acme.contact(alice.id) == alice


def test_a_contact_cannot_report_to_itself(acme_team: Team) -> None:
    acme, alice, _, _ = acme_team
    with pytest.raises(PolicyViolationError) as info:
        acme.update_contact(alice.id, reports_to=alice.id)
    assert "reports_to.self" in info.value.codes


def test_a_manager_must_be_a_contact_of_the_same_account(acme_team: Team) -> None:
    acme, alice, _, _ = acme_team
    globex, gina = Account.create(name="Globex").add_contact(last_name="Gina")
    with pytest.raises(PolicyViolationError) as info:
        acme.update_contact(alice.id, reports_to=gina.id)
    assert _codes(info) == ["reports_to.outside_account"]
    assert globex.contact(gina.id) == gina


def test_update_of_an_unknown_contact_is_a_lookup_error(acme: Account) -> None:
    with pytest.raises(LookupError) as missing:
        acme.update_contact("no-such-contact", title="CFO")
    assert isinstance(missing.value, NotFoundError)
    assert (missing.value.kind, missing.value.key) == ("Contact", "no-such-contact")
    with pytest.raises(NotFoundError) as info:
        acme.contact("no-such-contact")
    assert (info.value.kind, info.value.key) == ("Contact", "no-such-contact")


# ------------------------------------------------- deactivate / reactivate


def test_a_deactivated_contact_is_kept_but_inactive(acme_team: Team) -> None:
    acme, _, bob, _ = acme_team
    after = acme.deactivate_contact(bob.id)
    assert not after.contact(bob.id).active
    assert bob.id in after
    assert acme.contact(bob.id).active
    assert isinstance(after.pending_events[-1], ContactDeactivated)
    again = after.reactivate_contact(bob.id)
    assert again.contact(bob.id).active
    assert isinstance(again.pending_events[-1], ContactReactivated)


def test_deactivating_twice_records_one_event(acme_team: Team) -> None:
    acme, _, bob, _ = acme_team
    once = acme.deactivate_contact(bob.id)
    assert once.deactivate_contact(bob.id) is once
    assert acme.reactivate_contact(bob.id) is acme


@pytest.mark.parametrize("command", ["deactivate_contact", "reactivate_contact", "remove_contact"])
def test_commands_on_an_unknown_contact_raise_not_found(acme: Account, command: str) -> None:
    with pytest.raises(NotFoundError) as info:
        getattr(acme, command)("no-such-contact")
    assert (info.value.kind, info.value.key) == ("Contact", "no-such-contact")


# ------------------------------------------------------------ remove_contact


def test_a_contact_nobody_reports_to_can_be_removed(acme_team: Team) -> None:
    acme, _, bob, chloe = acme_team
    after = acme.remove_contact(chloe.id)
    assert chloe.id not in after
    assert after.direct_reports(bob.id) == []
    assert isinstance(after.pending_events[-1], ContactRemoved)
    assert chloe.id in acme


def test_removing_a_manager_is_refused_while_others_report_to_them(acme_team: Team) -> None:
    acme, _, bob, chloe = acme_team
    with pytest.raises(PolicyViolationError) as info:
        acme.remove_contact(bob.id)
    [violation] = info.value.violations
    assert (violation.code, violation.field, violation.entity_id) == (
        "contact.has_reports",
        "reports_to",
        bob.id,
    )
    assert "reassign_reports_to" in violation.message
    assert acme.contact(chloe.id).reports_to == bob.id


def test_removing_a_manager_reassigns_their_reports_in_the_same_call(acme_team: Team) -> None:
    acme, alice, bob, chloe = acme_team
    after = acme.remove_contact(bob.id, reassign_reports_to=alice.id)
    assert bob.id not in after
    assert after.contact(chloe.id).reports_to == alice.id
    assert [c.id for c in after.direct_reports(alice.id)] == [chloe.id]


def test_removing_a_manager_can_leave_their_reports_without_one(acme_team: Team) -> None:
    acme, _, bob, chloe = acme_team
    after = acme.remove_contact(bob.id, reassign_reports_to=None)
    assert after.contact(chloe.id).reports_to is None
    assert [n.contact.id for n in after.org_chart()][-1] == chloe.id


def test_a_report_promoted_in_place_of_the_removed_manager_takes_their_manager(
    acme_team: Team,
) -> None:
    acme, alice, bob, chloe = acme_team
    acme, david = acme.add_contact(last_name="Roux", first_name="David", reports_to=bob.id)
    after = acme.remove_contact(bob.id, reassign_reports_to=chloe.id)
    assert after.contact(chloe.id).reports_to == alice.id
    assert after.contact(david.id).reports_to == chloe.id


@pytest.mark.parametrize("target", ["removed", "ghost"])
def test_reassigning_to_the_removed_contact_or_a_stranger_is_refused(
    acme_team: Team, target: str
) -> None:
    acme, _, bob, chloe = acme_team
    new_manager = bob.id if target == "removed" else "no-such-contact"
    with pytest.raises(PolicyViolationError) as refused:
        acme.remove_contact(bob.id, reassign_reports_to=new_manager)
    [why] = refused.value.violations
    if target == "removed":
        assert (why.code, why.field, why.entity_id) == ("reports_to.account", "reports_to", bob.id)
    else:
        assert (why.code, why.field, why.entity_id) == (
            "reports_to.outside_account",
            "reports_to",
            chloe.id,
        )
    assert acme.contact(chloe.id).reports_to == bob.id


# ------------------------------------------------------------------ events


def test_events_are_recorded_in_order_until_committed(acme_team: Team) -> None:
    acme, alice, bob, chloe = acme_team
    after = acme.update_contact(bob.id, title="Head accountant").deactivate_contact(chloe.id)
    assert [e.name for e in after.pending_events] == [
        "AccountCreated",
        "ContactAdded",
        "ContactAdded",
        "ContactAdded",
        "ContactUpdated",
        "ContactDeactivated",
    ]
    assert all(e.aggregate_id == acme.id for e in after.pending_events)
    assert after.touched_contact_ids() == {alice.id, bob.id, chloe.id}
    assert after.account_fields_changed


def test_committed_sets_the_version_and_clears_the_events(acme_team: Team) -> None:
    acme, alice, bob, _ = acme_team
    saved = acme.committed(3)
    assert saved.version == 3
    assert saved.pending_events == ()
    assert saved.touched_contact_ids() == set()
    assert not saved.account_fields_changed
    assert dict(saved.contacts) == dict(acme.contacts)
    assert acme.version == 0
    assert len(acme.pending_events) == 4
    later = saved.update_contact(bob.id, title="Controller")
    assert later.version == 3
    assert later.touched_contact_ids() == {bob.id}
    assert not later.account_fields_changed
    assert alice.id not in later.touched_contact_ids()


def test_a_removed_contact_counts_as_touched(acme_team: Team) -> None:
    acme, _, _, chloe = acme_team
    assert acme.committed(1).remove_contact(chloe.id).touched_contact_ids() == {chloe.id}


# ------------------------------------------------------------ moving people


def test_a_released_contact_leaves_without_its_reports_to_links(acme_team: Team) -> None:
    acme, alice, bob, chloe = acme_team
    globex = Account.create(name="Globex Corporation")
    after, leaving, cut = acme.release_contact(bob.id, globex.id)
    assert bob.id not in after
    assert after.contact(chloe.id).reports_to is None
    assert (leaving.account_id, leaving.reports_to) == (globex.id, None)
    assert cut == [bob.id, chloe.id]
    arrived = globex.receive_contact(leaving, acme.id)
    assert arrived.contact(bob.id).account_id == globex.id
    assert arrived.contact(bob.id).email == bob.email
    assert alice.id in after


def test_a_contact_cannot_be_released_to_its_own_account(acme_team: Team) -> None:
    acme, alice, _, _ = acme_team
    with pytest.raises(PolicyViolationError) as info:
        acme.release_contact(alice.id, acme.id)
    [v] = info.value.violations
    assert (v.code, v.field, v.entity_id) == ("move.same_account", "account_id", alice.id)


# ------------------------------------------------------------------ revert


def test_revert_contact_puts_back_every_field_and_records_what_changed(acme_team: Team) -> None:
    account, alice, bob, _ = acme_team
    changed = account.update_contact(
        bob.id,
        title="Head of Accounts",
        email="b.durand@acme.fr",
        reports_to=None,
        first_name="Robert",
    )
    reverted = changed.revert_contact(bob)
    back = reverted.contact(bob.id)
    assert (back.title, back.email, back.reports_to, back.first_name) == (
        "Accountant",
        Email("bob@acme.fr"),
        alice.id,
        "Bob",
    )
    assert [c.id for c in reverted.direct_reports(alice.id)] == [bob.id]
    event = reverted.pending_events[-1]
    assert isinstance(event, ContactUpdated)
    assert {c.field for c in event.changes} == {"title", "email", "reports_to", "first_name"}


def test_revert_contact_refuses_what_would_break_the_chart(acme_team: Team) -> None:
    account, alice, bob, _ = acme_team
    without_alice = account.update_contact(bob.id, reports_to=None).remove_contact(alice.id)
    with pytest.raises(PolicyViolationError) as refused:
        without_alice.revert_contact(bob)  # Bob reported to Alice, who is gone
    assert _codes(refused) == ["reports_to.outside_account"]


def test_revert_contact_of_another_account_is_refused(acme_team: Team) -> None:
    account, _, bob, _ = acme_team
    globex = Account.create(name="Globex GmbH")
    globex, stranger = globex.add_contact(last_name="Weber", id=bob.id)
    with pytest.raises(PolicyViolationError) as refused:
        account.revert_contact(stranger)
    assert _codes(refused) == ["account_id.mismatch"]
