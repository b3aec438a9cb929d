"""Plain JSON views of what the store returns, always through the documented converter."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from litestar import Response

import contactgraph as cg
from contactgraph.privacy import Forgotten
from contactgraph.repos.history import Change
from contactgraph.serialization import to_json, unstructure
from contactgraph.web.semantics import account_tag, json_tag

__all__ = [
    "account_out",
    "change_view",
    "contact_out",
    "forgotten_view",
    "json_response",
    "org_tree",
    "readiness_view",
    "summary",
]


def json_response(
    content: Any,
    *,
    status: int = 200,
    etag: str | None = None,
    location: str | None = None,
) -> Response[Any]:
    headers = {}
    if etag is not None:
        headers["ETag"] = etag
    if location is not None:
        headers["Location"] = location
    return Response(
        content=content, status_code=status, headers=headers, media_type="application/json"
    )


def summary(account: cg.Account) -> dict[str, Any]:
    """An account without its contacts (lists, hierarchies)."""
    data = unstructure(account)
    data.pop("contacts", None)
    return dict(data)


def contacts(items: Iterable[cg.Contact]) -> list[dict[str, Any]]:
    return [unstructure(c) for c in items]


def org_tree(nodes: Iterable[cg.OrgNode]) -> list[dict[str, Any]]:
    """The reports-to forest as nested ``{"contact": ..., "reports": [...]}``, built without recursion."""
    roots: list[dict[str, Any]] = []
    stack: list[tuple[cg.OrgNode, list[dict[str, Any]]]] = [
        (n, roots) for n in reversed(list(nodes))
    ]
    while stack:
        node, into = stack.pop()
        entry: dict[str, Any] = {"contact": unstructure(node.contact), "reports": []}
        into.append(entry)
        stack.extend((child, entry["reports"]) for child in reversed(node.reports))
    return roots


def readiness_view(account: cg.Account) -> dict[str, Any]:
    """``cg.policies.readiness`` as JSON: each action, its recipients' ids, and why not."""
    state = cg.policies.readiness(account)
    return {
        "account_id": state.account_id,
        "account_name": state.account_name,
        "actionable": state.actionable,
        "actions": {
            str(action): {
                "possible": a.possible,
                "recipients": [c.id for c in a.recipients],
                "reasons": [unstructure(v) for v in a.reasons],
            }
            for action, a in state.actions.items()
        },
        "gaps": [unstructure(v) for v in state.gaps],
        "summary": state.summary(),
    }


def contact_out(contact: cg.Contact) -> tuple[bytes, str]:
    """The contact's JSON document and its tag, serialised once (in a worker, off the loop)."""
    document = to_json(contact).encode("utf-8")
    return document, json_tag(document)


def account_out(account: cg.Account) -> tuple[bytes, str]:
    """The account's JSON document and its tag."""
    return to_json(account).encode("utf-8"), account_tag(account)


def change_view(change: Change) -> dict[str, Any]:
    """One history entry, as the CLI's ``history --json`` writes it."""
    return {
        "seq": change.seq,
        "at": change.at.isoformat(),
        "actor": change.actor,
        "action": change.action,
        "field": change.field,
        "old": change.old,
        "new": change.new,
        "redacted": change.redacted,
    }


def forgotten_view(done: Forgotten) -> dict[str, Any]:
    """What a forget did, as the CLI's ``forget --json`` writes it."""
    return done.to_dict()
