"""What a search costs follows its results, not the store: wide name ranges and the count.

Two findings of the 1,000,000-contact benchmark stores, pinned here:

- A type-ahead needle such as ``"olaf s"`` (people named Olaf whose last name
  starts with S) has a full-name range too wide to read whole, sparse along the
  name order until the S: walking the name order to find its first hits read
  most of the store (4–7 s a call at 1M on SQLite, 5 s on PostgreSQL). A walk is
  now bounded (:data:`~contactgraph.repos.sql.search_tiers.WALK_ROWS_PER_HIT`
  rows per hit asked), and a range of up to
  :data:`~contactgraph.repos.sql.search_tiers.RANGE_READ_WHOLE` rows is read
  whole through its index.
- ``search_contacts`` (the type-ahead call) counts no match past ``limit`` + 1,
  so a needle whose matches grow with the store costs what its limit costs.

Cost is measured as SQLite virtual-machine steps (a progress handler called on
every instruction): deterministic for the same data and plan, unlike time. The
results are compared with the reference model (``contactgraph.testing.model``),
on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import contactgraph as cg
from contactgraph.repos.keys import SEARCH_COUNT_LIMIT
from contactgraph.repos.sql import search_statements, search_tiers, trigrams
from contactgraph.testing import model

FILLER_FIRST = ("Ann", "Bob", "Carl", "Dora")


def _fill(store: cg.Store, people: list[tuple[str, str]]) -> None:
    """``people`` (first, last) stored in accounts of 500."""
    with store.transaction():
        for start in range(0, len(people), 500):
            account = cg.Account.create(name=f"Acme {start} SA")
            for first, last in people[start : start + 500]:
                account, _ = account.add_contact(last_name=last, first_name=first)
            store.accounts.add(account)


def _filler(count: int) -> list[tuple[str, str]]:
    """People whose last names sort before every S, named anything but Olaf."""
    return [(FILLER_FIRST[i % 4], f"Ab{i:05d}") for i in range(count)]


def _steps(store: cg.Store) -> Callable[[Callable[[], Any]], int]:
    """A function running a call and giving the SQLite VM steps its statements took."""
    engine = store.backend.engine  # type: ignore[attr-defined]
    counted = [0]

    def tick() -> int:
        counted[0] += 1
        return 0

    def before(conn: Any, *args: Any) -> None:
        conn.connection.dbapi_connection.set_progress_handler(tick, 1)

    def after(conn: Any, *args: Any) -> None:
        conn.connection.dbapi_connection.set_progress_handler(None, 1)

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)

    def run(call: Callable[[], Any]) -> int:
        counted[0] = 0
        call()
        return counted[0]

    return run


def _sent(store: cg.Store) -> list[str]:
    """The SQL text of every statement the store sends from now on (a growing list)."""
    sent: list[str] = []
    sa.event.listen(
        store.backend.engine,  # type: ignore[attr-defined]
        "before_cursor_execute",
        lambda conn, cursor, statement, *args: sent.append(statement),
    )
    return sent


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Callable[[], cg.Store]]:
    opened: list[cg.Store] = []

    def make() -> cg.Store:
        store = cg.open_store(f"sqlite:///{tmp_path / f'crm{len(opened)}.sqlite'}")
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def _olaf_s(count: int) -> list[tuple[str, str]]:
    return [("Olaf", f"Sv{i:05d}") for i in range(count)]


@pytest.mark.parametrize("read_whole", [search_tiers.RANGE_READ_WHOLE, 100])
def test_a_wide_sparse_name_range_costs_what_it_holds_not_what_the_store_holds(
    sqlite_store: Callable[[], cg.Store], read_whole: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 1,100 people named Olaf S… (past the count's bound: the old code walked the
    # name order for them, through every filler row first), among 1,000 then
    # 8,000 people sorting before them. ``read_whole`` 100: the range is walked
    # first, a bounded walk that finds nothing, then read whole.
    monkeypatch.setattr(search_tiers, "RANGE_READ_WHOLE", read_whole)
    costs, found = [], []
    for filler in (1_000, 8_000):
        store = sqlite_store()
        _fill(store, _filler(filler) + _olaf_s(1_100))
        steps = _steps(store)
        costs.append(steps(lambda s=store: found.append(s.accounts.search("olaf s", limit=5))))
    for result in found:
        assert [c.last_name for c in result.contacts] == [f"Sv{i:05d}" for i in range(5)]
        assert (result.total, result.total_is_exact) == (1_000, False)
    assert costs[1] < 1.3 * costs[0], costs  # 8x the filler: the old walk cost ~4x


def test_a_text_everyone_holds_is_found_along_the_name_order(
    sqlite_store: Callable[[], cg.Store],
) -> None:
    # Every number starts +33 1 (Paris): "+331" is in every contact's key. Its
    # hits by name were read by sorting every trigram candidate (6.8 s at 1M);
    # they are now the first rows of the name order, found there at once.
    costs = []
    for size in (1_000, 8_000):
        store = sqlite_store()
        with store.transaction():
            for start in range(0, size, 500):
                account = cg.Account.create(name=f"Acme {start} SA")
                for i in range(start, start + 500):
                    phone = cg.Phone.trusted(f"+331{40_000_000 + i:08d}")
                    account, _ = account.add_contact(last_name=f"Ab{i:05d}", phone=phone)
                store.accounts.add(account)
        steps = _steps(store)
        found: list[cg.Contact] = []
        costs.append(
            steps(lambda s=store, f=found: f.extend(s.accounts.search_contacts("+331", limit=5)))
        )
        assert [c.last_name for c in found] == [f"Ab{i:05d}" for i in range(5)]
        counted = store.accounts.search("+331", limit=5)
        assert list(counted.contacts) == found
        assert (counted.total, counted.total_is_exact) == (
            min(size, SEARCH_COUNT_LIMIT),
            size <= SEARCH_COUNT_LIMIT,
        )
    assert costs[1] < 1.3 * costs[0], costs


def test_a_wide_dense_name_range_is_walked_a_few_rows(
    sqlite_store: Callable[[], cg.Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    # One person in three is named Olaf, all along the name order: the walk
    # finds the first five within a few rows, and the range is never read whole.
    monkeypatch.setattr(search_tiers, "RANGE_READ_WHOLE", 100)
    costs = []
    for size in (1_500, 12_000):
        store = sqlite_store()
        people = [("Olaf" if i % 3 == 0 else "Ann", f"Ab{i:05d}") for i in range(size)]
        _fill(store, people)
        steps = _steps(store)
        found: list[cg.Contact] = []
        costs.append(
            steps(lambda s=store, f=found: f.extend(s.accounts.search_contacts("olaf", limit=5)))
        )
        assert [c.last_name for c in found] == [f"Ab{i:05d}" for i in range(0, 15, 3)]
    assert costs[1] < 1.3 * costs[0], costs  # reading the range whole would cost ~8x


def _letters(i: int) -> str:
    """``i`` written in four lowercase letters (a name holding no digit)."""
    return "".join(chr(97 + i // 26**k % 26) for k in (3, 2, 1, 0))


def _sparse_numbers(size: int, every: int) -> list[tuple[str, cg.Phone]]:
    """``size`` people in name order, one in ``every`` (the sixth of each run) with a
    number holding ``171`` (+33 1 71…), the others numbers without it (no 1 or 7
    after +33 12)."""
    people = []
    for i in range(size):
        digits = "".join("02345689"[int(d)] for d in f"{i:06o}")
        number = ("+33171" if i % every == 5 else "+33120") + digits
        people.append((f"Ab{_letters(i)}", cg.Phone.trusted(number)))
    return people


def test_a_sparse_digit_text_is_walked_further_not_read_whole(
    sqlite_store: Callable[[], cg.Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    # One number in 15 holds "171" (1-3 % at the benchmark's million: "01 71",
    # "+33171"): more than the first walk finds its limit among, far more than
    # reading them whole should cost. The first walk's hits size a second one,
    # which finds them: what it costs follows the limit, not the matches (the old
    # code read the matches whole and sorted them, 8x the cost at 8x the store).
    monkeypatch.setattr(search_tiers, "RANGE_READ_WHOLE", 30)
    monkeypatch.setattr(search_tiers, "WALK_ROWS_PER_HIT", 5)
    costs = []
    for size in (1_000, 8_000):
        store = sqlite_store()
        people = _sparse_numbers(size, 15)
        with store.transaction():
            for start in range(0, size, 500):
                account = cg.Account.create(name=f"Acme {start} SA")
                for last, phone in people[start : start + 500]:
                    account, _ = account.add_contact(last_name=last, phone=phone)
                store.accounts.add(account)
        steps = _steps(store)
        found: list[cg.Contact] = []
        for text in ("171", "01 71"):
            found.clear()
            costs.append(
                steps(
                    lambda s=store, t=text, f=found: f.extend(
                        s.accounts.search_contacts(t, limit=2)
                    )
                )
            )
            assert [c.last_name for c in found] == [people[i][0] for i in (5, 20)], text
            contacts = [c for a in store.accounts.list() for c in a.contacts.values()]
            assert found == model.search(contacts, text, 2)[0], text
    assert costs[2] < 1.3 * costs[0], costs  # the old code: 3.9x
    assert costs[3] < 1.3 * costs[1], costs


def _accounts(size: int) -> list[cg.Account]:
    """``size`` accounts whose names all hold "acme" and "cme", two of them (late by
    name) with "cme" as website domain or phone digits (rank 0), one whose name
    starts with "cme" (rank 1)."""
    made = [cg.Account.create(name=f"Acme {i:05d} SA") for i in range(size - 3)]
    return [
        *made,
        cg.Account.create(name="Zeta SA", website="https://www.cme/about"),
        cg.Account.create(name="Zulu SA", website="cme.example"),
        cg.Account.create(name="Cmeco SA"),
    ]


def test_a_broad_account_text_costs_what_its_limit_costs(
    sqlite_store: Callable[[], cg.Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every account holds "acme" and "cme". The old code read every account holding
    # the text to find the few whose domain or phone is the text (rank 0), and every
    # one of them again, sorted, for the matches anywhere: both grew with the store
    # (8x at 8x the accounts). Rank 0 now asks only for the keys with a line starting
    # with the text, and the matches anywhere are a wide read (the name order walked).
    monkeypatch.setattr(search_tiers, "RANGE_READ_WHOLE", 100)
    costs: dict[str, list[int]] = {"acme": [], "cme": []}
    for size in (1_000, 8_000):
        accounts = _accounts(size)
        store = sqlite_store()
        with store.transaction():
            for account in accounts:
                store.accounts.add(account)
        steps = _steps(store)
        with cg.open_store("memory://") as reference:
            with reference.transaction():
                for account in accounts:
                    reference.accounts.add(account)
            for text, cost in costs.items():
                found: list[cg.SearchResult] = []
                cost.append(
                    steps(
                        lambda s=store, t=text, f=found: f.append(
                            s.accounts.search_accounts(t, limit=5, count_up_to=0)
                        )
                    )
                )
                expected = reference.accounts.search_accounts(text, limit=5, count_up_to=0)
                assert found[0] == expected, text
    assert [a.name for a in found[0].accounts] == [
        "Zeta SA",
        "Cmeco SA",
        "Acme 00000 SA",
        "Acme 00001 SA",
        "Acme 00002 SA",
    ]
    for text, (small, big) in costs.items():
        assert big < 1.3 * small, (text, small, big)


def test_the_type_ahead_call_counts_nothing_and_reads_the_name_ranges_first(
    sqlite_store: Callable[[], cg.Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 600 people match "olaf sven": ``search`` counts them all (up to its bound),
    # through the trigram index; ``search_contacts`` and ``count_up_to=0`` count
    # nothing, read the name ranges first and stop there: same hits.
    asked: list[int] = []
    counting = search_statements.count_matches

    def count_matches(*args: Any) -> Any:
        asked.append(args[3])  # up_to: how far the statement counts
        return counting(*args)

    monkeypatch.setattr(search_statements, "count_matches", count_matches)
    store = sqlite_store()
    _fill(store, _filler(2_000) + [("Olaf", f"Sven{i:04d}") for i in range(600)])
    sent = _sent(store)
    shown = store.accounts.search_contacts("olaf sven", limit=5)
    cheap = store.accounts.search("olaf sven", limit=5, count_up_to=0)
    assert asked == []
    assert not [s for s in sent if "contacts_fts" in s]  # the trigram index never asked
    counted = store.accounts.search("olaf sven", limit=5)
    some = store.accounts.search("olaf sven", limit=5, count_up_to=100)
    assert asked == [SEARCH_COUNT_LIMIT + 1, 101]
    assert [c.last_name for c in shown] == [f"Sven{i:04d}" for i in range(5)]
    assert list(counted.contacts) == list(cheap.contacts) == list(some.contacts) == shown
    assert (counted.total, counted.total_is_exact) == (600, True)
    assert (cheap.total, cheap.total_is_exact, cheap.truncated) == (6, False, True)
    assert (some.total, some.total_is_exact) == (100, False)


def test_the_type_ahead_call_asks_the_trigram_index_when_the_names_fall_short(
    sqlite_store: Callable[[], cg.Store],
) -> None:
    # "ven" is inside last names only (no name starts with it): found anywhere,
    # and when every match was read, the total is exact.
    store = sqlite_store()
    lasts = [f"Sven{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(30)]
    _fill(store, _filler(300) + [("Olaf", last) for last in lasts])
    sent = _sent(store)
    found = store.accounts.search("ven", limit=5, count_up_to=0)
    assert [s for s in sent if "contacts_fts" in s]
    assert [c.last_name for c in found.contacts] == lasts[:5]
    assert (found.total, found.total_is_exact) == (6, False)
    few = store.accounts.search("venab", limit=5, count_up_to=0)
    assert ([c.last_name for c in few.contacts], few.total, few.total_is_exact) == (
        ["Svenab"],
        1,
        True,
    )


@pytest.mark.parametrize("url", ["memory://", "sqlite"])
def test_exactly_one_past_the_limit_is_an_exact_total(url: str, tmp_path: Path) -> None:
    # Two match, one asked, nothing counted past two: the total is exactly two.
    if url == "sqlite":
        url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    with cg.open_store(url) as store:
        _fill(store, [("Ann", "Martin"), ("Bob", "Aumart"), ("Carl", "Durand")])
        for text, first in (("mart", "Martin"), ("MART", "Martin"), ("a", "Aumart")):
            found = store.accounts.search(text, limit=1, count_up_to=0)
            assert (found.total, found.total_is_exact, found.truncated) == (2, True, True), text
            assert [c.last_name for c in found.contacts] == [first]


@pytest.mark.parametrize("bad", [-1, True, 1.5, "10", None, 2**63])
def test_count_up_to_is_refused_unless_a_whole_number(bad: Any) -> None:
    with cg.open_store("memory://") as store:
        for call in (store.accounts.search, store.accounts.search_accounts):
            with pytest.raises(cg.InvalidValueError) as raised:
                call("acme", count_up_to=bad)
            assert raised.value.field == "count_up_to"


NUMBERS = (None, None, "+33171000001", "+33120000002", "+33171430039")
"""The people's phones: none, or numbers some digit texts (:data:`DIGITS`) are in."""

