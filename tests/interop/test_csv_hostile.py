"""CSV files written by someone else: formula headers, open quotes, repeated columns; nesting."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import contactgraph as cg
from contactgraph.errors import ImportRejectedError
from contactgraph.interop import ImportMode, ImportOptions, export_csv, import_csv, import_tree

FORMULA = '=HYPERLINK("http://evil.example","click")'


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def test_custom_field_names_are_guarded_in_headers_and_read_back(tmp_path: Path) -> None:
    store = cg.open_store()
    store.accounts.add(cg.Account.create("ACME SA", extra={FORMULA: "x", "Region__c": "EMEA"}))
    export_csv(store, tmp_path / "out")
    header = _header(tmp_path / "out" / "Account.csv")
    assert "'" + FORMULA in header
    assert FORMULA not in header
    assert "Region__c" in header
    again = cg.open_store()
    import_csv(again, tmp_path / "out" / "Account.csv")
    (acme,) = list(again.accounts)
    assert acme.extra[FORMULA] == "x"
    export_csv(store, tmp_path / "raw", neutralise_formulas=False)
    assert FORMULA in _header(tmp_path / "raw" / "Account.csv")


def test_imported_headers_are_guarded_in_result_files(tmp_path: Path) -> None:
    source = tmp_path / "Account.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [["Name", "@cmd|calc", FORMULA], ["ACME SA", "1", "2"], ["", "3", "4"]]
        )
    results = tmp_path / "results"
    options = ImportOptions(mode=ImportMode.PARTIAL, results_dir=results, unescape_formulas=False)
    report = import_csv(cg.open_store(), source, options=options)
    assert report.of("Account").created == 1
    for name in ("Account.csv.success.csv", "Account.csv.error.csv"):
        header = _header(results / name)
        assert header[:3] == ["Name", "'@cmd|calc", "'" + FORMULA], name


def test_an_unbalanced_quote_names_its_row_instead_of_swallowing_the_next(tmp_path: Path) -> None:
    source = tmp_path / "Account.csv"
    source.write_text(
        'Name,Phone,BillingCity\r\nACME SA,"555,Paris\r\nGlobex,556,Lyon\r\nInitech,557,Nice\r\n',
        encoding="utf-8",
    )
    store = cg.open_store()
    with pytest.raises(ImportRejectedError) as caught:
        import_csv(store, source, options=ImportOptions(mode=ImportMode.PARTIAL))
    (error,) = caught.value.errors
    assert (error.row, error.source) == (2, "Account.csv")
    assert "quote" in error.reason
    assert store.accounts.count() == 0


def test_a_stray_quote_after_a_closed_one_is_named_too(tmp_path: Path) -> None:
    source = tmp_path / "Account.csv"
    source.write_text(
        'Name,Phone\r\nACME SA,1\r\nGlobex,"55"5\r\nInitech,557\r\n', encoding="utf-8"
    )
    with pytest.raises(ImportRejectedError) as caught:
        import_csv(cg.open_store(), source)
    assert caught.value.errors[0].row == 3


def test_multi_line_cells_are_still_read(tmp_path: Path) -> None:
    source = tmp_path / "Account.csv"
    source.write_text(
        'Name,Description\r\nACME SA,"first line\r\nsecond, with a comma"\r\nGlobex,plain\r\n',
        encoding="utf-8",
    )
    store = cg.open_store()
    report = import_csv(store, source)
    assert report.of("Account").created == 2
    described = {a.name: a.description for a in store.accounts}
    assert described["ACME SA"] == "first line\r\nsecond, with a comma"


@pytest.mark.parametrize("second", ["Name", "name", " NAME "])
def test_a_repeated_column_is_refused(tmp_path: Path, second: str) -> None:
    source = tmp_path / "Account.csv"
    source.write_text(f"Name,Industry,{second}\r\nACME SA,Retail,Globex\r\n", encoding="utf-8")
    store = cg.open_store()
    with pytest.raises(ImportRejectedError, match="appears twice") as caught:
        import_csv(store, source, options=ImportOptions(mode=ImportMode.PARTIAL))
    (error,) = caught.value.errors
    assert (error.row, error.field) == (1, second.strip())
    assert store.accounts.count() == 0


def test_a_contact_nested_under_a_contact_keeps_the_account(tmp_path: Path) -> None:
    tree = {
        "records": [
            {
                "attributes": {"type": "Account", "referenceId": "AcmeRef"},
                "Name": "ACME SA",
                "Contacts": {
                    "records": [
                        {
                            "attributes": {"type": "Contact", "referenceId": "AliceRef"},
                            "LastName": "Martin",
                            "ReportsTo": {
                                "records": [
                                    {
                                        "attributes": {"type": "Contact", "referenceId": "BobRef"},
                                        "LastName": "Durand",
                                    }
                                ]
                            },
                        }
                    ]
                },
            }
        ]
    }
    path = tmp_path / "tree.json"
    path.write_text(json.dumps(tree), encoding="utf-8")
    store = cg.open_store()
    report = import_tree(store, path)
    assert report.of("Contact").created == 2
    (acme,) = list(store.accounts)
    people = {c.name.last: c for c in acme.contacts.values()}
    assert people["Durand"].reports_to == people["Martin"].id


def test_a_field_past_the_csv_limit_is_named_without_blaming_a_quote(tmp_path: Path) -> None:
    source = tmp_path / "Account.csv"
    source.write_text(
        "Name,Description\r\nACME SA,short\r\nGlobex," + "x" * 200_000 + "\r\n", encoding="utf-8"
    )
    with pytest.raises(ImportRejectedError, match="field larger than field limit") as caught:
        import_csv(cg.open_store(), source)
    (error,) = caught.value.errors
    assert error.row == 3
    assert "quote" not in error.reason
