"""Open a backend from a URL: the scheme chooses the factory, the code stays the same.

:data:`FACTORIES` maps each URL scheme to the function that opens its
backend; :func:`open_backend` reads the URL (or :data:`ENV_VAR`), checks the
tenant and looks the scheme up there. The store callers hold wraps the
backend at the top of the house (:func:`contactgraph.open_store`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final

from contactgraph.errors import StoreConfigurationError
from contactgraph.repos.backend import Backend
from contactgraph.repos.keys import check_tenant
from contactgraph.repos.memory import MemoryBackend, MemoryDatabase, named_database

__all__ = [
    "ENV_VAR",
    "FACTORIES",
    "MAX_TIMEOUT_S",
    "BackendFactory",
    "check_tenant",
    "check_timeout",
    "open_backend",
]

ENV_VAR: Final = "CONTACTGRAPH_STORE_URL"
"""Environment variable read when no store URL is given."""

BackendFactory = Callable[[str, str, "float | None"], Backend]
"""Opens a backend from ``(url, tenant, timeout)``; the URL is stripped, its scheme known,
the timeout checked (``None``: the backend's default)."""


def _memory(url: str, tenant: str, timeout: float | None = None) -> Backend:
    name = url.partition("://")[2].strip("/")
    database = named_database(name) if name else MemoryDatabase()
    return MemoryBackend(database, tenant=tenant, lock_timeout=timeout)


def _sql(url: str, tenant: str, timeout: float | None = None) -> Backend:
    from contactgraph.repos.sql import open_sql_backend  # SQLAlchemy only when asked for

    return open_sql_backend(url, tenant=tenant, timeout=timeout)


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


MAX_TIMEOUT_S: Final = 86_400.0
"""The longest wait ``timeout`` (or ``?timeout=``) accepts: a day."""


def check_timeout(timeout: object) -> float | None:
    """``timeout`` as seconds (``None`` stays ``None``), else :class:`StoreConfigurationError`."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise StoreConfigurationError(
            f"timeout is a number of seconds (how long a writer waits for another one), "
            f"got {type(timeout).__name__}"
        )
    if isinstance(timeout, int) and not 0 <= timeout <= MAX_TIMEOUT_S:
        seconds = -1.0  # an int too large for a float is refused below, not an OverflowError
    else:
        seconds = float(timeout)
    if not (math.isfinite(seconds) and 0 <= seconds <= MAX_TIMEOUT_S):
        raise StoreConfigurationError(
            f"timeout must be between 0 and {MAX_TIMEOUT_S:g} seconds"
            f" (how long a writer waits for another one)"
        )
    return seconds


def open_backend(
    url: str | None = None, *, tenant: str = "default", timeout: float | None = None
) -> Backend:
    """Open the backend ``url`` names, seen as ``tenant``.

    Args:
        url: ``None`` reads ``CONTACTGRAPH_STORE_URL`` and falls back to
            ``memory://``. ``memory://`` is a private in-memory store and
            ``memory://name`` one shared in this process; ``sqlite:///path/crm.db``
            an SQLite file (``sqlite://``: an in-memory SQLite database);
            ``postgresql+psycopg://user@host/db`` (or ``postgresql://``)
            PostgreSQL through psycopg 3, the ``contactgraph[postgres]`` extra.
        tenant: The tenant every read and write is confined to.
        timeout: Seconds a writer waits for another writer before giving up,
            as ``?timeout=`` in the URL (giving both, different, is refused).
            SQLite: the busy timeout (default 30), then
            :class:`StoreUnavailableError`; PostgreSQL: the server's
            ``lock_timeout`` for a row lock (default: no limit), then a
            retryable ``TransactionConflictError``; memory: another thread's
            write transaction (default 30), then :class:`StoreUnavailableError`.

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
    seconds = check_timeout(timeout)
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
    return factory(url, tenant, seconds)
