"""pandas DataFrames of contacts, accounts, opportunities, cases and relations, and back.

pandas is an optional extra (``pip install 'contactgraph[pandas]'``), imported
only when one of these functions is called. Columns have readable names
(``"First Name"``, ``"Reports To ID"``); custom fields are ``"Custom: <name>"``
columns and external ids ``"External ID: <system>"`` columns. Reading a frame
back goes through the domain commands, so it gets the same validation as any
other input, and every bad row is reported at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from contactgraph.domain import (
    Account,
    AccountContactRelation,
    Case,
    Contact,
    Opportunity,
)
from contactgraph.errors import (
    ContactGraphError,
    ImportRejectedError,
    PolicyViolationError,
    RowError,
    Violation,
)

__all__ = [
    "ACCOUNT_COLUMNS",
    "CONTACT_COLUMNS",
    "MissingDependencyError",
    "accounts_frame",
    "accounts_from_frame",
    "cases_frame",
    "cases_from_frame",
    "contacts_frame",
    "contacts_from_frame",
    "opportunities_frame",
    "opportunities_from_frame",
    "relations_frame",
    "relations_from_frame",
    "to_frame",
]

CUSTOM = "Custom: "
EXTERNAL = "External ID: "


class MissingDependencyError(ContactGraphError, ImportError):
    """An optional dependency is not installed; the message says how to install it."""


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as exc:
        raise MissingDependencyError(
            "DataFrames need pandas, an optional extra: pip install 'contactgraph[pandas]'"
        ) from exc
    return pandas


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _joined(values: Iterable[object]) -> str | None:
    items = [str(v) for v in values]
    return "; ".join(items) if items else None


def _address_part(attr: str, part: str) -> Callable[[Any], Any]:
    def get(obj: Any) -> Any:
        address = getattr(obj, attr)
        return getattr(address, part) if address is not None else None

    return get


_ADDRESS_PARTS = (
    ("Street", "street"),
    ("City", "city"),
    ("State", "state"),
    ("Postal Code", "postal_code"),
    ("Country", "country"),
)

CONTACT_COLUMNS: dict[str, Callable[[Contact], Any]] = {
    "Contact ID": lambda c: c.id,
    "Account ID": lambda c: c.account_id,
    "Salutation": lambda c: _text(c.salutation),
    "First Name": lambda c: c.first_name,
    "Middle Name": lambda c: c.middle_name,
    "Last Name": lambda c: c.last_name,
    "Suffix": lambda c: c.suffix,
    "Title": lambda c: c.title,
    "Department": lambda c: c.department,
    "Email": lambda c: _text(c.email),
    "Phone": lambda c: c.phone.e164 if c.phone else None,
    "Mobile": lambda c: c.mobile.e164 if c.mobile else None,
    "Reports To ID": lambda c: c.reports_to,
    "Decision Role": lambda c: _text(c.decision_role),
    "Active": lambda c: c.active,
    "Email Opt Out": lambda c: c.email_opt_out,
    "Do Not Call": lambda c: c.do_not_call,
    **{
        f"Mailing {label}": _address_part("mailing_address", part) for label, part in _ADDRESS_PARTS
    },
    "Birthdate": lambda c: c.birthdate,
    "Lead Source": lambda c: c.lead_source,
    "Description": lambda c: c.description,
    "Alternate Emails": lambda c: _joined(c.alternate_emails),
    "Alternate Phones": lambda c: _joined(p.e164 for p in c.alternate_phones),
    "Created": lambda c: c.created_at,
    "Last Modified": lambda c: c.updated_at,
}
"""Contact columns, in order, with how each is read from a contact."""

_CONTACT_FIELD_OF = {
    "Salutation": "salutation",
    "First Name": "first_name",
    "Middle Name": "middle_name",
    "Last Name": "last_name",
    "Suffix": "suffix",
    "Title": "title",
    "Department": "department",
    "Email": "email",
    "Phone": "phone",
    "Mobile": "mobile",
    "Reports To ID": "reports_to",
    "Decision Role": "decision_role",
    "Active": "active",
    "Email Opt Out": "email_opt_out",
    "Do Not Call": "do_not_call",
    "Birthdate": "birthdate",
    "Lead Source": "lead_source",
    "Description": "description",
    "Alternate Emails": "alternate_emails",
    "Alternate Phones": "alternate_phones",
}
_READ_ONLY = {"Contact ID", "Account ID", "Created", "Last Modified"}
_FLAGS = {"Active", "Email Opt Out", "Do Not Call", "Is Closed", "Is Won"}
_COUNTS = {"Employees", "Contacts", "Active Contacts", "Probability (%)"}
_LISTS = {"Alternate Emails", "Alternate Phones"}

ACCOUNT_COLUMNS: dict[str, Callable[[Account], Any]] = {
    "Account ID": lambda a: a.id,
    "Account Name": lambda a: a.name,
    "Type": lambda a: a.type,
    "Industry": lambda a: a.industry,
    "Website": lambda a: a.website,
    "Phone": lambda a: a.phone.e164 if a.phone else None,
    **{f"Billing {label}": _address_part("billing_address", p) for label, p in _ADDRESS_PARTS},
    **{f"Shipping {label}": _address_part("shipping_address", p) for label, p in _ADDRESS_PARTS},
    "Parent Account ID": lambda a: a.parent_id,
    "Description": lambda a: a.description,
    "Annual Revenue": lambda a: a.annual_revenue,
    "Employees": lambda a: a.number_of_employees,
    "Phone Region": lambda a: a.phone_region,
    "Contacts": lambda a: len(a.contacts),
    "Active Contacts": lambda a: sum(1 for c in a.contacts.values() if c.active),
    "Created": lambda a: a.created_at,
    "Last Modified": lambda a: a.updated_at,
}
"""Account columns, in order, with how each is read from an account."""

_ACCOUNT_FIELD_OF = {
    "Account Name": "name",
    "Type": "type",
    "Industry": "industry",
    "Website": "website",
    "Phone": "phone",
    "Parent Account ID": "parent_id",
    "Description": "description",
    "Annual Revenue": "annual_revenue",
    "Employees": "number_of_employees",
    "Phone Region": "phone_region",
}
_ACCOUNT_READ_ONLY = {"Account ID", "Contacts", "Active Contacts", "Created", "Last Modified"}

OPPORTUNITY_COLUMNS: dict[str, Callable[[Opportunity], Any]] = {
    "Opportunity ID": lambda o: o.id,
    "Account ID": lambda o: o.account_id,
    "Opportunity Name": lambda o: o.name,
    "Stage": lambda o: str(o.stage),
    "Amount": lambda o: o.amount.amount if o.amount else None,
    "Currency": lambda o: o.amount.currency if o.amount else None,
    "Close Date": lambda o: o.close_date,
    "Probability (%)": lambda o: o.stage.probability,
    "Is Closed": lambda o: o.is_closed,
    "Is Won": lambda o: o.is_won,
    "Primary Contact ID": lambda o: o.primary_contact_id,
    "Contact Roles": lambda o: _joined(
        f"{r.contact_id}={r.role or ''}{'*' if r.is_primary else ''}" for r in o.contact_roles
    ),
    "Description": lambda o: o.description,
    "Created": lambda o: o.created_at,
    "Last Modified": lambda o: o.updated_at,
}
"""Opportunity columns; ``Contact Roles`` reads ``id=role`` pairs, ``*`` marking the primary."""

CASE_COLUMNS: dict[str, Callable[[Case], Any]] = {
    "Case ID": lambda k: k.id,
    "Account ID": lambda k: k.account_id,
    "Contact ID": lambda k: k.contact_id,
    "Subject": lambda k: k.subject,
    "Status": lambda k: str(k.status),
    "Priority": lambda k: str(k.priority),
    "Origin": lambda k: k.origin,
    "Type": lambda k: k.type,
    "Reason": lambda k: k.reason,
    "Description": lambda k: k.description,
    "Opened": lambda k: k.opened_at,
    "Closed": lambda k: k.closed_at,
}
"""Case columns, in order."""

RELATION_COLUMNS: dict[str, Callable[[AccountContactRelation], Any]] = {
    "Relation ID": lambda r: r.id,
    "Account ID": lambda r: r.account_id,
    "Contact ID": lambda r: r.contact_id,
    "Roles": lambda r: _joined(r.roles),
    "Title": lambda r: r.title,
    "Active": lambda r: r.is_active,
    "Start Date": lambda r: r.start_date,
    "End Date": lambda r: r.end_date,
}
"""Account-contact relation columns, in order."""


def _frame(
    items: Iterable[Any], columns: Mapping[str, Callable[[Any], Any]], id_column: str
) -> Any:
    pd = _pandas()
    rows = list(items)
    data: dict[str, list[Any]] = {name: [get(o) for o in rows] for name, get in columns.items()}
    for key in sorted({k for o in rows for k in getattr(o, "external_ids", {})}):
        data[EXTERNAL + key] = [o.external_ids.get(key) for o in rows]
    for key in sorted({k for o in rows for k in getattr(o, "extra", {})}):
        data[CUSTOM + key] = [o.extra.get(key) for o in rows]
    frame = pd.DataFrame(data, columns=list(data))
    for column in frame.columns:  # nullable dtypes, so a row added by hand can leave them empty
        if column in _FLAGS:
            frame[column] = frame[column].astype("boolean")
        elif column in _COUNTS:
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


# ------------------------------------------------------------------ reading back


def _cell(value: Any) -> Any:
    """A cell as a plain Python value; empty, NaN and NA become ``None``."""
    if value is None:
        return None
    pd = _pandas()
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if hasattr(value, "item") and not isinstance(value, Decimal):
        value = value.item()  # numpy scalars
        if isinstance(value, float) and math.isnan(value):
            return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _flag(value: Any) -> Any:
    if isinstance(value, str):
        key = value.strip().casefold()
        if key in {"true", "yes", "1", "y", "oui"}:
            return True
        if key in {"false", "no", "0", "n", "non"}:
            return False
    if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    return value


def _list_cell(value: Any) -> Any:
    if isinstance(value, str):
        return [p.strip() for p in value.replace(",", ";").split(";") if p.strip()]
    return value


def _number_as_text(value: Any) -> Any:
    """A number where text is expected (a phone read as an int by ``read_csv``) as text."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _date_cell(value: Any) -> Any:
    return value.date() if isinstance(value, datetime) else value


