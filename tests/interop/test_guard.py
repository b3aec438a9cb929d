"""The one guard every record's errors go through."""

from __future__ import annotations

import pytest

import contactgraph as cg
from contactgraph.errors import ConcurrencyError, NotFoundError, StoreUnavailableError
from contactgraph.interop import ImportOptions
from contactgraph.interop.context import ImportContext
from contactgraph.interop.records import Refused, SourceRecord

ACME = SourceRecord("Account", {"Name": "ACME SA"}, "Account.csv", 7, "AccountRef7")


def _context() -> ImportContext:
    return ImportContext(cg.open_store(), ImportOptions(), "tests")


@pytest.mark.parametrize(
    ("raised", "field", "reason"),
    [
        (
            Refused("ParentId", "refers to @AccountRef9, which was refused"),
            "ParentId",
            "@AccountRef9",
        ),
        (NotFoundError("account", "a-1"), None, "a-1"),
        (OverflowError("cannot convert Infinity to integer"), None, "out of range"),
    ],
)
def test_a_refusal_is_reported_once_and_the_import_goes_on(
    raised: Exception, field: str | None, reason: str
) -> None:
    context = _context()
    with context.guard(ACME, "Account") as attempt:
        raise raised
    assert attempt.failed
    (error,) = context.report.errors
    assert (error.row, error.field, error.source, error.record) == (
        7,
        field,
        "Account.csv",
        "AccountRef7",
    )
    assert reason in error.reason
    assert context.report.of("Account").failed == 1
    assert "@AccountRef7" in context.index.refused["Account"]


@pytest.mark.parametrize(
    "raised",
    [
        ConcurrencyError("account", "a-1", 1, 2),
        StoreUnavailableError("the database went away"),
        TypeError("a bug, not a row's fault"),
    ],
)
def test_store_failures_and_bugs_pass_through(raised: Exception) -> None:
    context = _context()
    with pytest.raises(type(raised)), context.guard(ACME, "Account"):
        raise raised
    assert context.report.errors == []


def test_a_clean_block_is_not_a_failure() -> None:
    context = _context()
    with context.guard(ACME, "Account") as attempt:
        pass
    assert not attempt.failed
    assert context.report.errors == []
