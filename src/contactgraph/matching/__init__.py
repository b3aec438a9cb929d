"""Duplicate detection for contacts and accounts, with learned weights and reasons.

``find_contact_duplicates(accounts)`` and ``find_account_duplicates(accounts)``
return clusters, each with its ids, a score and the evidence;
``lookalikes(values)`` reports look-alike addresses and names that must never be
treated as the same. The store's ``duplicates()`` calls these.
"""

from contactgraph.matching.comparisons import ACCOUNT_COMPARISONS, PERSON_COMPARISONS, Comparison
from contactgraph.matching.detect import (
    AccountCluster,
    ContactCluster,
    Match,
    Reason,
    find_account_duplicates,
    find_contact_duplicates,
)
from contactgraph.matching.lookalike import LookAlike, lookalikes
from contactgraph.matching.model import MatchModel, fit

__all__ = [
    "ACCOUNT_COMPARISONS",
    "PERSON_COMPARISONS",
    "AccountCluster",
    "Comparison",
    "ContactCluster",
    "LookAlike",
    "Match",
    "MatchModel",
    "Reason",
    "find_account_duplicates",
    "find_contact_duplicates",
    "fit",
    "lookalikes",
]
