"""AccountContactRelation: a contact's tie to an account it does not belong to."""

from __future__ import annotations

from datetime import date

import pytest

from contactgraph import AccountContactRelation, DecisionRole, PolicyViolationError


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (None, ()),
        ((), ()),
        ("Influencer;Evaluator", (DecisionRole.INFLUENCER, DecisionRole.EVALUATOR)),
        (["Decision Maker", DecisionRole.DECISION_MAKER], (DecisionRole.DECISION_MAKER,)),
    ],
)
def test_roles_are_read_from_none_text_or_a_list(
    roles: object, expected: tuple[DecisionRole, ...]
) -> None:
    relation = AccountContactRelation.create("globex", "alice", roles=roles)
    assert relation.roles == expected


@pytest.mark.parametrize("roles", [5, ["Chief Wizard"]])
def test_bad_roles_are_refused_naming_the_field(roles: object) -> None:
    with pytest.raises(PolicyViolationError) as refused:
        AccountContactRelation.create("globex", "alice", roles=roles)
    assert [(v.code, v.field) for v in refused.value.violations] == [("roles.invalid", "roles")]


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(PolicyViolationError) as refused:
        AccountContactRelation.create("", "alice", roles=5, start_date="31/12/2026")
    assert {v.code for v in refused.value.violations} == {
        "account_id.invalid",
        "roles.invalid",
        "start_date.invalid",
    }


def test_an_ended_relation_holds_only_between_its_dates() -> None:
    board_seat = AccountContactRelation.create(
        "globex", "alice", start_date=date(2025, 1, 1), title="Board member"
    ).end(date(2026, 6, 30))
    assert not board_seat.is_active
    assert board_seat.active_on(date(2026, 1, 15))
    assert not board_seat.active_on(date(2026, 7, 1))
    assert not board_seat.active_on(date(2024, 12, 31))
    with pytest.raises(PolicyViolationError) as info:
        board_seat.end(date(2024, 1, 1))
    [v] = info.value.violations
    assert (v.code, v.field, v.entity_id) == ("end_date.before_start", "end_date", board_seat.id)
