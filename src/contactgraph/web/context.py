"""What every request handler holds: its tenant's store and the bounded worker pool."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
from litestar.di import NamedDependency
from litestar.params import HeaderParameter, QueryParameter

import contactgraph as cg
from contactgraph.web.semantics import MAX_PAGE

__all__ = ["Api", "IfMatch", "Limit", "TenantApi"]

T = TypeVar("T")

IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        description="Entity tag the change is based on (412 if stale).",
    ),
]
Limit = Annotated[
    int, QueryParameter(ge=1, le=MAX_PAGE, description=f"Page size, at most {MAX_PAGE}.")
]


class Api:
    """What a request handler holds: its tenant's store and the worker pool.

    Attributes:
        store: The store, confined to the request's tenant.
    """

    def __init__(self, store: cg.Store, limiter: anyio.CapacityLimiter) -> None:
        self.store = store
        self._limiter = limiter

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn`` (which talks to the store) in the worker pool."""
        call = functools.partial(fn, *args, **kwargs)
        return await anyio.to_thread.run_sync(call, limiter=self._limiter)


TenantApi = NamedDependency[Api]
"""A handler parameter ``api: TenantApi`` receives the request's :class:`Api`."""
