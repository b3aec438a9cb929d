"""An import takes no savepoint per saved account, and a refused write still changes nothing.

On PostgreSQL a savepoint is a subtransaction: an account row updated by one
and key-share-locked by another (the foreign-key check of each contact
inserted under it) gets a MultiXact, which every later check of that row
resolves through a cache searched linearly (the import's server time grew
from 18 s at 100,000 contacts to 1,002 s at 1,000,000). An account's add or
save refuses before it writes instead (``SqlSession.checked_write``): the
duplicate-block retry of an import and a refused row leave the store exactly
as it was, on both SQL engines.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from interopkit import US, snapshot

import contactgraph as cg
from contactgraph.interop import ImportMode, ImportOptions, import_csv
from contactgraph.repos.sql import accounts as sql_accounts
from contactgraph.rules import DuplicateRules

HEAP_XMAX_IS_MULTI = 0x1000
"""``t_infomask`` bit of a tuple whose xmax is a MultiXact (PostgreSQL's htup_details.h)."""


def _write_csvs(folder: Path, accounts: int, contacts: int) -> list[Path]:
    """Accounts and contacts, the contacts dealt round the accounts (each account is
    saved in every batch of a small-batch import)."""
    with (folder / "Account.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Id", "Name", "BillingCountry"])
        for a in range(accounts):
            writer.writerow([f"001{a:015d}", f"Company {a}", "France"])
    with (folder / "Contact.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Id", "AccountId", "FirstName", "LastName", "Email"])
        for c in range(contacts):
            writer.writerow(
                [f"003{c:015d}", f"001{c % accounts:015d}", "Ann", f"Person{c}", f"p{c}@x.example"]
            )
    return [folder / "Account.csv", folder / "Contact.csv"]


@pytest.fixture
def own_database(postgres_url: str) -> Iterator[str]:
    """A database of this test's own, with ``pageinspect`` (which reads whole pages, every
    tenant's rows); skipped where the test URL's role may not create either."""
    import psycopg

    given = sa.make_url(postgres_url)
    name = f"mx{uuid.uuid4().hex[:12]}"

    def connect(database: str | None) -> Any:
        return psycopg.connect(
            host=given.host,
            port=given.port,
            user=given.username,
            password=given.password,
            dbname=database,
            autocommit=True,
        )

    try:
        with connect(given.database) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        with connect(name) as conn:
            conn.execute("CREATE EXTENSION pageinspect")
    except psycopg.Error as exc:
        pytest.skip(f"needs a role that creates databases and pageinspect: {exc}")
    yield given.set(database=name).render_as_string(hide_password=False)
    with connect(given.database) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


_MULTI_SQL = (
    "SELECT count(*) FILTER (WHERE (h.t_infomask & %(multi)s) <> 0), count(*) "
    "FROM generate_series(0, pg_relation_size('accounts') "
    "/ current_setting('block_size')::int - 1) AS blk, "
    "LATERAL heap_page_items(get_raw_page('accounts', blk::int)) AS h "
    "WHERE h.t_infomask IS NOT NULL"
)
"""Account tuples whose xmax is a MultiXact, and account tuples, live or dead, committed
or not: ``get_raw_page`` reads the shared buffers as they are (no snapshot, no pruning)."""


@pytest.mark.postgres
def test_an_import_leaves_no_account_row_with_a_multixact(
    own_database: str, tmp_path: Path
) -> None:
    import psycopg

    given = sa.make_url(own_database)
    files = _write_csvs(tmp_path, accounts=30, contacts=360)
    seen: list[tuple[int, int]] = []
    with (
        psycopg.connect(
            host=given.host, port=given.port, user=given.username, dbname=given.database
        ) as watcher,
        cg.open_store(own_database) as store,
    ):
        watcher.autocommit = True

        def look(done: int, total: int | None) -> None:
            # the import's transaction is open: its dead row versions are still on the pages
            found = watcher.execute(_MULTI_SQL, {"multi": HEAP_XMAX_IS_MULTI}).fetchone()
            assert found is not None
            seen.append((int(found[0]), int(found[1])))

        options = ImportOptions(default_region="FR", batch_size=24)
        report = import_csv(store, files, options=options, progress=look)
        assert report.ok, report.errors[:3]
        assert (store.accounts.count(), store.accounts.count_contacts()) == (30, 360)
    assert len(seen) >= 15
    assert max(tuples for _, tuples in seen) >= 30 * 10  # every account saved batch after batch
    assert [multi for multi, _ in seen if multi] == []


# ------------------------------------------------------- refusals, both engines


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crm.sqlite'}"
    else:
        yield request.getfixturevalue("postgres_url")


