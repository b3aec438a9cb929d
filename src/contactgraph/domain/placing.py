"""Placing in bulk: many contacts added in one command (:meth:`Account.add_contacts`), and
unverified phones read once an account knows its region (:meth:`Account.place_phones`)."""

from __future__ import annotations

import itertools
import types
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs
import immutables

from contactgraph.domain.common import EMPTY_MAP, utcnow
from contactgraph.domain.contact import Contact
from contactgraph.domain.events import ContactAdded
from contactgraph.domain.fields import parse_contact_fields
from contactgraph.domain.ids import is_valid_id, new_id
from contactgraph.domain.parsers import region
from contactgraph.errors import ContactGraphError, InvalidValueError

if TYPE_CHECKING:
    from contactgraph.domain.account import Account

__all__ = ["AddResult", "add_contacts", "place_phones"]

AddResult = Contact | ContactGraphError
"""What one row of :meth:`Account.add_contacts` gave: its contact, or the error that refused it."""

_PHONE_REGION = region("phone_region")
_EMPTY_IDS: immutables.Map[str, None] = immutables.Map()
_TEXT = itertools.repeat(str)
_ROWS = "must be mappings of add_contact's keyword arguments (text keys)"


def add_contacts(
    account: Account, rows: Iterable[Mapping[str, Any]]
) -> tuple[Account, list[AddResult]]:
    """``account.add_contact(**row)`` for each row in order, as one command.

    The result is the account the one-by-one adds would give (a refused row
    leaves it as it was), and per row its new contact or the
    :class:`~contactgraph.errors.ContactGraphError` its own ``add_contact``
    raises, with the same violations and message. Exceptions of any other kind
    propagate, as they would from ``add_contact``.

    What does not depend on the row (the account's default region) is read
    once, and the rows that plainly pass (their fields parse, their id is new,
    their manager is already a contact here) go into one copy of the account,
    with one run of the structural invariants over all of them. Any other row
    goes through ``add_contact`` itself, so its refusal is exactly that one's.

    Raises:
        InvalidValueError: ``rows`` is not an iterable of mappings with text
            keys (nothing is added).
    """
    todo = _rows(rows)
    if not todo:
        return account, []
    batch = _Batch(account)
    results: list[AddResult] = []
    try:
        for row in todo:
            contact = batch.quick(row)
            results.append(contact if contact is not None else batch.one(row))
        done = batch.finish()
    except _Unforeseen:
        done = None
    if done is None:  # an invariant the quick path does not foresee: add them one by one
        return _one_by_one(account, todo)
    return done, results


class _Row:
    """One row: its fields (``last_name`` always there, as ``add_contact`` defaults it),
    its id (once generated, kept) and its phone region."""

    __slots__ = ("fields", "id", "phone_region")

    def __init__(self, row: Mapping[str, Any]) -> None:
        self.fields = {"last_name": None, **row}
        self.id = self.fields.pop("id", None)
        self.phone_region = self.fields.pop("phone_region", None)

    def add_to(self, account: Account) -> tuple[Account, Contact]:
        """``account.add_contact(**row)``."""
        return account.add_contact(id=self.id, phone_region=self.phone_region, **self.fields)


def _rows(rows: object) -> list[_Row]:
    """The rows; anything but mappings with text keys is refused as a whole.

    Raises:
        InvalidValueError: naming ``rows``.
    """
    if isinstance(rows, str | bytes | Mapping) or not isinstance(rows, Iterable):
        raise InvalidValueError(_ROWS, field="rows", value=rows)
    out: list[_Row] = []
    for row in rows:
        if (type(row) is not dict and not isinstance(row, Mapping)) or not all(
            map(isinstance, row, _TEXT)
        ):
            raise InvalidValueError(_ROWS, field="rows", value=row)
        out.append(_Row(row))
    return out


def _one_by_one(account: Account, rows: list[_Row]) -> tuple[Account, list[AddResult]]:
    results: list[AddResult] = []
    for row in rows:
        try:
            account, contact = row.add_to(account)
        except ContactGraphError as exc:
            results.append(exc)
        else:
            results.append(contact)
    return account, results


