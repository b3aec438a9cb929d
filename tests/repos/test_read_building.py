"""``rows.built``: entities of many rows are built with the garbage collector paused, and
the collector is left as it was found, whatever happens."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from contactgraph.repos import rows

_TABLE = sa.Table("people", sa.MetaData(), sa.Column("id", sa.String), sa.Column("name", sa.String))


def _recording(seen: list[bool], *, fail_at: str | None = None) -> rows.Reader[tuple[str, str]]:
    def person(id: str, name: str) -> tuple[str, str]:
        seen.append(gc.isenabled())
        if id == fail_at:
            raise ValueError(id)
        return id, name

    return rows.Reader(_TABLE, person)


def _rows(n: int) -> list[tuple[str, str]]:
    return [(f"c{i}", f"Alice Martin {i}") for i in range(n)]


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()


def test_many_rows_are_built_with_the_collector_paused_then_running_again() -> None:
    seen: list[bool] = []
    many = _rows(rows.PAUSE_COLLECTOR_FROM)
    assert rows.built(_recording(seen), many) == many
    assert seen == [False] * len(many)
    assert gc.isenabled()


def test_few_rows_leave_the_collector_alone() -> None:
    seen: list[bool] = []
    few = _rows(rows.PAUSE_COLLECTOR_FROM - 1)
    assert rows.built(_recording(seen), few) == few
    assert seen == [True] * len(few)


def test_a_collector_paused_by_the_caller_stays_paused() -> None:
    gc.disable()
    rows.built(_recording([]), _rows(rows.PAUSE_COLLECTOR_FROM))
    assert not gc.isenabled()


def test_the_collector_runs_again_when_a_build_fails() -> None:
    seen: list[bool] = []
    with pytest.raises(ValueError, match="c7"):
        rows.built(_recording(seen, fail_at="c7"), _rows(rows.PAUSE_COLLECTOR_FROM))
    assert seen == [False] * 8
    assert gc.isenabled()
