"""The ASGI application: one store per process, a tenant per request, a bounded worker pool.

Every store call runs in a worker thread from a pool of ``workers`` threads
(an :class:`anyio.CapacityLimiter`), so the event loop never waits on
SQLite or PostgreSQL; when every worker is busy, requests queue instead of
opening more connections.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from litestar import Litestar, Request, get
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, Reference, SecurityScheme
from litestar.params import HeaderParameter

import contactgraph as cg
from contactgraph.web import (
    explorer,
    routes_accounts,
    routes_deals,
    routes_files,
    routes_records,
)
from contactgraph.web.context import Api
from contactgraph.web.problems import Problem, problem_response
from contactgraph.web.schemas import add_problems, components

__all__ = ["Api", "Auth", "TenantResolver", "bearer_tokens", "create_app", "header_tenant"]

T = TypeVar("T")

TenantResolver = Callable[[Mapping[str, str]], str | None]
"""Request headers -> the tenant to serve (``None``: the store's own tenant)."""

Auth = Callable[[Mapping[str, str]], str | None]
"""Request headers -> the tenant the credentials grant, or ``None`` for no valid credentials (401)."""

MAX_BODY = 1_000_000
"""Largest JSON body accepted (bytes); larger ones get 413. Uploads have their own bound."""


def header_tenant(name: str = "X-Tenant") -> TenantResolver:
    """A development resolver: the tenant named in header ``name`` (absent: the store's tenant)."""

    def resolve(headers: Mapping[str, str]) -> str | None:
        return headers.get(name) or None

    return resolve


def bearer_tokens(tokens: Mapping[str, str]) -> Auth:
    """An example authenticator: ``Authorization: Bearer <token>`` -> the token's tenant.

    A real deployment checks a signed token (JWT, session) the same way:
    whatever ``auth`` returns is the only tenant the request can reach.
    """
    known = dict(tokens)

    def authenticate(headers: Mapping[str, str]) -> str | None:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return known.get(token.strip())

    return authenticate


class _Stores:
    """One store per process, and a small cache of its per-tenant views."""

    def __init__(self, store: cg.Store, owned: bool, workers: int) -> None:
        self.base = store
        self.owned = owned
        self.workers = workers
        self._limiter: anyio.CapacityLimiter | None = None
        self._views: OrderedDict[str, cg.Store] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def limiter(self) -> anyio.CapacityLimiter:
        if self._limiter is None:  # made inside the running event loop
            self._limiter = anyio.CapacityLimiter(self.workers)
        return self._limiter

    def api(self, tenant: str | None) -> Api:
        if tenant is None or tenant == self.base.tenant:
            return Api(self.base, self.limiter)
        with self._lock:
            view = self._views.get(tenant)
            if view is None:
                view = self.base.for_tenant(tenant)
                self._views[tenant] = view
                if len(self._views) > 256:
                    self._views.popitem(last=False)
            else:
                self._views.move_to_end(tenant)
        return Api(view, self.limiter)

    def close(self) -> None:
        if self.owned:
            self.base.close()


def _dependency(stores: _Stores, auth: Auth | None, resolver: TenantResolver) -> Provide:
    if auth is not None:

        async def authenticated(request: Request[Any, Any, Any]) -> Api:
            tenant = auth(request.headers)
            if tenant is None:
                raise Problem(
                    401,
                    "Unauthorized",
                    "valid credentials are required",
                    {"WWW-Authenticate": 'Bearer realm="contactgraph"'},
                )
            return stores.api(tenant)

        return Provide(authenticated)

    async def by_header(
        request: Request[Any, Any, Any],
        x_tenant: Annotated[
            str | None,
            HeaderParameter(
                name="X-Tenant",
                required=False,
                description="Development tenant selection; ignored when authentication is configured.",
            ),
        ] = None,
    ) -> Api:
        return stores.api(resolver(request.headers))

    return Provide(by_header)


@get("/openapi.json", include_in_schema=False, sync_to_thread=False)
def openapi_document(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The OpenAPI 3.1 document, at the address the design promises."""
    return request.app.openapi_schema.to_schema()


def create_app(
    store_or_url: cg.Store | str | None = None,
    *,
    tenant_resolver: TenantResolver | None = None,
    auth: Auth | None = None,
    cors: Sequence[str] | CORSConfig | None = None,
    workers: int = 16,
    max_body: int = MAX_BODY,
    duplicates: cg.DuplicateRules | cg.DuplicateRule | str | None = None,
    debug: bool = False,
) -> Litestar:
    """An ASGI application over a store (or a store URL, opened here and closed on shutdown).

    Args:
        store_or_url: The store to serve, or a URL for :func:`contactgraph.open_store`.
        tenant_resolver: Request headers -> tenant, when there is no ``auth``
            (default: the ``X-Tenant`` header, for development).
        auth: Request headers -> tenant granted by the credentials, or ``None``
            (401, before any repository is reached); e.g. :func:`bearer_tokens`.
        cors: Allowed origins (or a full :class:`CORSConfig`); ``None``: no CORS headers.
        workers: Size of the worker pool that runs store calls.
        max_body: Largest accepted JSON body in bytes (413 above).
        duplicates: The duplicate rules of the store opened from a URL
            (``"allow"``, ``"alert"``, ``"block"`` or a :class:`~contactgraph.DuplicateRules`);
            a store given open keeps its own, and giving both is refused.
    """
    if isinstance(store_or_url, cg.Store):
        if duplicates is not None:
            raise cg.InvalidValueError(
                "an open store keeps the rules it was opened with; "
                "give open_store(..., duplicates=...) instead",
                field="duplicates",
                value=duplicates,
            )
        stores = _Stores(store_or_url, owned=False, workers=workers)
    else:
        opened = cg.open_store(store_or_url, duplicates=duplicates)
        stores = _Stores(opened, owned=True, workers=workers)
    resolver = tenant_resolver or header_tenant()
    results = routes_files.ImportResults()
    cors_config = None
    if isinstance(cors, CORSConfig):
        cors_config = cors
    elif cors is not None:
        cors_config = CORSConfig(
            allow_origins=list(cors),
            allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Content-Type", "If-Match", "Authorization", "X-Tenant"],
            expose_headers=["ETag", "Location"],
        )
    security_schemes: dict[str, SecurityScheme | Reference] | None = (
        {"bearer": SecurityScheme(type="http", scheme="bearer")} if auth else None
    )
    openapi = OpenAPIConfig(
        title="contactgraph",
        version=cg.__version__,
        description="Accounts, contacts, opportunities and cases over HTTP. "
        "Bodies follow docs/reference/json.md; errors are RFC 9457 problem documents.",
        components=Components(security_schemes=security_schemes),
        security=[{"bearer": []}] if auth else None,
        path="/schema",
        render_plugins=[JsonRenderPlugin()],
        use_handler_docstrings=True,
    )
    app = Litestar(
        route_handlers=[
            openapi_document,
            *routes_accounts.HANDLERS,
            *routes_deals.HANDLERS,
            *routes_files.HANDLERS,
            *routes_records.HANDLERS,
            *explorer.HANDLERS,
        ],
        dependencies={"api": _dependency(stores, auth, resolver)},
        exception_handlers={Exception: problem_response},
        cors_config=cors_config,
        request_max_body_size=max_body,
        openapi_config=openapi,
        on_shutdown=[stores.close, results.close],
        debug=debug,
        state=State({"stores": stores, "import_results": results}),
    )
    # Litestar fills components.schemas from the types it saw; ours are read off the converter
    document = app.openapi_schema
    if document.components.schemas is None:
        document.components.schemas = {}
    document.components.schemas.update(components())
    add_problems(document)
    return app
