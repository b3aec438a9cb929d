"""The composition root: the store callers open, storage wired with navigation and actions.

:mod:`contactgraph.repos` keeps storage only (the unit of work, the
repositories, the backends); :mod:`contactgraph.graph` navigates and acts
through the store protocol. This module, at the top of the house, puts them
together: :class:`Store` is the :class:`~contactgraph.repos.UnitOfWork` plus
``graph`` and the moves and commercial actions, and :func:`open_store` opens
a backend from a URL and wraps it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from contactgraph.domain import Account, Opportunity
from contactgraph.graph.commercial import (
    Recipients,
    Target,
    follow_up,
    send_contract,
    start_campaign,
)
from contactgraph.graph.moves import MoveResult, move_contact
from contactgraph.graph.navigator import Navigator
from contactgraph.policies import PolicySet
from contactgraph.repos.open import open_backend
from contactgraph.repos.unit_of_work import UnitOfWork

__all__ = ["Store", "open_store"]


class Store(UnitOfWork):
    """Repositories over one backend and one tenant, with navigation and commercial actions.

    Open one with :func:`open_store`, or wrap a backend of your own as
    ``Store(backend)``. The repositories, transactions, events, integrity and
    closing are the :class:`~contactgraph.repos.UnitOfWork`'s (its attributes
    are this class's); this class adds what is written above storage, against
    the store protocol.
    """

    @property
    def graph(self) -> Navigator:
        """Navigation across accounts, contacts, opportunities and cases."""
        return Navigator(self)

    def move_contact(
        self,
        contact_id: str,
        to_account: str | Account,
        on: date | None = None,
        *,
        rules: PolicySet[Account] | None = None,
    ) -> MoveResult:
        """Move a contact to another account (see :func:`contactgraph.graph.move_contact`)."""
        return move_contact(self, contact_id, to_account, on, rules=rules)

    def start_campaign(self, targets: Iterable[Target]) -> Recipients:
        """Recipients of a campaign (see :func:`contactgraph.graph.start_campaign`)."""
        return start_campaign(self, targets)

    def send_contract(self, opportunity: Opportunity | str) -> Recipients:
        """Recipients of a contract (see :func:`contactgraph.graph.send_contract`)."""
        return send_contract(self, opportunity)

    def follow_up(self, opportunity: Opportunity | str) -> Recipients:
        """Recipients of a follow-up (see :func:`contactgraph.graph.follow_up`)."""
        return follow_up(self, opportunity)


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
            ``contactgraph[postgres]`` extra. The schemes are those of
            :data:`contactgraph.repos.open.FACTORIES`.
        tenant: The tenant every read and write is confined to.
        allow_foreign_contact_roles: Let opportunities give roles to contacts
            of other accounts (off by default).

    A store over SQL holds a connection pool: close it (or use ``with``);
    one garbage-collected open warns with :class:`ResourceWarning`.

    Raises:
        StoreConfigurationError: unknown scheme, bad path, missing driver.
        StoreUnavailableError: the server or file cannot be reached.
        SchemaVersionError: the store was written by a newer contactgraph.
    """
    backend = open_backend(url, tenant=tenant)
    return Store(backend, allow_foreign_contact_roles=allow_foreign_contact_roles)
