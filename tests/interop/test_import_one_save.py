"""An import links a manager met earlier in the same batch before the batch's one save.

Each account of a batch is saved once, its contacts written with their
managers, where the importer used to save the contacts, then save again to
link the managers (an ``UPDATE`` of rows just inserted). The outcome must be
exactly what the two saves give: the same stored records, the same field
history, the same report (counts, errors naming their rows in the same order,
warnings) and the same success and error files, line for line. The two-save
side is the importer's own path for batches a save could refuse
(``_one_save`` made to say no). Rows mix new contacts, updates of stored
ones, refused values, unknown accounts and repeated rows, with managers
earlier, later (in the batch or a later one), missing, in another account,
the row itself, or in cycles, in small batches, in both modes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from interopkit import counted_ids, import_outcome, write_csv

import contactgraph as cg
from contactgraph.interop import ImportMode, ImportOptions, import_csv
from contactgraph.interop.steps import contacts as contact_step

ACCOUNTS = ["001000000000000001", "001000000000000002"]
STORED = [f"003{n:015d}" for n in range(3)]
"""Contacts an earlier import stored (rows naming them update them)."""
HEADER = ["Id", "AccountId", "LastName", "FirstName", "Email", "ReportsToId", "ContactGraph_Id__c"]


@contextmanager
def two_saves() -> Iterator[None]:
    """The importer as it was: every batch saves its contacts, then links their managers."""
    with mock.patch.object(contact_step, "_one_save", return_value=False):
        yield


@st.composite
def contact_rows(draw: st.DrawFn) -> list[list[str]]:
    n = draw(st.integers(1, 12))
    # a source's own id sends its batch down the two-save path: only in some files
    own_ids = draw(st.sampled_from([False, False, True]))
    ids = [f"003{100 + k:015d}" for k in range(n)]
    out = []
    for k in range(n):
        kind = draw(st.sampled_from(["new"] * 6 + ["update", "repeat", "bad", "no_account"]))
        sf_id = ids[k]
        if kind == "update":
            sf_id = draw(st.sampled_from(STORED))
        elif kind == "repeat" and k > 0:
            sf_id = ids[draw(st.integers(0, k - 1))]
        account = "001000000000000009" if kind == "no_account" else draw(st.sampled_from(ACCOUNTS))
        email = "not an address" if kind == "bad" else f"p{k}@acme.example"
        # any row of the file (earlier, later, itself: cycles come of it), or none, a stored
        # contact, one that exists nowhere
        manager = draw(
            st.one_of(
                st.sampled_from(ids),
                st.sampled_from(["", "", STORED[0], "003999999999999999"]),
            )
        )
        ours = draw(st.sampled_from(["", "", f"c-{k}", "c-0"])) if own_ids else ""
        out.append([sf_id, account, f"Last{k}", "Ann", email, manager, ours])
    return out


def _run(folder: Path, url: str | None, rows: list[list[str]], mode: ImportMode, batch: int) -> Any:
    folder.mkdir()
    accounts = write_csv(
        folder / "Account.csv",
        ["Id", "Name", "BillingCountry"],
        [[a, f"Company {i}", "France"] for i, a in enumerate(ACCOUNTS)],
    )
    first = write_csv(
        folder / "First.csv",
        HEADER,
        [[sf, ACCOUNTS[i % 2], f"Stored{i}", "Bo", "", "", ""] for i, sf in enumerate(STORED)],
    )
    contacts = write_csv(folder / "Contact.csv", HEADER, rows)
    results = folder / "results"
    store = cg.open_store(url, tenant=f"t{uuid.uuid4().hex}") if url else cg.open_store()
    with store, counted_ids():
        import_csv(store, {"Account": accounts, "Contact": first})
        return import_outcome(
            store,
            results,
            lambda: import_csv(
                store,
                {"Contact": contacts},
                options=ImportOptions(batch_size=batch, mode=mode, results_dir=results),
            ),
        )


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> str | None:
    """``None`` for the memory store, else a URL (a new file or tenant per import)."""
    if request.param == "memory":
        return None
    if request.param == "sqlite":
        return "sqlite"
    url: str = request.getfixturevalue("postgres_url")
    return url


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    rows=contact_rows(),
    mode=st.sampled_from([ImportMode.PARTIAL, ImportMode.ALL_OR_NOTHING]),
    batch=st.sampled_from([2, 3, 5, 2000]),
    held=st.sampled_from([0, 1, 1, 16]),
)
def test_one_save_gives_what_two_saves_give(  # noqa: PLR0917 - the drawn cases
    tmp_path_factory: pytest.TempPathFactory,
    engine: str | None,
    rows: list[list[str]],
    mode: ImportMode,
    batch: int,
    held: int,
) -> None:
    """``held``: how many accounts may wait unsaved (past it, an account is saved at once)."""
    root = tmp_path_factory.mktemp("one-save")

    def url(side: str) -> str | None:
        return f"sqlite:///{root / side}.db" if engine == "sqlite" else engine

    with mock.patch.object(contact_step, "_HELD", held):
        got = _run(root / "a", url("a"), rows, mode, batch)
    with two_saves():
        expected = _run(root / "b", url("b"), rows, mode, batch)
    assert got == expected


# ------------------------------------------------------------ what is saved


def _saved(
    tmp_path: Path, rows: list[list[str]], **store_options: Any
) -> tuple[list[str], dict[str, str | None], Any]:
    """Import ``rows`` after the accounts: the account names of every save, who reports to
    whom (by last name), the report."""
    accounts = write_csv(
        tmp_path / "Account.csv",
        ["Id", "Name", "BillingCountry"],
        [[a, f"Company {i}", "France"] for i, a in enumerate(ACCOUNTS)],
    )
    contacts = write_csv(tmp_path / "Contact.csv", HEADER, rows)
    saved: list[str] = []
    with cg.open_store(f"sqlite:///{tmp_path / 'crm.db'}", **store_options) as store:
        import_csv(store, {"Account": accounts})
        real = store.accounts.save

        def counting(account: cg.Account) -> cg.Account:
            saved.append(account.name)
            return real(account)

        with mock.patch.object(store.accounts, "save", counting):
            report = import_csv(store, {"Contact": contacts})
        people = {c.id: c for a in store.accounts for c in a.contacts.values()}
        managers = {
            c.last_name: (people[c.reports_to].last_name if c.reports_to else None)
            for c in people.values()
        }
    return saved, managers, report


ROWS = [
    ["003000000000000101", ACCOUNTS[0], "Boss", "Ann", "", "", ""],
    ["003000000000000102", ACCOUNTS[0], "Aide", "Bob", "", "003000000000000101", ""],
    ["003000000000000103", ACCOUNTS[1], "Solo", "Cy", "", "", ""],
    ["003000000000000104", ACCOUNTS[0], "Clerk", "Di", "", "003000000000000102", ""],
    ["003000000000000105", ACCOUNTS[0], "Later", "Ed", "", "003000000000000106", ""],
    ["003000000000000106", ACCOUNTS[0], "Head", "Flo", "", "", ""],
]
LINKED = {
    "Boss": None,
    "Aide": "Boss",
    "Solo": None,
    "Clerk": "Aide",
    "Later": "Head",
    "Head": None,
}


def test_a_batch_saves_each_account_once_with_its_managers_linked(tmp_path: Path) -> None:
    saved, managers, report = _saved(tmp_path, ROWS)
    assert report.ok, report.errors
    assert report.of("Contact").created == 6
    assert managers == LINKED
    assert sorted(saved) == ["Company 0", "Company 1"]


def test_the_two_save_path_saves_an_account_again_to_link(tmp_path: Path) -> None:
    with two_saves():
        saved, managers, _ = _saved(tmp_path, ROWS)
    assert managers == LINKED
    assert sorted(saved) == ["Company 0", "Company 0", "Company 1"]


def test_past_the_held_accounts_an_account_is_saved_before_linking(tmp_path: Path) -> None:
    """Memory stays bounded: an account past the held ones is saved at once, linked after."""
    with mock.patch.object(contact_step, "_HELD", 0):
        saved, managers, _ = _saved(tmp_path, ROWS)
    assert managers == LINKED
    assert sorted(saved) == ["Company 0", "Company 0", "Company 1"]


def test_a_store_with_a_save_check_saves_before_linking(tmp_path: Path) -> None:
    """A duplicate rule may block or remark on a contact at its save: the rows it names are
    told as the two saves tell them."""
    saved, managers, _ = _saved(tmp_path, ROWS, duplicates="alert")
    assert managers == LINKED
    assert sorted(saved) == ["Company 0", "Company 0", "Company 1"]


def test_a_batch_with_a_source_id_saves_before_linking(tmp_path: Path) -> None:
    """A source's own id may be taken, which refuses the save that writes it."""
    rows = [*ROWS[:-1], [*ROWS[-1][:-1], "c-head"]]
    saved, managers, _ = _saved(tmp_path, rows)
    assert managers == LINKED
    assert sorted(saved) == ["Company 0", "Company 0", "Company 1"]


