"""Configurable business rules on accounts, written against the domain's Policy protocol.

Each rule is a small frozen object with a ``name``, a ``severity`` and a
``check``; configure one with :func:`attrs.evolve` or
:meth:`~contactgraph.policies.PolicySet.configure`.
"""

from __future__ import annotations

from collections import defaultdict

import attrs

from contactgraph.domain import Account, Contact, Phone, check_structure
from contactgraph.errors import InvalidValueError, Severity, Violation

__all__ = [
    "DecisionMakerIdentified",
    "EmailUniquePerAccount",
    "HasActiveContact",
    "PhoneRegion",
    "PhoneRequired",
    "PhoneValidNumber",
    "StructuralInvariants",
]


def _expect_account(subject: object) -> None:
    if not isinstance(subject, Account):
        raise InvalidValueError("must be an Account", field="subject", value=subject)


@attrs.frozen
class _Rule:
    name: str
    severity: Severity

    def _v(
        self, code: str, message: str, field: str | None = None, entity_id: str | None = None
    ) -> Violation:
        return Violation(code, message, field, entity_id, self.severity, self.name)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} ({self.severity})>"


@attrs.frozen(repr=False)
class StructuralInvariants(_Rule):
    """Reports the aggregate's structural invariants (always enforced by commands)."""

    name: str = "structure"
    severity: Severity = Severity.ERROR

    def check(self, subject: Account, /) -> list[Violation]:
        _expect_account(subject)
        return check_structure(subject)


@attrs.frozen(repr=False)
class EmailUniquePerAccount(_Rule):
    """No two contacts of one account share an email address.

    Addresses are compared by :attr:`~contactgraph.domain.Email.key` (ASCII case
    ignored, nothing else folded), the rule every look-up uses: ``ſam@`` and
    ``sam@``, ``straße@`` and ``strasse@`` are different mailboxes and are not
    reported as duplicates.
    """

    name: str = "email_unique_per_account"
    severity: Severity = Severity.WARNING
    active_only: bool = False

    def check(self, subject: Account, /) -> list[Violation]:
        _expect_account(subject)
        by_email: dict[str, list[Contact]] = defaultdict(list)
        for contact in subject.contacts.values():
            if contact.email is not None and (contact.active or not self.active_only):
                by_email[contact.email.key].append(contact)
        out = []
        for email, holders in sorted(by_email.items()):
            if len(holders) > 1:
                names = ", ".join(c.full_name for c in subject.sorted_contacts(holders))
                for contact in holders:
                    out.append(
                        self._v(
                            "email.duplicate", f"{email} is shared by {names}", "email", contact.id
                        )
                    )
        return out


@attrs.frozen(repr=False)
class PhoneRequired(_Rule):
    """Every active contact has a phone or a mobile."""

    name: str = "phone_required"
    severity: Severity = Severity.ERROR

    def check(self, subject: Account, /) -> list[Violation]:
        _expect_account(subject)
        return [
            self._v("phone.required", f"{c.full_name} has no phone or mobile", "phone", c.id)
            for c in subject.sorted_contacts()
            if c.active and c.phone is None and c.mobile is None
        ]


@attrs.frozen(repr=False)
class PhoneValidNumber(_Rule):
    """Phones are valid, assigned numbers (libphonenumber), not just possible ones.

    A warning by default: real exports carry numbers in unassigned ranges.
    """

    name: str = "phone_valid_number"
    severity: Severity = Severity.WARNING

    def check(self, subject: Account, /) -> list[Violation]:
        _expect_account(subject)
        out = []
        if subject.phone is not None and not subject.phone.is_valid:
            out.append(self._not_valid(subject.phone, "phone", subject.id))
        for c in subject.sorted_contacts():
            for field in ("phone", "mobile"):
                number = getattr(c, field)
                if number is not None and not number.is_valid:
                    out.append(self._not_valid(number, field, c.id))
        return out

    def _not_valid(self, number: Phone, field: str, entity_id: str) -> Violation:
        if not number.verified:  # kept as typed: no country placed it
            return self._v(
                f"{field}.unverified",
                f"{number.typed} was kept as typed: no country placed it (set one to verify it)",
                field,
                entity_id,
            )
        return self._v(
            f"{field}.not_valid", f"{number.e164} is not an assigned number", field, entity_id
        )


@attrs.frozen(repr=False)
class PhoneRegion(_Rule):
    """Phones belong to one region (e.g. ``"FR"``)."""

    region: str = "FR"
    name: str = "phone_region"
    severity: Severity = Severity.ERROR

    def check(self, subject: Account, /) -> list[Violation]:
        _expect_account(subject)
        out = []
        for c in subject.sorted_contacts():
            for field in ("phone", "mobile"):
                number = getattr(c, field)
                if number is not None and not number.in_region(self.region):
                    out.append(
                        self._v(
                            f"{field}.region",
                            f"{number.international} is not a {self.region.upper()} number",
                            field,
                            c.id,
                        )
                    )
        return out


@attrs.frozen(repr=False)
class HasActiveContact(_Rule):
    """The account has at least one active contact (else nothing commercial can happen)."""

    name: str = "has_active_contact"
    severity: Severity = Severity.WARNING

    def check(self, subject: Account, /) -> list[Violation]:
        _expect_account(subject)
        if any(c.active for c in subject.contacts.values()):
            return []
        return [
            self._v(
                "readiness.no_active_contact",
                f"{subject.name} has no active contact",
                "contacts",
                subject.id,
            )
        ]


@attrs.frozen(repr=False)
class DecisionMakerIdentified(_Rule):
    """Some active contact holds a deciding role (decision maker, economic buyer…)."""

    name: str = "decision_maker_identified"
    severity: Severity = Severity.WARNING

    def check(self, subject: Account, /) -> list[Violation]:
        _expect_account(subject)
        if subject.decision_makers():
            return []
        return [
            self._v(
                "readiness.no_decision_maker",
                f"no decision maker identified at {subject.name}",
                "decision_role",
                subject.id,
            )
        ]
