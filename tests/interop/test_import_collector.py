"""An import runs with fewer young garbage collections, and gives the caller's threshold back.

The importer raises the young generation's threshold while it runs
(``contactgraph.interop.collector``: ~15 % of an import's CPU time went to
the collector). These tests hold the setting to its contract: raised during
the import, the caller's put back after it (a success, a rejected import,
overlapping imports), automatic collection left off when the caller turned
it off, and reference cycles still collected meanwhile.
"""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

import contactgraph as cg
from contactgraph.errors import ImportRejectedError
from contactgraph.interop import import_csv
from contactgraph.interop.collector import IMPORT_THRESHOLD, fewer_collections

CALLER = (1234, 11, 12)


@pytest.fixture
def caller_threshold() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(*CALLER)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _files(tmp_path: Path, bad_row: bool = False) -> list[Path]:
    accounts = tmp_path / "Account.csv"
    contacts = tmp_path / "Contact.csv"
    accounts.write_text("Id,Name,BillingCountry\n001000000000000001,Acme,France\n")
    rows = [f"003{n:015d},001000000000000001,Name{n},p{n}@acme.example" for n in range(1, 6)]
    if bad_row:
        rows.append("003000000000000099,001000000000000001,Bad,not an address")
    contacts.write_text("Id,AccountId,LastName,Email\n" + "\n".join(rows) + "\n")
    return [accounts, contacts]


def test_an_import_raises_the_threshold_and_puts_the_callers_back(
    tmp_path: Path, caller_threshold: None
) -> None:
    seen: list[tuple[int, int, int]] = []
    with cg.open_store("memory://") as store:
        report = import_csv(
            store, _files(tmp_path), progress=lambda done, total: seen.append(gc.get_threshold())
        )
    assert report.ok
    *during, last = seen  # the last progress call comes after the transaction
    assert during
    assert all(t == (IMPORT_THRESHOLD, 11, 12) for t in during)
    assert last == CALLER
    assert gc.get_threshold() == CALLER


def test_a_rejected_import_puts_the_callers_threshold_back(
    tmp_path: Path, caller_threshold: None
) -> None:
    with cg.open_store("memory://") as store, pytest.raises(ImportRejectedError):
        import_csv(store, _files(tmp_path, bad_row=True))
    assert gc.get_threshold() == CALLER


def test_a_higher_threshold_of_the_caller_is_kept() -> None:
    before = gc.get_threshold()
    gc.set_threshold(IMPORT_THRESHOLD * 3, 10, 10)
    try:
        with fewer_collections():
            assert gc.get_threshold()[0] == IMPORT_THRESHOLD * 3
    finally:
        gc.set_threshold(*before)


def test_automatic_collection_switched_off_stays_off() -> None:
    before = gc.get_threshold()
    gc.set_threshold(0)
    try:
        with fewer_collections():
            assert gc.get_threshold()[0] == 0
        assert gc.get_threshold()[0] == 0
    finally:
        gc.set_threshold(*before)


def test_overlapping_imports_restore_once_the_last_ends(caller_threshold: None) -> None:
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    during: list[int] = []

    def first() -> None:
        with fewer_collections():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with fewer_collections():
            second_in.set()
            first_out.wait(5)
            during.append(gc.get_threshold()[0])  # the first has ended; this one still runs

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert during == [IMPORT_THRESHOLD]
    assert gc.get_threshold() == CALLER


class _Node:
    def __init__(self) -> None:
        self.me = self


def test_cycles_are_still_collected_during_an_import(caller_threshold: None) -> None:
    with fewer_collections():
        cycle = _Node()
        gone = weakref.ref(cycle)
        del cycle
        kept = [[] for _ in range(IMPORT_THRESHOLD * 2)]  # net allocations: a young collection
        assert gone() is None
        assert len(kept) == IMPORT_THRESHOLD * 2