DIGITS = ("171", "01 71", "+33171", "71 43")
"""Digit texts: a part of one, two or none of :data:`NUMBERS` (walked, then further)."""


def _check_against_model(store: cg.Store, data: st.DataObject) -> None:
    """Generated people sharing name starts and phone digits, a few walk and read-whole
    sizes: every search gives the reference's results and total (or the documented bound)."""
    lasts = data.draw(st.lists(st.sampled_from(["Sa", "Sv", "Ab", "Olafsen", "Ma"]), min_size=1))
    people = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from(["Olaf", "Ola", "Ann", "Olga"]),
                st.sampled_from(lasts).flatmap(
                    lambda p: st.just(p) | st.text("abz", max_size=2).map(p.__add__)
                ),
                st.sampled_from(NUMBERS),
            ),
            min_size=1,
            max_size=60,
        )
    )
    account = cg.Account.create(name="Acme SA")
    for first, last, number in people:
        phone = None if number is None else cg.Phone.trusted(number)
        account, _ = account.add_contact(last_name=last, first_name=first, phone=phone)
    store.accounts.add(account)
    contacts = list(account.contacts.values())
    for text in data.draw(
        st.lists(
            st.sampled_from(["olaf s", "ola", "olaf", "ol", "o", "olga sa", "ann a", *DIGITS]),
            min_size=1,
            max_size=3,
        )
    ):
        limit = data.draw(st.integers(1, 8))
        count_up_to = data.draw(st.sampled_from([0, 5, 1000]))
        expected, total = model.search(contacts, text, limit)
        found = store.accounts.search(text, limit=limit, count_up_to=count_up_to)
        assert [c.id for c in found.contacts] == [c.id for c in expected], text
        bound = max(count_up_to, limit + 1)
        assert (found.total, found.total_is_exact) == (min(total, bound), total <= bound), text
        assert store.accounts.search_contacts(text, limit=limit) == list(found.contacts)


