"""Open a backend from a URL: the scheme chooses the factory, the code stays the same.

:data:`FACTORIES` maps each URL scheme to the function that opens its
backend; :func:`open_backend` reads the URL (or :data:`ENV_VAR`), checks the
tenant and looks the scheme up there. The store callers hold wraps the
backend at the top of the house (:func:`contactgraph.open_store`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final

from contactgraph.errors import StoreConfigurationError
from contactgraph.repos.backend import Backend
from contactgraph.repos.keys import check_tenant
from contactgraph.repos.memory import MemoryBackend, MemoryDatabase, named_database

__all__ = ["ENV_VAR", "FACTORIES", "BackendFactory", "check_tenant", "open_backend"]

ENV_VAR: Final = "CONTACTGRAPH_STORE_URL"
"""Environment variable read when no store URL is given."""

BackendFactory = Callable[[str, str], Backend]
"""Opens a backend from ``(url, tenant)``; the URL is stripped, its scheme known."""


def _memory(url: str, tenant: str) -> Backend:
    name = url.partition("://")[2].strip("/")
    database = named_database(name) if name else MemoryDatabase()
    return MemoryBackend(database, tenant=tenant)


def _sql(url: str, tenant: str) -> Backend:
    from contactgraph.repos.sql import open_sql_backend  # SQLAlchemy only when asked for

    return open_sql_backend(url, tenant=tenant)


FACTORIES: Final[Mapping[str, BackendFactory]] = MappingProxyType(
    {
        "memory": _memory,
        "sqlite": _sql,
        "postgresql": _sql,
        "postgres": _sql,
    }
)
"""URL scheme (before any ``+driver``, lower case) to the factory of its backend."""

_SCHEMES = "memory://, sqlite:///path/to/crm.db, postgresql+psycopg://user@host/db"


def open_backend(url: str | None = None, *, tenant: str = "default") -> Backend:
    """Open the backend ``url`` names, seen as ``tenant``.

    Args:
        url: ``None`` reads ``CONTACTGRAPH_STORE_URL`` and falls back to
            ``memory://``. ``memory://`` is a private in-memory store and
            ``memory://name`` one shared in this process; ``sqlite:///path/crm.db``
            an SQLite file (``sqlite://``: an in-memory SQLite database);
            ``postgresql+psycopg://user@host/db`` (or ``postgresql://``)
            PostgreSQL through psycopg 3, the ``contactgraph[postgres]`` extra.
        tenant: The tenant every read and write is confined to.

    Raises:
        StoreConfigurationError: unknown scheme, bad path, missing driver, bad tenant.
        StoreUnavailableError: the server or file cannot be reached.
        SchemaVersionError: the store was written by a newer contactgraph.
    """
    if url is None:
        url = os.environ.get(ENV_VAR) or "memory://"
    if not isinstance(url, str):
        raise StoreConfigurationError(f"a store URL is text such as {_SCHEMES}; got {url!r}")
    tenant = check_tenant(tenant)
    url = url.strip()
    scheme, sep, _rest = url.partition("://")
    if not sep:
        raise StoreConfigurationError(
            f"{url!r} is not a store URL; use one of {_SCHEMES} (or set {ENV_VAR})"
        )
    factory = FACTORIES.get(scheme.lower().split("+")[0])
    if factory is None:
        raise StoreConfigurationError(
            f"unknown store scheme {scheme.lower() + '://'!r} in {url!r}; use one of {_SCHEMES}"
        )
    return factory(url, tenant)
