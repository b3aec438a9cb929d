"""PostgreSQL reads the last history ``seq`` of a save's records in one array statement.

:meth:`SqlHistory._last_pg` (one ``unnest`` of the ids, a seek per id) replaces the
100-subquery statement :func:`_last_sql` still used on SQLite. They must find the
same numbers: for records with a long history, records never seen, and a contact
id that was deleted and taken again (its history goes on where it stopped).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import contactgraph as cg

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def filled(postgres_url: str) -> Iterator[tuple[Any, list[str]]]:
    """A store with accounts and contacts of 1 to 4 history rows, one id reused; its ids."""
    with cg.open_store(postgres_url, tenant=f"t{uuid.uuid4().hex}") as store:
        acme = cg.Account.create(name="ACME SA")
        ids: list[str] = []
        for i in range(30):
            acme, contact = acme.add_contact(last_name=f"Martin{i}")
            ids.append(contact.id)
        acme = store.accounts.add(acme)
        for round_ in range(3):
            for cid in ids[: 10 * (round_ + 1)]:
                acme = acme.update_contact(cid, title=f"T{round_}")
            acme = store.accounts.save(acme)
        reused = ids[0]
        acme = store.accounts.save(acme.remove_contact(reused, reassign_reports_to=None))
        acme, _ = acme.add_contact(last_name="Again", id=reused)
        acme = store.accounts.save(acme)
        yield store, [acme.id, *ids]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_the_array_statement_finds_what_the_subqueries_find(
    filled: tuple[Any, list[str]], data: st.DataObject
) -> None:
    store, known = filled
    unknown = data.draw(st.lists(st.uuids().map(str), max_size=5))
    picked = data.draw(st.lists(st.sampled_from(known), max_size=len(known), unique=True))
    ids = list(dict.fromkeys(picked + unknown))
    fast, slow = store._read(
        lambda s: (s.history._last_pg(ids), s.history._last("postgresql", ids))
    )
    assert fast == slow
    assert set(fast) == set(picked)


def test_a_reused_id_goes_on_numbering_its_history(filled: tuple[Any, list[str]]) -> None:
    store, known = filled
    actions = {c.seq: c.action for c in store.history.of(known[1])}
    assert actions == {
        1: "created",
        2: "updated",
        3: "updated",
        4: "updated",
        5: "deleted",
        6: "created",  # the same id taken again: its history goes on
    }
