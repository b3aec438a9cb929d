"""Fewer young garbage collections while an import runs.

An import makes a dozen short-lived objects the cyclic garbage collector
tracks for every row (the mapped record, the contact and its values, the
account's new maps, the rows written), and keeps the accounts it is filling
alive across a batch. With CPython's default threshold (a young collection
every 700 net allocations) the collector ran every few rows and promoted
those live objects into older generations, whose collections then walked
them again: about 15 % of an import's CPU time (20,000 contacts into SQLite,
350 -> 290 µs a contact).

:func:`fewer_collections` raises the young generation's threshold for the
time of an import and puts the caller's back after. The collector still
runs, and still frees the reference cycles an import leaves (a refused row's
exception and its traceback), every :data:`IMPORT_THRESHOLD` allocations
instead of every 700. Imports that overlap (threads) share one setting: the
first to start raises it, the last to end restores it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["IMPORT_THRESHOLD", "fewer_collections"]

IMPORT_THRESHOLD = 50_000
"""Net allocations between two young collections while an import runs."""


class _Setting:
    """The one raised threshold that overlapping imports share."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.saved: tuple[int, int, int] | None = None

    def enter(self) -> None:
        with self.lock:
            if self.running == 0:
                self.saved = gc.get_threshold()
                young, *older = self.saved
                if young:  # 0: the caller switched automatic collection off; so it stays
                    gc.set_threshold(max(young, IMPORT_THRESHOLD), *older)
            self.running += 1

    def leave(self) -> None:
        with self.lock:
            self.running -= 1
            if self.running == 0 and self.saved is not None:
                gc.set_threshold(*self.saved)
                self.saved = None


_SETTING = _Setting()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Within the block, young collections run every :data:`IMPORT_THRESHOLD` allocations
    (or less often, if the caller's threshold already says so; a threshold of 0, no
    automatic collection, is left as it is)."""
    _SETTING.enter()
    try:
        yield
    finally:
        _SETTING.leave()