def _row_label(frame: Any, position: int) -> str | None:
    pd = _pandas()
    if isinstance(frame.index, pd.RangeIndex):
        return None
    return str(frame.index[position])


def _unknown_columns(frame: Any, known: Iterable[str], read_only: Iterable[str]) -> list[RowError]:
    allowed = set(known) | set(read_only)
    return [
        RowError(
            0,
            "unknown column; readable names such as 'First Name' are expected, "
            f"custom fields go in '{CUSTOM}<name>' columns",
            field=str(column),
        )
        for column in frame.columns
        if str(column) not in allowed and not str(column).startswith((CUSTOM, EXTERNAL))
    ]


def _prefixed(row: Mapping[str, Any], prefix: str) -> dict[str, Any] | None:
    found = {k[len(prefix) :]: v for k, v in row.items() if k.startswith(prefix)}
    if not found:
        return None
    return {k: v for k, v in found.items() if v is not None}


def _address(row: Mapping[str, Any], prefix: str) -> tuple[bool, dict[str, Any] | None]:
    columns = [f"{prefix} {label}" for label, _ in _ADDRESS_PARTS]
    if not any(c in row for c in columns):
        return False, None
    parts = {part: row.get(f"{prefix} {label}") for label, part in _ADDRESS_PARTS}
    parts = {k: str(v) for k, v in parts.items() if v is not None}
    return True, (parts or None)


