"""A needle's candidates are asked of the trigram index by its rarest pieces only.

Whatever pieces are asked for, the matches are those of the whole phrase:
every candidate is checked against it in SQL. The property below draws the
pieces (any substrings of 3+ characters, hostile ones included) and compares
the answer with the whole phrase's and with Python's ``in``, on SQLite and on
PostgreSQL; the unit tests pin which pieces are chosen, and what
``pg_trgm`` reads for a ``LIKE`` piece.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import contactgraph as cg
from contactgraph.repos.keys import search_needle
from contactgraph.repos.sql import search_statements as q
from contactgraph.repos.sql import trigrams
from contactgraph.repos.sql.trigrams import Rarity, Unit

_PIECES = ["mar", "tin", "o'ne", 'qu"o', "50%", "a_b", "back\\s", "é", "straße", "李", "ſt", " "]


def _people(seed: int) -> list[cg.Account]:
    rng = random.Random(seed)
    accounts = []
    for n in range(4):
        account = cg.Account.create(name=f"Hostile {n}")
        for _ in range(30):
            last = "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 4))).strip() or "x"
            first = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 2))).strip()
            account, _ = account.add_contact(
                last_name=last,
                first_name=first or None,
                phone=f"+3314427{rng.randint(1000, 9999)}",
            )
        accounts.append(account)
    return accounts


def _filled(store: cg.Store) -> tuple[sa.Engine, str, list[tuple[str, str]]]:
    with store.transaction():
        for account in _people(7):
            store.accounts.add(account)
    engine: sa.Engine = store.backend.engine  # type: ignore[attr-defined]
    tenant: str = store.backend.tenant  # type: ignore[attr-defined]
    with engine.connect() as conn:
        keys = conn.execute(
            sa.text("SELECT id, search_key FROM contacts WHERE tenant = :t"), {"t": tenant}
        ).all()
    return engine, tenant, [(i, k) for i, k in keys]


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path = tmp_path_factory.mktemp("trigrams") / "crm.sqlite"
    with cg.open_store(f"sqlite:///{path}") as store:
        yield _filled(store)


@pytest.fixture(scope="module")
def postgres_store(postgres_url: str) -> Iterator[Any]:
    with cg.open_store(postgres_url, tenant=f"t{uuid.uuid4().hex}") as store:
        yield _filled(store)


@st.composite
def phrase_and_units(draw: st.DrawFn, keys: list[tuple[str, str]]) -> tuple[str, list[str]]:
    """A phrase (a piece of one stored line, or made of the hostile pieces) and some of its
    substrings of 3+ characters."""
    if draw(st.booleans()):
        _, key = draw(st.sampled_from(keys))
        line = draw(st.sampled_from([x for x in key.split("\n") if len(x) >= 3] or ["mar"]))
        start = draw(st.integers(0, len(line) - 3))
        phrase = line[start : draw(st.integers(start + 3, len(line)))]
    else:
        phrase = "".join(draw(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=4)))
        phrase = phrase if len(phrase) >= 3 else phrase + "mar"
    spans = [(i, j) for i in range(len(phrase)) for j in range(i + 3, len(phrase) + 1)]
    chosen = draw(st.lists(st.sampled_from(spans), min_size=1, max_size=3, unique=True))
    return phrase, [phrase[i:j] for i, j in chosen]


def _matching(engine: sa.Engine, tenant: str, match: q.Match) -> set[str]:
    with engine.connect() as conn:
        (stmt, params), read = q.count_matches(engine.dialect.name, tenant, match, 10_000, 10_000)
        total, found = conn.execute(stmt, params).one()
        ids = set(read(found) or [])
        assert total == len(ids)
        return ids


def _check_pieces(store: Any, data: st.DataObject) -> None:
    engine, tenant, keys = store
    phrase, units = data.draw(phrase_and_units(keys))
    if engine.dialect.name == "sqlite":  # an FTS5 string of fewer than 3 characters is no trigram
        units = [u[:3] for u in units]
    expected = {i for i, key in keys if phrase in key}
    whole = _matching(engine, tenant, q.Match((phrase,), ((phrase,),)))
    by_pieces = _matching(engine, tenant, q.Match((phrase,), (tuple(units),)))
    assert whole == expected, phrase
    assert by_pieces == expected, (phrase, units)


_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_SETTINGS
@given(data=st.data())
def test_sqlite_matches_by_any_pieces_are_the_whole_phrase_s(
    sqlite_store: Any, data: st.DataObject
) -> None:
    _check_pieces(sqlite_store, data)


@pytest.mark.postgres
@_SETTINGS
@given(data=st.data())
def test_postgres_matches_by_any_pieces_are_the_whole_phrase_s(
    postgres_store: Any, data: st.DataObject
) -> None:
    _check_pieces(postgres_store, data)


@st.composite
def digit_phrase(draw: st.DrawFn, keys: list[tuple[str, str]]) -> str:
    """3+ digits: a piece of a stored phone, or any digits."""
    phones = [x for _, key in keys for x in key.split("\n") if len(x) >= 3 and x.isdigit()]
    if phones and draw(st.booleans()):
        line = draw(st.sampled_from(phones))
        start = draw(st.integers(0, len(line) - 3))
        return line[start : draw(st.integers(start + 3, len(line)))]
    return draw(st.text(alphabet="0123456789", min_size=3, max_size=14))


def _check_spread(store: Any, data: st.DataObject) -> None:
    engine, tenant, keys = store
    phrase = data.draw(digit_phrase(keys))
    assert trigrams.uniform(phrase)
    units = trigrams.spread(phrase)
    assert units
    expected = {i for i, key in keys if phrase in key}
    assert _matching(engine, tenant, q.Match((phrase,), (units,))) == expected, (phrase, units)


@_SETTINGS
@given(data=st.data())
def test_sqlite_matches_of_digits_by_spread_trigrams_are_the_whole_phrase_s(
    sqlite_store: Any, data: st.DataObject
) -> None:
    _check_spread(sqlite_store, data)


@pytest.mark.postgres
@_SETTINGS
@given(data=st.data())
def test_postgres_matches_of_digits_by_spread_trigrams_are_the_whole_phrase_s(
    postgres_store: Any, data: st.DataObject
) -> None:
    _check_spread(postgres_store, data)


def test_both_phrases_of_a_phone_needle_are_asked_for(sqlite_store: Any) -> None:
    engine, tenant, keys = sqlite_store
    needle = search_needle("44 27 12")  # phrases "44 27 12" and "442712"
    assert needle is not None
    assert len(needle.phrases) == 2
    units = tuple(tuple(u.text for u in trigrams.sqlite_units(p))[:1] for p in needle.phrases)
    expected = {i for i, key in keys if any(p in key for p in needle.phrases)}
    assert _matching(engine, tenant, q.Match(needle.phrases, units)) == expected


# ------------------------------------------------------------ which pieces


def test_pg_trgm_reads_the_words_of_a_like_piece_padded_at_inner_bounds() -> None:
    assert trigrams.postgres_like_trigrams("834") == {"834"}
    assert trigrams.postgres_like_trigrams("ler.") == {"ler", "er "}
    assert trigrams.postgres_like_trigrams(".834") == {"  8", " 83", "834"}
    assert trigrams.postgres_like_trigrams("a.b") == {"  b"}
    assert trigrams.postgres_like_trigrams("%_.") == set()
    assert trigrams.postgres_key_trigrams("bob\n33") == {
        "  b",
        " bo",
        "bob",
        "ob ",
        "  3",
        " 33",
        "33 ",
    }


def test_a_piece_with_a_non_ascii_character_is_never_a_postgres_unit() -> None:
    texts = {u.text for u in trigrams.postgres_units("müller")}
    assert texts == {"lle", "ler", "ller"}
    assert trigrams.postgres_units("李李李") == []


def test_the_rarest_units_are_chosen_until_about_one_candidate_is_left() -> None:
    rarity = Rarity({"ali": 900, "lic": 800, "ice": 800, "dur": 10, "e d": 3}, 1000, 1_000_000)
    units = trigrams.sqlite_units("alice dur")
    picked = [u.text for u in trigrams.chosen(units, rarity)]
    assert picked == [" du", "ce "]  # unseen (half a row of 1000): 0.25 of a million left
    huge = Rarity(rarity.counts, 1000, 10**9)  # 250 of a billion left: a third unit
    assert [u.text for u in trigrams.chosen(units, huge)] == [" du", "ce ", "e d"]
    few = Rarity({"abc": 1}, 1000, 2000)  # one unseen trigram leaves about one candidate
    assert [u.text for u in trigrams.chosen(trigrams.sqlite_units("abcd"), few)] == ["bcd"]
    assert trigrams.chosen([], few) == []
    dotted = Unit(".834", frozenset({"  8", " 83", "834"}))  # " 83" rarer than "834"
    digits = Unit("834", frozenset({"834"}))  # read already for ".834": skipped
    other = Unit("298", frozenset({"298"}))
    shares = Rarity({"  8": 50, " 83": 5, "834": 10, "298": 10}, 1000, 10**9)
    picked = trigrams.chosen([digits, other, dotted], shares)
    assert [u.text for u in picked] == [".834", "298"]


@given(st.text(alphabet="0123456789", min_size=3, max_size=40))
def test_spread_trigrams_cover_a_digit_phrase_from_end_to_end(phrase: str) -> None:
    units = trigrams.spread(phrase)
    assert 1 <= len(units) <= trigrams.MAX_UNITS
    assert all(len(u) == 3 and u in phrase for u in units)
    assert phrase[:3] in units
    assert phrase[-3:] in units


def test_spread_trigrams_are_apart_when_the_phrase_allows() -> None:
    assert trigrams.spread("1234567") == ("123", "345", "567")  # 7 digits: starts 0, 2, 4
    assert trigrams.spread("12345678901") == ("123", "567", "901")
    assert trigrams.spread("12345") == ("123", "234", "345")
    assert trigrams.spread("1234") == ("123", "234")
    assert trigrams.spread("123") == ("123",)
    assert trigrams.spread("1111111") == ("111",)  # one trigram, asked once
    assert trigrams.spread("12") == ()
    assert trigrams.uniform("0612345")
    assert not trigrams.uniform("06 12 34")
    assert not trigrams.uniform("١٢٣٤")  # digits, but not ASCII: not a phone's key
    assert not trigrams.uniform("12")


def test_a_digit_needle_asks_for_spread_trigrams_or_its_runs_of_six(tmp_path: Path) -> None:
    with cg.open_store(f"sqlite:///{tmp_path / 'crm.sqlite'}") as store:
        account = cg.Account.create(name="ACME SA")
        for i in range(50):  # "345" is in every key, "123" and "567" in none
            account, _ = account.add_contact(last_name=f"P{i:02d}", phone=f"+33 1 90 {i:02d} 34 50")
        account, found = account.add_contact(last_name="Found", phone="+33 1 91 23 45 67")
        store.accounts.add(account)
        engine: sa.Engine = store.backend.engine  # type: ignore[attr-defined]
        asked: list[str] = []
        windows: list[tuple[str, ...]] = []

        def seen(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
            if "contacts_fts MATCH" in statement:
                asked.extend(p for p in params if isinstance(p, str) and '"' in p)
            if "contact_digits" in statement:
                windows.append(tuple(p for p in params if isinstance(p, str)))

        sa.event.listen(engine, "before_cursor_execute", seen)
        assert store.accounts.search("91234").contacts == (found,)  # 5 digits: trigrams
        assert any('"912"' in a and '"123"' in a and '"234"' in a for a in asked), asked
        assert windows == []
        asked.clear()
        # 6 digits or more: the index of digit runs, its first and last six (schema step 6).
        assert store.accounts.search("1234567").contacts == (found,)
        assert asked == []
        assert any({"123456", "234567"} <= set(w) for w in windows), windows


def test_postgres_pieces_nested_in_a_chosen_one_are_skipped() -> None:
    units = trigrams.postgres_units("bob isro")
    shares = Rarity({"isr": 3, "sro": 4, " is": 5, "  i": 9, "bob": 100, "ob ": 100}, 1000, 10**9)
    nested = [u.text for u in trigrams.chosen(units, shares, nested=2)]
    assert nested[0] == "isr"
    assert not {"isro", " isr", "sro"} & set(nested[1:])  # they share 2+ characters with "isr"
    assert "bob" in nested
    every = [u.text for u in trigrams.chosen(units, shares)]
    assert every[:2] == ["isr", "isro"]


def test_postgres_pieces_of_two_words_are_not_nested() -> None:
    # "01 7" (a number typed with spaces, two digits after the trunk 0: no digit phrase):
    # "01 " (words ending in 01) and "1 7" (words starting with 7) share "1 ", but no
    # trigram: both are asked (only "01 " was: 220 ms at 1M on PostgreSQL, for no match).
    units = trigrams.postgres_units("01 7")
    shares = Rarity({"01 ": 30, "  7": 100}, 1000, 10**6)
    picked = [sorted(u.trigrams) for u in trigrams.chosen(units, shares, nested=2)]
    assert picked == [["01 "], ["  7"]]


def test_rarity_is_sampled_once_and_kept_with_the_engine(tmp_path: Path) -> None:
    with cg.open_store(f"sqlite:///{tmp_path / 'crm.sqlite'}") as store:
        for account in _people(3)[:2]:
            store.accounts.add(account)
        engine: sa.Engine = store.backend.engine  # type: ignore[attr-defined]
        with engine.connect() as conn:
            trigrams.forget(conn)
            first = trigrams.rarity(conn)
            assert first.sampled == 60
            assert first.rows >= 60
            assert trigrams.rarity(conn) is first
            trigrams.forget(conn)
            assert trigrams.rarity(conn) is not first


def test_a_common_trigram_is_not_asked_of_the_index(tmp_path: Path) -> None:
    with cg.open_store(f"sqlite:///{tmp_path / 'crm.sqlite'}") as store:
        account = cg.Account.create(name="ACME SA")
        for i in range(200):
            account, _ = account.add_contact(last_name=f"Common{i:03d}", first_name="Alice")
        account, durox = account.add_contact(last_name="Durox", first_name="Alice")
        store.accounts.add(account)
        engine: sa.Engine = store.backend.engine  # type: ignore[attr-defined]
        asked: list[str] = []

        def seen(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
            if "contacts_fts MATCH" in statement:
                asked.extend(p for p in params if isinstance(p, str) and '"' in p)

        sa.event.listen(engine, "before_cursor_execute", seen)
        assert store.accounts.search("alice duro").contacts == (durox,)
        assert asked
        assert not any('"ali"' in a or '"lic"' in a for a in asked), asked


def _runs_of_six(key: str) -> set[str]:
    windows = (key[i : i + 6] for i in range(len(key) - 5))
    return {w for w in windows if all("0" <= ch <= "9" for ch in w)}


@settings(max_examples=25, deadline=None)
@given(
    texts=st.lists(
        st.tuples(
            st.text(alphabet="0123456789 ab-", min_size=1, max_size=20).filter(str.strip),
            st.sampled_from(
                [None, "+33 1 23 45 67 89", "+49 151 23456789", "unverified:0070 1234"]
            ),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_sqlite_keeps_every_run_of_six_digits_of_every_key_indexed(
    texts: list[tuple[str, str | None]],
) -> None:
    """``contact_digits`` holds exactly the runs of six digits of the stored keys, through
    inserts, changes and removals (the triggers of schema step 6)."""
    with cg.open_store("sqlite:///:memory:") as store:
        account = cg.Account.create(name="ACME SA")
        for last, phone in texts:
            account, _ = account.add_contact(last_name=last, phone=phone)
        account = store.accounts.add(account)
        ids = list(account.contacts)
        account = account.update_contact(ids[0], last_name="R2 D2 123456 7")
        account = store.accounts.save(account.remove_contact(ids[-1]) if len(ids) > 1 else account)
        engine: sa.Engine = store.backend.engine  # type: ignore[attr-defined]
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT rowid, search_key FROM contacts_fts").all()
            stored = set(conn.exec_driver_sql("SELECT gram, seq FROM contact_digits").all())
        want = {(run, seq) for seq, key in rows for run in _runs_of_six(key)}
        assert stored == want
