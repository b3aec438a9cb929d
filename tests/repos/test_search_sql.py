"""Search on the SQL engines reads what its results need, not every match.

The results themselves are compared with the reference on every backend by
the contract suite (``contactgraph.testing.contracts.search``); these tests
pin how the SQLite backend gets them: the statements it sends.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

import contactgraph as cg
from contactgraph.repos.keys import SEARCH_COUNT_LIMIT, search_needle
from contactgraph.repos.sql import statements as q


@pytest.fixture
def store(tmp_path: Path) -> Iterator[cg.Store]:
    with cg.open_store(f"sqlite:///{tmp_path / 'crm.sqlite'}") as opened:
        with opened.transaction():
            for n in range(3):
                account = cg.Account.create(name=f"Aumart {n} SA")
                for i in range(SEARCH_COUNT_LIMIT // 2 + 10):  # together past the bound
                    account, _ = account.add_contact(
                        last_name=f"Durand{n}{i:04d}", first_name="Ann", email=f"a{n}.{i}@acme.fr"
                    )
                opened.accounts.add(account)
        yield opened


def _sent(store: cg.Store) -> list[str]:
    """The SQL text of every statement the store sends from now on (a growing list)."""
    engine = store.backend.engine  # type: ignore[attr-defined]
    sent: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    return sent


def test_a_short_needle_past_the_bound_never_unites_its_prefix_ranges(store: cg.Store) -> None:
    sent = _sent(store)
    found = store.accounts.search("du", limit=5)
    assert (found.total, found.total_is_exact) == (SEARCH_COUNT_LIMIT, False)
    assert [c.last_name for c in found.contacts] == [f"Durand0{i:04d}" for i in range(5)]
    assert not [s for s in sent if "UNION" in s.upper()]  # the union of ranges is never read


def test_a_short_needle_under_the_bound_is_ranked_whole(store: cg.Store) -> None:
    sent = _sent(store)
    found = store.accounts.search("a2", limit=5)  # the emails of one account
    assert (found.total, found.total_is_exact) == (SEARCH_COUNT_LIMIT // 2 + 10, True)
    assert [s for s in sent if "UNION" in s.upper()]


def test_a_long_needle_past_the_bound_reads_no_more_than_its_limit(store: cg.Store) -> None:
    sent = _sent(store)
    found = store.accounts.search("durand", limit=3)
    assert (found.total, found.total_is_exact) == (SEARCH_COUNT_LIMIT, False)
    assert [c.last_name for c in found.contacts] == ["Durand00000", "Durand00001", "Durand00002"]
    fts = [s for s in sent if "contacts_fts MATCH" in s and "count(*)" not in s]
    assert fts == []  # the last-name range gave the best three: no trigram read beyond the count


def test_a_long_phrase_is_matched_by_its_rarest_trigrams_and_checked(store: cg.Store) -> None:
    sent = _sent(store)
    found = store.accounts.search("durand10007", limit=5)
    assert [c.last_name for c in found.contacts] == ["Durand10007"]
    assert any("instr(contacts_fts.search_key" in s for s in sent)
    needle = search_needle("durand10007")
    assert needle is not None
    seen = dict.fromkeys(q.trigrams_to_probe(needle), 100) | {"d10": 1, "007": 2}
    assert q.fts_match(needle, seen) == '("d10" AND "007")'


@given(
    phrase=st.text(alphabet="abcé\"' 1", min_size=6, max_size=12),
    counts=st.lists(st.integers(0, 5), min_size=12, max_size=12),
)
def test_the_trigrams_chosen_are_two_of_the_phrase_at_least_two_letters_apart_when_possible(
    phrase: str, counts: list[int]
) -> None:
    needle = search_needle(phrase)
    if needle is None or len(needle.phrases) != 1 or len(needle.text) < 6:
        return
    grams = [needle.text[i : i + 3] for i in range(len(needle.text) - 2)]
    seen = {g: counts[i % len(counts)] for i, g in enumerate(grams)}
    match = q.fts_match(needle, seen)
    chosen = [part.replace('""', '"') for part in match[2:-2].split('" AND "')]
    assert len(chosen) == 2
    assert all(g in grams for g in chosen)  # a match holds every one of them
    rarest = min(seen[g] for g in grams)
    assert seen[chosen[0]] == rarest
