"""Checks of what callers pass the repositories (ids, id collections, external ids, filters).

Each raises the :class:`~contactgraph.errors.ContactGraphError` that names the
argument, or says whether a value could be stored at all (a value that could
not, an id with a NUL or too long, matches nothing without asking the backend).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from contactgraph.errors import InvalidValueError, PolicyViolationError, Violation
from contactgraph.repos.keys import is_storable, valid_id

__all__ = [
    "account_filter",
    "contact_ids",
    "expect",
    "id_list",
    "known",
    "refuse_ids",
    "system_value",
]

T = TypeVar("T")


def refuse_ids(kind: str, ids: Iterable[tuple[str, object]]) -> None:
    bad = [
        Violation(
            "id.invalid",
            f"{field} must be text of 1 to 64 printable characters without surrounding spaces",
            field,
            value if isinstance(value, str) and is_storable(value) else None,
            policy="store",
        )
        for field, value in ids
        if not valid_id(value)
    ]
    if bad:
        raise PolicyViolationError(bad, f"{kind} refused")


def known(key: object) -> bool:
    """Whether ``key`` could be a stored id (else it cannot exist anywhere)."""
    return isinstance(key, str) and is_storable(key)


def expect(value: object, kind: type[T], label: str) -> T:
    if not isinstance(value, kind):
        raise InvalidValueError(f"must be {kind.__name__}", field=label, value=type(value).__name__)
    return value


def system_value(system: object, value: object) -> bool:
    for label, item in (("system", system), ("value", value)):
        if not isinstance(item, str):
            raise InvalidValueError("an external id is text", field=label, value=item)
    return is_storable(str(system)) and is_storable(str(value))


def id_list(values: object, field: str) -> list[str]:
    """A caller's collection of ids as a list, each checked to be text (not yet to exist)."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidValueError(
            "must be a collection of ids (a list, a set…)", field=field, value=values
        )
    items = list(values)
    for item in items:
        if not isinstance(item, str):
            raise InvalidValueError("an id is text", field=field, value=item)
    return items


def contact_ids(contact_id: str | None, contact_ids: Iterable[str] | None) -> list[str] | None:
    if contact_id is None and contact_ids is None:
        return None
    ids = [] if contact_ids is None else id_list(contact_ids, "contact_ids")
    if contact_id is not None:
        ids.append(contact_id)
    for item in ids:
        if not isinstance(item, str):
            raise InvalidValueError("a contact id is text", field="contact_id", value=item)
    return [i for i in dict.fromkeys(ids) if is_storable(i)]


def account_filter(account_id: str | None) -> tuple[str | None, bool]:
    """The account id to filter on, and whether the filter can match anything."""
    if account_id is None:
        return None, True
    if not isinstance(account_id, str):
        raise InvalidValueError("an account id is text", field="account_id", value=account_id)
    return account_id, is_storable(account_id)