def _violation_errors(
    exc: PolicyViolationError, row: int, record: str | None, columns: Mapping[str, str]
) -> list[RowError]:
    label_of = {field: label for label, field in columns.items()}
    return [
        RowError(
            row,
            v.message,
            field=label_of.get(v.field or "", v.field),
            record=record,
        )
        for v in (exc.errors or exc.violations)
    ]


def contacts_from_frame(
    frame: Any, account: Account, *, phone_region: str | None = None
) -> Account:
    """Add and update ``account``'s contacts from a frame shaped like :func:`contacts_frame`.

    A row whose ``Contact ID`` is a contact of the account updates it (an
    empty cell clears that field); any other row adds a contact (with that id
    when one is given). ``Account ID``, ``Created`` and ``Last Modified`` are
    read-only. Reports-to links are set after every row is in, so a row may
    name a manager added further down.

    Returns:
        The new account (not saved: save it with ``store.accounts.save``).

    Raises:
        ImportRejectedError: every bad row (rows count from 1, the first data
            row; ``record`` is the index label when the index is not a plain
            range), and every unknown column (as row 0, the header); the
            account is unchanged.
    """
    _pandas()
    errors = _unknown_columns(frame, _CONTACT_FIELD_OF, _READ_ONLY | set(CONTACT_COLUMNS))
    if errors:
        raise ImportRejectedError(errors, "contacts refused: unknown column(s)")
    updated = account
    managers: list[tuple[int, str | None, str, Any]] = []
    columns = [str(c) for c in frame.columns]
    for position, values in enumerate(frame.itertuples(index=False, name=None)):
        row_no = position + 1
        record = _row_label(frame, position)
        row = {col: _cell(v) for col, v in zip(columns, values, strict=True)}
        fields: dict[str, Any] = {}
        for column, field in _CONTACT_FIELD_OF.items():
            if column not in row:
                continue
            value = row[column]
            if column in _FLAGS:
                if value is None:
                    continue
                value = _flag(value)
            elif column in _LISTS:
                value = _list_cell(value)
            elif column == "Birthdate":
                value = _date_cell(value)
            else:
                value = _number_as_text(value)
            fields[field] = value
        present, address = _address(row, "Mailing")
        if present:
            fields["mailing_address"] = address
        _extras(row, fields)
        owner = row.get("Account ID")
        if owner is not None and str(owner) != account.id:
            errors.append(
                RowError(
                    row_no,
                    f"belongs to account {owner}, not {account.id}; move contacts with "
                    "store.move_contact",
                    field="Account ID",
                    record=record,
                )
            )
            continue
        contact_id = _row_id(row, "Contact ID")
        reports_to = fields.pop("reports_to", _MISSING)
        try:
            if contact_id is not None and contact_id in updated.contacts:
                updated = updated.update_contact(contact_id, phone_region=phone_region, **fields)
            else:
                if "last_name" not in fields:
                    fields["last_name"] = None
                updated, added = updated.add_contact(
                    id=contact_id, phone_region=phone_region, **fields
                )
                contact_id = added.id
        except PolicyViolationError as exc:
            errors.extend(_violation_errors(exc, row_no, record, _CONTACT_FIELD_OF))
            continue
        if reports_to is not _MISSING:
            managers.append((row_no, record, contact_id, reports_to))
    for row_no, record, contact_id, manager in managers:
        try:
            updated = updated.update_contact(contact_id, reports_to=manager)
        except PolicyViolationError as exc:
            errors.extend(_violation_errors(exc, row_no, record, _CONTACT_FIELD_OF))
    if errors:
        raise ImportRejectedError(
            sorted(errors, key=lambda e: e.row),
            f"contacts refused for {account.name}, {len(errors)} problem(s); nothing changed",
        )
    return updated


