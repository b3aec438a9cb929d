"""Building entities from rows: the :class:`Reader` of a table, and :func:`built`,
which builds many rows with the cyclic garbage collector paused.

:mod:`contactgraph.repos.rows` declares the readers of each table with these.
"""

from __future__ import annotations

import gc
import inspect
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

__all__ = ["PAUSE_COLLECTOR_FROM", "Reader", "built"]

T_co = TypeVar("T_co", covariant=True)


class Reader(Generic[T_co]):
    """Builds an entity from the columns named by the positional parameters of ``build``.

    Attributes:
        columns: The table's columns to SELECT, in the order ``build`` takes them.
        at: Column name -> its position in a row read with :attr:`columns`.
    """

    def __init__(self, table: sa.Table, build: Callable[..., T_co]) -> None:
        params = inspect.signature(build).parameters.values()
        names = [p.name for p in params if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
        self.columns: tuple[sa.Column[Any], ...] = tuple(table.c[n] for n in names)
        self.at: dict[str, int] = {n: i for i, n in enumerate(names)}
        self.build = build

    def __repr__(self) -> str:
        return f"Reader({self.build.__name__}, {len(self.columns)} columns)"


PAUSE_COLLECTOR_FROM = 1000
"""From this many rows, :func:`built` pauses the cyclic garbage collector while it builds."""


def built(reader: Reader[T_co], found_rows: Sequence[Sequence[Any]]) -> list[T_co]:
    """``reader.build(*row)`` of each row, the garbage collector paused for many rows.

    Each contact is five or six objects the collector tracks, all alive until
    the read returns: building thousands of them sets off the collector's
    young collections, which promote them, and soon a full collection of
    everything the process holds (on a heap of a few hundred thousand
    objects, several times the cost of the building itself). Built values
    hold no reference cycles, so the collector has nothing to find in them:
    it is paused while they are built (and only if it was running), and the
    ones the caller drops soon after are freed without ever being promoted.
    """
    build = reader.build
    if len(found_rows) < PAUSE_COLLECTOR_FROM or not gc.isenabled():
        return [build(*r) for r in found_rows]
    gc.disable()
    try:
        return [build(*r) for r in found_rows]
    finally:
        gc.enable()