def test_the_save_check_is_told_by_the_store() -> None:
    with cg.open_store() as plain, cg.open_store(duplicates="block") as checked:
        assert plain.save_check is None
        assert checked.save_check is not None


def test_a_taken_source_id_is_refused_as_with_two_saves(tmp_path: Path) -> None:
    """A source's id that another account's new contact took refuses the save that writes
    it; the errors told by then are those of the two-save path (none of the rows after)."""
    rows = [
        ["003000000000000101", ACCOUNTS[0], "First", "Ann", "", "", "c-0"],
        ["003000000000000102", ACCOUNTS[1], "Second", "Bob", "", "", "c-0"],
        ["003000000000000103", ACCOUNTS[0], "Bad", "Cy", "not an address", "", ""],
        ["003000000000000104", ACCOUNTS[0], "Aide", "Di", "", "003000000000000103", ""],
    ]
    got = _run(tmp_path / "a", None, rows, ImportMode.PARTIAL, 2000)
    with two_saves():
        expected = _run(tmp_path / "b", None, rows, ImportMode.PARTIAL, 2000)
    assert got == expected
    assert got[2][0] == "rejected"


@pytest.mark.parametrize("held", [0, 1, 16])
def test_held_and_saved_accounts_tell_their_rows_in_file_order(tmp_path: Path, held: int) -> None:
    """The first account waits for its links, the second is saved at once: the success
    file still lists the first account's rows first, as the two saves do."""
    with mock.patch.object(contact_step, "_HELD", held):
        got = _run(tmp_path / "a", None, ROWS, ImportMode.PARTIAL, 2000)
    with two_saves():
        expected = _run(tmp_path / "b", None, ROWS, ImportMode.PARTIAL, 2000)
    assert got == expected
    lines = got[3]["Contact.csv.success.csv"].splitlines()[1:]
    assert [line.split(",")[2] for line in lines] == [
        "Boss",
        "Head",
        "Solo",
        "Aide",
        "Clerk",
        "Later",
    ]
