"""The Account aggregate: a company and the contacts who work there.

Every command returns a new Account and leaves the old one untouched. The
contacts sit in a persistent map (``immutables.Map``, a HAMT), so a command
costs about the same on an account of 10 contacts or of 20,000. Structural
invariants run on every command over the contacts it touched; a refused
command raises :class:`~contactgraph.errors.PolicyViolationError` listing
every violation.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import attrs
import immutables
import phonenumbers

from contactgraph.domain.contact import (
    CONTACT_FIELDS,
    EMPTY_MAP,
    NAME_FIELDS,
    Contact,
    ExtraValue,
    parse_contact_fields,
    utcnow,
)
from contactgraph.domain.events import (
    EMPTY_LOG,
    AccountCreated,
    AccountUpdated,
    ContactAdded,
    ContactDeactivated,
    ContactEvent,
    ContactMovedIn,
    ContactMovedOut,
    ContactReactivated,
    ContactRemoved,
    ContactUpdated,
    DomainEvent,
    EventLog,
    FieldChange,
)
from contactgraph.domain.ids import new_id
from contactgraph.domain.invariants import STRUCTURAL_INVARIANTS
from contactgraph.domain.text import clean_multiline, clean_single_line, match_key
from contactgraph.domain.values import Address, Email, PersonName, Phone, region_of_country
from contactgraph.errors import InvalidValueError, NotFoundError, PolicyViolationError, Violation

__all__ = ["ACCOUNT_FIELDS", "Account", "OrgNode", "new_id"]

_EMPTY_IDS: immutables.Map[str, None] = immutables.Map()
_NO_NAME = PersonName.trusted("?")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()


@attrs.frozen(slots=True)
class OrgNode:
    """One contact in an org chart, with the contacts reporting to it.

    Attributes:
        contact: The contact.
        reports: Its direct reports, each with their own reports.
    """

    contact: Contact
    reports: tuple[OrgNode, ...] = ()

    def walk(self, depth: int = 0) -> Iterator[tuple[int, Contact]]:
        """Every contact of this subtree with its depth, manager before reports."""
        stack: list[tuple[int, OrgNode]] = [(depth, self)]
        while stack:  # no recursion: charts can be thousands deep
            level, node = stack.pop()
            yield level, node.contact
            stack.extend((level + 1, child) for child in reversed(node.reports))

    def _repr_html_(self) -> str:
        """The chart below this contact, as nested lists in Jupyter."""
        from contactgraph.domain.display import org_chart_html

        return org_chart_html([self])


def _line(field: str, max_length: int = 255) -> Any:
    def parse(value: Any, _region: str | None) -> str | None:
        if value is None:
            return None
        return clean_single_line(value, field, max_length=max_length) or None

    return parse


def _name(value: Any, _region: str | None) -> str:
    text = None if value is None else clean_single_line(value, "name")
    if not text:
        raise InvalidValueError(
            "an account needs a name", field="name", value=value, code="account_name.required"
        )
    return text


def _phone(value: Any, region: str | None) -> Phone | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return Phone.parse(value, region, field="phone")


def _address(field: str) -> Any:
    def parse(value: Any, _region: str | None) -> Address | None:
        if value is None:
            return None
        if isinstance(value, Address):
            address = value
        elif isinstance(value, Mapping):
            try:
                address = Address(**value)
            except TypeError:
                raise InvalidValueError(
                    "unknown address part; use street, city, state, postal_code, country",
                    field=field,
                    value=value,
                ) from None
        else:
            raise InvalidValueError(
                "must be an Address or a mapping of its parts", field=field, value=value
            )
        return None if address.is_empty else address

    return parse


def _decimal(value: Any, _region: str | None) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidValueError("must be a number", field="annual_revenue", value=value)
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise InvalidValueError("must be a number", field="annual_revenue", value=value) from None
    if not number.is_finite():
        raise InvalidValueError("must be a finite number", field="annual_revenue", value=value)
    return number


def _count(value: Any, _region: str | None) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidValueError("must be a whole number", field="number_of_employees", value=value)
    try:
        number = int(value) if isinstance(value, int) else int(Decimal(str(value).strip()))
    except (InvalidOperation, ValueError):
        raise InvalidValueError(
            "must be a whole number", field="number_of_employees", value=value
        ) from None
    if number < 0:
        raise InvalidValueError("cannot be negative", field="number_of_employees", value=value)
    return number


def _parent(value: Any, _region: str | None) -> str | None:
    if value is None or value == "":
        return None
    return clean_single_line(value, "parent_id", max_length=64)


def _region(value: Any, _region: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidValueError(
            "must be an ISO 3166 alpha-2 region such as 'FR'", field="phone_region", value=value
        )
    return value.upper()


def _description(value: Any, _region: str | None) -> str | None:
    return None if value is None else (clean_multiline(value, "description") or None)


ACCOUNT_FIELDS: Mapping[str, Any] = {
    "name": _name,
    "type": _line("type", 80),
    "industry": _line("industry", 80),
    "website": _line("website"),
    "phone": _phone,
    "billing_address": _address("billing_address"),
    "shipping_address": _address("shipping_address"),
    "parent_id": _parent,
    "description": _description,
    "annual_revenue": _decimal,
    "number_of_employees": _count,
    "phone_region": _region,
    "external_ids": CONTACT_FIELDS["external_ids"],
    "extra": CONTACT_FIELDS["extra"],
}
"""Every field a caller may set on an account, with the parser that validates it."""


def _plain(value: Any) -> Any:
    """A value as plain data, for change records (events, history)."""
    if isinstance(value, enum.Enum):
        return value.value
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Email):
        return value.address
    if isinstance(value, Phone):
        return value.e164
    if isinstance(value, Address):
        return {k: v for k, v in attrs.asdict(value).items() if v is not None}
    if isinstance(value, immutables.Map):
        return dict(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return str(value)


@attrs.frozen(slots=True, kw_only=True)
class Account:
    """A company: the aggregate root that owns its contacts.

    Build one with :meth:`create`; the attrs constructor takes values that are
    already validated (stores use it, through :meth:`rehydrate`).

    Attributes:
        id: Stable id (UUID text).
        name: Company name (required).
        type: Salesforce's Account Type (Customer, Partner, Prospect…).
        industry: Industry.
        website: Web site.
        phone: Main phone.
        billing_address: Billing address; its country gives contacts' phones
            their default region.
        shipping_address: Shipping address.
        parent_id: Parent account (account hierarchy).
        description: Free notes.
        annual_revenue: Annual revenue.
        number_of_employees: Head count.
        phone_region: Default region for national phone numbers, overriding
            the billing country.
        external_ids: Ids in other systems (``{"salesforce": "001…"}``).
        extra: Custom fields kept for round trips.
        version: Version of the stored copy this one derives from (0 = never saved).
        created_at: When the account was created (UTC).
        updated_at: When it last changed (UTC).
    """

    id: str
    name: str
    type: str | None = None
    industry: str | None = None
    website: str | None = None
    phone: Phone | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    parent_id: str | None = None
    description: str | None = None
    annual_revenue: Decimal | None = None
    number_of_employees: int | None = None
    phone_region: str | None = None
    external_ids: immutables.Map[str, str] = EMPTY_MAP
    extra: immutables.Map[str, ExtraValue] = EMPTY_MAP
    version: int = 0
    created_at: datetime = attrs.field(factory=utcnow)
    updated_at: datetime = attrs.field(factory=utcnow)
    _contacts: immutables.Map[str, Contact] = attrs.field(
        default=EMPTY_MAP, alias="contacts", repr=False
    )
    _reports: immutables.Map[str, immutables.Map[str, None]] = attrs.field(
        default=EMPTY_MAP, alias="reports_index", repr=False, eq=False
    )
    _events: EventLog = attrs.field(default=EMPTY_LOG, alias="events", repr=False, eq=False)

    # ----------------------------------------------------------------- building

    @classmethod
    def create(cls, name: str, *, id: str | None = None, **fields: Any) -> Account:
        """A new account, validated; records :class:`AccountCreated`.

        Raises:
            PolicyViolationError: listing every invalid field.
        """
        account_id = id if id is not None else new_id()
        _require_id(account_id, "account")
        values, violations = _parse_account_fields({"name": name, **fields}, account_id)
        if violations:
            raise PolicyViolationError(violations, "account refused")
        now = utcnow()
        account = cls(id=account_id, created_at=now, updated_at=now, **values)
        account._check(())
        event = AccountCreated(aggregate_id=account_id, occurred_at=now, account_name=account.name)
        return account._replace(events=EMPTY_LOG.append(event))

    @classmethod
    def rehydrate(cls, contacts: Iterable[Contact] = (), **fields: Any) -> Account:
        """Rebuild a stored account from trusted values, without validating them again."""
        contact_map = immutables.Map((c.id, c) for c in contacts)
        reports: dict[str, dict[str, None]] = {}
        for contact in contact_map.values():
            if contact.reports_to is not None:
                reports.setdefault(contact.reports_to, {})[contact.id] = None
        index = immutables.Map((k, immutables.Map(v)) for k, v in reports.items())
        return cls(contacts=contact_map, reports_index=index, **fields)

    def _replace(self, **changes: Any) -> Account:
        """A copy with ``changes`` (attribute names), skipping validation; the hot path."""
        new = object.__new__(Account)
        for set_slot, get_slot, alias in _SLOT_ACCESS:
            set_slot(new, changes[alias] if alias in changes else get_slot(self))
        return new

    def _violations(self, contact_ids: Collection[str]) -> list[Violation]:
        violations: list[Violation] = []
        for rule in STRUCTURAL_INVARIANTS:
            violations.extend(rule.check_contacts(self, contact_ids))
        return violations

    def _check(self, contact_ids: Collection[str], found: Iterable[Violation] = ()) -> None:
        violations = [*found, *self._violations(contact_ids)]
        if any(v.is_error for v in violations):
            raise PolicyViolationError(violations, f"account {self.id}: command refused")

    @property
    def default_region(self) -> str | None:
        """Region national phone numbers are read in: ``phone_region``, else the billing country."""
        if self.phone_region:
            return self.phone_region
        return self.billing_address.region if self.billing_address is not None else None

    # ------------------------------------------------------------------ queries

    @property
    def contacts(self) -> Mapping[str, Contact]:
        """Read-only mapping of contact id to :class:`Contact`."""
        return self._contacts

    def contact(self, contact_id: str) -> Contact:
        """The contact with this id. Raises :class:`NotFoundError` if it is not here."""
        try:
            return self._contacts[contact_id]
        except (KeyError, TypeError):
            raise NotFoundError("Contact", contact_id) from None

    def __contains__(self, contact_id: object) -> bool:
        return contact_id in self._contacts

    def __len__(self) -> int:
        """Number of contacts."""
        return len(self._contacts)

    def sorted_contacts(self, contacts: Iterable[Contact] | None = None) -> list[Contact]:
        """Contacts by last name, first name (case- and accent-insensitive), then id."""
        items = self._contacts.values() if contacts is None else contacts
        return sorted(items, key=lambda c: (c.name.sort_key, c.id))

    def active_contacts(self) -> list[Contact]:
        """Active contacts, sorted by name."""
        return self.sorted_contacts(c for c in self._contacts.values() if c.active)

    def decision_makers(self) -> list[Contact]:
        """Active contacts whose decision role decides (decision maker, economic buyer…)."""
        return self.sorted_contacts(
            c for c in self._contacts.values() if c.active and c.is_decision_maker
        )

    def find_contacts(
        self,
        *,
        email: str | None = None,
        name: str | None = None,
        title: str | None = None,
        department: str | None = None,
        phone: str | None = None,
        active: bool | None = None,
    ) -> list[Contact]:
        """Contacts matching every given criterion, sorted by name.

        ``email`` ignores case (main and alternate addresses); ``name`` matches
        a first name, a last name or the full name, ignoring case and accents;
        ``title`` and ``department`` ignore case and accents; ``phone`` is
        compared in E.164 after parsing in the account's default region.
        """
        email_key = (
            unicodedata.normalize("NFC", email.strip()).casefold() if email is not None else None
        )
        name_key = match_key(name) if name is not None else None
        title_key = match_key(title) if title is not None else None
        dept_key = match_key(department) if department is not None else None
        phone_e164: str | None = None
        if phone is not None:
            try:
                phone_e164 = Phone.parse(phone, self.default_region).e164
            except InvalidValueError:
                return []
        out = []
        for c in self._contacts.values():
            if active is not None and c.active is not active:
                continue
            if email_key is not None and not any(
                e.match_key == email_key
                for e in ((c.email,) if c.email else ()) + c.alternate_emails
            ):
                continue
            if name_key is not None and name_key not in c.name.match_keys:
                continue
            if title_key is not None and match_key(c.title or "") != title_key:
                continue
            if dept_key is not None and match_key(c.department or "") != dept_key:
                continue
            if phone_e164 is not None and phone_e164 not in {
                p.e164 for p in (c.phone, c.mobile, *c.alternate_phones) if p is not None
            }:
                continue
            out.append(c)
        return self.sorted_contacts(out)

    def direct_reports(self, contact_id: str) -> list[Contact]:
        """Contacts whose manager is ``contact_id``, sorted by name."""
        self.contact(contact_id)
        ids = self._reports.get(contact_id, _EMPTY_IDS)
        return self.sorted_contacts(self._contacts[i] for i in ids)

    def manager_of(self, contact_id: str) -> Contact | None:
        """The contact's manager, or ``None`` at the top of the chart."""
        manager = self.contact(contact_id).reports_to
        return self._contacts.get(manager) if manager is not None else None

    def reporting_chain(self, contact_id: str) -> list[Contact]:
        """The contact's managers, nearest first, up to the top of the chart."""
        chain: list[Contact] = []
        seen = {contact_id}
        current = self.contact(contact_id).reports_to
        # The guards only matter for an account rebuilt from corrupt rows.
        while current is not None and current not in seen:
            manager = self._contacts.get(current)
            if manager is None:
                break
            chain.append(manager)
            seen.add(current)
            current = manager.reports_to
        return chain

    def all_reports(self, contact_id: str) -> list[Contact]:
        """Direct and indirect reports, breadth first."""
        self.contact(contact_id)
        out: list[Contact] = []
        seen = {contact_id}
        frontier = [contact_id]
        while frontier:
            level: list[Contact] = []
            for manager in frontier:
                level.extend(
                    self._contacts[i]
                    for i in self._reports.get(manager, _EMPTY_IDS)
                    if i not in seen  # only a corrupt, cyclic account repeats anyone
                )
            level = self.sorted_contacts(level)
            seen.update(c.id for c in level)
            out.extend(level)
            frontier = [c.id for c in level]
        return out

    def org_chart(self) -> list[OrgNode]:
        """The reports-to forest: top managers (and people with no manager) first.

        Built without recursion, so a reporting chain thousands deep works.
        """
        roots = self.sorted_contacts(c for c in self._contacts.values() if c.reports_to is None)
        order: list[Contact] = []
        children: dict[str, list[Contact]] = {}
        stack = list(roots)
        while stack:
            contact = stack.pop()
            order.append(contact)
            kids = self.sorted_contacts(
                self._contacts[i] for i in self._reports.get(contact.id, _EMPTY_IDS)
            )
            children[contact.id] = kids
            stack.extend(kids)
        built: dict[str, OrgNode] = {}
        for contact in reversed(order):  # reports before their manager
            built[contact.id] = OrgNode(contact, tuple(built[k.id] for k in children[contact.id]))
        return [built[c.id] for c in roots]

    # ----------------------------------------------------------------- events

    @property
    def pending_events(self) -> tuple[DomainEvent, ...]:
        """Events recorded since this account was last saved, oldest first."""
        return tuple(self._events)

    def touched_contact_ids(self) -> set[str]:
        """Ids of the contacts added, changed or removed since the last save."""
        return {e.contact_id for e in self._events if isinstance(e, ContactEvent)}

    def touched_contacts(self) -> dict[str, bool]:
        """Contacts added, changed or removed since the last save -> whether each was stored then.

        One pass over the events (a contact's first event tells: added or
        moved in means it was not stored), so a store's save costs the
        number of events, not that number times the contacts touched.
        """
        out: dict[str, bool] = {}
        for event in self._events:
            if isinstance(event, ContactEvent) and event.contact_id not in out:
                out[event.contact_id] = not isinstance(event, ContactAdded | ContactMovedIn)
        return out

    @property
    def account_fields_changed(self) -> bool:
        """Whether a command changed the account's own fields since the last save."""
        return any(isinstance(e, AccountCreated | AccountUpdated) for e in self._events)

    def committed(self, version: int) -> Account:
        """The copy a store hands back after saving: new version, no pending events."""
        return self._replace(version=version, events=EMPTY_LOG)

    # ---------------------------------------------------------------- commands

    def update(self, **fields: Any) -> Account:
        """Change the account's own fields; records :class:`AccountUpdated`."""
        values, violations = _parse_account_fields(fields, self.id, self.default_region)
        if violations:
            raise PolicyViolationError(violations, f"account {self.id} update refused")
        changes = tuple(
            FieldChange(k, _plain(getattr(self, k)), _plain(v))
            for k, v in values.items()
            if getattr(self, k) != v
        )
        if not changes:
            return self
        now = utcnow()
        candidate = self._replace(**values, updated_at=now)
        candidate._check(())
        return candidate._record(
            AccountUpdated(aggregate_id=self.id, occurred_at=now, changes=changes)
        )

    def add_contact(
        self,
        last_name: str | None = None,
        *,
        id: str | None = None,
        phone_region: str | None = None,
        **fields: Any,
    ) -> tuple[Account, Contact]:
        """Add a contact to this account: the only way a contact comes into being.

        ``last_name`` is the only required field; any field of
        :data:`~contactgraph.domain.contact.CONTACT_FIELDS` may be given.
        National phone numbers are read in ``phone_region``, else the account's
        :attr:`default_region`.

        Returns:
            The new account and the new contact.

        Raises:
            PolicyViolationError: listing every problem (invalid email, unknown
                manager, duplicate id…); the account is unchanged.
        """
        contact_id = id if id is not None else new_id()
        violations: list[Violation] = []
        _require_id(contact_id, "contact")
        if contact_id in self._contacts:
            violations.append(
                Violation(
                    "id.duplicate",
                    f"account {self.id} already has a contact with this id",
                    "id",
                    contact_id,
                    policy="contact_identity",
                )
            )
        values, found = parse_contact_fields(
            {"last_name": last_name, **fields},
            region=phone_region or self.default_region,
            entity_id=contact_id,
        )
        violations.extend(found)
        if any(v.code == "id.duplicate" for v in violations):
            raise PolicyViolationError(violations, f"contact refused by account {self.id}")
        if "name" not in values:  # refused below; a stand-in lets every other check run
            values["name"] = _NO_NAME
        now = utcnow()
        contact = Contact(
            id=contact_id, account_id=self.id, created_at=now, updated_at=now, **values
        )
        event = ContactAdded(aggregate_id=self.id, occurred_at=now, contact_id=contact_id)
        candidate = self._with_contact(contact, None, event, now)
        candidate._check((contact_id,), violations)
        return candidate, contact

    def update_contact(
        self, contact_id: str, *, phone_region: str | None = None, **fields: Any
    ) -> Account:
        """Change fields of one contact; records :class:`ContactUpdated` with the changed fields.

        Setting a name part (``first_name``…) keeps the other parts.
        """
        current = self.contact(contact_id)
        values, violations = parse_contact_fields(
            fields,
            region=phone_region or self.default_region,
            current=current,
            entity_id=contact_id,
        )
        changes = _contact_changes(current, values)
        if not changes and not violations:
            return self
        now = utcnow()
        updated = attrs.evolve(current, **values, updated_at=now)
        event = ContactUpdated(
            aggregate_id=self.id, occurred_at=now, contact_id=contact_id, changes=changes
        )
        candidate = self._with_contact(updated, current, event, now)
        candidate._check((contact_id,), violations)
        return candidate

    def revert_contact(self, previous: Contact) -> Account:
        """Put back an earlier version of one of this account's contacts (an undo).

        Every field but the id, the account and ``created_at`` returns to its
        value in ``previous``; records :class:`ContactUpdated` with the fields
        that changed, and runs the structural invariants like any command.
        """
        current = self.contact(previous.id)
        if previous.account_id != self.id:
            raise PolicyViolationError(
                [
                    Violation(
                        "account_id.mismatch",
                        f"{previous.full_name} belonged to account {previous.account_id}",
                        "account_id",
                        previous.id,
                    )
                ]
            )
        values = {field: getattr(previous, field) for field in _REVERTIBLE}
        changes = _contact_changes(current, values)
        if not changes:
            return self
        now = utcnow()
        reverted = attrs.evolve(current, **values, updated_at=now)
        event = ContactUpdated(
            aggregate_id=self.id, occurred_at=now, contact_id=previous.id, changes=changes
        )
        candidate = self._with_contact(reverted, current, event, now)
        candidate._check((previous.id,))
        return candidate

    def deactivate_contact(self, contact_id: str) -> Account:
        """Mark a contact inactive: kept, but it receives nothing any more."""
        return self._set_active(contact_id, False)

    def reactivate_contact(self, contact_id: str) -> Account:
        """Mark an inactive contact active again."""
        return self._set_active(contact_id, True)

    def _set_active(self, contact_id: str, active: bool) -> Account:
        current = self.contact(contact_id)
        if current.active is active:
            return self
        now = utcnow()
        updated = attrs.evolve(current, active=active, updated_at=now)
        event_type = ContactReactivated if active else ContactDeactivated
        event = event_type(aggregate_id=self.id, occurred_at=now, contact_id=contact_id)
        return self._with_contact(updated, current, event, now)

    def remove_contact(
        self, contact_id: str, *, reassign_reports_to: str | _Unset | None = UNSET
    ) -> Account:
        """Remove a contact from the account.

        Refused while other contacts report to it, unless
        ``reassign_reports_to`` names their new manager (or is ``None`` to
        leave them without one) in the same call.
        """
        removed = self.contact(contact_id)
        reports = list(self._reports.get(contact_id, _EMPTY_IDS))
        if reports and isinstance(reassign_reports_to, _Unset):
            raise PolicyViolationError(
                [
                    Violation(
                        "contact.has_reports",
                        f"{len(reports)} contact(s) report to {removed.full_name}; "
                        "pass reassign_reports_to=<manager id or None>",
                        "reports_to",
                        contact_id,
                        policy="remove_contact",
                    )
                ],
                f"contact {contact_id} cannot be removed",
            )
        account = self
        if reports:
            if reassign_reports_to == contact_id:
                raise PolicyViolationError(
                    [
                        Violation(
                            "reports_to.self",
                            "cannot reassign reports to the contact being removed",
                            "reports_to",
                            contact_id,
                        )
                    ]
                )
            promoted = reassign_reports_to
            for report_id in reports:
                # A report promoted in the removed contact's place takes its manager.
                manager = removed.reports_to if report_id == promoted else promoted
                account = account.update_contact(report_id, reports_to=manager)
        now = utcnow()
        candidate = account._without_contact(removed)
        event = ContactRemoved(aggregate_id=self.id, occurred_at=now, contact_id=contact_id)
        return candidate._record(event, now)

    def release_contact(
        self, contact_id: str, to_account_id: str
    ) -> tuple[Account, Contact, list[str]]:
        """Let a contact leave for another account (see :meth:`receive_contact`).

        Reports-to links that would cross accounts are cut: the contact's own
        manager link, and its reports' links to it.

        Returns:
            This account without the contact, the contact as it leaves (with
            no manager), and the ids of the contacts whose manager link was cut.
        """
        leaving = self.contact(contact_id)
        if to_account_id == self.id:
            raise PolicyViolationError(
                [
                    Violation(
                        "move.same_account",
                        "the contact already belongs to this account",
                        "account_id",
                        contact_id,
                    )
                ]
            )
        account = self
        cut = list(self._reports.get(contact_id, _EMPTY_IDS))
        for report_id in cut:
            account = account.update_contact(report_id, reports_to=None)
        now = utcnow()
        if leaving.reports_to is not None:
            cut.insert(0, contact_id)
        moved = attrs.evolve(leaving, account_id=to_account_id, reports_to=None, updated_at=now)
        event = ContactMovedOut(
            aggregate_id=self.id,
            occurred_at=now,
            contact_id=contact_id,
            to_account_id=to_account_id,
        )
        return account._without_contact(leaving)._record(event, now), moved, cut

    def receive_contact(self, contact: Contact, from_account_id: str) -> Account:
        """Take in a contact released by another account; it keeps its id."""
        if contact.id in self._contacts:
            raise PolicyViolationError(
                [
                    Violation(
                        "id.duplicate",
                        f"account {self.id} already has this contact",
                        "id",
                        contact.id,
                    )
                ]
            )
        now = utcnow()
        arriving = attrs.evolve(contact, account_id=self.id, reports_to=None, updated_at=now)
        candidate = self._with_contact(arriving, None)
        candidate._check((arriving.id,))
        event = ContactMovedIn(
            aggregate_id=self.id,
            occurred_at=now,
            contact_id=contact.id,
            from_account_id=from_account_id,
        )
        return candidate._record(event, now)

    # ----------------------------------------------------------------- plumbing

    def _record(self, event: DomainEvent, now: datetime | None = None) -> Account:
        changes: dict[str, Any] = {"events": self._events.append(event)}
        if now is not None:
            changes["updated_at"] = now
        return self._replace(**changes)

    def _with_contact(
        self,
        contact: Contact,
        previous: Contact | None,
        event: DomainEvent | None = None,
        now: datetime | None = None,
    ) -> Account:
        """A copy holding ``contact`` (replacing ``previous``), recording ``event`` in the same copy."""
        reports = self._reports
        old_manager = previous.reports_to if previous is not None else None
        if old_manager != contact.reports_to:
            if old_manager is not None:
                remaining = reports.get(old_manager, _EMPTY_IDS).delete(contact.id)
                reports = (
                    reports.set(old_manager, remaining)
                    if remaining
                    else reports.delete(old_manager)
                )
            if contact.reports_to is not None:
                reports = reports.set(
                    contact.reports_to,
                    reports.get(contact.reports_to, _EMPTY_IDS).set(contact.id, None),
                )
        changes: dict[str, Any] = {
            "contacts": self._contacts.set(contact.id, contact),
            "reports_index": reports,
        }
        if event is not None:
            changes["events"] = self._events.append(event)
        if now is not None:
            changes["updated_at"] = now
        return self._replace(**changes)

    def _without_contact(self, contact: Contact) -> Account:
        reports = self._reports
        if contact.reports_to is not None:
            remaining = reports.get(contact.reports_to, _EMPTY_IDS).delete(contact.id)
            reports = (
                reports.set(contact.reports_to, remaining)
                if remaining
                else reports.delete(contact.reports_to)
            )
        return self._replace(contacts=self._contacts.delete(contact.id), reports_index=reports)

    def __repr__(self) -> str:
        return f"Account(id={self.id!r}, name={self.name!r}, version={self.version}, contacts={len(self._contacts)})"

    def _repr_html_(self) -> str:
        """A card listing the contacts, in Jupyter (see :mod:`contactgraph.domain.display`)."""
        from contactgraph.domain.display import account_html

        return account_html(self)


