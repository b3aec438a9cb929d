"""Business rules as policy objects, and the commercial-readiness rule.

``default()`` gives the standard set; applications compose their own::

    rules = (
        policies.default()
        .add(policies.PhoneRequired(), policies.PhoneRegion(region="FR"))
        .configure("email_unique_per_account", severity=Severity.ERROR)
    )
    rules.check(account)            # -> list[Violation]
    policies.require(account, "campaign")   # PolicyViolationError if not actionable
"""

from __future__ import annotations

from contactgraph.domain import Account
from contactgraph.policies.policy_set import PolicySet
from contactgraph.policies.readiness import (
    Action,
    ActionReadiness,
    Readiness,
    readiness,
    recipients,
    require,
)
from contactgraph.policies.rules import (
    DecisionMakerIdentified,
    EmailUniquePerAccount,
    HasActiveContact,
    PhoneRegion,
    PhoneRequired,
    PhoneValidNumber,
    StructuralInvariants,
)

__all__ = [
    "Action",
    "ActionReadiness",
    "DecisionMakerIdentified",
    "EmailUniquePerAccount",
    "HasActiveContact",
    "PhoneRegion",
    "PhoneRequired",
    "PhoneValidNumber",
    "PolicySet",
    "Readiness",
    "StructuralInvariants",
    "default",
    "readiness",
    "recipients",
    "require",
]


def default() -> PolicySet[Account]:
    """The standard set: structure (error), and as warnings duplicate emails,
    unassigned phone numbers, no active contact and no decision maker."""
    return PolicySet(
        (
            StructuralInvariants(),
            EmailUniquePerAccount(),
            PhoneValidNumber(),
            HasActiveContact(),
            DecisionMakerIdentified(),
        )
    )
