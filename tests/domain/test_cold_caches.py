"""The caches mutation testing empties: every cached function above mutated code."""

from __future__ import annotations

import pytest

import contactgraph as cg
from coldcaches import caches, clear_under_mutation
from contactgraph.domain import phones


def _warm() -> None:
    assert cg.Phone.unverified("01 44 27 44 27").same_number(cg.Phone("+33144274427"))
    assert cg.Phone("+33144274427").in_region("FR")


def test_every_phone_cache_is_found() -> None:
    names = {f.__name__ for f in caches()}
    assert names >= {"_placed", "_national_digits", "_front_digits", "_parsed", "_read_in"}


def test_they_are_emptied_only_under_a_mutant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MUTANT_UNDER_TEST", raising=False)
    _warm()
    assert not clear_under_mutation()
    assert phones._parsed.cache_info().currsize > 0
    monkeypatch.setenv("MUTANT_UNDER_TEST", "contactgraph.domain.phones.x__parsed__mutmut_1")
    assert clear_under_mutation()
    assert all(f.cache_info().currsize == 0 for f in caches())
