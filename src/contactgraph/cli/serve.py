"""``serve``: the HTTP API and the explorer over the store, with uvicorn (the ``web`` extra)."""

from __future__ import annotations

import argparse

from contactgraph.cli.codes import EXIT_OK, UsageError
from contactgraph.cli.context import Commands, Context

__all__ = ["register"]


def _port(value: str) -> int:
    try:
        port = int(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"a port is 1 to 65535, got {port}")
    return port


def cmd_serve(ctx: Context, args: argparse.Namespace) -> int:
    try:
        from contactgraph.web import serve
    except ImportError as exc:
        raise UsageError(
            f"serve needs the web extra ({exc}): pip install 'contactgraph[web]'"
        ) from None
    if not ctx.out.as_json:
        ctx.out.line(
            f"Serving {ctx.store.url} on http://{args.host}:{args.port}/ "
            f"(explorer at /, OpenAPI at /openapi.json); Ctrl-C stops"
        )
    serve(ctx.store, host=args.host, port=args.port, log_level="warning")
    return EXIT_OK


def register(commands: Commands) -> None:
    p = commands.add(
        "serve",
        cmd_serve,
        "serve the HTTP API and the explorer page over the store (needs the web extra)",
        writes=True,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=_port, default=8000, help="port (default 8000)")
