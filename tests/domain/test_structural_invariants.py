"""Structural invariants, checked on accounts rebuilt from (corrupt) trusted data.

Commands can never produce these states (the property tests prove it); a store
or an importer that rebuilds an account from rows could, and ``check_structure``
is how they find out.
"""

from __future__ import annotations

import immutables
import pytest

from contactgraph import Account, Contact, PersonName, PolicyViolationError, Severity, policies
from contactgraph.domain import STRUCTURAL_INVARIANTS, Policy, check_structure

ACME = "acc-acme"


def _person(contact_id: str, last: str, reports_to: str | None = None, **kw: object) -> Contact:
    return Contact(
        id=contact_id,
        account_id=kw.pop("account_id", ACME),  # type: ignore[arg-type]
        name=PersonName.trusted(last),
        reports_to=reports_to,
        **kw,  # type: ignore[arg-type]
    )


def _codes(account: Account, ids: list[str] | None = None) -> list[tuple[str, str | None]]:
    return sorted((v.code, v.entity_id) for v in check_structure(account, ids))


def test_a_sound_account_has_no_violation() -> None:
    acme = Account.rehydrate(
        [_person("c-alice", "Martin"), _person("c-bob", "Durand", "c-alice")],
        id=ACME,
        name="ACME SA",
    )
    assert check_structure(acme) == []
    assert policies.StructuralInvariants().check(acme) == []


def test_a_reports_to_loop_is_found_from_each_contact_on_it() -> None:
    acme = Account.rehydrate(
        [
            _person("c-alice", "Martin", "c-bob"),
            _person("c-bob", "Durand", "c-alice"),
            _person("c-chloe", "Petit", "c-bob"),
        ],
        id=ACME,
        name="ACME SA",
    )
    assert _codes(acme) == [("reports_to.cycle", "c-alice"), ("reports_to.cycle", "c-bob")]
    [loop] = [v for v in check_structure(acme) if v.entity_id == "c-alice"]
    assert "c-alice -> c-bob -> c-alice" in loop.message


def test_a_manager_outside_the_account_and_a_self_manager_are_found() -> None:
    acme = Account.rehydrate(
        [_person("c-alice", "Martin", "c-gina"), _person("c-bob", "Durand", "c-bob")],
        id=ACME,
        name="ACME SA",
    )
    codes = _codes(acme)
    assert ("reports_to.outside_account", "c-alice") in codes
    assert ("reports_to.self", "c-bob") in codes


def test_a_contact_of_another_account_is_found() -> None:
    acme = Account.rehydrate(
        [_person("c-gina", "Gina", account_id="acc-globex")], id=ACME, name="ACME SA"
    )
    assert _codes(acme) == [("account_id.mismatch", "c-gina")]


def test_a_contact_held_under_another_id_is_found() -> None:
    acme = Account(
        id=ACME, name="ACME SA", contacts=immutables.Map({"c-1": _person("c-2", "Martin")})
    )
    assert _codes(acme) == [("id.mismatch", "c-2")]


def test_unvalidated_values_and_a_blank_name_are_found() -> None:
    acme = Account.rehydrate(
        [_person("c-alice", "", email="alice@", phone="0123")],
        id=ACME,
        name=" ",
    )
    assert _codes(acme) == [
        ("account_name.required", ACME),
        ("email.invalid", "c-alice"),
        ("last_name.required", "c-alice"),
        ("phone.invalid", "c-alice"),
    ]


def test_checking_some_contacts_checks_only_those() -> None:
    acme = Account.rehydrate(
        [_person("c-alice", "Martin", "c-gina"), _person("c-bob", "Durand")],
        id=ACME,
        name="ACME SA",
    )
    assert _codes(acme, ["c-bob"]) == []
    assert _codes(acme, ["c-alice"]) == [("reports_to.outside_account", "c-alice")]


def test_every_structural_invariant_is_an_error_level_policy() -> None:
    assert len({rule.name for rule in STRUCTURAL_INVARIANTS}) == len(STRUCTURAL_INVARIANTS) == 5
    for rule in STRUCTURAL_INVARIANTS:
        assert isinstance(rule, Policy)
        assert rule.severity == "error"


@pytest.mark.parametrize("bad_state", ["cycle", "outside"])
def test_a_command_on_a_corrupt_account_is_refused_when_it_touches_the_fault(
    bad_state: str,
) -> None:
    manager = "c-bob" if bad_state == "cycle" else "c-gina"
    acme = Account.rehydrate(
        [_person("c-alice", "Martin", manager), _person("c-bob", "Durand", "c-alice")],
        id=ACME,
        name="ACME SA",
    )
    with pytest.raises(PolicyViolationError) as info:
        acme.update_contact("c-alice", title="CFO")
    assert {v.field for v in info.value.violations} == {"reports_to"}


def test_hierarchy_queries_terminate_on_a_corrupt_cyclic_account() -> None:
    acme = Account.rehydrate(
        [
            _person("c-alice", "Martin", "c-bob"),
            _person("c-bob", "Durand", "c-alice"),
            _person("c-chloe", "Petit", "c-gina"),
        ],
        id=ACME,
        name="ACME SA",
    )
    assert [c.id for c in acme.reporting_chain("c-alice")] == ["c-bob"]
    assert [c.id for c in acme.all_reports("c-alice")] == ["c-bob"]
    assert acme.manager_of("c-chloe") is None
    assert acme.reporting_chain("c-chloe") == []


