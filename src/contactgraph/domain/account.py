"""The Account aggregate: a company and the contacts who work there.

Every command returns a new Account and leaves the old one untouched. The
contacts sit in a persistent map (``immutables.Map``, a HAMT), so a command
costs about the same on an account of 10 contacts or of 20,000. Structural
invariants run on every command over the contacts it touched; a refused
command raises :class:`~contactgraph.errors.PolicyViolationError` listing
every violation.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs
import immutables

from contactgraph.domain import hierarchy, moves
from contactgraph.domain.common import EMPTY_MAP, ExtraValue, expect, expect_version, utcnow
from contactgraph.domain.contact import Contact
from contactgraph.domain.events import (
    EMPTY_LOG,
    AccountCreated,
    AccountUpdated,
    ContactAdded,
    ContactDeactivated,
    ContactEvent,
    ContactMovedIn,
    ContactReactivated,
    ContactUpdated,
    DomainEvent,
    EventLog,
)
from contactgraph.domain.fields import (
    ACCOUNT_FIELDS,
    contact_field_changes,
    field_changes,
    parse_account_fields,
    parse_contact_fields,
    require_id,
)
from contactgraph.domain.hierarchy import OrgChart, OrgNode, sort_contacts
from contactgraph.domain.ids import new_id
from contactgraph.domain.invariants import STRUCTURAL_INVARIANTS
from contactgraph.domain.lookup import ContactCriteria
from contactgraph.domain.moves import UNSET, _Unset
from contactgraph.domain.parsers import region
from contactgraph.domain.placing import AddResult, add_contacts, place_phones
from contactgraph.domain.values import Address, PersonName, Phone
from contactgraph.errors import InvalidValueError, NotFoundError, PolicyViolationError, Violation

__all__ = ["ACCOUNT_FIELDS", "Account", "OrgChart", "OrgNode", "new_id"]

_EMPTY_IDS: immutables.Map[str, None] = immutables.Map()
_NO_NAME = PersonName.trusted("?")
_PHONE_REGION = region("phone_region")


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
        require_id(account_id, "account")
        values, violations = parse_account_fields({"name": name, **fields}, account_id)
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
        if contacts is None:
            return sort_contacts(self._contacts.values())
        if isinstance(contacts, str | bytes) or not isinstance(contacts, Iterable):
            raise InvalidValueError("must be contacts", field="contacts", value=contacts)
        items = list(contacts)
        for item in items:
            expect(item, Contact, "contacts", "contacts")
        return sort_contacts(items)

    def active_contacts(self) -> list[Contact]:
        """Active contacts, sorted by name."""
        return sort_contacts(c for c in self._contacts.values() if c.active)

    def decision_makers(self) -> list[Contact]:
        """Active contacts whose decision role decides (decision maker, economic buyer…)."""
        return sort_contacts(c for c in self._contacts.values() if c.active and c.is_decision_maker)

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
        r"""Contacts matching every given criterion, sorted by name.

        ``email`` compares :func:`~contactgraph.domain.values.email_key`\ s
        (main and alternate addresses; ASCII case ignored); ``name`` matches
        a first name, a last name or the full name, ignoring case and accents;
        ``title`` and ``department`` ignore case and accents; ``phone`` is
        compared in E.164 after parsing in the account's default region, and
        text in international form also as the E.164 text it spells
        (:func:`~contactgraph.domain.lookup.phone_keys`).

        Raises:
            InvalidValueError: a criterion of the wrong type, naming it.
        """
        criteria = ContactCriteria.parse(
            email=email,
            name=name,
            title=title,
            department=department,
            phone=phone,
            active=active,
            region=self.default_region,
        )
        return sort_contacts(c for c in self._contacts.values() if criteria.matches(c))

    def direct_reports(self, contact_id: str) -> list[Contact]:
        """Contacts whose manager is ``contact_id``, sorted by name."""
        self.contact(contact_id)
        return hierarchy.direct_reports(self._contacts, self._reports, contact_id)

    def manager_of(self, contact_id: str) -> Contact | None:
        """The contact's manager, or ``None`` at the top of the chart."""
        manager = self.contact(contact_id).reports_to
        return self._contacts.get(manager) if manager is not None else None

    def reporting_chain(self, contact_id: str) -> list[Contact]:
        """The contact's managers, nearest first, up to the top of the chart."""
        return hierarchy.reporting_chain(self._contacts, self.contact(contact_id))

    def all_reports(self, contact_id: str) -> list[Contact]:
        """Direct and indirect reports, breadth first."""
        self.contact(contact_id)
        return hierarchy.all_reports(self._contacts, self._reports, contact_id)

    def org_chart(self) -> OrgChart:
        """The reports-to forest: top managers (and people with no manager) first.

        A list of :class:`OrgNode` that Jupyter draws as a tree. Built without
        recursion, so a reporting chain thousands deep works.
        """
        return OrgChart(hierarchy.org_chart(self._contacts, self._reports), title=self.name)

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
        return self._replace(version=expect_version(version), events=EMPTY_LOG)

    # ---------------------------------------------------------------- commands

    def update(self, **fields: Any) -> Account:
        """Change the account's own fields; records :class:`AccountUpdated`."""
        values, violations = parse_account_fields(fields, self.id, self.default_region)
        if violations:
            raise PolicyViolationError(violations, f"account {self.id} update refused")
        changes = field_changes(self, values)
        if not changes:
            return self
        now = utcnow()
        candidate = self._replace(**values, updated_at=now)
        candidate._check(())
        updated = candidate._record(
            AccountUpdated(aggregate_id=self.id, occurred_at=now, changes=changes)
        )
        if updated.default_region and updated.default_region != self.default_region:
            return updated.place_phones()
        return updated

    def place_phones(self) -> Account:
        """Read the unverified phones of the account and its contacts in its
        :attr:`default_region` (done by :meth:`update` when that region changes).

        Numbers not possible there stay unverified; each contact changed records
        a :class:`ContactUpdated`.
        """
        return place_phones(self)

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
        require_id(contact_id, "contact")
        phone_region = _PHONE_REGION(phone_region, None)
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

    def add_contacts(self, rows: Iterable[Mapping[str, Any]]) -> tuple[Account, list[AddResult]]:
        """:meth:`add_contact` for each row (its keyword arguments), in order, as one command:
        the account those adds give, and per row its contact or the error that refused it
        (a refused row changes nothing). See :func:`~contactgraph.domain.placing.add_contacts`."""
        return add_contacts(self, rows)

    def update_contact(
        self, contact_id: str, *, phone_region: str | None = None, **fields: Any
    ) -> Account:
        """Change fields of one contact; records :class:`ContactUpdated` with the changed fields.

        Setting a name part (``first_name``…) keeps the other parts.
        """
        current = self.contact(contact_id)
        phone_region = _PHONE_REGION(phone_region, None)
        values, violations = parse_contact_fields(
            fields,
            region=phone_region or self.default_region,
            current=current,
            entity_id=contact_id,
        )
        changes = contact_field_changes(current, values)
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
        expect(previous, Contact, "previous", "a Contact")
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
        changes = contact_field_changes(current, values)
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
        return moves.remove_contact(self, contact_id, reassign_reports_to=reassign_reports_to)

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
        return moves.release_contact(self, contact_id, to_account_id)

    def receive_contact(self, contact: Contact, from_account_id: str) -> Account:
        """Take in a contact released by another account; it keeps its id.

        Raises:
            InvalidValueError: ``contact`` is not a Contact, or
                ``from_account_id`` not an id.
            PolicyViolationError: this account already has the contact.
        """
        return moves.receive_contact(self, contact, from_account_id)

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