_REVERTIBLE: tuple[str, ...] = tuple(
    a.name
    for a in attrs.fields(Contact)
    if a.name not in ("id", "account_id", "created_at", "updated_at")
)
"""Contact attributes :meth:`Account.revert_contact` puts back."""

# (attribute, constructor alias) pairs: ``_replace`` takes the aliases.
_SLOTS: tuple[tuple[str, str], ...] = tuple(
    (a.name, a.alias or a.name) for a in attrs.fields(Account)
)
# The slots' own setters and getters: they skip the frozen ``__setattr__`` and
# make ``_replace`` about twice as fast as ``object.__setattr__`` by name.
_SLOT_ACCESS: tuple[tuple[Any, Any, str], ...] = tuple(
    (vars(Account)[name].__set__, vars(Account)[name].__get__, alias) for name, alias in _SLOTS
)


def _require_id(value: object, kind: str) -> None:
    """Refuse an id that is not one line of 1 to 64 characters without surrounding spaces."""
    try:
        ok = isinstance(value, str) and 0 < len(value) <= 64
        ok = ok and clean_single_line(value, "id", max_length=64) == value
    except InvalidValueError:
        ok = False
    if not ok:
        raise PolicyViolationError(
            [
                Violation(
                    "id.invalid",
                    f"a {kind} id is one line of 1 to 64 characters, without surrounding spaces",
                    "id",
                    None,
                    policy=f"{kind}_identity",
                )
            ],
            f"{kind} refused",
        )


