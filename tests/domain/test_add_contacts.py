"""``Account.add_contacts``: many rows in one command, exactly what one-by-one adds give.

The property runs the same rows through ``add_contact`` one at a time (a
refused row leaving the account as it was) and through ``add_contacts``, with
ids drawn from a small pool so they collide with stored contacts and with
each other, managers that are stored, earlier in the batch, later in it, the
row itself or nobody, bad fields and bad regions. Both must give the same
contacts, reports index, events, and per row the same contact or the same
refusal (type, violations and message). Ids and times come from counters, so
rows without an id get the same one both ways, and the times must agree too.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contactgraph import Account, PolicyViolationError
from contactgraph.domain import Contact
from contactgraph.errors import ContactGraphError, InvalidValueError
from contactgraph.testing import strategies as cgst

POOL = [f"c{n}" for n in range(8)]
"""Explicit ids rows may give; ``c0``..``c2`` are already contacts of the account."""
EPOCH = datetime(2027, 1, 1, tzinfo=UTC)


@contextmanager
def counted_ids() -> Iterator[None]:
    counter = itertools.count(1)
    ticks = itertools.count(1)

    def fake() -> str:
        return f"gen-{next(counter)}"

    def clock() -> datetime:
        return EPOCH + timedelta(seconds=next(ticks))

    with (
        mock.patch("contactgraph.domain.account.new_id", fake),
        mock.patch("contactgraph.domain.placing.new_id", fake),
        mock.patch("contactgraph.domain.account.utcnow", clock),
        mock.patch("contactgraph.domain.placing.utcnow", clock),
    ):
        yield


def base_account() -> Account:
    acme = Account.create("ACME SA", billing_address={"country": "France"})
    acme, boss = acme.add_contact("Martin", id="c0", first_name="Alice", title="CFO")
    acme, _ = acme.add_contact("Durand", id="c1", reports_to=boss.id)
    acme, _ = acme.add_contact("Nguyen", id="c2")
    return acme.committed(1)


def one_by_one(account: Account, rows: list[dict[str, Any]]) -> tuple[Account, list[Any]]:
    results: list[Any] = []
    for row in rows:
        try:
            account, contact = account.add_contact(**row)
        except ContactGraphError as exc:
            results.append(exc)
        else:
            results.append(contact)
    return account, results


def contact_state(c: Contact) -> tuple[Any, ...]:
    return tuple((a.name, getattr(c, a.name)) for a in attrs.fields(Contact))


def account_state(account: Account) -> tuple[Any, ...]:
    contacts = sorted((cid, contact_state(c)) for cid, c in account.contacts.items())
    reports = sorted(
        (cid, sorted(r.id for r in account.direct_reports(cid))) for cid in account.contacts
    )
    events = [
        (type(e).__name__, getattr(e, "contact_id", None), e.aggregate_id, e.occurred_at)
        for e in account.pending_events
    ]
    own = (account.id, account.version, account.created_at, account.updated_at)
    return own, tuple(contacts), tuple(reports), tuple(events)


def result_state(result: Any) -> Any:
    if isinstance(result, Contact):
        return "contact", contact_state(result)
    assert isinstance(result, ContactGraphError)
    violations = getattr(result, "violations", None)
    return type(result).__name__, str(result), repr(violations)


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    fields = draw(st.one_of(cgst.contact_fields(), cgst.invalid_contact_fields()))
    row: dict[str, Any] = dict(fields)
    who = draw(st.sampled_from(["generated", "pool", "bad"]))
    if who == "pool":
        row["id"] = draw(st.sampled_from(POOL))
    elif who == "bad":
        row["id"] = draw(st.sampled_from(["", " c9", "a\u200bb"]))
    manager = draw(st.sampled_from([None, None, "pool", "self", "ghost"]))
    if manager == "pool":
        row["reports_to"] = draw(st.sampled_from(POOL))
    elif manager == "self":
        row["reports_to"] = row.get("id", "gen-1")
    elif manager == "ghost":
        row["reports_to"] = "nobody-here"
    if draw(st.integers(0, 9)) == 0:
        row["phone_region"] = draw(st.sampled_from(["US", "fr", "FRANCE", 33]))
    return row


@settings(max_examples=300, deadline=None)
@given(st.lists(rows(), max_size=12))
def test_add_contacts_gives_what_one_by_one_adds_give(batch: list[dict[str, Any]]) -> None:
    start = base_account()
    before = account_state(start)
    with counted_ids():
        expected, expected_results = one_by_one(start, [dict(r) for r in batch])
    with counted_ids():
        got, got_results = start.add_contacts(batch)
    assert account_state(got) == account_state(expected)
    assert [result_state(r) for r in got_results] == [result_state(r) for r in expected_results]
    assert account_state(start) == before  # the command changed nothing it was called on


def test_a_refused_row_is_told_by_its_position_and_the_others_land() -> None:
    acme = base_account()
    acme, results = acme.add_contacts(
        [
            {"last_name": "Dubois", "email": "marie@acme.fr", "id": "c5"},
            {"last_name": "Kowalski", "email": "not an address"},
            {"last_name": "Smith", "reports_to": "c5"},
            {"last_name": "García", "id": "c0"},
        ]
    )
    assert [type(r).__name__ for r in results] == [
        "Contact",
        "PolicyViolationError",
        "Contact",
        "PolicyViolationError",
    ]
    bad_email, taken = results[1], results[3]
    assert isinstance(bad_email, PolicyViolationError)
    assert [v.code for v in bad_email.violations] == ["email.invalid"]
    assert isinstance(taken, PolicyViolationError)
    assert [v.code for v in taken.violations] == ["id.duplicate"]
    assert sorted(c.name.last for c in acme.contacts.values()) == [
        "Dubois",
        "Durand",
        "Martin",
        "Nguyen",
        "Smith",
    ]
    assert [c.id for c in acme.direct_reports("c5")] == [results[2].id]  # type: ignore[union-attr]


def test_a_manager_later_in_the_batch_is_refused_as_one_by_one() -> None:
    acme = base_account()
    acme, results = acme.add_contacts(
        [{"last_name": "Smith", "reports_to": "c6"}, {"last_name": "Boss", "id": "c6"}]
    )
    assert isinstance(results[0], PolicyViolationError)
    assert [v.code for v in results[0].violations] == ["reports_to.outside_account"]
    assert isinstance(results[1], Contact)


def test_a_bad_region_is_the_error_add_contact_raises() -> None:
    _, results = base_account().add_contacts([{"last_name": "Smith", "phone_region": "FRANCE"}])
    assert isinstance(results[0], InvalidValueError)


def test_no_rows_is_the_same_account() -> None:
    acme = base_account()
    assert acme.add_contacts([]) == (acme, [])


@pytest.mark.parametrize("rows", ["Martin", {"last_name": "Martin"}, [["Martin"]], [{1: "x"}], 7])
def test_rows_that_are_not_keyword_mappings_are_refused_as_a_whole(rows: Any) -> None:
    with pytest.raises(InvalidValueError, match="keyword arguments") as caught:
        base_account().add_contacts(rows)
    assert caught.value.field == "rows"
