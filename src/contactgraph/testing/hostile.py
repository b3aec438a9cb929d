"""Hostile arguments for any public callable: wrong types, huge numbers, odd text.

:data:`HOSTILE` draws what a caller (or a web request decoded without care)
may pass; :func:`call_hostile` calls a target with such values for each of its
parameters and lets only :class:`~contactgraph.errors.ContactGraphError`
subclasses escape (an :class:`~contactgraph.errors.InvalidValueError` must
name its field). Tests drive it over targets found by introspection.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from contactgraph.errors import ContactGraphError, InvalidValueError

__all__ = ["HOSTILE", "call_hostile", "hostile_or"]


class _Weird:
    """An argument whose ``repr()`` and ``str()`` raise: error messages must not need them.

    Hypothesis prints drawn values through ``_repr_pretty_``, so a failure
    involving one is still reported (a raising ``repr`` there would end the
    replay early and be reported as "inconsistent data generation").
    """

    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    def __str__(self) -> str:
        raise RuntimeError("no str")

    def _repr_pretty_(self, printer: Any, _cycle: bool) -> None:
        printer.text("<an object whose repr() and str() raise>")


HOSTILE: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([10**5000, 2**63, 2**70, -(2**63) - 1, 978, 33]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([Decimal("NaN"), Decimal("Infinity"), Decimal("1e999999")]),
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "\u202eevil",
            "a\u200bb",
            "\ud800",
            "x" * 5000,
            "2024-01-01",
            "2024-13-45",
            "FR",
            "EUR",
            "Economic Buyer",
            "Closed",
            "kim@acme.fr",
            "\u212aim@acme.fr",
            "+33 1 23 45 67 89",
        ]
    ),
    st.binary(max_size=4),
    st.lists(st.one_of(st.integers(), st.text(max_size=3), st.none()), max_size=3),
    st.dictionaries(st.text(max_size=4), st.one_of(st.integers(), st.text(max_size=3)), max_size=2),
    st.just(object()),
    st.just(_Weird()),
    st.just(date(2024, 1, 1)),
    st.just(datetime(2024, 1, 1, 12, 0)),
    st.just([[[]]]),
)


def hostile_or(known: Iterable[Any]) -> st.SearchStrategy[Any]:
    """:data:`HOSTILE`, or one of ``known`` (ids a store holds…), or a list of them: so that
    calls get past "not found" and into the code that acts on real records."""
    values = list(known)
    if not values:
        return HOSTILE
    return st.one_of(
        HOSTILE, st.sampled_from(values), st.lists(st.sampled_from(values), min_size=1, max_size=2)
    )


def call_hostile(
    target: Callable[..., Any],
    data: st.DataObject,
    keyword_names: Iterable[str] = (),
    known: Iterable[Any] = (),
) -> None:
    """Call ``target`` with hostile values; fail unless it returns or raises a library error.

    ``keyword_names``: names drawn for a ``**kwargs`` parameter. ``known``:
    values drawn among the hostile ones (see :func:`hostile_or`).
    """
    drawn = hostile_or(known)
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        signature = None
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    params = list(signature.parameters.values()) if signature is not None else []
    named = {p.name for p in params}
    for param in params:
        if param.kind is param.VAR_POSITIONAL:
            args.extend(data.draw(st.lists(drawn, max_size=2)))
        elif param.kind is param.VAR_KEYWORD:
            free = sorted(set(keyword_names) - named)
            if free:
                names = st.sampled_from(free)
                kwargs.update(data.draw(st.dictionaries(names, drawn, max_size=3)))
        elif param.default is param.empty or data.draw(st.booleans()):
            value = data.draw(drawn)
            if param.kind is param.POSITIONAL_ONLY:
                args.append(value)
            elif param.kind is param.KEYWORD_ONLY or bool(kwargs) or data.draw(st.booleans()):
                kwargs[param.name] = value
            else:
                args.append(value)
    try:
        result = target(*args, **kwargs)
        if inspect.isgenerator(result):
            list(result)
    except InvalidValueError as exc:
        str(exc)
        if not exc.field:
            raise AssertionError(f"{target} raised an InvalidValueError naming no field") from exc
    except ContactGraphError as exc:
        str(exc)