_MISSING: Any = object()
_T = TypeVar("_T")


def _extras(row: Mapping[str, Any], fields: dict[str, Any]) -> None:
    """``Custom:`` and ``External ID:`` columns into ``fields["extra"]`` and ``["external_ids"]``."""
    extra = _prefixed(row, CUSTOM)
    if extra is not None:
        fields["extra"] = extra
    external = _prefixed(row, EXTERNAL)
    if external is not None:
        fields["external_ids"] = {k: _number_as_text(v) for k, v in external.items()}


def _row_id(row: Mapping[str, Any], column: str) -> str | None:
    return _text(_number_as_text(row.get(column)))


_DEFAULTED = {"Stage", "Status", "Priority"}  # an empty cell keeps the default or current value
_DATES = {"Close Date", "Start Date", "End Date"}
_NUMBERS = {"Amount"}


def _fields(row: Mapping[str, Any], field_of: Mapping[str, str]) -> dict[str, Any]:
    """The row's values for the domain, by field name (flags, dates and numbers read as such)."""
    fields: dict[str, Any] = {}
    for column, field in field_of.items():
        if column not in row:
            continue
        value = row[column]
        if column in _FLAGS or column in _DEFAULTED:
            if value is None:
                continue
            if column in _FLAGS:
                value = _flag(value)
        elif column in _DATES:
            value = _date_cell(value)
        elif column not in _NUMBERS:
            value = _number_as_text(value)
        fields[field] = value
    _extras(row, fields)
    return fields