SIZES = st.tuples(st.integers(0, 12), st.integers(1, 4), st.booleans())


def _with_sizes(
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    data: st.DataObject,
    sizes: Any,
    check: Callable[[cg.Store, st.DataObject], None] = _check_against_model,
) -> None:
    """The reference check on a store at ``url``, with tiny read-whole and walk sizes,
    and (``sizes[2]``) the store taken for a vast one, so that a walk that found too
    few hits is followed by a longer one (:meth:`~search_tiers.Wide.further`)."""
    monkeypatch.setattr(search_tiers, "RANGE_READ_WHOLE", sizes[0])
    monkeypatch.setattr(search_tiers, "WALK_ROWS_PER_HIT", sizes[1])
    if sizes[2]:
        sampled = trigrams.rarity
        monkeypatch.setattr(
            trigrams, "rarity", lambda conn: attrs.evolve(sampled(conn), rows=10**9)
        )
    with cg.open_store(url, tenant=f"t{uuid.uuid4().hex}") as store:
        check(store, data)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), sizes=SIZES)
def test_sqlite_wide_ranges_give_the_reference_results(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    data: st.DataObject,
    sizes: tuple[int, int, bool],
) -> None:
    url = f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.sqlite'}"
    _with_sizes(monkeypatch, url, data, sizes)


