"""``contactgraph search`` and ``graph.lookup.search_accounts`` ask the store's index.

They must never read every account: each test refuses every way of listing
accounts (or counts the calls to the indexed search) and fails if one is taken.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from clikit import run

import contactgraph as cg
from contactgraph.cli import EXIT_OK
from contactgraph.graph.lookup import search_accounts
from contactgraph.repos.repositories import Accounts

Capsys = pytest.CaptureFixture[str]


@pytest.fixture
def no_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Listing or iterating accounts raises (for every store in the test)."""

    def refused(*_: object, **__: object) -> Any:
        raise AssertionError("search read every account instead of asking the index")

    monkeypatch.setattr(Accounts, "list", refused)
    monkeypatch.setattr(Accounts, "__iter__", refused)


class CountingAccounts:
    """A store's accounts that count the indexed searches and refuse to be listed."""

    def __init__(self, accounts: Any) -> None:
        self._accounts = accounts
        self.searches = 0

    def search_accounts(self, text: str, *, limit: int = 50) -> Any:
        self.searches += 1
        return self._accounts.search_accounts(text, limit=limit)

    def list(self, **_: object) -> Any:
        raise AssertionError("listed every account")

    def __iter__(self) -> Iterator[Any]:
        raise AssertionError("iterated every account")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._accounts, name)


class CountingStore:
    def __init__(self, store: cg.Store) -> None:
        self.accounts = CountingAccounts(store.accounts)


def test_the_search_command_never_lists_the_accounts(
    demo: str, capsys: Capsys, no_scan: None
) -> None:
    result = run(capsys, "--store", demo, "search", "acme", "--json")
    assert result.code == EXIT_OK
    data = result.json
    assert [a["name"] for a in data["accounts"]] == ["ACME SA", "ACME Services SAS"]
    assert any(c["name"] == "Alice Martin" for c in data["contacts"])


def test_the_search_command_finds_accounts_by_website_and_phone_too(
    demo: str, capsys: Capsys, no_scan: None
) -> None:
    store = cg.open_store(demo)
    with store:
        acme = store.accounts.find_by_name("ACME SA")[0]
        phone = acme.phone.e164[-6:] if acme.phone is not None else None
    assert phone is not None
    data = run(capsys, "--store", demo, "search", phone, "--json").json
    assert "ACME SA" in [a["name"] for a in data["accounts"]]


@pytest.mark.parametrize("limit", [1, 2, 50, None])
def test_lookup_search_accounts_is_one_indexed_call(limit: int | None) -> None:
    with cg.open_store() as store:
        for name in ("ACME SA", "ACME Services", "ACME Logistique", "Globex"):
            store.accounts.add(cg.Account.create(name=name))
        counting = CountingStore(store)
        found = search_accounts(counting, "acme", limit=limit)  # type: ignore[arg-type]
        assert counting.accounts.searches == 1
        expected = ["ACME Logistique", "ACME SA", "ACME Services"]
        assert [a.name for a in found] == expected[:limit]
