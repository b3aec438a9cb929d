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

import contactgraph as cg
from contactgraph.repos.keys import SEARCH_COUNT_LIMIT


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
    fts = [s for s in sent if "contacts_fts MATCH" in s]
    assert len(fts) == 1
    assert fts[0].startswith("SELECT count(*)")
    # the last-name range gave the best three: no trigram read beyond the bounded match


def test_a_long_needle_counts_its_fts_candidates_checked_in_sql(store: cg.Store) -> None:
    sent = _sent(store)
    found = store.accounts.search("durand10007", limit=5)
    assert [c.last_name for c in found.contacts] == ["Durand10007"]
    assert any("instr(contacts_fts.search_key" in s for s in sent)


def test_a_long_needle_with_few_matches_asks_the_trigram_index_once(store: cg.Store) -> None:
    sent = _sent(store)
    found = store.accounts.search("durand10007", limit=5)
    assert [c.last_name for c in found.contacts] == ["Durand10007"]
    assert len([s for s in sent if "contacts_fts MATCH" in s]) == 1  # its ids, then read by id
