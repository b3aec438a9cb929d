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
from typing import Any, NamedTuple, TypeVar

import orjson

import contactgraph as cg
from contactgraph.repos.checks import SaveWarning
from contactgraph.serialization import to_json
from contactgraph.web.problems import Problem

__all__ = [
    "MAX_PAGE",
    "Field",
    "account_tag",
    "call_with_body",
    "check_if_match",
    "collecting",
    "contact_tag",
    "decode_cursor",
    "decode_offset",
    "encode_cursor",
    "ids_list",
    "json_tag",
    "read_body",
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


def encode_cursor(after: str) -> str:
    """An opaque cursor for the page after the account ``after`` (the store pages by keyset)."""
    raw = orjson.dumps({"after": after})
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The last id seen; a cursor that does not decode is refused (422)."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        after = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))["after"]
        if not isinstance(after, str):
            raise TypeError(cursor)
    except (ValueError, KeyError, TypeError, UnicodeError) as exc:
        raise cg.InvalidValueError("not a cursor this API issued", field="cursor") from exc
    return after


def decode_offset(cursor: str | None) -> int:
    """The position a cursor of a computed list (history, duplicates) stands for; 0 for none.

    Such lists are recomputed for each page; history only grows at its end,
    so a position stays where it was.
    """
    after = decode_cursor(cursor)
    if after is None:
        return 0
    if not (after.isascii() and after.isdigit()) or len(after) > 12:
        raise cg.InvalidValueError("not a cursor this API issued", field="cursor")
    return int(after)


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


class Field(NamedTuple):
    """One key of an action's JSON body: whether a value fits, what fits, and whether it is needed."""

    fits: Callable[[Any], bool]
    expected: str
    required: bool = False


def read_body(data: Mapping[str, Any], fields: Mapping[str, Field], what: str) -> dict[str, Any]:
    """The keys of an action's body, checked: every unknown, missing or ill-typed key is
    named in one 422 (``field.unknown``, ``field.required``, ``<key>.invalid``)."""
    violations = [
        cg.Violation("field.unknown", f"{k!r} is not a key of {what}", k, None, policy="web")
        for k in data
        if k not in fields
    ]
    for key, field in fields.items():
        if key not in data:
            if field.required:
                violations.append(
                    cg.Violation("field.required", f"{what} needs {key!r}", key, None, policy="web")
                )
        elif not field.fits(data[key]):
            message = f"{key} must be {field.expected}"
            violations.append(cg.Violation(f"{key}.invalid", message, key, None, policy="web"))
    if violations:
        raise cg.PolicyViolationError(violations, f"{what} refused")
    return {k: data[k] for k in fields if k in data}


def collecting(store: cg.Store, work: Callable[[], T]) -> tuple[T, list[SaveWarning]]:
    """Run a write and keep the alerts its save checks raised (duplicate rule ``alert``)."""
    with store.collect_warnings() as found:
        result = work()
    return result, list(found)


RETRIES = 5
"""How often a write re-applies itself after a concurrent save before answering 409."""


def save_retrying(
    store: cg.Store,
    change: Callable[[], cg.Account],
    alerts: list[SaveWarning] | None = None,
) -> cg.Account:
    """Run ``change`` (load, check, apply) and save; re-run it when someone saved in between.

    ``alerts``, when given, receives the save checks' alerts of the attempt
    that landed (not those of attempts that lost the race).

    Raises:
        ConcurrencyError: still losing the race after :data:`RETRIES` attempts (409).
    """
    for attempt in range(RETRIES):
        try:
            if alerts is None:
                return store.accounts.save(change())
            saved, found = collecting(store, lambda: store.accounts.save(change()))
            alerts[:] = found
            return saved
        except cg.ConcurrencyError:
            if attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def ids_list(value: object) -> bool:
    """Whether ``value`` is a JSON list of ids (text)."""
    return isinstance(value, list) and all(isinstance(i, str) for i in value)
