"""Repositories and stores: the protocol, and the memory and SQL backends."""

from contactgraph.repos.protocol import (
    AccountOrder,
    AccountRepository,
    CaseRepository,
    EventHandler,
    OpportunityRepository,
    RelationRepository,
    StoreProtocol,
)

__all__ = [
    "AccountOrder",
    "AccountRepository",
    "CaseRepository",
    "EventHandler",
    "OpportunityRepository",
    "RelationRepository",
    "StoreProtocol",
]
