"""An import adds an account's new contacts through one ``Account.add_contacts`` per batch.

The outcome must be exactly what adding them one by one gives: the same
stored records, the same report (counts, errors naming their rows, warnings),
the same field history. The one-by-one side is the importer's own fallback
(``add_contacts`` made to fail, so every row goes through ``add_contact``).
Rows mix new contacts, updates of stored ones, refused values, repeated
rows, unknown accounts, and managers earlier, later, missing or the row
itself, in small batches, in both modes. Ids come from a counter on both sides.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from interopkit import counted_ids, import_outcome, write_csv

import contactgraph as cg
from contactgraph.interop import ImportMode, ImportOptions, import_csv

ACCOUNTS = ["001000000000000001", "001000000000000002", "001000000000000003"]
STORED = [f"003{n:015d}" for n in range(3)]
"""Contacts an earlier import stored (rows naming them update them)."""


@contextmanager
def one_by_one() -> Iterator[None]:
    def refuse(*_: Any, **__: Any) -> Any:
        raise RuntimeError("add_contacts is off: the importer adds row by row")

    with mock.patch.object(cg.Account, "add_contacts", refuse):
        yield


HEADER = [
    "Id",
    "AccountId",
    "LastName",
    "FirstName",
    "Email",
    "Phone",
    "ReportsToId",
    "ContactGraph_Id__c",
]


@st.composite
def contact_rows(draw: st.DrawFn) -> list[list[str]]:
    n = draw(st.integers(1, 14))
    ids = [f"003{100 + k:015d}" for k in range(n)]
    out = []
    for k in range(n):
        kind = draw(st.sampled_from(["new", "new", "new", "update", "repeat", "bad", "no_account"]))
        sf_id = ids[k]
        if kind == "update":
            sf_id = draw(st.sampled_from(STORED))
        elif kind == "repeat" and k > 0:
            sf_id = ids[draw(st.integers(0, k - 1))]
        account = "001000000000000009" if kind == "no_account" else draw(st.sampled_from(ACCOUNTS))
        email = "not an address" if kind == "bad" else f"p{k}@acme.example"
        last = draw(st.sampled_from(["Martin", "Durand", "Nguyen", ""]))
        manager = draw(st.sampled_from(["", "", "earlier", "later", "self", "stored", "ghost"]))
        reports_to = {
            "": "",
            "earlier": ids[max(k - 1, 0)],
            "later": ids[min(k + 1, n - 1)],
            "self": sf_id,
            "stored": STORED[0],
            "ghost": "003999999999999999",
        }[manager]
        phone = draw(st.sampled_from(["", "01 44 27 44 27", "12"]))
        ours = draw(st.sampled_from(["", "", f"c-{k}", "c-0", "bad id\u200b"]))
        out.append([sf_id, account, last, "Ann", email, phone, reports_to, ours])
    return out


def _run(folder: Path, rows: list[list[str]], mode: ImportMode, batch: int) -> Any:
    accounts = write_csv(
        folder / "Account.csv",
        ["Id", "Name", "BillingCountry"],
        [[a, f"Company {i}", "France"] for i, a in enumerate(ACCOUNTS)],
    )
    first = write_csv(
        folder / "First.csv",
        HEADER,
        [[sf, ACCOUNTS[i], f"Stored{i}", "Bo", "", "", "", ""] for i, sf in enumerate(STORED)],
    )
    contacts = write_csv(folder / "Contact.csv", HEADER, rows)
    store = cg.open_store()
    with counted_ids():
        import_csv(store, {"Account": accounts, "Contact": first})
        stored, history, told, _ = import_outcome(
            store,
            folder / "no-results",  # no results_dir given: the outcome has no files
            lambda: import_csv(
                store, {"Contact": contacts}, options=ImportOptions(batch_size=batch, mode=mode)
            ),
        )
    return stored, history, told


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    rows=contact_rows(),
    mode=st.sampled_from([ImportMode.PARTIAL, ImportMode.ALL_OR_NOTHING]),
    batch=st.sampled_from([3, 5, 2000]),
)
def test_batch_adds_give_what_one_by_one_adds_give(
    tmp_path: Path, rows: list[list[str]], mode: ImportMode, batch: int
) -> None:
    (tmp_path / "a").mkdir(exist_ok=True)
    (tmp_path / "b").mkdir(exist_ok=True)
    got = _run(tmp_path / "a", rows, mode, batch)
    with one_by_one():
        expected = _run(tmp_path / "b", rows, mode, batch)
    assert got == expected


def test_a_bad_row_among_new_ones_is_refused_by_its_row(tmp_path: Path) -> None:
    rows = [
        ["003000000000000101", ACCOUNTS[0], "Martin", "Ann", "ann@acme.example", "", "", ""],
        ["003000000000000102", ACCOUNTS[0], "Durand", "Bob", "not an address", "", "", ""],
        ["003000000000000103", ACCOUNTS[0], "Petit", "Chloé", "", "", "003000000000000101", ""],
    ]
    _, _, (counts, errors, _) = _run(tmp_path, rows, ImportMode.PARTIAL, 2000)
    assert counts["Contact"].created == 2
    assert counts["Contact"].failed == 1
    assert len(errors) == 1
    assert errors[0].startswith("Contact.csv:row 3 [003000000000000102]: field 'email':")
