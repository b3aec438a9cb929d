"""The domain: immutable entities, value objects, events and structural invariants.

Nothing here imports the rest of contactgraph except :mod:`contactgraph.errors`.
"""

from contactgraph.domain.account import Account, OrgChart, OrgNode
from contactgraph.domain.case import Case, CasePriority, CaseStatus
from contactgraph.domain.contact import CONTACT_FIELD_NAMES, Contact
from contactgraph.domain.events import DomainEvent, FieldChange
from contactgraph.domain.fields import ACCOUNT_FIELDS, CONTACT_FIELDS
from contactgraph.domain.ids import MAX_ID_LENGTH, check_id, is_valid_id, new_id
from contactgraph.domain.invariants import STRUCTURAL_INVARIANTS, check_structure
from contactgraph.domain.opportunity import ContactRole, Money, Opportunity, Stage
from contactgraph.domain.policy import Policy
from contactgraph.domain.relation import AccountContactRelation
from contactgraph.domain.text import match_key, neutralise_bidi
from contactgraph.domain.values import (
    Address,
    DecisionRole,
    Email,
    PersonName,
    Phone,
    Salutation,
    email_key,
    region_of_country,
)

__all__ = [
    "ACCOUNT_FIELDS",
    "CONTACT_FIELDS",
    "CONTACT_FIELD_NAMES",
    "MAX_ID_LENGTH",
    "STRUCTURAL_INVARIANTS",
    "Account",
    "AccountContactRelation",
    "Address",
    "Case",
    "CasePriority",
    "CaseStatus",
    "Contact",
    "ContactRole",
    "DecisionRole",
    "DomainEvent",
    "Email",
    "FieldChange",
    "Money",
    "Opportunity",
    "OrgChart",
    "OrgNode",
    "PersonName",
    "Phone",
    "Policy",
    "Salutation",
    "Stage",
    "check_id",
    "check_structure",
    "email_key",
    "is_valid_id",
    "match_key",
    "neutralise_bidi",
    "new_id",
    "region_of_country",
]
