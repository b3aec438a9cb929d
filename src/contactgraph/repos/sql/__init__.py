"""The SQL backend: SQLAlchemy Core, one implementation for SQLite and PostgreSQL.

The package, module by module:

- :mod:`~contactgraph.repos.sql.engine`: opening a store (engines, schema check).
- :mod:`~contactgraph.repos.sql.session`: the backend and its sessions, one
  transaction each.
- :mod:`~contactgraph.repos.sql.accounts`: accounts and their contacts.
- :mod:`~contactgraph.repos.sql.storage`: opportunities, cases, relations and
  what the repositories share.
- :mod:`~contactgraph.repos.sql.statements`: the SQL, prebuilt.
- :mod:`~contactgraph.repos.sql.errors`: driver errors turned into ours.

Optimistic concurrency is ``UPDATE … SET version = v + 1 WHERE tenant = ?
AND id = ? AND version = v`` and a row count, inside the transaction. Saving
an account writes its row and only the contacts its events name. Rows map to
entities through :mod:`contactgraph.repos.rows`.
"""

from contactgraph.repos.sql.accounts import SqlAccounts
from contactgraph.repos.sql.engine import BUSY_TIMEOUT_S, open_sql_backend
from contactgraph.repos.sql.errors import TransactionConflictError
from contactgraph.repos.sql.session import SqlBackend, SqlSession
from contactgraph.repos.sql.storage import SqlCases, SqlOpportunities, SqlRelations

__all__ = [
    "BUSY_TIMEOUT_S",
    "SqlAccounts",
    "SqlBackend",
    "SqlCases",
    "SqlOpportunities",
    "SqlRelations",
    "SqlSession",
    "TransactionConflictError",
    "open_sql_backend",
]
