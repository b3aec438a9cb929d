"""What only the SQL backend has: its schema, its version, its statements, its URLs."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import contactgraph as cg
from contactgraph.repos import schema
from contactgraph.repos.sql import SqlBackend
from contactgraph.testing.contract import acme


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "crm.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[cg.Store]:
    with cg.open_store(f"sqlite:///{db_path}") as store:
        yield store


def _engine(store: cg.Store) -> sa.Engine:
    backend = store.backend
    assert isinstance(backend, SqlBackend)
    return backend.engine


class Statements:
    """Every statement an engine runs, with the number of parameter sets."""

    def __init__(self, engine: sa.Engine) -> None:
        self.seen: list[tuple[str, int]] = []
        sa.event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, *args: Any) -> None:
        _conn, _cursor, sql, params, _context, many = args
        self.seen.append((" ".join(sql.split()), len(params) if many else 1))

    def writes(self, table: str) -> list[tuple[str, int]]:
        verbs = ("INSERT INTO", "UPDATE", "DELETE FROM")
        return [
            (sql.split(" (")[0].split(" SET")[0].split(" WHERE")[0], n)
            for sql, n in self.seen
            if sql.startswith(verbs)
            and (f'"{table}"' in sql.split(" (")[0] or f" {table} " in sql + " ")
        ]


# ------------------------------------------------------------------ schema


def test_every_table_is_keyed_and_indexed_by_tenant_first() -> None:
    for table in schema.metadata.sorted_tables:
        assert table.primary_key.columns.values()[0].name == "tenant", table.name
        for index in table.indexes:
            assert next(iter(index.columns)).name == "tenant", index.name


def test_contacts_have_a_not_null_foreign_key_to_their_account() -> None:
    contacts = schema.contacts
    assert not contacts.c.account_id.nullable
    (fk,) = contacts.foreign_key_constraints
    assert [c.name for c in fk.columns] == ["tenant", "account_id"]
    assert fk.referred_table is schema.accounts


def test_each_row_writer_fills_exactly_the_columns_of_its_table() -> None:
    from contactgraph.repos import rows

    account, people = acme()
    deal = cg.Opportunity.create(name="ACME renewal", account_id=account.id)
    deal = deal.add_contact_role(people["alice"].id, role="Economic Buyer", primary=True)
    ticket = cg.Case.create(subject="Invoice error", account_id=account.id)
    relation = cg.AccountContactRelation.create(
        account_id=account.id, contact_id=people["alice"].id
    )
    written = {
        schema.accounts: rows.account_values("t", account, 1),
        schema.contacts: rows.contact_values("t", people["helene"]),
        schema.opportunities: rows.opportunity_values("t", deal, 1),
        schema.opportunity_contact_roles: rows.role_values("t", deal)[0],
        schema.cases: rows.case_values("t", ticket, 1),
        schema.account_contact_relations: rows.relation_values("t", relation, 1),
    }
    for table, values in written.items():
        assert list(values) == [c.name for c in table.columns], table.name


@pytest.mark.parametrize(
    ("reader", "table"),
    [
        ("ACCOUNT", "accounts"),
        ("CONTACT", "contacts"),
        ("OPPORTUNITY", "opportunities"),
        ("CASE", "cases"),
        ("RELATION", "account_contact_relations"),
    ],
)
def test_each_row_reader_reads_named_columns_of_its_table(reader: str, table: str) -> None:
    from contactgraph.repos import rows

    found = getattr(rows, reader)
    assert all(c.table is schema.metadata.tables[table] for c in found.columns)
    assert "tenant" not in found.at
    assert found.at["id"] == 0


def test_a_reader_refuses_a_parameter_that_is_not_a_column() -> None:
    from contactgraph.repos import rows

    def build(id: str, nickname: str) -> str:
        return id

    with pytest.raises(KeyError, match="nickname"):
        rows.Reader(schema.contacts, build)


def test_sqlite_runs_in_wal_with_foreign_keys(store: cg.Store) -> None:
    with _engine(store).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_the_schema_version_is_stored(store: cg.Store, db_path: Path) -> None:
    with sqlite3.connect(db_path) as raw:
        (value,) = raw.execute(
            "SELECT value FROM meta WHERE tenant = '' AND key = 'schema_version'"
        ).fetchone()
    assert value == str(schema.SCHEMA_VERSION)


def test_a_store_written_by_a_newer_version_is_refused(store: cg.Store, db_path: Path) -> None:
    store.accounts.add(acme()[0])
    store.close()
    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    with pytest.raises(cg.SchemaVersionError, match=r"newer contactgraph.*999.*upgrade"):
        cg.open_store(f"sqlite:///{db_path}")


def test_a_foreign_database_with_our_table_names_is_refused(db_path: Path) -> None:
    with sqlite3.connect(db_path) as raw:
        raw.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance REAL)")
    with pytest.raises(cg.SchemaVersionError, match="not a contactgraph store"):
        cg.open_store(f"sqlite:///{db_path}")


def test_reopening_keeps_the_data(db_path: Path) -> None:
    account, _ = acme()
    with cg.open_store(f"sqlite:///{db_path}") as first:
        first.accounts.add(account)
    with cg.open_store(f"sqlite:///{db_path}") as second:
        assert second.accounts.get(account.id) == account.committed(1)


def test_an_in_memory_sqlite_store_leaves_nothing_behind() -> None:
    store = cg.open_store("sqlite://")
    store.accounts.add(acme()[0])
    database = Path(_engine(store).url.database or "")
    assert database.exists()
    store.close()
    assert not database.parent.exists()


# ------------------------------------------------------------- statements


@pytest.mark.parametrize("size", [10, 1000])
def test_saving_one_changed_contact_writes_one_row(store: cg.Store, size: int) -> None:
    account = cg.Account.create(name="Big Corp")
    for i in range(size):
        account, contact = account.add_contact(last_name=f"Person {i}", email=f"p{i}@big.example")
    stored = store.accounts.add(account)
    statements = Statements(_engine(store))
    store.accounts.save(stored.update_contact(contact.id, title="Last one"))
    contact_writes = statements.writes("contacts")
    assert contact_writes == [('UPDATE "contacts"', 1)]
    assert statements.writes("accounts") == [('UPDATE "accounts"', 1)]
    assert not any(sql.startswith("SELECT") and "contacts" in sql for sql, _ in statements.seen)


def test_adding_and_removing_contacts_writes_only_those_rows(store: cg.Store) -> None:
    account, people = acme()
    stored = store.accounts.add(account)
    statements = Statements(_engine(store))
    changed, _ = stored.add_contact(last_name="Petit")
    changed = changed.remove_contact(people["zoe"].id)
    store.accounts.save(changed)
    writes = statements.writes("contacts")
    assert ('INSERT INTO "contacts"', 1) in writes
    assert sum(n for sql, n in writes if sql.startswith("DELETE")) == 1
    assert not any(sql.startswith("UPDATE") for sql, _ in writes)


def test_loading_does_not_parse_emails_or_phones_again(
    store: cg.Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    account, people = acme()
    store.accounts.add(account)
    import email_validator
    import phonenumbers

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("parsed again")

    monkeypatch.setattr(email_validator, "validate_email", refuse)
    monkeypatch.setattr(phonenumbers, "parse", refuse)
    loaded = store.accounts.get(account.id)
    assert loaded.contact(people["alice"].id).email == people["alice"].email
    assert store.accounts.find_contacts(email="helene@acme.fr") == [people["helene"]]


def test_hostile_text_is_stored_verbatim_in_the_file(store: cg.Store, db_path: Path) -> None:
    payload = "Robert'); DROP TABLE contacts;--"
    account = cg.Account.create(name=payload)
    account, _ = account.add_contact(last_name=payload)
    store.accounts.add(account)
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT name FROM accounts").fetchone() == (payload,)
        assert raw.execute("SELECT count(*) FROM contacts").fetchone() == (1,)


# ------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("url", "error", "says"),
    [
        ("nonsense", cg.StoreConfigurationError, "not a store URL"),
        ("mongodb://localhost/crm", cg.StoreConfigurationError, "unknown store scheme"),
        ("sqlite:////no/such/directory/crm.db", cg.StoreConfigurationError, "does not exist"),
        ("postgresql+psycopg2://u@localhost/db", cg.StoreConfigurationError, "psycopg"),
        ("postgresql+psycopg://u@127.0.0.1:1/db", cg.StoreUnavailableError, "server runs"),
    ],
)
def test_bad_urls_say_what_is_wrong(url: str, error: type[Exception], says: str) -> None:
    with pytest.raises(error, match=says):
        cg.open_store(url)


def test_a_directory_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(cg.StoreConfigurationError, match="is a directory"):
        cg.open_store(f"sqlite:///{tmp_path}")


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("Dear diary, " * 1000)
    with pytest.raises(cg.StoreConfigurationError, match="not an SQLite database"):
        cg.open_store(f"sqlite:///{path}")


def test_the_url_can_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, db_path: Path
) -> None:
    monkeypatch.setenv("CONTACTGRAPH_STORE_URL", f"sqlite:///{db_path}")
    with cg.open_store() as store:
        assert store.url.startswith("sqlite:///")
        store.accounts.add(acme()[0])
    assert db_path.exists()


def test_without_url_or_environment_the_store_is_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONTACTGRAPH_STORE_URL", raising=False)
    with cg.open_store() as store:
        assert store.url == "memory://"


@pytest.mark.parametrize("tenant", ["", " acme", "a\x00b", "t" * 65, 42])
def test_bad_tenants_are_refused(tenant: Any) -> None:
    with pytest.raises(cg.StoreConfigurationError, match="tenant"):
        cg.open_store(tenant=tenant)


def test_passwords_are_hidden_from_the_url() -> None:
    with pytest.raises(cg.StoreUnavailableError) as caught:
        cg.open_store("postgresql://alice:s3cret@127.0.0.1:1/crm")
    assert "s3cret" not in str(caught.value)


# ------------------------------------------------------------------ reads


def test_reads_reuse_idle_connections_instead_of_the_pool(store: cg.Store) -> None:
    account, _ = acme()
    store.accounts.add(account)
    checkouts: list[object] = []
    sa.event.listen(_engine(store), "checkout", lambda *args: checkouts.append(args))
    for _ in range(20):
        store.accounts.get(account.id)
        store.accounts.find_contacts(email="helene@acme.fr")
    assert len(checkouts) <= 1


def test_a_connection_that_broke_during_a_read_is_not_kept(store: cg.Store) -> None:
    account, _ = acme()
    store.accounts.add(account)
    store.accounts.get(account.id)
    backend = store.backend
    assert isinstance(backend, SqlBackend)
    idle = backend.reader()
    idle.connection.driver_connection.close()  # type: ignore[union-attr]
    backend.release(idle)
    with pytest.raises(cg.StoreUnavailableError):
        store.accounts.get(account.id)
    assert store.accounts.get(account.id) == account.committed(1)


@pytest.mark.postgres
def test_postgres_reads_keep_their_prepared_statements(postgres_url: str) -> None:
    """A read ends with COMMIT: psycopg drops its prepared statements on ROLLBACK."""
    import uuid

    with cg.open_store(postgres_url, tenant=f"t{uuid.uuid4().hex}") as store:
        account, _ = acme()
        store.accounts.add(account)
        for _ in range(10):
            store.accounts.get(account.id)
        backend = store.backend
        assert isinstance(backend, SqlBackend)
        session = backend.session(write=False)
        try:
            prepared = session.driver.execute("SELECT count(*) FROM pg_prepared_statements")
            assert prepared.fetchone()[0] >= 2
        finally:
            session.rollback()
