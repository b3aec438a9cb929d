"""Contacts leaving an account: removal, and moves between accounts (release, then receive).

The bodies of :class:`~contactgraph.domain.account.Account`'s ``remove_contact``,
``release_contact`` and ``receive_contact``, kept apart so the aggregate reads
in one sitting; each returns a new Account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import attrs
import immutables

from contactgraph.domain.common import expect, utcnow
from contactgraph.domain.contact import Contact
from contactgraph.domain.events import ContactMovedIn, ContactMovedOut, ContactRemoved
from contactgraph.domain.ids import check_id
from contactgraph.errors import PolicyViolationError, Violation

if TYPE_CHECKING:
    from contactgraph.domain.account import Account

__all__ = ["UNSET", "receive_contact", "release_contact", "remove_contact"]

_EMPTY_IDS: immutables.Map[str, None] = immutables.Map()


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()


def remove_contact(
    account: Account, contact_id: str, *, reassign_reports_to: str | _Unset | None = UNSET
) -> Account:
    """Remove a contact from the account.

    Refused while other contacts report to it, unless
    ``reassign_reports_to`` names their new manager (or is ``None`` to
    leave them without one) in the same call.
    """
    removed = account.contact(contact_id)
    reports = list(account._reports.get(contact_id, _EMPTY_IDS))
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
    if reports:
        if reassign_reports_to == contact_id:
            raise PolicyViolationError(
                [
                    Violation(
                        "reports_to.account",
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
    event = ContactRemoved(aggregate_id=account.id, occurred_at=now, contact_id=contact_id)
    return candidate._record(event, now)


def release_contact(
    account: Account, contact_id: str, to_account_id: str
) -> tuple[Account, Contact, list[str]]:
    """Let a contact leave for another account (see :meth:`receive_contact`).

    Reports-to links that would cross accounts are cut: the contact's own
    manager link, and its reports' links to it.

    Returns:
        This account without the contact, the contact as it leaves (with
        no manager), and the ids of the contacts whose manager link was cut.
    """
    leaving = account.contact(contact_id)
    check_id(to_account_id, "to_account_id")
    if to_account_id == account.id:
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
    cut = list(account._reports.get(contact_id, _EMPTY_IDS))
    for report_id in cut:
        account = account.update_contact(report_id, reports_to=None)
    if leaving.reports_to is not None:
        # Recorded as a change of its own (field history keeps it), then the move.
        account = account.update_contact(contact_id, reports_to=None)
        leaving = account.contact(contact_id)
        cut.insert(0, contact_id)
    now = utcnow()
    moved = attrs.evolve(leaving, account_id=to_account_id, reports_to=None, updated_at=now)
    event = ContactMovedOut(
        aggregate_id=account.id,
        occurred_at=now,
        contact_id=contact_id,
        to_account_id=to_account_id,
    )
    return account._without_contact(leaving)._record(event, now), moved, cut


def receive_contact(account: Account, contact: Contact, from_account_id: str) -> Account:
    """Take in a contact released by another account; it keeps its id.

    Raises:
        InvalidValueError: ``contact`` is not a Contact, or
            ``from_account_id`` not an id.
        PolicyViolationError: this account already has the contact.
    """
    expect(contact, Contact, "contact", "a Contact")
    check_id(from_account_id, "from_account_id")
    if contact.id in account._contacts:
        raise PolicyViolationError(
            [
                Violation(
                    "id.duplicate",
                    f"account {account.id} already has this contact",
                    "id",
                    contact.id,
                )
            ]
        )
    now = utcnow()
    arriving = attrs.evolve(contact, account_id=account.id, reports_to=None, updated_at=now)
    candidate = account._with_contact(arriving, None)
    candidate._check((arriving.id,))
    event = ContactMovedIn(
        aggregate_id=account.id,
        occurred_at=now,
        contact_id=contact.id,
        from_account_id=from_account_id,
    )
    return candidate._record(event, now)
