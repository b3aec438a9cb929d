"""Contacts reach PostgreSQL through COPY, with the same results as INSERT."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

import contactgraph as cg
from contactgraph.errors import ContactGraphError
from contactgraph.interop import import_csv
from contactgraph.repos.schema import contacts
from contactgraph.repos.sql import copy as copy_module
from contactgraph.repos.sql.copy import copy_statement

pytestmark = pytest.mark.postgres


def _snapshot(store: cg.Store) -> list[Any]:
    return sorted(
        (
            a.name,
            sorted(
                (c.name.full, str(c.email or ""), c.phone.e164 if c.phone else "")
                for c in a.contacts.values()
            ),
        )
        for a in store.accounts
    )


@pytest.fixture
def pg_store(postgres_url: str) -> Any:
    with cg.open_store(postgres_url, tenant=f"t{uuid.uuid4().hex}") as store:
        yield store


@pytest.fixture
def copied(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the contact rows each COPY sends (the test fails if COPY is not used)."""
    sizes: list[int] = []
    sides = copied_sides()

    def counting(conn: Any, table: Any, insert: str, rows: list[Any]) -> None:
        if rows and copy_module.copies(conn) and table is contacts:
            sizes.append(len(rows))
        sides(conn, table, insert, rows)

    monkeypatch.setattr("contactgraph.repos.sql.accounts.insert_rows", counting)
    return sizes


def copied_sides() -> Any:
    """``insert_rows`` counting, per table, the rows COPY sends (in ``copied_sides.tables``)."""
    tables: dict[str, int] = {}
    real = copy_module.insert_rows

    def counting(conn: Any, table: Any, insert: str, rows: list[Any]) -> None:
        if rows and copy_module.copies(conn):
            tables[table.name] = tables.get(table.name, 0) + len(rows)
        real(conn, table, insert, rows)

    counting.tables = tables  # type: ignore[attr-defined]
    return counting


def test_an_import_into_postgresql_copies_its_contacts_and_matches_memory(
    salesforce_dir: Path, pg_store: cg.Store, copied: list[int]
) -> None:
    folder = salesforce_dir / "apex-recipes"
    files = [folder / "Accounts.csv", folder / "Contacts.csv"]
    memory = cg.open_store()
    import_csv(memory, files)
    report = import_csv(pg_store, files)
    assert report.ok
    assert sum(copied) == 150
    assert _snapshot(pg_store) == _snapshot(memory)
    [lianna] = pg_store.accounts.find_contacts(email="lsinisbury0@dropbox.com")
    assert pg_store.accounts.account_of(lianna.id).contacts[lianna.id] == lianna


def test_a_copied_account_reads_back_equal(pg_store: cg.Store, copied: list[int]) -> None:
    account = cg.Account.create(name="ACME SA")
    for n in range(300):
        account, _ = account.add_contact(
            last_name=f"Martin {n}",
            first_name="Zoë \\N Back\\slash",  # COPY's NULL marker and escape, as text
            email=f"alice{n}@acme.fr",
            phone="+33 1 44 27 44 27 x12" if n % 2 else None,
            title=None if n % 3 else "CFO",
        )
    pg_store.accounts.add(account)
    assert copied == [300]
    assert pg_store.accounts.get(account.id) == account.committed(1)


def test_a_failed_copy_leaves_nothing_behind(
    pg_store: cg.Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    account, _ = cg.Account.create(name="ACME SA").add_contact(last_name="Martin")

    def broken(table: Any) -> str:
        return f'COPY "{table.name}" ("no_such_column") FROM STDIN'

    monkeypatch.setattr(copy_module, "copy_statement", broken)
    with pytest.raises(ContactGraphError):
        pg_store.accounts.add(account)
    assert pg_store.accounts.count() == 0
    monkeypatch.undo()
    pg_store.accounts.add(account)
    assert pg_store.accounts.count_contacts() == 1


def test_the_copy_statement_names_every_column_in_order() -> None:
    sql = copy_statement(contacts)
    assert sql.startswith('COPY "contacts" ("')
    assert sql.count('"') == 2 * (len(contacts.columns) + 1)
    assert sql.endswith(") FROM STDIN")


def test_external_ids_and_alternates_of_new_contacts_are_copied_too(
    pg_store: cg.Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    sides = copied_sides()
    monkeypatch.setattr("contactgraph.repos.sql.accounts.insert_rows", sides)
    account = cg.Account.create(name="ACME SA")
    for n in range(40):
        account, _ = account.add_contact(
            last_name=f"Martin {n}",
            email=f"alice{n}@acme.fr",
            alternate_emails=[f"alice.martin{n}@acme.fr"],
            alternate_phones=["+33 1 44 27 44 27"] if n % 2 else [],
            external_ids={"salesforce": f"003{n:015d}"},
        )
    pg_store.accounts.add(account)
    assert sides.tables == {"contacts": 40, "contact_alternates": 60, "external_ids": 40}
    [found] = pg_store.accounts.find_contacts(email="alice.martin7@acme.fr")
    assert dict(found.external_ids) == {"salesforce": "003000000000000007"}
    assert (
        pg_store.accounts.find_contact_by_external_id("salesforce", "003000000000000012")
        is not None
    )
