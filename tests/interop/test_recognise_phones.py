"""A re-imported account is recognised by its phone number, not by its phone's stored text."""

from __future__ import annotations

from pathlib import Path

import pytest

import contactgraph as cg
from contactgraph.interop import ImportOptions, import_csv
from contactgraph.store import Store


def _reimport(store: Store, tmp_path: Path, stored: cg.Phone, csv: str) -> cg.ImportReport:
    store.accounts.add(cg.Account.create(name="Initech", phone=stored))
    path = tmp_path / "Account.csv"
    path.write_text(csv, encoding="utf-8")
    return import_csv(store, path, options=ImportOptions())


@pytest.mark.parametrize(
    ("stored", "csv"),
    [
        # a desk extension stored, the switchboard's number in the file
        (cg.Phone("+33144274427;ext=12"), "Name,Phone\nInitech,+33 1 44 27 44 27\n"),
        # kept unverified on the first import, now given with its country code
        (cg.Phone.unverified("01 44 27 44 27"), "Name,Phone\nInitech,+33 1 44 27 44 27\n"),
        # the file writes it nationally and says where
        (cg.Phone("+33144274427"), "Name,Phone,BillingCountry\nInitech,01 44 27 44 27,France\n"),
        # an Argentine mobile, nationally, no country anywhere (read in the stored one's region)
        (cg.Phone("+5491123456789"), "Name,Phone\nInitech,011 15-2345-6789\n"),
    ],
)
def test_the_same_number_written_otherwise_is_the_same_company(
    store: Store, tmp_path: Path, stored: cg.Phone, csv: str
) -> None:
    report = _reimport(store, tmp_path, stored, csv)
    assert report.of("Account").created == 0
    assert [a.name for a in store.accounts] == ["Initech"]
    [told] = [w.reason for w in report.warnings if w.reason.startswith("recognised")]
    assert "by name and phone" in told


@pytest.mark.parametrize(
    ("stored", "csv"),
    [
        # the same last 8 digits in another country
        (cg.Phone("+33144274427"), "Name,Phone\nInitech,+49 30 44274427\n"),
        # another extension of one switchboard is another line
        (cg.Phone("+33144274427;ext=12"), "Name,Phone\nInitech,+33 1 44 27 44 27 ext. 13\n"),
    ],
)
def test_another_number_is_another_company(
    store: Store, tmp_path: Path, stored: cg.Phone, csv: str
) -> None:
    report = _reimport(store, tmp_path, stored, csv)
    assert report.of("Account").created == 1
    assert not [w for w in report.warnings if w.reason.startswith("recognised")]
    assert store.accounts.count() == 2
