"""pandas DataFrames of contacts, accounts, opportunities, cases and relations, and back.

pandas is an optional extra (``pip install 'contactgraph[pandas]'``), imported
only when one of these functions is called. Columns have readable names
(``"First Name"``, ``"Reports To ID"``); custom fields are ``"Custom: <name>"``
columns and external ids ``"External ID: <system>"`` columns. Reading a frame
back goes through the domain commands, so it gets the same validation as any
other input, and every bad row is reported at once.

The columns are declared once in :mod:`~contactgraph.interop.frames.columns`;
:mod:`~contactgraph.interop.frames.export` writes frames and
:mod:`~contactgraph.interop.frames.read` reads them back.
"""

from contactgraph.errors import MissingDependencyError
from contactgraph.interop.frames.columns import (
    ACCOUNT_COLUMNS,
    CASE_COLUMNS,
    CONTACT_COLUMNS,
    OPPORTUNITY_COLUMNS,
    RELATION_COLUMNS,
)
from contactgraph.interop.frames.export import (
    accounts_frame,
    cases_frame,
    contacts_frame,
    opportunities_frame,
    relations_frame,
    to_frame,
)
from contactgraph.interop.frames.read import (
    accounts_from_frame,
    cases_from_frame,
    contacts_from_frame,
    opportunities_from_frame,
    relations_from_frame,
)

__all__ = [
    "ACCOUNT_COLUMNS",
    "CASE_COLUMNS",
    "CONTACT_COLUMNS",
    "OPPORTUNITY_COLUMNS",
    "RELATION_COLUMNS",
    "MissingDependencyError",
    "accounts_frame",
    "accounts_from_frame",
    "cases_frame",
    "cases_from_frame",
    "contacts_frame",
    "contacts_from_frame",
    "opportunities_frame",
    "opportunities_from_frame",
    "relations_frame",
    "relations_from_frame",
    "to_frame",
]
