"""Errors as RFC 9457 ``application/problem+json``, each carrying every violation.

One table says which library error becomes which status; a handler turns
the exception into a problem document with ``type``, ``title``, ``status``,
``detail`` and, when there are any, ``violations`` (``code``, ``field``,
``entity_id``, ``message``, ``severity``) or ``rows`` (import errors). A
write refused by a duplicate rule (``block``) also lists ``duplicates``: per
refused record, the stored records it looks like.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException

import contactgraph as cg
from contactgraph.errors import MissingDependencyError
from contactgraph.rules import DuplicateBlockedError
from contactgraph.serialization import unstructure
from contactgraph.web.alerts import alert_view

__all__ = ["PROBLEM_JSON", "Problem", "problem_response", "to_problem"]

PROBLEM_JSON = "application/problem+json"
_log = logging.getLogger("contactgraph.web")

# library error -> (status, title); the first match in this order wins
_STATUS: tuple[tuple[type[Exception], int, str], ...] = (
    (cg.NotFoundError, 404, "Not found"),
    (DuplicateBlockedError, 422, "Likely duplicate"),
    (cg.ConcurrencyError, 409, "Edited concurrently"),
    (cg.PolicyViolationError, 422, "Policy violation"),
    (cg.InvalidValueError, 422, "Invalid value"),
    (cg.ImportRejectedError, 422, "Import rejected"),
    (cg.StoreUnavailableError, 503, "Store unavailable"),
    (MissingDependencyError, 501, "Not installed"),
    (cg.ContactGraphError, 400, "Bad request"),
)


class Problem(Exception):
    """An HTTP-level refusal (412, 428, 401…) raised by the web layer itself.

    Attributes:
        status: The HTTP status.
        title: A short title.
        detail: A sentence for people.
        headers: Extra response headers (e.g. ``WWW-Authenticate``).
    """

    def __init__(
        self, status: int, title: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers or {}


def _violations(exc: Exception) -> list[dict[str, Any]]:
    if isinstance(exc, cg.PolicyViolationError):
        return [unstructure(v) for v in exc.violations]
    if isinstance(exc, cg.InvalidValueError):
        code = exc.code or (f"{exc.field}.invalid" if exc.field else "value.invalid")
        return [
            {
                "code": code,
                "message": exc.reason,
                "field": exc.field,
                "entity_id": None,
                "severity": "error",
                "policy": "",
            }
        ]
    return []


def to_problem(exc: Exception) -> tuple[int, dict[str, Any], dict[str, str]]:
    """The status, problem document and headers for ``exc``."""
    if isinstance(exc, Problem):
        body = {"type": "about:blank", "title": exc.title, "status": exc.status}
        return exc.status, {**body, "detail": exc.detail}, exc.headers
    if isinstance(exc, HTTPException):
        body = {
            "type": "about:blank",
            "title": _http_title(exc.status_code),
            "status": exc.status_code,
            "detail": str(exc.detail),
        }
        if exc.extra:
            body["errors"] = exc.extra
        return exc.status_code, body, dict(exc.headers or {})
    for kind, status, title in _STATUS:
        if isinstance(exc, kind):
            body = {"type": "about:blank", "title": title, "status": status, "detail": str(exc)}
            violations = _violations(exc)
            if violations:
                body["violations"] = violations
            if isinstance(exc, cg.ImportRejectedError):
                body["rows"] = [unstructure(e) for e in exc.errors]
            if isinstance(exc, DuplicateBlockedError):
                body["duplicates"] = [alert_view(a) for a in exc.alerts]
            return status, body, {}
    _log.exception("unexpected error", exc_info=exc)
    detail = "the server met an unexpected error; it has been logged"
    return (
        500,
        {"type": "about:blank", "title": "Internal error", "status": 500, "detail": detail},
        {},
    )


def _http_title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Litestar exception handler: every error leaves as problem+json."""
    status, body, headers = to_problem(exc)
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON, headers=headers)
