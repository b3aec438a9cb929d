"""Consent: nobody who opted out of email or calls is on a campaign or a call list."""

from __future__ import annotations

from typing import Any

import pytest
from graphkit import Crm, SpyStore
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import contactgraph as cg
from contactgraph.graph import call_list
from contactgraph.testing.strategies import accounts


def _names(found: Any) -> list[str]:
    return [c.full_name for c in found]


def _phoned(store: Any, crm: Crm) -> None:
    """Give ACME's people and Globex's phones; Bob asks not to be called."""
    acme = store.accounts.get(crm.acme)
    acme = acme.update_contact(crm.alice, phone="+33 1 23 45 67 89")
    acme = acme.update_contact(crm.bob, mobile="+33 6 12 34 56 78", do_not_call=True)
    acme = acme.update_contact(crm.carol, phone="+33 1 99 99 99 99")  # inactive
    store.accounts.save(acme)
    globex = store.accounts.get(crm.globex)
    globex = globex.update_contact(crm.dan, mobile="+1 212 555 0100")
    store.accounts.save(globex)


def test_a_call_list_leaves_out_who_asked_not_to_be_called(store: Any, crm: Crm) -> None:
    _phoned(store, crm)
    found = store.call_list([crm.acme, crm.globex])
    assert _names(found) == ["Alice Martin", "Dan Smith"]
    assert crm.bob not in found
    assert {(s.contact.full_name, s.reason) for s in found.skipped} == {
        ("Bob Durand", "asked not to be called"),
        ("Carol Petit", "inactive"),
        ("Erin Stone", "no phone number"),
    }
    assert [(c.full_name, p.e164) for c, p in found.numbers] == [
        ("Alice Martin", "+33123456789"),
        ("Dan Smith", "+12125550100"),
    ]
    assert [a.name for a in found.accounts] == ["ACME SA", "Globex"]


def test_a_call_list_reads_contacts_again_and_names_unknown_targets(store: Any, crm: Crm) -> None:
    _phoned(store, crm)
    stale = store.accounts.get(crm.acme).contact(crm.alice)
    acme = store.accounts.get(crm.acme).update_contact(crm.alice, do_not_call=True)
    store.accounts.save(acme)
    assert _names(store.call_list([stale])) == []
    with pytest.raises(cg.PolicyViolationError) as caught:
        store.call_list([crm.dan, "nobody"])
    assert caught.value.codes == {"call_list.unknown_target"}
    with pytest.raises(cg.PolicyViolationError, match="at least one"):
        store.call_list([])
    with pytest.raises(cg.InvalidValueError):
        store.call_list(None)


def test_a_call_list_costs_a_bounded_number_of_calls(store: Any, crm: Crm) -> None:
    _phoned(store, crm)
    spy = SpyStore(store)
    call_list(spy, [crm.acme, crm.globex, crm.alice, crm.dan])
    assert spy.total <= 3


_SETTINGS = settings(max_examples=20, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(st.lists(accounts(max_contacts=6, max_commands=6), min_size=1, max_size=3), st.data())
def test_no_opted_out_contact_is_ever_on_a_campaign_or_call_list(
    generated: list[cg.Account], data: st.DataObject
) -> None:
    store = cg.open_store()
    stored = [store.accounts.add(a) for a in generated]
    people = [c for a in stored for c in a.contacts.values()]
    targets: list[Any] = data.draw(
        st.lists(st.sampled_from([*stored, *people]), min_size=1, max_size=6), label="targets"
    )
    calls = store.call_list(targets)
    assert not [c for c in calls if c.do_not_call or not c.active]
    try:
        campaign = store.start_campaign(targets)
    except cg.PolicyViolationError:
        return  # an account nobody can receive mail at: refused, so nobody is mailed
    assert not [c for c in campaign if c.email_opt_out or not c.active]
