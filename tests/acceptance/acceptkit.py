"""Allowed differences and the one check every data set goes through.

A data set's test names, per sObject and field, every way the store may
differ from the file, how many records differ that way and why (a documented
normalisation, a link the model makes, a field not kept); and per sObject,
how many records are not stored and why. Anything else is a loss, and fails.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compare import Difference, compare
from rawfiles import RawRecord

import contactgraph as cg
from contactgraph.interop import export_csv, export_tree, import_csv, import_tree
from contactgraph.interop.json import from_json, to_json, unstructure

MODELLED = ("Account", "Contact", "Opportunity", "Case", "AccountContactRelation")


@dataclass(frozen=True)
class Allowed:
    """Records may differ on one field, this many, for this reason, in a way ``check`` accepts.

    ``pending`` marks a known defect being fixed elsewhere: the difference
    may also be gone.
    """

    count: int
    reason: str
    check: Callable[[Any, Any], bool]
    pending: bool = False


def street_lines(expected: Any, actual: Any) -> bool:
    """A street is kept as its lines joined by a line feed, each stripped (domain ``Address``)."""
    lines = str(expected).replace("\r\n", "\n").split("\n")
    return "\n".join(line.strip() for line in lines if line.strip()) == actual


def salutation_with_dot(expected: Any, actual: Any) -> bool:
    """``Mr`` is the standard picklist's ``Mr.`` (docs/reference/domain.md, Contact fields)."""
    return f"{expected}." == actual


def same_but_case(expected: Any, actual: Any) -> bool:
    """A reference resolved to the referenceId it matches ignoring letter case (documented)."""
    return str(expected).casefold() == str(actual).casefold() and expected != actual


def placed_under(account: str) -> Callable[[Any, Any], bool]:
    """A private contact (no AccountId) placed under ``orphan_account``."""
    return lambda expected, actual: expected is None and actual == f"<{account}>"


def from_its_contact(expected: Any, actual: Any) -> bool:
    """A case with only a ContactId belongs to that contact's account."""
    return expected is None and actual is not None


def not_kept(expected: Any, actual: Any) -> bool:
    """The value is not stored."""
    return expected is not None and actual is None


def other_region(expected: Any, actual: Any) -> bool:
    """The same national number read in another region."""
    return str(expected)[-9:] == str(actual)[-9:] and expected != actual


PRIVATE = (
    "a private contact (no AccountId) is placed under orphan_account: a contact has one account"
)
DIRECT = (
    "Salesforce's implied direct relation (the contact's own account): reported, nothing to store"
)
SALUTATION = "'Mr' is stored as the standard picklist value 'Mr.'"
STREET = "street lines are stripped and joined by LF (CRLF, trailing spaces, blank lines dropped)"
SYSTEM_ON_RELATION = (
    "an AccountContactRelation has no custom fields: its unmodelled columns are not kept,"
    " and the import warns naming them"
)


def check_data_set(
    records: Iterable[RawRecord],
    store: Any,
    *,
    default_region: str | None = None,
    allowed: Mapping[tuple[str, str], Allowed] | None = None,
    not_stored: Mapping[str, tuple[int, str]] | None = None,
    made: Mapping[str, int] | None = None,
) -> list[Difference]:
    """Compare ``store`` with ``records`` and hold every difference against the tables.

    ``not_stored``: sObject -> (records of the file not in the store, why);
    ``made``: sObject -> records the import made with no source record
    (the account for private contacts).
    """
    allowed = allowed or {}
    not_stored = not_stored or {}
    records = [r for r in records if r.sobject in MODELLED]
    found, missing, index = compare(records, store, default_region=default_region)
    tally = Counter((d.sobject, d.field) for d in found)  # records that differ, per field
    expected_tally = {k: a.count for k, a in allowed.items() if not a.pending}
    pending = {k for k, a in allowed.items() if a.pending}
    unexplained = [d for d in found if (d.sobject, d.field) not in allowed]
    assert not unexplained, "lost or changed without a reason:\n" + "\n".join(
        map(repr, unexplained[:20])
    )
    assert {k: n for k, n in tally.items() if k not in pending} == expected_tally, tally
    for d in found:
        rule = allowed[(d.sobject, d.field)]
        assert rule.check(d.expected, d.actual), (rule.reason, d)
    assert dict(Counter(r.sobject for r in missing)) == {
        s: n for s, (n, _) in not_stored.items() if n
    }, [(r.sobject, r.key) for r in missing][:20]
    assert dict(Counter(s for s, _ in index.unsourced)) == dict(made or {})
    raw_counts = Counter(r.sobject for r in records)
    counts = {
        "Account": store.accounts.count(),
        "Contact": store.accounts.count_contacts(),
        "Opportunity": store.opportunities.count(),
        "Case": store.cases.count(),
        "AccountContactRelation": store.relations.count(),
    }
    for sobject, count in counts.items():
        expected = raw_counts[sobject] - not_stored.get(sobject, (0, ""))[0]
        assert count == expected + (made or {}).get(sobject, 0), sobject
    return found


