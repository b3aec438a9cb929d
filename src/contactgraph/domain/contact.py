"""The Contact entity: a person who works in exactly one Account.

A Contact is only ever created by :meth:`Account.add_contact`; its attrs
constructor takes values that are already validated (stores use it to rebuild
rows without parsing them again). Input from people and files goes through
:func:`contactgraph.domain.fields.parse_contact_fields`, which validates every
field and reports every problem at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import attrs
import immutables

from contactgraph.domain.common import EMPTY_MAP, ExtraValue, utcnow
from contactgraph.domain.values import (
    Address,
    DecisionRole,
    Email,
    PersonName,
    Phone,
    Salutation,
)
from contactgraph.errors import InvalidValueError

__all__ = ["CONTACT_FIELD_NAMES", "NAME_FIELDS", "Contact"]


@attrs.frozen(slots=True, kw_only=True)
class Contact:
    """A person who works in a company; always attached to exactly one account.

    Attributes:
        id: Stable id (a UUID string), kept across moves and merges.
        account_id: The owning account's id.
        name: The name in parts; ``first_name``, ``last_name`` and
            ``salutation`` read them directly.
        email: Main email address.
        phone: Work phone.
        mobile: Mobile phone.
        title: Function ("CFO").
        department: Service ("Finance").
        mailing_address: Postal address.
        reports_to: Id of the manager, a contact of the same account.
        decision_role: Part the person plays in buying decisions.
        active: Inactive contacts are kept but receive nothing.
        email_opt_out: The person refused marketing email.
        do_not_call: The person refused phone calls.
        description: Free notes (several lines allowed).
        birthdate: Date of birth.
        lead_source: Where the contact came from.
        alternate_emails: Other addresses the person uses.
        alternate_phones: Other numbers.
        external_ids: Ids in other systems, e.g. ``{"salesforce": "003…"}``.
        extra: Custom fields kept for round trips (``Picture__c``…).
        created_at: When the contact was added (UTC).
        updated_at: When it last changed (UTC).
    """

    id: str
    account_id: str
    name: PersonName
    email: Email | None = None
    phone: Phone | None = None
    mobile: Phone | None = None
    title: str | None = None
    department: str | None = None
    mailing_address: Address | None = None
    reports_to: str | None = None
    decision_role: DecisionRole | None = None
    active: bool = True
    email_opt_out: bool = False
    do_not_call: bool = False
    description: str | None = None
    birthdate: date | None = None
    lead_source: str | None = None
    alternate_emails: tuple[Email, ...] = ()
    alternate_phones: tuple[Phone, ...] = ()
    external_ids: immutables.Map[str, str] = EMPTY_MAP
    extra: immutables.Map[str, ExtraValue] = EMPTY_MAP
    created_at: datetime = attrs.field(factory=utcnow)
    updated_at: datetime = attrs.field(factory=utcnow)

    @property
    def first_name(self) -> str | None:
        return self.name.first

    @property
    def last_name(self) -> str:
        return self.name.last

    @property
    def salutation(self) -> Salutation | None:
        return self.name.salutation

    @property
    def middle_name(self) -> str | None:
        return self.name.middle

    @property
    def suffix(self) -> str | None:
        return self.name.suffix

    @property
    def full_name(self) -> str:
        """``"Alice Martin"``."""
        return self.name.full

    @property
    def display_name(self) -> str:
        """``"Ms. Alice Martin"``."""
        return self.name.display

    @property
    def label(self) -> str:
        """``"Alice Martin, CFO"``: a name people recognise in a list."""
        return f"{self.name.full}, {self.title}" if self.title else self.name.full

    @property
    def can_receive_email(self) -> bool:
        """Active, with an address, and not opted out of email."""
        return self.active and self.email is not None and not self.email_opt_out

    @property
    def is_decision_maker(self) -> bool:
        return self.decision_role is not None and self.decision_role.decides

    def field_value(self, field: str) -> Any:
        """The value of a public field name (``first_name`` included).

        Raises:
            InvalidValueError: ``field`` is not a contact field.
        """
        if not isinstance(field, str) or field not in _READABLE:
            raise InvalidValueError("not a contact field", field="field", value=field)
        if field in NAME_FIELDS:
            return getattr(self.name, NAME_FIELDS[field])
        return getattr(self, field)

    def __str__(self) -> str:
        return self.label

    def __repr__(self) -> str:
        email = self.email.address if self.email is not None else None
        return (
            f"Contact(id={self.id!r}, name={self.name.full!r}, "
            f"account_id={self.account_id!r}, email={email!r})"
        )

    def _repr_html_(self) -> str:
        """A card in Jupyter (see :mod:`contactgraph.domain.display`)."""
        from contactgraph.domain.display import contact_html

        return contact_html(self)


NAME_FIELDS: Mapping[str, str] = {
    "last_name": "last",
    "first_name": "first",
    "salutation": "salutation",
    "middle_name": "middle",
    "suffix": "suffix",
}
"""Public name-part fields and the :class:`PersonName` attribute each sets."""

_MANAGED = ("id", "account_id", "name", "created_at", "updated_at")
"""Contact attributes the aggregate sets itself (``name`` is set through its parts)."""

CONTACT_FIELD_NAMES: tuple[str, ...] = (
    *NAME_FIELDS,
    *(a.name for a in attrs.fields(Contact) if a.name not in _MANAGED),
)
"""Every field a caller may set on a contact, derived from :class:`Contact`'s attributes:
the name parts, then the other attributes in declaration order."""

_READABLE = frozenset(CONTACT_FIELD_NAMES) | {a.name for a in attrs.fields(Contact)}
