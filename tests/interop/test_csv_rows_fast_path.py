"""The Data Loader reader's per-row shortcuts give what the plain reading gives.

A row's fields are its cells under the header's names (stripped; ``referenceId``
taken out as the record's reference), and a cell loses one apostrophe only when
apostrophes guard a formula (``'=SUM(A1)``). The reader reads the header once
and skips ``restore`` for cells that do not start with an apostrophe; this holds
it to the cell-by-cell reading, on headers with spaces and ``referenceId``.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from contactgraph.interop.bounds import Budget
from contactgraph.interop.cells import restore
from contactgraph.interop.dataloader import _records
from contactgraph.interop.report import ImportOptions

COLUMNS = ["LastName", " Email", "Title ", "referenceId", "ReferenceID ", "Phone", "Department"]
CELLS = st.one_of(
    st.sampled_from(["", "Martin", "'=SUM(A1)", "''+33 1", "'quoted'", "'", "-5", " x "]),
    st.text(alphabet="'=+-@\t\rab ", max_size=6),
)


def _expected(header: list[str], raw: list[str], unescape: bool) -> tuple[dict[str, Any], Any]:
    values = [restore(v) for v in raw] if unescape else raw
    ref = None
    fields: dict[str, Any] = {}
    for key, value in zip(header, values, strict=False):
        name = key.strip()
        if name.casefold() == "referenceid":
            ref = value.strip() or None
        else:
            fields[name] = value
    return fields, ref


@settings(max_examples=200, deadline=None)
@given(
    columns=st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=4, unique=True).filter(
        lambda cs: sum(c.strip().casefold() == "referenceid" for c in cs) <= 1
    ),
    rows=st.lists(st.lists(CELLS, min_size=4, max_size=4), min_size=1, max_size=4),
    unescape=st.booleans(),
)
def test_rows_read_as_cell_by_cell(
    columns: list[str], rows: list[list[str]], unescape: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "Contact.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in rows:
                writer.writerow(row[: len(columns)])
        options = ImportOptions(unescape_formulas=unescape)
        got = list(_records(path, "Contact", options, [], Budget(10_000)))
        header = [restore(c) for c in columns] if unescape else columns
        kept = [r[: len(columns)] for r in rows]
        kept = [r for r in kept if r and not (len(r) == 1 and not r[0].strip() and len(header) > 1)]
        assert len(got) == len(kept)
        for rec, raw in zip(got, kept, strict=True):
            fields, ref = _expected(header, raw, unescape)
            assert rec.fields == fields
            if "referenceid" in {c.strip().casefold() for c in columns}:
                assert rec.ref == ref
