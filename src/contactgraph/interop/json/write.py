"""Objects to plain JSON-ready data: cattrs' generated hooks, a few value hooks.

The hooks are generated from the attrs classes (``make_dict_unstructure_fn``
with ``override``) and registered as factories, so each is built the first
time a converter meets its class. Only what the documented shape makes
special is written here: value objects as strings, a contact's name
flattened into it, an account's contacts as a sorted list, the key order of
:mod:`.shape`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any

import attrs
import cattrs
from cattrs.fns import identity
from cattrs.gen import make_dict_unstructure_fn, override

from contactgraph.domain import Account, Contact, Email, Phone
from contactgraph.interop.json.shape import (
    FLATTENED,
    HIDDEN,
    RECORDS,
    RENAMED,
    fields,
    key_of,
    keys,
)
from contactgraph.interop.json.types import is_map, optional_of, tuple_of

Hook = Callable[[Any], Any]

VALUES_OUT: dict[type[Any], Hook] = {
    Email: attrgetter("address"),
    Phone: attrgetter("e164"),
    Decimal: str,
    date: date.isoformat,
    datetime: datetime.isoformat,
}
"""Value objects and scalars JSON has no type for, as strings."""


def configure_unstructure(converter: cattrs.BaseConverter, *, streaming: bool = False) -> None:
    """Register contactgraph's unstructure hooks on ``converter``.

    Args:
        converter: The cattrs converter to teach.
        streaming: Leave an account's contacts as objects (sorted), for a
            writer that unstructures each one as it writes it (``orjson``'s
            ``default``), so a large account never exists twice in memory.
    """
    for cls, hook in VALUES_OUT.items():
        converter.register_unstructure_hook(cls, hook)
    converter.register_unstructure_hook_func(is_map, dict)
    for kind in (enum.Enum, enum.StrEnum):  # a StrEnum would otherwise pass as a str
        converter.register_unstructure_hook(kind, attrgetter("value"))
    converter.register_unstructure_hook_factory(
        lambda t: optional_of(t) is not None, lambda t: _optional(converter, optional_of(t))
    )
    converter.register_unstructure_hook_factory(
        lambda t: tuple_of(t) is not None, lambda t: _sequence(converter, tuple_of(t))
    )
    converter.register_unstructure_hook_factory(
        lambda t: t in RECORDS, lambda t: _record(converter, t, streaming)
    )


def _optional(converter: cattrs.BaseConverter, inner: Any) -> Hook:
    hook = converter.get_unstructure_hook(inner)
    if hook == identity:
        return identity  # inlined by the generated code
    return lambda value: None if value is None else hook(value)


def _sequence(converter: cattrs.BaseConverter, inner: Any) -> Hook:
    hook = converter.get_unstructure_hook(inner)
    if hook == identity:
        return list
    return lambda values: [hook(v) for v in values]


def _generated(converter: cattrs.BaseConverter, cls: type[Any], **overrides: Any) -> Hook:
    hidden = {a.name: override(omit=True) for a in attrs.fields(cls) if key_of(a) in HIDDEN}
    renames = {a: override(rename=k) for a, k in RENAMED.get(cls, {}).items()}
    return make_dict_unstructure_fn(
        cls, converter, _cattrs_use_alias=True, **(hidden | renames | overrides)
    )


def _record(converter: cattrs.BaseConverter, cls: type[Any], streaming: bool) -> Hook:
    """The hook of an attrs class: generated, its keys in the documented order."""
    if cls is Account:
        return _account(converter, streaming)
    flat = FLATTENED.get(cls)
    if flat is not None:
        return _flattened(converter, cls, flat)
    hook = _generated(converter, cls)
    if keys(cls) == tuple(key_of(a) for a in fields(cls)):
        return hook
    order = keys(cls)
    fromkeys = dict.fromkeys

    def in_order(obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = fromkeys(order)  # the documented order, filled in next
        out.update(hook(obj))
        return out

    return in_order


def _flattened(converter: cattrs.BaseConverter, cls: type[Any], flat: str) -> Hook:
    """The parts of field ``flat`` as keys of the object itself, in its place."""
    hook = _generated(converter, cls, **{flat: override(omit=True)})
    part = _generated(converter, attrs.fields_dict(cls)[flat].type or object)  # ordered below
    get = attrgetter(flat)
    order = keys(cls)
    fromkeys = dict.fromkeys

    def flattened(obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = fromkeys(order)  # the documented order, filled in next
        out.update(hook(obj))
        out.update(part(get(obj)))
        return out

    return flattened


def _account(converter: cattrs.BaseConverter, streaming: bool) -> Hook:
    """An account with its contacts as a list sorted by name, then id."""
    contact = converter.get_unstructure_hook(Contact)
    own = _generated(converter, Account, _contacts=override(omit=True))

    def hook(account: Account) -> dict[str, Any]:
        out: dict[str, Any] = own(account)
        out["contacts"] = [contact(c) for c in account.sorted_contacts()]
        return out

    def streamed(account: Account) -> dict[str, Any]:
        out: dict[str, Any] = own(account)
        out["contacts"] = account.sorted_contacts()  # each written by the writer's default
        return out

    return streamed if streaming else hook