def _records_from_frame(
    frame: Any,
    kind: str,
    field_of: Mapping[str, str],
    read_only: Iterable[str],
    build: Callable[[dict[str, Any]], _T],
) -> list[_T]:
    """``build`` applied to every row; every bad row and unknown column reported at once."""
    _pandas()
    errors = _unknown_columns(frame, field_of, read_only)
    if errors:
        raise ImportRejectedError(errors, f"{kind} refused: unknown column(s)")
    out: list[_T] = []
    columns = [str(c) for c in frame.columns]
    for position, values in enumerate(frame.itertuples(index=False, name=None)):
        row = {col: _cell(v) for col, v in zip(columns, values, strict=True)}
        try:
            out.append(build(row))
        except PolicyViolationError as exc:
            record = _row_label(frame, position)
            errors.extend(_violation_errors(exc, position + 1, record, field_of))
    if errors:
        raise ImportRejectedError(errors, f"{kind} refused, {len(errors)} problem(s)")
    return out


def accounts_from_frame(frame: Any, existing: Iterable[Account] = ()) -> list[Account]:
    """Create and update accounts from a frame shaped like :func:`accounts_frame`.

    A row whose ``Account ID`` is one of ``existing`` updates it; any other
    row creates an account (with that id when one is given). Contacts are
    not read here: use :func:`contacts_from_frame` per account.

    Returns:
        The accounts, in row order (not saved).

    Raises:
        ImportRejectedError: every bad row and unknown column; nothing is returned.
    """
    known = {a.id: a for a in existing}

    def build(row: dict[str, Any]) -> Account:
        fields: dict[str, Any] = {}
        for column, field in _ACCOUNT_FIELD_OF.items():
            if column in row:
                value = row[column]
                if column in {"Phone", "Parent Account ID"}:
                    value = _number_as_text(value)
                fields[field] = value
        for prefix, field in (("Billing", "billing_address"), ("Shipping", "shipping_address")):
            present, address = _address(row, prefix)
            if present:
                fields[field] = address
        _extras(row, fields)
        account_id = _row_id(row, "Account ID")
        if account_id is not None and account_id in known:
            return known[account_id].update(**fields)
        name = fields.pop("name", None)
        return Account.create(name, id=account_id, **fields)

    return _records_from_frame(
        frame, "accounts", _ACCOUNT_FIELD_OF, _ACCOUNT_READ_ONLY | set(ACCOUNT_COLUMNS), build
    )


