"""Run the application with uvicorn: the entry point behind ``contactgraph serve``."""

from __future__ import annotations

from typing import Any

import contactgraph as cg

__all__ = ["run", "serve"]


def serve(
    store_or_url: cg.Store | str | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    log_level: str = "info",
    **app_options: Any,
) -> None:
    """Serve ``create_app(store_or_url, **app_options)`` with uvicorn until interrupted."""
    import uvicorn

    from contactgraph.web.app import create_app

    app = create_app(store_or_url, **app_options)
    uvicorn.run(app, host=host, port=port, log_level=log_level)


def run(
    store_url: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    duplicates: str | None = None,
) -> None:
    """Open ``store_url`` (default store when None) with the ``duplicates`` rule and serve it."""
    serve(store_url, host=host, port=port, duplicates=duplicates)
