"""contactgraph: Accounts, Contacts, Opportunities and Cases for Python applications.

A typed, immutable CRM domain: an :class:`Account` owns its :class:`Contact`
people; :class:`Opportunity` and :class:`Case` refer to them by id. Rules are
policy objects (:mod:`contactgraph.policies`); stores keep everything in
memory, in SQLite or in PostgreSQL behind one protocol (:func:`open_store`).
"""

from contactgraph import policies
from contactgraph.domain import (
    Account,
    AccountContactRelation,
    Address,
    Case,
    CasePriority,
    CaseStatus,
    Contact,
    ContactRole,
    DecisionRole,
    Email,
    Money,
    Opportunity,
    OrgNode,
    PersonName,
    Phone,
    Salutation,
    Stage,
)
from contactgraph.errors import (
    ConcurrencyError,
    ContactGraphError,
    ImportRejectedError,
    InvalidValueError,
    NotFoundError,
    PolicyViolationError,
    RowError,
    SchemaVersionError,
    Severity,
    StoreConfigurationError,
    StoreUnavailableError,
    Violation,
)
from contactgraph.rules import DuplicateRule, DuplicateRules, DuplicateWarning
from contactgraph.store import Store, open_store

__version__ = "0.1.0"

__all__ = [
    "Account",
    "AccountContactRelation",
    "Address",
    "Case",
    "CasePriority",
    "CaseStatus",
    "ConcurrencyError",
    "Contact",
    "ContactGraphError",
    "ContactRole",
    "DecisionRole",
    "DuplicateRule",
    "DuplicateRules",
    "DuplicateWarning",
    "Email",
    "ImportRejectedError",
    "InvalidValueError",
    "Money",
    "NotFoundError",
    "Opportunity",
    "OrgNode",
    "PersonName",
    "Phone",
    "PolicyViolationError",
    "RowError",
    "Salutation",
    "SchemaVersionError",
    "Severity",
    "Stage",
    "Store",
    "StoreConfigurationError",
    "StoreUnavailableError",
    "Violation",
    "__version__",
    "open_store",
    "policies",
]