@pytest.mark.postgres
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), sizes=SIZES)
def test_postgres_wide_ranges_give_the_reference_results(
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
    data: st.DataObject,
    sizes: tuple[int, int, bool],
) -> None:
    _with_sizes(monkeypatch, postgres_url, data, sizes)


ACCOUNT_TEXTS = (
    *("cme", "cme", "me s", "acme", "acm", "cme.fr", "140", "01 40 00", "sa", "zeta"),
    # Rank 0 on PostgreSQL asks for whole lines (LIKE patterns): texts LIKE would
    # misread, a "+" pg_trgm drops, a whole phone, a line that is a name's end.
    *("c_e", "c%e", "c\\e", "+33", "+33 1 40", "33140000001", "a sa", "%", "_"),
)


def _accounts_against_memory(store: cg.Store, data: st.DataObject) -> None:
    """Generated accounts sharing name parts, domains and phone digits: every account
    search gives what the memory backend (the reference) gives, total included."""
    made = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from(["Acme", "Acmeco", "Cme", "Zeta", "Ac Me", "C_e", "C%e", "C\\e"]),
                st.text("abz", max_size=2),
                st.sampled_from([None, "cme.fr", "https://www.acme.fr/x", "cme", "c_e", "c%e"]),
                st.sampled_from([None, "+33 1 40 00 00 01", "+33 1 40 12 34 56"]),
            ),
            min_size=8,
            max_size=40,
        )
    )
    accounts = [
        cg.Account.create(name=f"{name}{tail} SA", website=website, phone=phone)
        for name, tail, website, phone in made
    ]
    with cg.open_store("memory://") as reference:
        for target in (store, reference):
            with target.transaction():
                for account in accounts:
                    target.accounts.add(account)
        for text in data.draw(st.lists(st.sampled_from(ACCOUNT_TEXTS), min_size=1, max_size=3)):
            limit = data.draw(st.integers(1, 6))
            count_up_to = data.draw(st.sampled_from([0, 0, 5, 1000]))
            found = store.accounts.search_accounts(text, limit=limit, count_up_to=count_up_to)
            expected = reference.accounts.search_accounts(
                text, limit=limit, count_up_to=count_up_to
            )
            assert found == expected, text


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), sizes=SIZES)
def test_sqlite_wide_account_reads_give_the_reference_results(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    data: st.DataObject,
    sizes: tuple[int, int, bool],
) -> None:
    url = f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.sqlite'}"
    _with_sizes(monkeypatch, url, data, sizes, check=_accounts_against_memory)


@pytest.mark.postgres
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), sizes=SIZES)
def test_postgres_wide_account_reads_give_the_reference_results(
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
    data: st.DataObject,
    sizes: tuple[int, int, bool],
) -> None:
    _with_sizes(monkeypatch, postgres_url, data, sizes, check=_accounts_against_memory)
