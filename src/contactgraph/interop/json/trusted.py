"""Plain data the library wrote back to objects, without checking it (``trusted=True``).

cattrs' generated structure hooks (``make_dict_structure_fn``) build every
entity from its attrs fields; value objects are rebuilt through their
``trusted`` constructors, so nothing is parsed again. A malformed document
fails with a ``KeyError``, ``TypeError`` or ``ValueError`` that
:func:`~contactgraph.interop.json.api.structure` reports as an
:class:`~contactgraph.errors.InvalidValueError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs
import cattrs
import immutables
from cattrs.gen import make_dict_structure_fn, override

from contactgraph.domain import Account, Address, Contact, Email, PersonName, Phone, Salutation
from contactgraph.domain.common import EMPTY_MAP
from contactgraph.interop.json.shape import FLATTENED, HIDDEN, NAME_PARTS, RECORDS, key_of
from contactgraph.interop.json.types import is_enum, is_map, optional_of, tuple_of

Hook = Callable[[Any, Any], Any]

VALUES_IN: dict[type[Any], Callable[[Any], Any]] = {
    Email: Email.trusted,
    Phone: Phone.trusted,
    Decimal: Decimal,
    date: date.fromisoformat,
    datetime: datetime.fromisoformat,
}
"""Value objects and scalars rebuilt from their JSON strings."""


def configure_trusted(converter: cattrs.BaseConverter) -> None:
    """Register the trusted structure hooks on ``converter``."""
    for cls, build in VALUES_IN.items():
        converter.register_structure_hook(cls, _value(build))
    converter.register_structure_hook_func(is_enum, lambda v, t: t(v))
    converter.register_structure_hook_func(is_map, _map)
    converter.register_structure_hook_factory(
        lambda t: optional_of(t) is not None, lambda t: _optional(converter, optional_of(t))
    )
    converter.register_structure_hook_factory(
        lambda t: tuple_of(t) is not None, lambda t: _sequence(converter, tuple_of(t))
    )
    converter.register_structure_hook_factory(
        lambda t: t in RECORDS, lambda t: _record(converter, t)
    )


def _value(build: Callable[[Any], Any]) -> Hook:
    return lambda value, _type: build(value)


def _as_is(value: Any, _type: Any) -> Any:
    return value


def _map(value: Any, _type: Any) -> immutables.Map[str, Any]:
    return immutables.Map(value) if value else EMPTY_MAP


def _optional(converter: cattrs.BaseConverter, inner: Any) -> Hook:
    if inner in (str, int, bool):
        return _as_is
    hook = converter.get_structure_hook(inner)
    return lambda value, _type: None if value is None else hook(value, inner)


def _sequence(converter: cattrs.BaseConverter, inner: Any) -> Hook:
    hook = converter.get_structure_hook(inner)
    return lambda values, _type: tuple([hook(v, inner) for v in values])


def _record(converter: cattrs.BaseConverter, cls: type[Any]) -> Hook:
    if cls is PersonName:
        return _person_name
    if cls is Address:
        return _address
    if cls is Account:
        return _account(converter)
    hidden: dict[str, Any] = {
        a.name: override(omit=True) for a in attrs.fields(cls) if key_of(a) in HIDDEN
    }
    built = make_dict_structure_fn(cls, converter, _cattrs_use_alias=True, **hidden)
    flat = FLATTENED.get(cls)
    if flat is None:
        return built

    def flattened(data: Mapping[str, Any], _type: Any) -> Any:
        return built({**data, flat: data}, cls)  # the field is read from the object's own keys

    return flattened


def _person_name(data: Mapping[str, Any], _type: Any) -> PersonName:
    parts: dict[str, Any] = {attr: data.get(key) for attr, key in NAME_PARTS.items()}
    parts["salutation"] = Salutation(parts["salutation"]) if parts["salutation"] else None
    return PersonName.trusted(**parts)


def _address(data: Mapping[str, Any], _type: Any) -> Address:
    return Address.trusted(**{a.name: data.get(a.name) for a in attrs.fields(Address)})


def _account(converter: cattrs.BaseConverter) -> Hook:
    """An account: its fields generated, its contacts indexed by :meth:`Account.rehydrate`."""
    private: dict[str, Any] = {
        a.name: override(omit=True) for a in attrs.fields(Account) if a.name[0] == "_"
    }
    fields = make_dict_structure_fn(Account, converter, _cattrs_use_alias=True, **private)
    public = [a for a in attrs.fields(Account) if a.name[0] != "_"]
    contact = converter.get_structure_hook(Contact)

    def account(data: Mapping[str, Any], _type: Any) -> Account:
        shell = fields(data, Account)
        contacts = [contact(c, Contact) for c in data.get("contacts") or ()]
        return Account.rehydrate(contacts, **{key_of(a): getattr(shell, a.name) for a in public})

    return account
