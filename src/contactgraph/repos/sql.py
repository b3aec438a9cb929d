"""SQL backends (SQLite, PostgreSQL) through SQLAlchemy Core: being written."""

from __future__ import annotations

from contactgraph.errors import StoreConfigurationError
from contactgraph.repos.backend import Backend

__all__ = ["open_sql_backend"]


def open_sql_backend(url: str, *, tenant: str) -> Backend:
    raise StoreConfigurationError(f"{url}: the SQL backends are not available yet; use memory://")
