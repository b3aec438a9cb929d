"""Records out to pandas DataFrames: one row per record, readable column names."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from contactgraph.domain import Account, AccountContactRelation, Case, Contact, Opportunity
from contactgraph.interop.frames.columns import (
    ACCOUNT_COLUMNS,
    CASE_COLUMNS,
    CONTACT_COLUMNS,
    COUNTS,
    CUSTOM,
    EXTERNAL,
    FLAGS,
    OPPORTUNITY_COLUMNS,
    RELATION_COLUMNS,
    pandas,
)

__all__ = [
    "accounts_frame",
    "cases_frame",
    "contacts_frame",
    "opportunities_frame",
    "relations_frame",
    "to_frame",
]


_NOT_TEXT = {
    "Birthdate", "Close Date", "Start Date", "End Date", "Amount", "Annual Revenue",
    "Created", "Last Modified", "Opened", "Closed",
}  # fmt: skip
"""Columns of dates, times and amounts: never a text column, even when every cell is empty."""


def _frame(
    items: Iterable[Any], columns: Mapping[str, Callable[[Any], Any]], id_column: str
) -> Any:
    """One row per record, indexed by ``id_column`` (not repeated as a column).

    Missing values are ``pd.NA`` everywhere (``NaT`` in timestamp columns), never
    a mix of ``None`` and ``NaN``: flags, counts and text have nullable dtypes
    (``boolean``, ``Int64``, ``string``), so a row added by hand stays ``NA`` too.
    """
    pd = pandas()
    rows = list(items)
    data: dict[str, list[Any]] = {name: [get(o) for o in rows] for name, get in columns.items()}
    for key in sorted({k for o in rows for k in getattr(o, "external_ids", {})}):
        data[EXTERNAL + key] = [o.external_ids.get(key) for o in rows]
    for key in sorted({k for o in rows for k in getattr(o, "extra", {})}):
        data[CUSTOM + key] = [o.extra.get(key) for o in rows]
    ids = data.pop(id_column)
    index = pd.Index(ids, name=id_column, dtype=object)
    series = {name: _series(pd, name, values, index) for name, values in data.items()}
    return pd.DataFrame(series, index=index, columns=list(data))


def _series(pd: Any, name: str, values: list[Any], index: Any) -> Any:
    if name in FLAGS:
        return pd.Series(values, index=index, dtype="boolean")
    if name in COUNTS:
        return pd.Series(values, index=index, dtype="Int64")
    present = [v for v in values if v is not None]
    if name not in _NOT_TEXT and all(isinstance(v, str) for v in present):
        return pd.Series(values, index=index, dtype="string")
    column = pd.Series(values, index=index)
    if column.dtype == object:
        column = column.astype(object).where(column.notna(), pd.NA)
    return column


def contacts_frame(contacts: Account | Iterable[Contact]) -> Any:
    """Contacts (or an account's contacts, by name) as a DataFrame indexed by contact id."""
    items = contacts.sorted_contacts() if isinstance(contacts, Account) else contacts
    return _frame(items, CONTACT_COLUMNS, "Contact ID")


def accounts_frame(accounts: Iterable[Account]) -> Any:
    """Accounts as a DataFrame indexed by account id (with contact counts)."""
    return _frame(accounts, ACCOUNT_COLUMNS, "Account ID")


def opportunities_frame(opportunities: Iterable[Opportunity]) -> Any:
    """Opportunities as a DataFrame indexed by opportunity id."""
    return _frame(opportunities, OPPORTUNITY_COLUMNS, "Opportunity ID")


def cases_frame(cases: Iterable[Case]) -> Any:
    """Cases as a DataFrame indexed by case id."""
    return _frame(cases, CASE_COLUMNS, "Case ID")


def relations_frame(relations: Iterable[AccountContactRelation]) -> Any:
    """Account-contact relations as a DataFrame indexed by relation id."""
    return _frame(relations, RELATION_COLUMNS, "Relation ID")


_BY_TYPE: dict[type, Callable[[Iterable[Any]], Any]] = {
    Contact: contacts_frame,
    Account: accounts_frame,
    Opportunity: opportunities_frame,
    Case: cases_frame,
    AccountContactRelation: relations_frame,
}


def to_frame(items: Iterable[Any]) -> Any:
    """Any list of contacts, accounts, opportunities, cases or relations as a DataFrame.

    An empty list gives an empty contacts frame.

    Raises:
        TypeError: the items are of mixed or unknown kinds.
    """
    rows = list(items)
    kinds = {type(o) for o in rows}
    if not rows:
        return contacts_frame(())
    if len(kinds) > 1 or next(iter(kinds)) not in _BY_TYPE:
        names = ", ".join(sorted(k.__name__ for k in kinds))
        raise TypeError(f"to_frame takes one kind of record at a time, got {names}")
    return _BY_TYPE[next(iter(kinds))](rows)
