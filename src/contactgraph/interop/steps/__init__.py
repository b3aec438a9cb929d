"""The per-type steps of an import, and the table that chooses one per sObject type.

Each step is a function ``step(context, records)`` that writes the records of
one sObject type through the :class:`~contactgraph.interop.context.ImportContext`
it is given; the context runs them in :data:`~contactgraph.interop.context.ORDER`.
"""

from __future__ import annotations

from collections.abc import Mapping

from contactgraph.interop.context import Step
from contactgraph.interop.steps.accounts import import_accounts
from contactgraph.interop.steps.cases import import_cases
from contactgraph.interop.steps.contacts import import_contacts
from contactgraph.interop.steps.opportunities import import_contact_roles, import_opportunities
from contactgraph.interop.steps.relations import import_relations

__all__ = ["STEPS"]

STEPS: Mapping[str, Step] = {
    "Account": import_accounts,
    "Contact": import_contacts,
    "Opportunity": import_opportunities,
    "OpportunityContactRole": import_contact_roles,
    "Case": import_cases,
    "AccountContactRelation": import_relations,
}
"""sObject type -> the step that writes its records."""
