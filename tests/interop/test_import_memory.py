"""Importing a CSV must not hold memory per contact beyond the importer's index of ids.

Two imports of generated Data Loader files into SQLite, one four times the
other, each traced with tracemalloc: the extra peak memory per extra
contact must stay close to what the index of ids costs (a Salesforce id, our
uuid and a dict slot: ~180 B here). Before the fix it was ~530 B: every
ContactAdded event of the transaction waited for a commit that nobody
listened to, and every contact whose manager came earlier in its own batch
kept its source record until the end of the file.
"""

from __future__ import annotations

import csv
import gc
import random
import tracemalloc
from pathlib import Path

import contactgraph as cg
from contactgraph.interop import ImportOptions, import_csv

PER_CONTACT_BOUND = 330
"""Bytes of traced peak per extra contact: the old code measured ~530, the new ~180."""


def _write(folder: Path, contacts: int) -> list[Path]:
    rng = random.Random(5)
    folder.mkdir()
    accounts_path, contacts_path = folder / "Account.csv", folder / "Contact.csv"
    with (
        accounts_path.open("w", encoding="utf-8", newline="") as af,
        contacts_path.open("w", encoding="utf-8", newline="") as cf,
    ):
        accounts, people = csv.writer(af), csv.writer(cf)
        accounts.writerow(["Id", "Name", "BillingCountry"])
        people.writerow(["Id", "AccountId", "LastName", "Email", "Title", "ReportsToId"])
        written, n = 0, 0
        while written < contacts:
            n += 1
            account_id = f"001{n:015d}"
            accounts.writerow([account_id, f"Company {n}", "France"])
            first: list[str] = []
            for _ in range(min(100, contacts - written)):
                written += 1
                cid = f"003{written:015d}"
                manager = rng.choice(first) if first and rng.random() < 0.2 else ""
                if len(first) < 10:
                    first.append(cid)
                people.writerow(
                    [
                        cid,
                        account_id,
                        f"Name{written}",
                        f"p{written}@c{n}.example",
                        "Buyer",
                        manager,
                    ]
                )
    return [accounts_path, contacts_path]


def _peak(tmp_path: Path, contacts: int) -> int:
    files = _write(tmp_path / f"csv{contacts}", contacts)
    store = cg.open_store(f"sqlite:///{tmp_path / f'db{contacts}.sqlite'}")
    try:
        gc.collect()
        tracemalloc.start()
        try:
            report = import_csv(store, files, options=ImportOptions(batch_size=500))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert report.ok, report.errors[:3]
        assert store.accounts.count_contacts() == contacts
    finally:
        store.close()
    return peak


def test_import_memory_per_contact_is_the_index_of_ids(tmp_path: Path) -> None:
    small, large = 3_000, 12_000
    per_contact = (_peak(tmp_path, large) - _peak(tmp_path, small)) / (large - small)
    assert per_contact < PER_CONTACT_BOUND, f"{per_contact:.0f} B of traced peak per contact"


def test_events_are_still_published_when_someone_listens(tmp_path: Path) -> None:
    files = _write(tmp_path / "csv", 300)
    store = cg.open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    seen: list[str] = []
    store.subscribe(lambda event: seen.append(event.name))
    try:
        assert import_csv(store, files, options=ImportOptions(batch_size=50)).ok
    finally:
        store.close()
    assert seen.count("ContactAdded") == 300
    assert seen.count("AccountCreated") == 3
