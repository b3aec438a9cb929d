"""An account with many pending events pickles flat (no recursion through the event log)."""

from __future__ import annotations

import pickle

from contactgraph.domain import Account
from contactgraph.domain.events import EMPTY_LOG, EventLog


def test_account_with_20000_pending_events_round_trips_through_pickle() -> None:
    account = Account.create("ACME SA")
    for i in range(20_000):
        account, _ = account.add_contact(f"Name{i}")
    assert len(account.pending_events) == 20_001

    back = pickle.loads(pickle.dumps(account))

    assert back == account
    assert back.pending_events == account.pending_events
    assert dict(back.contacts) == dict(account.contacts)


def test_event_log_round_trip_keeps_order_and_size() -> None:
    account = Account.create("ACME SA")
    account, _ = account.add_contact("Martin")
    log = EventLog().append(account.pending_events[0]).append(account.pending_events[1])
    back = pickle.loads(pickle.dumps(log))
    assert list(back) == list(log)
    assert len(back) == 2
    assert not pickle.loads(pickle.dumps(EMPTY_LOG))