_OPPORTUNITY_FIELD_OF = {
    "Account ID": "account_id",
    "Opportunity Name": "name",
    "Stage": "stage",
    "Amount": "amount",
    "Currency": "currency",
    "Close Date": "close_date",
    "Contact Roles": "contact_roles",
    "Description": "description",
}
_OPPORTUNITY_READ_ONLY = {
    "Opportunity ID",
    "Probability (%)",
    "Is Closed",
    "Is Won",
    "Primary Contact ID",
    "Created",
    "Last Modified",
}


def _contact_roles(cell: Any) -> list[tuple[str, str | None, bool]]:
    """``Contact Roles`` as (contact id, role, primary): ``id=role`` pairs, ``*`` the primary."""
    if cell is None:
        return []
    roles: list[tuple[str, str | None, bool]] = []
    for item in str(cell).split(";"):
        text = item.strip()
        if not text:
            continue
        primary = text.endswith("*")
        contact_id, _, role = text.removesuffix("*").partition("=")
        roles.append((contact_id.strip(), role.strip() or None, primary))
    return roles


def _with_roles(opportunity: Opportunity, cell: Any) -> Opportunity:
    """The opportunity with exactly the roles of the cell (through ``add_contact_role``)."""
    wanted = _contact_roles(cell)
    if sum(primary for _, _, primary in wanted) > 1:
        raise PolicyViolationError(
            [Violation("contact_roles.primary", "at most one primary contact", "contact_roles")]
        )
    updated = opportunity
    listed = {contact_id for contact_id, _, _ in wanted}
    for stale in [c for c in opportunity.contact_ids if c not in listed]:
        updated = updated.remove_contact_role(stale)
    try:
        for contact_id, role, primary in wanted:
            updated = updated.add_contact_role(contact_id, role, primary=primary)
    except PolicyViolationError as exc:
        raise PolicyViolationError(
            [attrs.evolve(v, field="contact_roles") for v in exc.violations]
        ) from None
    # re-adding the same roles reorders them on the way; unchanged roles change nothing
    return opportunity if updated.contact_roles == opportunity.contact_roles else updated


def opportunities_from_frame(frame: Any, existing: Iterable[Opportunity] = ()) -> list[Opportunity]:
    """Create and update opportunities from a frame shaped like :func:`opportunities_frame`.

    A row whose ``Opportunity ID`` is one of ``existing`` updates it (an empty
    cell clears that field; an empty ``Stage`` keeps the current one, or
    Prospecting for a new row); any other row creates an opportunity (with
    that id when one is given). ``Contact Roles`` (``id=role`` pairs
    separated by ``;``, ``*`` after the primary) replaces the roles through
    ``add_contact_role``. ``Probability (%)``, ``Is Closed``, ``Is Won`` and
    ``Primary Contact ID`` derive from the stage and roles and are ignored.

    Returns:
        The opportunities, in row order (not saved; whether role contacts
        belong to the account is checked when they are).

    Raises:
        ImportRejectedError: every bad row and unknown column; nothing is returned.
    """
    known = {o.id: o for o in existing}

    def build(row: dict[str, Any]) -> Opportunity:
        fields = _fields(row, _OPPORTUNITY_FIELD_OF)
        roles = fields.pop("contact_roles", _MISSING)
        opportunity_id = _row_id(row, "Opportunity ID")
        if opportunity_id is not None and opportunity_id in known:
            opportunity = known[opportunity_id].update(**fields)
        else:
            name = fields.pop("name", None)
            account_id = fields.pop("account_id", None)
            opportunity = Opportunity.create(name, account_id, id=opportunity_id, **fields)
        return opportunity if roles is _MISSING else _with_roles(opportunity, roles)

    return _records_from_frame(
        frame,
        "opportunities",
        _OPPORTUNITY_FIELD_OF,
        _OPPORTUNITY_READ_ONLY | set(OPPORTUNITY_COLUMNS),
        build,
    )