class _Batch:
    """The account being filled: a mutation of its contacts, its reports index, its events."""

    def __init__(self, account: Account) -> None:
        self.base = account
        self.region = account.default_region
        self._open(account)

    def _open(self, account: Account) -> None:
        self.base = account
        self.contacts = account._contacts.mutate()
        self.reports = account._reports
        self.events = account._events
        self.added: list[str] = []
        self.now: Any = None

    def quick(self, row: _Row) -> Contact | None:
        """The row's contact, added here; ``None`` when the row needs ``add_contact`` itself.

        A generated id is kept in ``row``, so ``add_contact`` gets the same.
        """
        contact_id = row.id
        if contact_id is None:
            contact_id = row.id = new_id()
        elif not is_valid_id(contact_id) or contact_id in self.contacts:
            return None
        phone_region = row.phone_region
        if phone_region is not None:
            try:
                phone_region = _PHONE_REGION(phone_region, None)
            except ContactGraphError:
                return None
        values, violations = parse_contact_fields(
            row.fields, region=phone_region or self.region, entity_id=contact_id
        )
        manager = values.get("reports_to")
        if violations or "name" not in values:
            return None
        if manager is not None and (manager == contact_id or manager not in self.contacts):
            return None
        now = utcnow()
        account_id = self.base.id
        contact = _contact(values, contact_id, account_id, now)
        self.contacts.set(contact_id, contact)
        if manager is not None:
            self.reports = self.reports.set(
                manager, self.reports.get(manager, _EMPTY_IDS).set(contact_id, None)
            )
        self.events = self.events.append(_added(account_id, now, contact_id))
        self.added.append(contact_id)
        self.now = now
        return contact

    def one(self, row: _Row) -> AddResult:
        """The row through ``add_contact`` on the account so far."""
        account = self.finish()
        if account is None:
            raise _Unforeseen
        try:
            account, contact = row.add_to(account)
        except ContactGraphError as exc:
            self._open(account)
            return exc
        self._open(account)
        return contact

    def finish(self) -> Account | None:
        """The account holding every row added so far; ``None`` if the invariants refuse it."""
        if not self.added:
            return self.base
        candidate = self.base._replace(
            contacts=self.contacts.finish(),
            reports_index=self.reports,
            events=self.events,
            updated_at=self.now,
        )
        if any(v.is_error for v in candidate._violations(self.added)):
            return None
        self._open(candidate)
        return candidate


_CONTACT_FIELDS = (
    "id",
    "account_id",
    "name",
    "email",
    "phone",
    "mobile",
    "title",
    "department",
    "mailing_address",
    "reports_to",
    "decision_role",
    "active",
    "email_opt_out",
    "do_not_call",
    "description",
    "birthdate",
    "lead_source",
    "alternate_emails",
    "alternate_phones",
    "external_ids",
    "extra",
    "created_at",
    "updated_at",
)
if tuple(a.name for a in attrs.fields(Contact)) != _CONTACT_FIELDS or any(
    a.converter or a.validator or a.on_setattr for a in attrs.fields(Contact)
):  # pragma: no cover
    raise RuntimeError("_contact must set exactly Contact's attributes, which it does not check")


def _slot_setters(cls: type[Any], names: tuple[str, ...]) -> tuple[Callable[[Any, Any], None], ...]:
    """The setters of ``cls``'s slots ``names`` (what ``object.__setattr__`` finds and calls)."""
    found: list[Callable[[Any, Any], None]] = []
    for name in names:
        slot = next((k.__dict__[name] for k in cls.__mro__ if name in k.__dict__), None)
        if not isinstance(slot, types.MemberDescriptorType):  # pragma: no cover - attrs changed
            raise RuntimeError(f"{cls.__name__}.{name} is not a slot")
        found.append(slot.__set__)
    return tuple(found)


(
    _ID,
    _ACCOUNT_ID,
    _NAME,
    _EMAIL,
    _PHONE,
    _MOBILE,
    _TITLE,
    _DEPARTMENT,
    _MAILING_ADDRESS,
    _REPORTS_TO,
    _DECISION_ROLE,
    _ACTIVE,
    _EMAIL_OPT_OUT,
    _DO_NOT_CALL,
    _DESCRIPTION,
    _BIRTHDATE,
    _LEAD_SOURCE,
    _ALTERNATE_EMAILS,
    _ALTERNATE_PHONES,
    _EXTERNAL_IDS,
    _EXTRA,
    _CREATED_AT,
    _UPDATED_AT,
) = _slot_setters(Contact, _CONTACT_FIELDS)
_NEW = object.__new__
if tuple(a.name for a in attrs.fields(ContactAdded)) != (
    "aggregate_id",
    "occurred_at",
    "contact_id",
) or any(a.converter or a.validator or a.on_setattr for a in attrs.fields(ContactAdded)):
    raise RuntimeError("_added must set exactly ContactAdded's attributes")  # pragma: no cover
