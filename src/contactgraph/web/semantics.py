"""HTTP semantics over the store: entity tags, preconditions, cursors, bodies.

Entity tags:
    An account's tag is its version (``"a<version>"``): any change to the
    aggregate, a contact's included, moves it. A contact's tag is derived
    from the contact alone (a digest of its JSON), so it moves when *that*
    contact changes and not when a sibling does. Opportunities, cases and
    relations carry their own version (``"v<version>"``).

Preconditions:
    ``If-Match`` that does not match the current tag -> 412. A write without
    ``If-Match`` is applied atomically to the current version (reload, apply,
    save; retried a few times when someone else saved in between); a write
    that keeps losing that race gets 409.
"""

from __future__ import annotations

import base64
import hashlib
import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import orjson

import contactgraph as cg
from contactgraph.serialization import to_json
from contactgraph.web.problems import Problem

__all__ = [
    "MAX_PAGE",
    "account_tag",
    "call_with_body",
    "check_if_match",
    "contact_tag",
    "decode_cursor",
    "encode_cursor",
    "json_tag",
    "keyset_page",
    "save_retrying",
    "version_tag",
]

MAX_PAGE = 200
"""The largest page any list returns; larger ``limit`` values are refused (422)."""

T = TypeVar("T")


def account_tag(account: cg.Account) -> str:
    return f'"a{account.version}"'


def version_tag(entity: Any) -> str:
    return f'"v{entity.version}"'


def contact_tag(contact: cg.Contact) -> str:
    return json_tag(to_json(contact).encode("utf-8"))


def json_tag(document: bytes) -> str:
    """A contact's tag from its JSON document (a digest: it moves exactly when the contact does)."""
    return f'"c{hashlib.blake2b(document, digest_size=12).hexdigest()}"'


def check_if_match(if_match: str | None, current: str) -> None:
    """412 unless ``If-Match`` is absent, ``*`` or lists the current tag (weak tags never match)."""
    if if_match is None:
        return
    tags = [t.strip() for t in if_match.split(",")]
    if "*" in tags or current in tags:
        return
    raise Problem(
        412,
        "Precondition failed",
        f"If-Match {if_match} does not match the current entity tag {current}; "
        "reload and re-apply the change",
    )


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise cg.InvalidValueError(
            f"page size must be between 1 and {MAX_PAGE}", field="limit", value=limit
        )
    return limit


# ------------------------------------------------------------------ cursors


def encode_cursor(after: str, position: int) -> str:
    raw = orjson.dumps({"after": after, "at": position})
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[str | None, int]:
    """``(last id seen, where it was)``; a cursor that does not decode is refused (422)."""
    if not cursor:
        return None, 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        after, position = data["after"], data["at"]
        if not isinstance(after, str) or not isinstance(position, int) or position < 0:
            raise ValueError(cursor)
    except (ValueError, KeyError, TypeError, UnicodeError) as exc:
        raise cg.InvalidValueError("not a cursor this API issued", field="cursor") from exc
    return after, position


def keyset_page(
    fetch: Callable[[int, int], list[T]],
    key: Callable[[T], str],
    after: str | None,
    at: int,
    limit: int,
) -> tuple[list[T], str | None]:
    """One page of items whose key is greater than ``after``, and the next cursor.

    ``fetch(offset, count)`` reads items ordered by key. The cursor carries
    the last key seen (the keyset) and its position as a hint: the page
    starts after that key even when rows were added or removed before it
    since the previous page, so nothing is skipped or repeated.
    """
    window = limit + 1
    start = max(0, at - window) if after is not None else 0
    rows = fetch(start, window)
    while after is not None and start > 0 and (not rows or key(rows[0]) > after):
        start = max(0, start - 4 * window)  # rows were removed before us: step back
        rows = fetch(start, window)
    found: list[T] = []
    position = start
    while True:
        for row in rows:
            position += 1
            if after is None or key(row) > after:
                found.append(row)
                if len(found) == window:
                    break
        if len(found) == window or len(rows) < window:
            break
        rows = fetch(position, window)
    if len(found) <= limit:
        return found, None
    page = found[:limit]
    return page, encode_cursor(key(page[-1]), position - 1)


# ------------------------------------------------------------------ bodies


def call_with_body(factory: Callable[..., T], body: Mapping[str, Any], what: str) -> T:
    """Call a domain factory with a JSON object's keys, refusing unknown or missing ones (422).

    The domain itself validates the values; this only keeps a stray key from
    becoming a ``TypeError``.
    """
    params = inspect.signature(factory).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    named = {n for n, p in params.items() if p.kind is not p.VAR_KEYWORD}
    required = [
        n
        for n, p in params.items()
        if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    violations = [
        cg.Violation("field.unknown", f"{k!r} is not a {what} field", k, None, policy="web")
        for k in body
        if not takes_any and k not in named
    ] + [
        cg.Violation("field.required", f"a {what} needs {k!r}", k, None, policy="web")
        for k in required
        if k not in body
    ]
    if violations:
        raise cg.PolicyViolationError(violations, f"{what} refused")
    return factory(**body)


RETRIES = 5
"""How often a write re-applies itself after a concurrent save before answering 409."""


def save_retrying(store: cg.Store, change: Callable[[], cg.Account]) -> cg.Account:
    """Run ``change`` (load, check, apply) and save; re-run it when someone saved in between.

    Raises:
        ConcurrencyError: still losing the race after :data:`RETRIES` attempts (409).
    """
    for attempt in range(RETRIES):
        try:
            return store.accounts.save(change())
        except cg.ConcurrencyError:
            if attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")
