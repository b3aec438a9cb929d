"""Commercial readiness: can an account take a contract, a campaign, a follow-up?

The rule the whole product exists for: any commercial or marketing action on
an account needs at least one *active* contact there; a campaign needs one
who can receive email (has an address, has not opted out). The library says
so, with reasons, before the action.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

import attrs

from contactgraph.domain import Account, Contact
from contactgraph.errors import InvalidValueError, PolicyViolationError, Severity, Violation
from contactgraph.policies.rules import DecisionMakerIdentified

__all__ = ["Action", "ActionReadiness", "Readiness", "readiness", "recipients", "require"]


class Action(enum.StrEnum):
    """Commercial and marketing actions that need someone to act with."""

    SEND_CONTRACT = "send_contract"
    CAMPAIGN = "campaign"
    OPPORTUNITY_FOLLOW_UP = "opportunity_follow_up"

    @classmethod
    def parse(cls, value: str | Action) -> Action:
        if isinstance(value, Action):
            return value
        try:
            if not isinstance(value, str) or len(value) > 80:
                raise ValueError(value)
            return cls(value.strip().lower().replace("-", "_").replace(" ", "_"))
        except ValueError:
            allowed = ", ".join(a.value for a in cls)
            raise InvalidValueError(
                f"unknown action; use one of {allowed}", field="action", value=value
            ) from None


def _active(contact: Contact) -> bool:
    return contact.active


def _emailable(contact: Contact) -> bool:
    return contact.can_receive_email


_ELIGIBLE: dict[Action, Callable[[Contact], bool]] = {
    Action.SEND_CONTRACT: _active,
    Action.CAMPAIGN: _emailable,
    Action.OPPORTUNITY_FOLLOW_UP: _active,
}


@attrs.frozen
class ActionReadiness:
    """Whether one action is possible on one account, and why not.

    Attributes:
        action: The action.
        recipients: The contacts the action may reach (active; for a campaign
            also emailable and not opted out), sorted by name.
        reasons: Why the action is not possible (empty when it is).
    """

    action: Action
    recipients: tuple[Contact, ...]
    reasons: tuple[Violation, ...]

    @property
    def possible(self) -> bool:
        return not self.reasons


@attrs.frozen
class Readiness:
    """Which actions an account allows, why not, and what is missing.

    Attributes:
        account_id: The account.
        account_name: Its name.
        actions: Readiness for each :class:`Action`.
        gaps: Warnings worth fixing that block nothing (e.g. no decision maker).
    """

    account_id: str
    account_name: str
    actions: dict[Action, ActionReadiness]
    gaps: tuple[Violation, ...]

    @property
    def actionable(self) -> bool:
        """Whether at least one action is possible."""
        return any(a.possible for a in self.actions.values())

    def __getitem__(self, action: str | Action) -> ActionReadiness:
        return self.actions[Action.parse(action)]

    def summary(self) -> list[str]:
        """One line per action and gap, for people."""
        lines = []
        for action, state in self.actions.items():
            if state.possible:
                lines.append(f"{action}: ready ({len(state.recipients)} recipient(s))")
            else:
                lines.append(f"{action}: NOT ready: " + "; ".join(r.message for r in state.reasons))
        lines.extend(f"gap: {g.message}" for g in self.gaps)
        return lines

    def _repr_html_(self) -> str:
        """A table for Jupyter: each action ready (with whom) or blocked (why), then the gaps."""
        from contactgraph.domain.display import readiness_html

        actions = [
            (
                str(action),
                state.possible,
                [c.label for c in state.recipients],
                [r.message for r in state.reasons],
            )
            for action, state in self.actions.items()
        ]
        return readiness_html(self.account_name, actions, [g.message for g in self.gaps])


def _reasons(account: Account, action: Action) -> tuple[Violation, ...]:
    contacts = account.contacts.values()
    if not any(c.active for c in contacts):
        why = "has no contact" if not account.contacts else "has no active contact"
        return (
            Violation(
                "readiness.no_active_contact",
                f"{account.name} {why}: {action} needs at least one active contact",
                "contacts",
                account.id,
                Severity.ERROR,
                "commercial_readiness",
            ),
        )
    if action is Action.CAMPAIGN and not any(c.can_receive_email for c in contacts):
        return (
            Violation(
                "readiness.no_emailable_contact",
                f"no active contact of {account.name} has an email address without an opt-out",
                "email",
                account.id,
                Severity.ERROR,
                "commercial_readiness",
            ),
        )
    return ()


def recipients(account: Account, action: str | Action) -> list[Contact]:
    """The contacts ``action`` may reach on ``account`` (maybe none), sorted by name."""
    _expect_account(account)
    eligible = _ELIGIBLE[Action.parse(action)]
    return account.sorted_contacts(c for c in account.contacts.values() if eligible(c))


def readiness(account: Account) -> Readiness:
    """Explain which actions are possible on ``account``, with reasons and gaps."""
    _expect_account(account)
    actions = {
        action: ActionReadiness(
            action, tuple(recipients(account, action)), _reasons(account, action)
        )
        for action in Action
    }
    gaps = list(DecisionMakerIdentified().check(account))
    active = [c for c in account.contacts.values() if c.active]
    if active and not any(c.phone or c.mobile for c in active if not c.do_not_call):
        gaps.append(
            Violation(
                "readiness.no_callable_contact",
                f"no active contact of {account.name} can be called",
                "phone",
                account.id,
                Severity.WARNING,
                "commercial_readiness",
            )
        )
    return Readiness(account.id, account.name, actions, tuple(gaps))


def require(account: Account, action: str | Action) -> list[Contact]:
    """Check ``action`` is possible on ``account`` before doing it.

    Returns:
        The recipients (active contacts; for a campaign, those who can receive email).

    Raises:
        PolicyViolationError: the account is not actionable, with the reasons.
    """
    _expect_account(account)
    parsed = Action.parse(action)
    reasons = _reasons(account, parsed)
    if reasons:
        raise PolicyViolationError(
            reasons, f"{parsed} refused for account {account.name} ({account.id})"
        )
    return recipients(account, parsed)


def _expect_account(account: object) -> None:
    if not isinstance(account, Account):
        raise InvalidValueError("must be an Account", field="account", value=account)
