"""Records back from pandas DataFrames, through the domain commands.

Every row gets the same validation as any other input, and every bad row is
reported at once (:class:`~contactgraph.errors.ImportRejectedError`); nothing
is saved here.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import attrs

from contactgraph.domain import Account, AccountContactRelation, Case, Opportunity
from contactgraph.errors import ImportRejectedError, PolicyViolationError, RowError, Violation
from contactgraph.interop.frames.columns import (
    ACCOUNT,
    CASE,
    CONTACT,
    FLAGS,
    LISTS,
    OPPORTUNITY,
    RELATION,
    fields_of,
    pandas,
)
from contactgraph.interop.frames.rows import (
    MISSING,
    address_fields,
    cell,
    date_cell,
    extras,
    flag,
    index_id,
    list_cell,
    number_as_text,
    records_from_frame,
    row_fields,
    row_id,
    row_label,
    unknown_columns,
    violation_errors,
)

__all__ = [
    "accounts_from_frame",
    "cases_from_frame",
    "contacts_from_frame",
    "opportunities_from_frame",
    "relations_from_frame",
]

_CONTACT_FIELD_OF = fields_of(CONTACT)


def contacts_from_frame(
    frame: Any,
    account: Account,
    *,
    phone_region: str | None = None,
    restore_consent: bool = False,
) -> Account:
    """Add and update ``account``'s contacts from a frame shaped like :func:`contacts_frame`.

    A row whose ``Contact ID`` is a contact of the account updates it (an
    empty cell clears that field); any other row adds a contact (with that id
    when one is given). ``Account ID``, ``Created`` and ``Last Modified`` are
    read-only. Reports-to links are set after every row is in, so a row may
    name a manager added further down.

    Consent: a ``False`` in ``Email Opt Out`` or ``Do Not Call`` for a contact
    that has opted out keeps the opt-out (with a :class:`UserWarning` naming
    the row) unless ``restore_consent``; an empty cell or a missing column
    keeps the stored value.

    Returns:
        The new account (not saved: save it with ``store.accounts.save``).

    Raises:
        ImportRejectedError: every bad row (rows count from 1, the first data
            row; ``record`` is the index label when the index is not a plain
            range), and every unknown column (as row 0, the header); the
            account is unchanged.
    """
    pandas()
    errors = unknown_columns(frame, CONTACT)
    if errors:
        raise ImportRejectedError(errors, "contacts refused: unknown column(s)")
    updated = account
    managers: list[tuple[int, str | None, str, Any]] = []
    columns = [str(c) for c in frame.columns]
    for position, values in enumerate(frame.itertuples(index=False, name=None)):
        row_no = position + 1
        record = row_label(frame, position)
        row = {col: cell(v) for col, v in zip(columns, values, strict=True)}
        index_id(row, frame, position, "Contact ID")
        fields: dict[str, Any] = {}
        for column, field in _CONTACT_FIELD_OF.items():
            if column not in row:
                continue
            value = row[column]
            if column in FLAGS:
                if value is None:
                    continue
                value = flag(value)
            elif column in LISTS:
                value = list_cell(value)
            elif column == "Birthdate":
                value = date_cell(value)
            else:
                value = number_as_text(value)
            fields[field] = value
        present, address = address_fields(row, "Mailing")
        if present:
            fields["mailing_address"] = address
        extras(row, fields)
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
        contact_id = row_id(row, "Contact ID")
        reports_to = fields.pop("reports_to", MISSING)
        if not restore_consent and contact_id is not None and contact_id in updated.contacts:
            _keep_opt_outs(fields, updated.contacts[contact_id], row_no)
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
            errors.extend(violation_errors(exc, row_no, record, _CONTACT_FIELD_OF))
            continue
        if reports_to is not MISSING:
            managers.append((row_no, record, contact_id, reports_to))
    for row_no, record, contact_id, manager in managers:
        try:
            updated = updated.update_contact(contact_id, reports_to=manager)
        except PolicyViolationError as exc:
            errors.extend(violation_errors(exc, row_no, record, _CONTACT_FIELD_OF))
    if errors:
        raise ImportRejectedError(
            sorted(errors, key=lambda e: e.row),
            f"contacts refused for {account.name}, {len(errors)} problem(s); nothing changed",
        )
    return updated


def _keep_opt_outs(fields: dict[str, Any], current: Any, row_no: int) -> None:
    """Drop a ``False`` for a consent flag the contact has set, with a warning."""
    for field in ("email_opt_out", "do_not_call"):
        if fields.get(field) is False and getattr(current, field):
            del fields[field]
            warnings.warn(
                f"row {row_no}: {current.full_name} ({current.id}) keeps {field}=True "
                "(the frame says False); pass restore_consent=True to turn it off",
                UserWarning,
                stacklevel=3,
            )


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
        for column, field in fields_of(ACCOUNT).items():
            if column in row:
                value = row[column]
                if column in {"Phone", "Parent Account ID"}:
                    value = number_as_text(value)
                fields[field] = value
        for prefix, field in (("Billing", "billing_address"), ("Shipping", "shipping_address")):
            present, address = address_fields(row, prefix)
            if present:
                fields[field] = address
        extras(row, fields)
        account_id = row_id(row, "Account ID")
        if account_id is not None and account_id in known:
            return known[account_id].update(**fields)
        name = fields.pop("name", None)
        return Account.create(name, id=account_id, **fields)

    return records_from_frame(frame, "accounts", ACCOUNT, build)


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
        fields = row_fields(row, fields_of(OPPORTUNITY))
        roles = fields.pop("contact_roles", MISSING)
        opportunity_id = row_id(row, "Opportunity ID")
        if opportunity_id is not None and opportunity_id in known:
            opportunity = known[opportunity_id].update(**fields)
        else:
            name = fields.pop("name", None)
            account_id = fields.pop("account_id", None)
            opportunity = Opportunity.create(name, account_id, id=opportunity_id, **fields)
        return opportunity if roles is MISSING else _with_roles(opportunity, roles)

    return records_from_frame(
        frame,
        "opportunities",
        OPPORTUNITY,
        build,
    )


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
        fields = row_fields(row, fields_of(CASE))
        case_id = row_id(row, "Case ID")
        if case_id is not None and case_id in known:
            return known[case_id].update(**fields)
        subject = fields.pop("subject", None)
        account_id = fields.pop("account_id", None)
        return Case.create(subject, account_id, id=case_id, **fields)

    return records_from_frame(frame, "cases", CASE, build)


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
        fields = row_fields(row, fields_of(RELATION))
        if "roles" in fields and fields["roles"] is None:
            fields["roles"] = ()  # an empty cell: no roles (create refuses None)
        relation_id = row_id(row, "Relation ID")
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

    return records_from_frame(
        frame,
        "relations",
        RELATION,
        build,
    )