def _open(url: str, **options: Any) -> cg.Store:
    return cg.open_store(url, tenant=f"t{uuid.uuid4().hex}", **options)


def _everything(store: cg.Store) -> tuple[Any, ...]:
    """The stored records with versions and timestamps, and every field-history entry."""
    accounts = sorted((a for a in store.accounts), key=lambda a: a.id)
    ids = [a.id for a in accounts] + [c for a in accounts for c in a.contacts]
    return (accounts, {i: store.history.of(i) for i in ids})


def _acme(store: cg.Store) -> cg.Account:
    acme = cg.Account.create(name="ACME SA", billing_address={"country": "France"})
    acme, _ = acme.add_contact(last_name="Durand", first_name="Bob", mobile="+33 6 12 34 56 78")
    return store.accounts.add(acme)


def _rows(path: Path, acme_id: str, *rows: tuple[str, str, str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["LastName", "FirstName", "MobilePhone", "AccountId"])
        for last, first, mobile in rows:
            writer.writerow([last, first, mobile, acme_id])
    return path


def test_a_blocked_row_is_refused_by_name_and_the_others_land_alone(
    sql_url: str, tmp_path: Path
) -> None:
    with _open(sql_url, duplicates=DuplicateRules(contacts="block")) as store:
        acme = _acme(store)
        before = snapshot(store)
        path = _rows(
            tmp_path / "Contact.csv",
            acme.id,
            ("Durand", "Robert", "+33 6 12 34 56 78"),
            ("Lambert", "Zoé", "+33 6 99 99 99 99"),
        )
        partial = ImportOptions(default_region="FR", mode=ImportMode.PARTIAL)
        report = import_csv(store, path, options=partial)
        assert (report.of("Contact").created, report.of("Contact").failed) == (1, 1)
        [error] = report.errors
        assert error.row == 2
        assert "duplicate rule: block" in error.reason
        after = snapshot(store)
        [zoe] = store.accounts.find_contacts(name="Zoé Lambert")
        [stored] = after["accounts"]
        [added] = [c for c in stored["contacts"] if c["id"] == zoe.id]
        stored["contacts"].remove(added)
        assert after == before
        assert len(store.history.of(zoe.id)) > 0


def test_a_blocked_row_in_an_all_or_nothing_import_writes_nothing(
    sql_url: str, tmp_path: Path
) -> None:
    with _open(sql_url, duplicates=DuplicateRules(contacts="block")) as store:
        _acme(store)
        before = _everything(store)
        acme_id = store.accounts.find_by_name("ACME SA")[0].id
        path = _rows(tmp_path / "Contact.csv", acme_id, ("Durand", "Robert", "+33 6 12 34 56 78"))
        with pytest.raises(cg.ImportRejectedError) as caught:
            import_csv(store, path, options=US)
        assert [e.row for e in caught.value.errors] == [2]
        assert _everything(store) == before


def _savepoints(store: cg.Store) -> list[str]:
    """The SAVEPOINT statements the store's connections send from now on."""
    sent: list[str] = []
    engine = store.backend.engine  # type: ignore[attr-defined]

    @sa.event.listens_for(engine, "before_cursor_execute")
    def seen(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        if statement.lstrip().upper().startswith("SAVEPOINT"):
            sent.append(statement)

    return sent


def test_an_account_write_in_a_transaction_takes_no_savepoint_a_nested_block_does(
    sql_url: str,
) -> None:
    with _open(sql_url) as store:
        sent = _savepoints(store)
        with store.transaction():
            acme = store.accounts.add(cg.Account.create(name="ACME SA"))
            acme, _ = acme.add_contact(last_name="Durand")
            acme = store.accounts.save(acme)
        assert sent == []
        with store.transaction(), store.transaction():
            acme, _ = acme.add_contact(last_name="Martin")
            store.accounts.save(acme)
        assert len(sent) == 1
        assert store.accounts.count_contacts() == 2


def _failing_after_the_account_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """Contacts' alternates fail to write: the account's row and contacts are written by then."""
    real = sql_accounts.insert_rows

    def failing(conn: Any, table: Any, insert: str, rows: list[Any]) -> None:
        if table.name == "contact_alternates":
            raise cg.StoreUnavailableError("the disk is full")
        real(conn, table, insert, rows)

    monkeypatch.setattr(sql_accounts, "insert_rows", failing)


def _fail_half_way_and_go_on(store: cg.Store, acme: cg.Account) -> None:
    with store.transaction():
        with pytest.raises(cg.StoreUnavailableError, match="disk is full"):
            store.accounts.save(acme.add_contact(last_name="Martin")[0])
        with pytest.raises(cg.StoreUnavailableError, match="cannot go on"):
            store.accounts.get(acme.id)
        with pytest.raises(cg.StoreUnavailableError, match="cannot go on"):
            store.accounts.save(acme.update(name="ACME SAS"))


def test_a_write_failing_half_way_spoils_the_transaction_and_nothing_lands(
    sql_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _open(sql_url) as store:
        acme = _acme(store)
        before = _everything(store)
        _failing_after_the_account_row(monkeypatch)
        with pytest.raises(cg.StoreUnavailableError, match="cannot go on"):  # at its commit
            _fail_half_way_and_go_on(store, acme)
        monkeypatch.undo()
        assert _everything(store) == before


def _fail_in_a_nested_block(store: cg.Store, acme: cg.Account) -> None:
    with store.transaction():
        store.accounts.save(acme.add_contact(last_name="Martin")[0])


def test_a_nested_block_left_by_the_failure_takes_it_back_and_the_transaction_goes_on(
    sql_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _open(sql_url) as store:
        acme = _acme(store)
        with store.transaction():
            _failing_after_the_account_row(monkeypatch)
            with pytest.raises(cg.StoreUnavailableError, match="disk is full"):
                _fail_in_a_nested_block(store, acme)
            monkeypatch.undo()
            renamed = store.accounts.save(acme.update(name="ACME SAS"))
        stored = store.accounts.get(acme.id)
        assert stored.name == "ACME SAS"
        assert stored.version == renamed.version
        assert sorted(c.name.last for c in stored.contacts.values()) == ["Durand"]


def test_a_refused_save_in_a_transaction_leaves_the_transaction_usable(sql_url: str) -> None:
    with _open(sql_url) as store:
        acme = _acme(store)
        stale = acme.update(name="Old")
        with store.transaction():
            acme = store.accounts.save(acme.update(name="ACME SAS"))
            with pytest.raises(cg.ConcurrencyError):
                store.accounts.save(stale)
            with pytest.raises(cg.PolicyViolationError, match="exists"):
                store.accounts.add(cg.Account.create(name="Twin", id=acme.id))
            store.accounts.save(acme.add_contact(last_name="Martin")[0])
        stored = store.accounts.get(acme.id)
        assert stored.name == "ACME SAS"
        assert sorted(c.name.last for c in stored.contacts.values()) == ["Durand", "Martin"]


# ------------------------------------------------------------------ property


_STEPS = st.lists(
    st.tuples(st.sampled_from(["fresh", "taken", "stale", "rename"]), st.integers(0, 2)),
    min_size=1,
    max_size=8,
)


@given(steps=_STEPS)
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_refused_saves_in_a_transaction_change_nothing_and_the_others_land(
    sql_url: str, steps: list[tuple[str, int]]
) -> None:
    """Saves of three accounts in one transaction, some refused (a contact id another
    account holds, a stale version): the store ends as the accepted saves alone make it."""
    with _open(sql_url) as store:
        accounts = [store.accounts.add(cg.Account.create(name=f"A{i}")) for i in range(3)]
        accounts = [
            store.accounts.save(a.add_contact(last_name=f"First{i}")[0])
            for i, a in enumerate(accounts)
        ]
        held = [next(iter(a.contacts)) for a in accounts]
        stale = list(accounts)
        expected = {a.id: sorted(c.name.last for c in a.contacts.values()) for a in accounts}
        with store.transaction():
            for n, (kind, i) in enumerate(steps):
                account = accounts[i]
                if kind == "stale" and stale[i].version != account.version:
                    with pytest.raises(cg.ConcurrencyError):
                        store.accounts.save(stale[i].update(name=f"Stale{n}"))
                elif kind == "taken":
                    taker = account.add_contact(last_name=f"Fresh{n}")[0]
                    taker = taker.add_contact(last_name=f"Copy{n}", id=held[(i + 1) % 3])[0]
                    with pytest.raises(cg.PolicyViolationError, match="taken"):
                        store.accounts.save(taker)
                else:
                    changed = (
                        account.update(name=f"R{n}")
                        if kind == "rename"
                        else account.add_contact(last_name=f"Fresh{n}")[0]
                    )
                    stale[i], accounts[i] = account, store.accounts.save(changed)
                    expected[account.id] = sorted(
                        c.name.last for c in accounts[i].contacts.values()
                    )
        for account in accounts:
            stored = store.accounts.get(account.id)
            assert (stored.name, stored.version) == (account.name, account.version)
            assert sorted(c.name.last for c in stored.contacts.values()) == expected[account.id]
        assert [store.accounts.account_id_of(h) for h in held] == [a.id for a in accounts]
