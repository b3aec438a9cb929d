"""PostgreSQL connections cut under the store (``pg_terminate_backend`` from another connection).

A cut in the middle of a transaction is a clear :class:`StoreUnavailableError`,
nothing of that transaction is written, and the next call succeeds on a
fresh connection (the pool pre-pings; idle read connections are dropped as
soon as any connection of the store has seen the server go).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

import contactgraph as cg

pytestmark = pytest.mark.postgres


@pytest.fixture
def app_name() -> str:
    return f"cg-cut-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def store(postgres_url: str, app_name: str) -> Iterator[cg.Store]:
    """A store whose connections say ``application_name``, so that a test can cut just them."""
    url = sa.make_url(postgres_url).update_query_dict({"application_name": app_name})
    with cg.open_store(
        url.render_as_string(hide_password=False), tenant=f"t{uuid.uuid4().hex}"
    ) as opened:
        yield opened


@pytest.fixture
def cut(postgres_url: str, app_name: str) -> Iterator[Callable[[], int]]:
    """``cut()`` terminates every server process of the store; returns how many there were."""
    admin = sa.create_engine(postgres_url, poolclass=sa.pool.NullPool)

    def terminate() -> int:
        with admin.begin() as conn:
            return len(
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = %(name)s AND pid <> pg_backend_pid()",
                    {"name": app_name},
                ).all()
            )

    yield terminate
    admin.dispose()


def _acme() -> cg.Account:
    acme, _alice = cg.Account.create(name="ACME SA").add_contact(last_name="Martin")
    return acme


def test_a_connection_cut_mid_transaction_writes_nothing_and_the_next_call_succeeds(
    store: cg.Store, cut: Callable[[], int]
) -> None:
    store.accounts.add(cg.Account.create(name="Initech"))
    assert store.accounts.count() == 1  # an idle read connection is kept now
    globex = cg.Account.create(name="Globex Corp")
    cuts: list[int] = []

    def add_two_with_a_cut_between() -> None:
        with store.transaction():
            store.accounts.add(_acme())
            cuts.append(cut())
            store.accounts.add(globex)

    with pytest.raises(cg.StoreUnavailableError) as caught:
        add_two_with_a_cut_between()
    assert cuts[0] >= 2  # the writer and the idle reader
    message = str(caught.value)
    assert "connection to the database was lost" in message
    assert "nothing of it was written" in message
    assert [a.name for a in store.accounts.list()] == ["Initech"]  # the next call succeeds
    store.accounts.add(globex)
    assert store.accounts.count() == 2


def test_a_connection_cut_at_commit_leaves_nothing_half_written(
    store: cg.Store,
    cut: Callable[[], int],
) -> None:
    """The cut lands in the commit-time checks, after every write of the transaction."""
    cut_done = []

    def cut_on_first_event(_event: object) -> None:  # never reached: nothing commits
        cut_done.append(True)

    store.subscribe(cut_on_first_event)

    def add_five_then_cut() -> None:
        with store.transaction():
            for i in range(5):
                store.accounts.add(cg.Account.create(name=f"ACME {i}"))
            cut()

    with pytest.raises(cg.StoreUnavailableError):
        add_five_then_cut()
    assert cut_done == []
    assert store.accounts.count() == 0
    store.accounts.add(_acme())
    assert store.accounts.count() == 1


def test_connections_cut_between_calls_cost_at_most_the_call_that_meets_the_cut(
    store: cg.Store,
    cut: Callable[[], int],
) -> None:
    store.accounts.add(_acme())
    assert store.accounts.count() == 1
    assert cut() >= 1
    store.accounts.add(cg.Account.create(name="Globex Corp"))  # a writer pre-pings
    met: list[str] = []
    try:
        store.accounts.count()  # an idle reader may meet the cut once
    except cg.StoreUnavailableError as exc:
        met.append(str(exc))
    assert all("connection to the database was lost" in m for m in met)
    assert store.accounts.count() == 2
