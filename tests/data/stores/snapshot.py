"""Every stored record as plain JSON values, read through the public store API.

Imports nothing of contactgraph, so that the 0.1.0 code (which wrote the
fixtures, see ``make_stores.py``) and today's code (which reads them back in
``tests/repos/test_migrations.py``) describe a store the same way.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

__all__ = ["plain", "snapshot"]


def plain(value: Any) -> Any:
    """``value`` as JSON: value objects by their stored text, entities field by field."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if type(value).__name__ == "Email":
        return value.address
    if type(value).__name__ == "Phone":
        return value.e164
    if attrs.has(type(value)):
        return {
            f.name: plain(getattr(value, f.name))
            for f in attrs.fields(type(value))
            if not f.name.startswith("_")
        }
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list | frozenset | set):
        items = [plain(v) for v in value]
        return items if isinstance(value, tuple | list) else sorted(items, key=repr)
    raise TypeError(f"no plain form for {type(value).__name__}")


def snapshot(store: Any) -> dict[str, Any]:
    """Accounts (with their contacts), opportunities, cases and relations, by id."""
    accounts = {}
    for account in store.accounts.list():
        record = plain(account)
        record["contacts"] = {c.id: plain(c) for c in account.contacts.values()}
        accounts[account.id] = record
    return {
        "accounts": accounts,
        "opportunities": {o.id: plain(o) for o in store.opportunities.list()},
        "cases": {c.id: plain(c) for c in store.cases.list()},
        "relations": {r.id: plain(r) for r in store.relations.list()},
    }