def test_a_faulty_contact_after_a_clean_or_missing_one_is_still_found() -> None:
    """Each rule goes on past a contact with nothing to report (``continue``, not ``break``)."""
    acme = Account.rehydrate(
        [
            _person("c-clean", "Martin"),
            _person("c-self", "Self", "c-self"),
            _person("c-away", "Away", "c-nobody"),
            _person("c-other", "Other", account_id="acc-globex"),
            Contact(id="c-noname", account_id=ACME, name=None, email="x"),  # type: ignore[arg-type]
        ],
        id=ACME,
        name="ACME SA",
    )
    order = ["c-missing", "c-clean", "c-self", "c-clean", "c-away", "c-other", "c-noname"]
    found = {(v.code, v.field, v.entity_id, v.policy) for v in check_structure(acme, order)}
    assert found == {
        ("reports_to.self", "reports_to", "c-self", "reports_to_inside_account"),
        ("reports_to.cycle", "reports_to", "c-self", "reports_to_acyclic"),
        ("reports_to.outside_account", "reports_to", "c-away", "reports_to_inside_account"),
        ("account_id.mismatch", "account_id", "c-other", "contact_identity"),
        ("last_name.required", "last_name", "c-noname", "contact_values"),
        ("email.invalid", "email", "c-noname", "contact_values"),
    }


def test_each_structural_violation_is_reported_whole() -> None:
    """Code, message, field, entity, severity and policy: import reports print them all."""
    held = Contact(id="c-held", account_id=ACME, name=PersonName.trusted("Held"))
    acme = Account(
        id=ACME,
        name="",
        contacts=immutables.Map(
            {
                "c-1": held,
                "c-other": _person("c-other", "Other", account_id="acc-globex"),
                "c-bad": _person("c-bad", "", email="bad@", phone="0123", mobile="0456"),
                "c-self": _person("c-self", "Self", "c-self"),
                "c-away": _person("c-away", "Away", "c-nobody"),
                "c-a": _person("c-a", "A", "c-b"),
                "c-b": _person("c-b", "B", "c-a"),
            }
        ),
    )
    error = Severity.ERROR
    assert sorted(
        (v.code, v.message, v.field, v.entity_id, v.severity, v.policy)
        for v in check_structure(acme)
    ) == [
        ("account_id.mismatch", f"belongs to account acc-globex, not {ACME}", "account_id",
         "c-other", error, "contact_identity"),
        ("account_name.required", "an account needs a name", "name", ACME, error,
         "account_name_required"),
        ("email.invalid", "not a validated email", "email", "c-bad", error, "contact_values"),
        ("id.mismatch", "held under id c-1", "id", "c-held", error, "contact_identity"),
        ("last_name.required", "a contact needs a last name", "last_name", "c-bad", error,
         "contact_values"),
        ("mobile.invalid", "not a validated phone", "mobile", "c-bad", error, "contact_values"),
        ("phone.invalid", "not a validated phone", "phone", "c-bad", error, "contact_values"),
        ("reports_to.cycle", "reports-to would form a cycle: c-a -> c-b -> c-a", "reports_to",
         "c-a", error, "reports_to_acyclic"),
        ("reports_to.cycle", "reports-to would form a cycle: c-b -> c-a -> c-b", "reports_to",
         "c-b", error, "reports_to_acyclic"),
        ("reports_to.cycle", "reports-to would form a cycle: c-self -> c-self", "reports_to",
         "c-self", error, "reports_to_acyclic"),
        ("reports_to.outside_account", f"reports to c-nobody, who is not a contact of account {ACME}",
         "reports_to", "c-away", error, "reports_to_inside_account"),
        ("reports_to.self", "a contact cannot report to itself", "reports_to", "c-self", error,
         "reports_to_inside_account"),
    ]  # fmt: skip


def test_an_account_name_that_is_not_text_is_reported() -> None:
    acme = Account.rehydrate([], id=ACME, name=5)  # type: ignore[arg-type]
    assert _codes(acme) == [("account_name.required", ACME)]
    assert check_structure(Account.rehydrate([], id=ACME, name=" ACME ")) == []


def test_a_chain_into_a_loop_reports_the_loop_only_once_per_member() -> None:
    """Chloé reports into the Alice-Bob loop but is not on it: only its members are reported."""
    acme = Account.rehydrate(
        [
            _person("c-chloe", "Petit", "c-bob"),
            _person("c-alice", "Martin", "c-bob"),
            _person("c-bob", "Durand", "c-alice"),
            _person("c-dan", "Abel", "c-chloe"),
        ],
        id=ACME,
        name="ACME SA",
    )
    ids = ["c-dan", "c-chloe", "c-alice", "c-bob"]
    assert _codes(acme, ids) == [("reports_to.cycle", "c-alice"), ("reports_to.cycle", "c-bob")]
