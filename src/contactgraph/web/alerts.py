"""The alerts of a write made under a duplicate rule, as JSON.

A store opened with ``duplicates="alert"`` lets a likely duplicate land and
says so; the API hands those alerts to the client in an ``alerts`` member of
the write's answer. Under ``"block"`` the write is refused, and the problem
document lists the same objects in ``duplicates`` (see docs/howto/web.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

import contactgraph as cg
from contactgraph.repos.checks import SaveWarning

__all__ = ["alert_view", "with_alerts"]


def alert_view(remark: SaveWarning) -> dict[str, Any]:
    """A save check's alert: for a likely duplicate, the stored records it looks like."""
    if isinstance(remark, cg.DuplicateWarning):
        return {
            "code": f"duplicate.{remark.kind}",
            "kind": remark.kind,
            "record_id": remark.record_id,
            "label": remark.label,
            "message": str(remark),
            "candidates": [
                {
                    "id": c.id,
                    "label": c.label,
                    "score": round(c.score, 6),
                    "reasons": list(c.reasons),
                }
                for c in remark.candidates
            ],
        }
    return {
        "code": "save.warning",
        "kind": None,
        "record_id": remark.record_id,
        "label": None,
        "message": str(remark),
        "candidates": [],
    }


def with_alerts(document: Any, alerts: Iterable[SaveWarning]) -> Any:
    """``document`` with an ``alerts`` member when the write raised any (else unchanged)."""
    shown = [alert_view(a) for a in alerts]
    if not shown:
        return document
    if isinstance(document, bytes):
        document = orjson.loads(document)
    return {**document, "alerts": shown}
