"""Duplicate rules on create, update and import: allow, alert or block, per store.

``cg.open_store(url, duplicates=cg.DuplicateRule.alert)`` (or a
:class:`DuplicateRules` with one rule for contacts, one for accounts and a
threshold) installs a :class:`DuplicateCheck` on the store: every account
write, imports included, is checked against the store's indexes, and a likely
duplicate raises a :class:`DuplicateWarning` (alert) or a
:class:`~contactgraph.errors.PolicyViolationError` naming the stored records
and the new one (block). See docs/howto/duplicates.md.
"""

from contactgraph.rules.duplicates import CONTACT_KEY_FIELDS, DuplicateCheck
from contactgraph.rules.policy import (
    DEFAULT_RULE_THRESHOLD,
    DuplicateBlockedError,
    DuplicateCandidate,
    DuplicateRule,
    DuplicateRules,
    DuplicateWarning,
)

__all__ = [
    "CONTACT_KEY_FIELDS",
    "DEFAULT_RULE_THRESHOLD",
    "DuplicateBlockedError",
    "DuplicateCandidate",
    "DuplicateCheck",
    "DuplicateRule",
    "DuplicateRules",
    "DuplicateWarning",
]