def _parse_account_fields(
    raw: Mapping[str, Any], account_id: str, default_region: str | None = None
) -> tuple[dict[str, Any], list[Violation]]:
    values: dict[str, Any] = {}
    violations: list[Violation] = []
    billing = raw.get("billing_address")
    region = raw.get("phone_region") if isinstance(raw.get("phone_region"), str) else None
    if region is None and isinstance(billing, Address):
        region = billing.region
    elif region is None and isinstance(billing, Mapping):
        country = billing.get("country")
        region = region_of_country(country) if isinstance(country, str) else None
    if region is None:
        region = default_region
    for field, value in raw.items():
        parser = ACCOUNT_FIELDS.get(field)
        if parser is None:
            violations.append(
                Violation(
                    "field.unknown",
                    f"{field!r} is not an account field; custom fields go in extra={{...}}",
                    field,
                    account_id,
                    policy="account_fields",
                )
            )
            continue
        try:
            values[field] = parser(value, region)
        except InvalidValueError as exc:
            fld = exc.field or field
            code = exc.code or f"{fld.split('.')[0]}.invalid"
            violations.append(Violation(code, exc.reason, fld, account_id, policy="account_fields"))
    return values, violations


def _contact_changes(current: Contact, values: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    changes: list[FieldChange] = []
    for field, value in values.items():
        if field == "name":
            for public, part in NAME_FIELDS.items():
                old, new = getattr(current.name, part), getattr(value, part)
                if old != new:
                    changes.append(FieldChange(public, _plain(old), _plain(new)))
        elif getattr(current, field) != value:
            changes.append(FieldChange(field, _plain(getattr(current, field)), _plain(value)))
    return tuple(changes)
