"""Properties of the Account aggregate under any sequence of valid and invalid commands.

1. No aggregate with an error-level violation can be obtained.
2. A refused command leaves the aggregate as it was.
3. The reports-to graph is always a forest (checked here by our own walk).
4. A command never changes the aggregate it was called on.
"""

from __future__ import annotations

import string
from typing import Any

import attrs
import pytest
from hypothesis import assume, event, given, note
from hypothesis import strategies as st

from contactgraph import Account, NotFoundError, PolicyViolationError, policies
from contactgraph.domain import check_structure
from contactgraph.testing import strategies as cgst

RULES = policies.default()


def snapshot(account: Account) -> tuple[Any, ...]:
    """Everything observable about an account, copied out so later changes would show."""
    own = tuple(
        (a.name, getattr(account, a.name)) for a in attrs.fields(Account) if a.alias == a.name
    )
    contacts = sorted(
        (cid, attrs.astuple(c, recurse=False), c.name.full) for cid, c in account.contacts.items()
    )
    return own, tuple(contacts), len(account.pending_events)


def assert_forest(account: Account) -> None:
    """Every manager is a contact here, and walking up from anyone ends at a root."""
    parent = {cid: c.reports_to for cid, c in account.contacts.items()}
    for start, manager in parent.items():
        seen = {start}
        node = manager
        while node is not None:
            assert node in parent, f"{start} reports up to {node}, not a contact of the account"
            assert node not in seen, f"reports-to loops back to {node} from {start}"
            seen.add(node)
            node = parent[node]


def assert_index_agrees(account: Account) -> None:
    """Direct reports, the org chart and the contacts tell the same story."""
    for cid in account.contacts:
        expected = sorted(c.id for c in account.contacts.values() if c.reports_to == cid)
        assert sorted(c.id for c in account.direct_reports(cid)) == expected
    walked = [c.id for root in account.org_chart() for _, c in root.walk()]
    assert sorted(walked) == sorted(account.contacts)


def attempt(account: Account, command: cgst.ContactCommand) -> Account | Exception:
    """The new account, or the refusal (policy violation or unknown contact)."""
    try:
        return cgst.apply_command(account, command)
    except (PolicyViolationError, NotFoundError) as refused:
        return refused


def assert_sound(account: Account) -> None:
    assert check_structure(account) == []
    assert [v for v in RULES.check(account) if v.is_error] == []
    assert_forest(account)
    assert_index_agrees(account)


@given(
    start=cgst.accounts(max_contacts=6, max_commands=0),
    commands=st.lists(cgst.account_commands(), max_size=25),
)
def test_any_command_sequence_keeps_the_account_sound_and_never_mutates(
    start: Account, commands: list[cgst.ContactCommand]
) -> None:
    account = start
    assert_sound(account)
    for command in commands:
        previous, before = account, snapshot(account)
        outcome = attempt(previous, command)
        if isinstance(outcome, Account):
            event(f"{command.kind} done")
            account = outcome
            assert_sound(account)
            if account is not previous:
                assert len(account.pending_events) > len(previous.pending_events)
        else:
            event(f"{command.kind} refused ({type(outcome).__name__})")
            note(f"refused {command}: {outcome}")
            assert isinstance(outcome, NotFoundError) or (
                isinstance(outcome, PolicyViolationError) and outcome.errors
            )
            if isinstance(outcome, PolicyViolationError):
                assert all(v.code and v.message for v in outcome.violations)
        # Refused or not, the account the command ran on is exactly as it was.
        assert snapshot(previous) == before
    event(f"{len(account)} contacts at the end")
    assert_sound(account)


@given(cgst.accounts(max_contacts=8, max_commands=8), st.data())
def test_a_refused_command_reports_the_contact_it_was_about(
    account: Account, data: st.DataObject
) -> None:
    command = data.draw(cgst.account_commands())
    outcome = attempt(account, command)
    if isinstance(outcome, PolicyViolationError):
        if command.kind == "add_contact":
            ids = {v.entity_id for v in outcome.violations if v.field != "id"}
            assert ids <= {command.contact_id}
        elif command.kind != "update":
            assert all(v.entity_id is not None for v in outcome.violations)
    elif isinstance(outcome, NotFoundError):
        assert outcome.kind == "Contact"


@given(cgst.accounts(max_contacts=8, max_commands=4), cgst.contact_fields())
def test_adding_a_valid_contact_always_succeeds_and_keeps_the_rest(
    account: Account, fields: dict[str, Any]
) -> None:
    after, added = account.add_contact(**fields)
    assert len(after) == len(account) + 1
    assert after.contact(added.id) == added
    assert {cid: after.contact(cid) for cid in account.contacts} == dict(account.contacts)
    assert after.find_contacts(name=fields["last_name"]).count(added) == 1
    if "email" in fields:
        assert added in after.find_contacts(email=_ascii_upper(fields["email"]))


@given(cgst.accounts(min_contacts=1, max_contacts=10, max_commands=0), st.data())
def test_pointing_a_contact_at_one_of_its_own_reports_is_always_refused(
    account: Account, data: st.DataObject
) -> None:
    managers = [cid for cid in sorted(account.contacts) if account.all_reports(cid)]
    assume(managers)
    manager = data.draw(st.sampled_from(managers))
    below = data.draw(st.sampled_from([c.id for c in account.all_reports(manager)]))
    with pytest.raises(PolicyViolationError) as refused:
        account.update_contact(manager, reports_to=below)
    assert "reports_to.cycle" in refused.value.codes


def _ascii_upper(text: str) -> str:
    """Upper-case ASCII letters only: the case difference email look-ups ignore."""
    return text.translate(str.maketrans(string.ascii_lowercase, string.ascii_uppercase))
