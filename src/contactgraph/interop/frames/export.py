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


def _frame(
    items: Iterable[Any], columns: Mapping[str, Callable[[Any], Any]], id_column: str
) -> Any:
    pd = pandas()
    rows = list(items)
    data: dict[str, list[Any]] = {name: [get(o) for o in rows] for name, get in columns.items()}
    for key in sorted({k for o in rows for k in getattr(o, "external_ids", {})}):
        data[EXTERNAL + key] = [o.external_ids.get(key) for o in rows]
    for key in sorted({k for o in rows for k in getattr(o, "extra", {})}):
        data[CUSTOM + key] = [o.extra.get(key) for o in rows]
    frame = pd.DataFrame(data, columns=list(data))
    for column in frame.columns:  # nullable dtypes, so a row added by hand can leave them empty
        if column in FLAGS:
            frame[column] = frame[column].astype("boolean")
        elif column in COUNTS:
            frame[column] = frame[column].astype("Int64")
    frame.index = pd.Index(data[id_column], name=id_column, dtype=object)
    return frame


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