def unmodelled(records: Iterable[RawRecord]) -> Counter[str]:
    """Records of sObject types contactgraph does not model, per type."""
    return Counter(r.sobject for r in records if r.sobject not in MODELLED)


# ----------------------------------------------------------------- round trips

VOLATILE = frozenset({"created_at", "updated_at", "version", "opened_at", "closed_at"})
"""Set by the store and the clock when the source has no date, not by the data."""


def _clean(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _clean(v) for k, v in data.items() if k not in VOLATILE}
    if isinstance(data, list):
        return [_clean(x) for x in data]
    return data


def _as_text(value: Any) -> str:
    """A custom field value as a CSV cell holds it (booleans as Salesforce writes them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _extras_as_text(data: Any) -> Any:
    if isinstance(data, dict):
        return {
            k: ({x: _as_text(y) for x, y in v.items()} if k == "extra" else _extras_as_text(v))
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [_extras_as_text(x) for x in data]
    return data


def snapshot(store: Any, *, text_extras: bool = False) -> dict[str, Any]:
    """Every record, field and link of ``store`` as plain data (ids included).

    ``text_extras``: custom field values as text, which is all CSV can carry.
    """
    data = _clean(
        {
            "accounts": sorted((unstructure(a) for a in store.accounts), key=lambda a: a["id"]),
            "opportunities": sorted(
                (unstructure(o) for o in store.opportunities.list()), key=lambda o: o["id"]
            ),
            "cases": sorted((unstructure(c) for c in store.cases.list()), key=lambda c: c["id"]),
            "relations": sorted(
                (unstructure(r) for r in store.relations.list()), key=lambda r: r["id"]
            ),
        }
    )
    return _extras_as_text(data) if text_extras else data


def through_tree(store: Any, folder: Path, fresh: Any) -> Any:
    """Export a tree data plan and import it into ``fresh``."""
    import_tree(fresh, export_tree(store, folder / "tree").files[0])
    return fresh


def through_csv(store: Any, folder: Path, fresh: Any) -> Any:
    """Export Data Loader CSV files and import them into ``fresh``."""
    import_csv(fresh, export_csv(store, folder / "csv").files)
    return fresh


def through_json(store: Any, folder: Path, fresh: Any) -> Any:
    """Write every record in the documented JSON shape, read it back (validated) into ``fresh``."""
    path = folder / "records.json"
    documents = {
        "accounts": [to_json(a) for a in store.accounts],
        "opportunities": [to_json(o) for o in store.opportunities.list()],
        "cases": [to_json(c) for c in store.cases.list()],
        "relations": [to_json(r) for r in store.relations.list()],
    }
    path.write_text(json.dumps(documents), encoding="utf-8")
    read = json.loads(path.read_text("utf-8"))
    with fresh.transaction():
        for text in read["accounts"]:
            fresh.accounts.add(from_json(text, cg.Account))
        for text in read["opportunities"]:
            fresh.opportunities.add(from_json(text, cg.Opportunity))
        for text in read["cases"]:
            fresh.cases.add(from_json(text, cg.Case))
        for text in read["relations"]:
            fresh.relations.add(from_json(text, cg.AccountContactRelation))
    return fresh
