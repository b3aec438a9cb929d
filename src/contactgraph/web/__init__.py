"""contactgraph over HTTP: a JSON API with an OpenAPI 3.1 document, and an HTML explorer.

Needs the ``web`` extra (``pip install contactgraph[web]``)::

    from contactgraph.web import create_app, serve
    app = create_app("sqlite:///crm.db")          # any ASGI server can run it
    serve("sqlite:///crm.db", port=8000)          # or let uvicorn run it here

See docs/howto/web.md.
"""

from __future__ import annotations

try:
    import litestar  # noqa: F401
    import uvicorn  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "contactgraph.web needs the web extra: pip install 'contactgraph[web]'"
    ) from exc

from contactgraph.web.app import Auth, TenantResolver, bearer_tokens, create_app, header_tenant
from contactgraph.web.server import run, serve

__all__ = ["Auth", "TenantResolver", "bearer_tokens", "create_app", "header_tenant", "run", "serve"]
