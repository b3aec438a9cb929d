"""When :class:`~contactgraph.repos.sql.statistics.PlannerStatistics` runs ``ANALYZE``.

At :data:`~contactgraph.repos.sql.statistics.FIRST` contact rows, then each time
the rows written grew :data:`~contactgraph.repos.sql.statistics.GROWTH` times:
the planner's figures are never more than that many times behind the rows,
and a transaction analyses a number of times logarithmic in what it writes.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from contactgraph.repos.sql import statistics
from contactgraph.repos.sql.statistics import FIRST, GROWTH, PlannerStatistics


class _Counting(PlannerStatistics):
    """Notes the rows written at each ``ANALYZE`` instead of running it."""

    def __init__(self, dialect: str) -> None:
        super().__init__(dialect)
        self.at: list[int] = []

    def _analyze(self, conn: Any) -> None:
        self.at.append(self.written)


@given(st.lists(st.integers(0, 30_000), max_size=60))
def test_analyze_follows_the_rows_within_growth_times(saves: list[int]) -> None:
    stats = _Counting("postgresql")
    for rows in saves:
        stats.grew(None, rows)  # type: ignore[arg-type]
        if stats.written < FIRST:
            assert stats.at == []
        else:
            assert stats.at, stats.written
            assert stats.at[-1] * GROWTH > stats.written  # never GROWTH times behind
            assert stats.at[0] >= FIRST
    assert stats.written == sum(saves)
    assert all(later >= earlier * GROWTH for earlier, later in itertools.pairwise(stats.at))
    if stats.written >= FIRST:
        assert len(stats.at) <= 1 + math.log(stats.written / FIRST, GROWTH) + 1e-9


def test_a_million_rows_in_saves_of_2000_analyze_four_times() -> None:
    stats = _Counting("postgresql")
    for _ in range(500):
        stats.grew(None, 2000)  # type: ignore[arg-type]
    assert stats.at == [6000, 24000, 96000, 384000]
    assert statistics.GROWTH == 4


def test_sqlite_never_analyzes() -> None:
    stats = _Counting("sqlite")
    stats.grew(None, 10 * FIRST)  # type: ignore[arg-type]
    assert stats.at == []
