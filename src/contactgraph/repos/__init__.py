"""Repositories and stores: the protocol, and the memory and SQL backends."""

from contactgraph.repos.backend import Backend, Session
from contactgraph.repos.memory import MemoryBackend, MemoryDatabase
from contactgraph.repos.open import open_store
from contactgraph.repos.protocol import (
    AccountOrder,
    AccountRepository,
    CaseRepository,
    EventHandler,
    OpportunityRepository,
    RelationRepository,
    StoreProtocol,
)
from contactgraph.repos.store import Store, integrity_violations

__all__ = [
    "AccountOrder",
    "AccountRepository",
    "Backend",
    "CaseRepository",
    "EventHandler",
    "MemoryBackend",
    "MemoryDatabase",
    "OpportunityRepository",
    "RelationRepository",
    "Session",
    "Store",
    "StoreProtocol",
    "integrity_violations",
    "open_store",
]