_CASE_FIELD_OF = {
    "Account ID": "account_id",
    "Contact ID": "contact_id",
    "Subject": "subject",
    "Status": "status",
    "Priority": "priority",
    "Origin": "origin",
    "Type": "type",
    "Reason": "reason",
    "Description": "description",
}
_CASE_READ_ONLY = {"Case ID", "Opened", "Closed"}


def cases_from_frame(frame: Any, existing: Iterable[Case] = ()) -> list[Case]:
    """Create and update cases from a frame shaped like :func:`cases_frame`.

    A row whose ``Case ID`` is one of ``existing`` updates it (an empty cell
    clears that field; an empty ``Status`` or ``Priority`` keeps the current
    one, or the default for a new row); any other row opens a case (with that
    id when one is given). ``Opened`` and ``Closed`` are read-only: a
    ``Closed`` status closes the case.

    Returns:
        The cases, in row order (not saved; whether the contact belongs to
        the account is checked when they are).

    Raises:
        ImportRejectedError: every bad row and unknown column; nothing is returned.
    """
    known = {k.id: k for k in existing}

    def build(row: dict[str, Any]) -> Case:
        fields = _fields(row, _CASE_FIELD_OF)
        case_id = _row_id(row, "Case ID")
        if case_id is not None and case_id in known:
            return known[case_id].update(**fields)
        subject = fields.pop("subject", None)
        account_id = fields.pop("account_id", None)
        return Case.create(subject, account_id, id=case_id, **fields)

    return _records_from_frame(
        frame, "cases", _CASE_FIELD_OF, _CASE_READ_ONLY | set(CASE_COLUMNS), build
    )


_RELATION_FIELD_OF = {
    "Account ID": "account_id",
    "Contact ID": "contact_id",
    "Roles": "roles",
    "Title": "title",
    "Active": "is_active",
    "Start Date": "start_date",
    "End Date": "end_date",
}


def relations_from_frame(
    frame: Any, existing: Iterable[AccountContactRelation] = ()
) -> list[AccountContactRelation]:
    """Create and update account-contact relations from a frame shaped like :func:`relations_frame`.

    A row whose ``Relation ID`` is one of ``existing`` updates it: the
    relation is built again through ``AccountContactRelation.create`` from
    its current values and the row's (an empty cell clears that field; an
    empty ``Active`` keeps the current value), keeping its version and
    creation time. Any other row creates a relation (with that id when one
    is given). ``Roles`` are separated by ``;``.

    Returns:
        The relations, in row order (not saved).

    Raises:
        ImportRejectedError: every bad row and unknown column; nothing is returned.
    """
    known = {r.id: r for r in existing}

    def build(row: dict[str, Any]) -> AccountContactRelation:
        fields = _fields(row, _RELATION_FIELD_OF)
        if "roles" in fields and fields["roles"] is None:
            fields["roles"] = ()  # an empty cell: no roles (create refuses None)
        relation_id = _row_id(row, "Relation ID")
        current = known.get(relation_id) if relation_id is not None else None
        if current is None:
            fields.setdefault("account_id", None)
            fields.setdefault("contact_id", None)
            return AccountContactRelation.create(id=relation_id, **fields)
        values: dict[str, Any] = {
            "account_id": current.account_id,
            "contact_id": current.contact_id,
            "roles": current.roles,
            "title": current.title,
            "is_active": current.is_active,
            "start_date": current.start_date,
            "end_date": current.end_date,
        }
        built = AccountContactRelation.create(id=current.id, **(values | fields))
        updated = attrs.evolve(built, version=current.version, created_at=current.created_at)
        return current if updated == current else updated

    return _records_from_frame(
        frame,
        "relations",
        _RELATION_FIELD_OF,
        {"Relation ID"} | set(RELATION_COLUMNS),
        build,
    )
