"""Helpers for the command-line tests: run the command in-process, snapshot a store."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest

from contactgraph import open_store, serialization
from contactgraph.cli import main


@attrs.frozen
class Result:
    """What one run printed and returned."""

    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    """``contactgraph ARGV…`` in this process."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def snapshot(url: str) -> dict[str, Any]:
    """Everything a store holds, as plain data (to prove a refusal wrote nothing)."""
    with open_store(url) as store:
        return {
            "accounts": [serialization.unstructure(a) for a in store.accounts],
            "opportunities": [serialization.unstructure(o) for o in store.opportunities.list()],
            "cases": [serialization.unstructure(c) for c in store.cases.list()],
            "relations": [serialization.unstructure(r) for r in store.relations.list()],
        }
