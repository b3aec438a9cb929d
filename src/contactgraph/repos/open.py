"""``open_store``: one URL chooses where the data lives; the code stays the same."""

from __future__ import annotations

import os
from typing import Final

from contactgraph.errors import StoreConfigurationError
from contactgraph.repos.keys import valid_id
from contactgraph.repos.memory import MemoryBackend, MemoryDatabase, named_database
from contactgraph.repos.store import Store

__all__ = ["ENV_VAR", "check_tenant", "open_store"]

ENV_VAR: Final = "CONTACTGRAPH_STORE_URL"
"""Environment variable read when ``open_store`` is given no URL."""

_SCHEMES = "memory://, sqlite:///path/to/crm.db, postgresql+psycopg://user@host/db"


def check_tenant(tenant: object) -> str:
    """``tenant`` if it is a valid tenant key, else :class:`StoreConfigurationError`."""
    if not valid_id(tenant):
        raise StoreConfigurationError(
            f"tenant must be text of 1 to 64 printable characters, got {tenant!r}"
        )
    assert isinstance(tenant, str)
    return tenant


def open_store(
    url: str | None = None,
    *,
    tenant: str = "default",
    allow_foreign_contact_roles: bool = False,
) -> Store:
    """Open a store.

    Args:
        url: ``None`` reads ``CONTACTGRAPH_STORE_URL`` and falls back to
            ``memory://``. ``memory://`` is a private in-memory store and
            ``memory://name`` one shared in this process while a store on it
            is open; ``sqlite:///path/crm.db`` an SQLite file (``sqlite://``:
            an in-memory SQLite database); ``postgresql+psycopg://user@host/db``
            (or ``postgresql://``) PostgreSQL through psycopg 3, the
            ``contactgraph[postgres]`` extra.
        tenant: The tenant every read and write is confined to.
        allow_foreign_contact_roles: Let opportunities give roles to contacts
            of other accounts (off by default).

    Raises:
        StoreConfigurationError: unknown scheme, bad path, missing driver.
        StoreUnavailableError: the server or file cannot be reached.
        SchemaVersionError: the store was written by a newer contactgraph.
    """
    if url is None:
        url = os.environ.get(ENV_VAR) or "memory://"
    if not isinstance(url, str):
        raise StoreConfigurationError(f"a store URL is text such as {_SCHEMES}; got {url!r}")
    tenant = check_tenant(tenant)
    scheme, sep, rest = url.strip().partition("://")
    if not sep:
        raise StoreConfigurationError(
            f"{url!r} is not a store URL; use one of {_SCHEMES} (or set {ENV_VAR})"
        )
    scheme = scheme.lower()
    if scheme == "memory":
        name = rest.strip("/")
        database = named_database(name) if name else MemoryDatabase()
        backend = MemoryBackend(database, tenant=tenant)
        return Store(backend, allow_foreign_contact_roles=allow_foreign_contact_roles)
    if scheme.split("+")[0] in ("sqlite", "postgresql", "postgres"):
        from contactgraph.repos.sql import open_sql_backend

        return Store(
            open_sql_backend(url.strip(), tenant=tenant),
            allow_foreign_contact_roles=allow_foreign_contact_roles,
        )
    raise StoreConfigurationError(
        f"unknown store scheme {scheme + '://'!r} in {url!r}; use one of {_SCHEMES}"
    )
