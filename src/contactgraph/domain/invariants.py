"""Structural invariants of the Account aggregate.

They are policies like any other (same protocol, same report) but they live
beside the aggregate, which runs them on every command: no application can
switch them off. Each can check a whole account (``check``) or only the
contacts a command touched (``check_contacts``), so a command costs the same
on an account of 10 contacts or of 20,000.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Protocol

import attrs

from contactgraph.domain.values import Email, PersonName, Phone
from contactgraph.errors import InvalidValueError, Severity, Violation

if TYPE_CHECKING:
    from contactgraph.domain.account import Account

__all__ = [
    "STRUCTURAL_INVARIANTS",
    "AccountNameRequired",
    "ContactIdentity",
    "ContactValues",
    "ReportsToAcyclic",
    "ReportsToInsideAccount",
    "StructuralInvariant",
    "check_structure",
]


class StructuralInvariant(Protocol):
    """A policy on :class:`Account` that can also check just the contacts a command touched."""

    @property
    def name(self) -> str: ...

    @property
    def severity(self) -> Severity: ...

    def check(self, subject: Account, /) -> list[Violation]: ...

    def check_contacts(
        self, account: Account, contact_ids: Collection[str], /
    ) -> list[Violation]: ...


@attrs.frozen
class _ContactRule:
    """Shared plumbing: ``check`` is ``check_contacts`` over every contact."""

    name: str
    severity: Severity = Severity.ERROR

    def check(self, subject: Account, /) -> list[Violation]:
        return self.check_contacts(subject, list(subject.contacts))

    def check_contacts(self, account: Account, contact_ids: Collection[str], /) -> list[Violation]:
        raise NotImplementedError

    def _v(self, code: str, message: str, field: str | None, entity_id: str | None) -> Violation:
        return Violation(code, message, field, entity_id, self.severity, self.name)


@attrs.frozen
class AccountNameRequired(_ContactRule):
    """An account has a non-empty name."""

    name: str = "account_name_required"

    def check(self, subject: Account, /) -> list[Violation]:
        return self.check_contacts(subject, ())

    def check_contacts(self, account: Account, contact_ids: Collection[str], /) -> list[Violation]:
        if isinstance(account.name, str) and account.name.strip():
            return []
        return [self._v("account_name.required", "an account needs a name", "name", account.id)]


@attrs.frozen
class ContactIdentity(_ContactRule):
    """Each contact is held under its own id and belongs to this account."""

    name: str = "contact_identity"

    def check_contacts(self, account: Account, contact_ids: Collection[str], /) -> list[Violation]:
        out = []
        for cid in contact_ids:
            contact = account.contacts.get(cid)
            if contact is None:
                continue
            if contact.id != cid:
                out.append(self._v("id.mismatch", f"held under id {cid}", "id", contact.id))
            if contact.account_id != account.id:
                out.append(
                    self._v(
                        "account_id.mismatch",
                        f"belongs to account {contact.account_id}, not {account.id}",
                        "account_id",
                        cid,
                    )
                )
        return out


@attrs.frozen
class ContactValues(_ContactRule):
    """Last name present; email and phones are validated value objects."""

    name: str = "contact_values"

    def check_contacts(self, account: Account, contact_ids: Collection[str], /) -> list[Violation]:
        out = []
        for cid in contact_ids:
            c = account.contacts.get(cid)
            if c is None:
                continue
            if not isinstance(c.name, PersonName) or not c.name.last:
                out.append(
                    self._v("last_name.required", "a contact needs a last name", "last_name", cid)
                )
            if c.email is not None and not isinstance(c.email, Email):
                out.append(self._v("email.invalid", "not a validated email", "email", cid))
            for field in ("phone", "mobile"):
                value = getattr(c, field)
                if value is not None and not isinstance(value, Phone):
                    out.append(self._v(f"{field}.invalid", "not a validated phone", field, cid))
        return out


@attrs.frozen
class ReportsToInsideAccount(_ContactRule):
    """Reports-to names another contact of the same account."""

    name: str = "reports_to_inside_account"

    def check_contacts(self, account: Account, contact_ids: Collection[str], /) -> list[Violation]:
        out = []
        for cid in contact_ids:
            c = account.contacts.get(cid)
            if c is None or c.reports_to is None:
                continue
            if c.reports_to == cid:
                out.append(
                    self._v(
                        "reports_to.self", "a contact cannot report to itself", "reports_to", cid
                    )
                )
            elif c.reports_to not in account.contacts:
                out.append(
                    self._v(
                        "reports_to.outside_account",
                        f"reports to {c.reports_to}, who is not a contact of account {account.id}",
                        "reports_to",
                        cid,
                    )
                )
        return out


@attrs.frozen
class ReportsToAcyclic(_ContactRule):
    """Following reports-to from any contact ends at a root: the chart is a forest."""

    name: str = "reports_to_acyclic"

    def check_contacts(self, account: Account, contact_ids: Collection[str], /) -> list[Violation]:
        out = []
        contacts = account.contacts
        cleared: set[str] = set()
        for start in contact_ids:
            seen: list[str] = []
            seen_set: set[str] = set()
            node: str | None = start
            while node is not None and node not in cleared:
                if node in seen_set:
                    loop = seen[seen.index(node) :]
                    if start in loop:
                        out.append(
                            self._v(
                                "reports_to.cycle",
                                "reports-to would form a cycle: " + " -> ".join([*loop, node]),
                                "reports_to",
                                start,
                            )
                        )
                    break
                seen.append(node)
                seen_set.add(node)
                contact = contacts.get(node)
                node = contact.reports_to if contact is not None else None
            else:
                cleared.update(seen)
        return out


STRUCTURAL_INVARIANTS: tuple[StructuralInvariant, ...] = (
    AccountNameRequired(),
    ContactIdentity(),
    ContactValues(),
    ReportsToInsideAccount(),
    ReportsToAcyclic(),
)
"""The invariants every Account command runs; they cannot be switched off."""


def check_structure(account: Account, contact_ids: Iterable[str] | None = None) -> list[Violation]:
    """Run every structural invariant on ``account`` (or only on ``contact_ids``)."""
    from contactgraph.domain.account import Account as _Account

    if not isinstance(account, _Account):
        raise InvalidValueError("must be an Account", field="account", value=account)
    if contact_ids is not None and (
        isinstance(contact_ids, str | bytes) or not isinstance(contact_ids, Iterable)
    ):
        raise InvalidValueError("must be a list of ids", field="contact_ids", value=contact_ids)
    out: list[Violation] = []
    ids = list(account.contacts) if contact_ids is None else list(contact_ids)
    for rule in STRUCTURAL_INVARIANTS:
        out.extend(
            rule.check_contacts(account, ids) if contact_ids is not None else rule.check(account)
        )
    return out