_ADDED_AGGREGATE_ID, _ADDED_OCCURRED_AT, _ADDED_CONTACT_ID = _slot_setters(
    ContactAdded, ("aggregate_id", "occurred_at", "contact_id")
)
_DEFAULTS = {
    "active": True,
    "email_opt_out": False,
    "do_not_call": False,
    "alternate_emails": (),
    "alternate_phones": (),
    "external_ids": EMPTY_MAP,
    "extra": EMPTY_MAP,
}
"""Contact's defaults other than ``None`` (as :func:`_contact` spells them)."""
if any(
    a.default is not _DEFAULTS.get(a.name)
    for a in attrs.fields(Contact)
    if a.name not in {"id", "account_id", "name", "created_at", "updated_at"}
):  # pragma: no cover
    raise RuntimeError("_contact must give Contact's own defaults")


def _contact(values: dict[str, Any], contact_id: str, account_id: str, now: datetime) -> Contact:
    """``Contact(id=contact_id, account_id=account_id, created_at=now, updated_at=now,
    **values)`` for ``values`` from :func:`parse_contact_fields` (a ``name`` among them):
    the same instance, each slot set directly: ~60 % of the cost of attrs' ``__init__``
    (keyword arguments, ``object.__setattr__`` by name), as no attribute of Contact
    converts or validates."""
    inst: Contact = _NEW(Contact)
    get = values.get
    _ID(inst, contact_id)
    _ACCOUNT_ID(inst, account_id)
    _NAME(inst, values["name"])
    _EMAIL(inst, get("email"))
    _PHONE(inst, get("phone"))
    _MOBILE(inst, get("mobile"))
    _TITLE(inst, get("title"))
    _DEPARTMENT(inst, get("department"))
    _MAILING_ADDRESS(inst, get("mailing_address"))
    _REPORTS_TO(inst, get("reports_to"))
    _DECISION_ROLE(inst, get("decision_role"))
    _ACTIVE(inst, get("active", True))
    _EMAIL_OPT_OUT(inst, get("email_opt_out", False))
    _DO_NOT_CALL(inst, get("do_not_call", False))
    _DESCRIPTION(inst, get("description"))
    _BIRTHDATE(inst, get("birthdate"))
    _LEAD_SOURCE(inst, get("lead_source"))
    _ALTERNATE_EMAILS(inst, get("alternate_emails", ()))
    _ALTERNATE_PHONES(inst, get("alternate_phones", ()))
    _EXTERNAL_IDS(inst, get("external_ids", EMPTY_MAP))
    _EXTRA(inst, get("extra", EMPTY_MAP))
    _CREATED_AT(inst, now)
    _UPDATED_AT(inst, now)
    return inst


def _added(account_id: str, now: datetime, contact_id: str) -> ContactAdded:
    """``ContactAdded(aggregate_id=account_id, occurred_at=now, contact_id=contact_id)``,
    each slot set directly (as :func:`_contact`)."""
    event: ContactAdded = _NEW(ContactAdded)
    _ADDED_AGGREGATE_ID(event, account_id)
    _ADDED_OCCURRED_AT(event, now)
    _ADDED_CONTACT_ID(event, contact_id)
    return event


class _Unforeseen(Exception):
    """The quick path let through a row the invariants refuse (see :func:`add_contacts`)."""


def place_phones(account: Account) -> Account:
    """``account`` with its and its contacts' unverified phones (phone, mobile and
    alternates) read in its default region.

    Numbers not possible there stay unverified; each command goes through the
    account's own ``update`` / ``update_contact``, so events record the change.
    """
    region = account.default_region
    if not region:
        return account
    placed_account = account
    if account.phone is not None and not account.phone.verified:
        placed = account.phone.place(region, strict=False)
        if placed.verified:
            placed_account = placed_account.update(phone=placed)
    for contact in account.sorted_contacts():
        found: dict[str, Any] = {}
        for field in ("phone", "mobile"):
            number = getattr(contact, field)
            placed_number = number.place(region, strict=False) if number is not None else None
            if placed_number is not number:
                found[field] = placed_number
        alternates = tuple(n.place(region, strict=False) for n in contact.alternate_phones)
        if alternates != contact.alternate_phones:
            found["alternate_phones"] = alternates
        if found:
            placed_account = placed_account.update_contact(contact.id, **found)
    return placed_account
