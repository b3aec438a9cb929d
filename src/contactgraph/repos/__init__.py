"""Storage only: the repository protocols, the unit of work, the memory and SQL backends.

The store callers open, :class:`contactgraph.Store`, is composed at the top
of the house from :class:`UnitOfWork` and the navigation of
:mod:`contactgraph.graph`; this package never imports what sits above it.

* :mod:`~contactgraph.repos.protocol`: what callers hold (``StoreProtocol``
  and the repository protocols).
* :mod:`~contactgraph.repos.backend`: what a backend implements.
* :mod:`~contactgraph.repos.unit_of_work`, :mod:`~contactgraph.repos.repositories`,
  :mod:`~contactgraph.repos.integrity`: the rules every backend shares.
* :mod:`~contactgraph.repos.open`: a URL's scheme chooses the backend.
"""

from contactgraph.repos.backend import Backend, Session
from contactgraph.repos.integrity import integrity_violations
from contactgraph.repos.memory import MemoryBackend, MemoryDatabase
from contactgraph.repos.open import ENV_VAR, open_backend
from contactgraph.repos.protocol import (
    AccountOrder,
    AccountRepository,
    CaseRepository,
    ContactCriteria,
    EventHandler,
    OpportunityRepository,
    RelationRepository,
    StoreProtocol,
)
from contactgraph.repos.unit_of_work import UnitOfWork

__all__ = [
    "ENV_VAR",
    "AccountOrder",
    "AccountRepository",
    "Backend",
    "CaseRepository",
    "ContactCriteria",
    "EventHandler",
    "MemoryBackend",
    "MemoryDatabase",
    "OpportunityRepository",
    "RelationRepository",
    "Session",
    "StoreProtocol",
    "UnitOfWork",
    "integrity_violations",
    "open_backend",
]
