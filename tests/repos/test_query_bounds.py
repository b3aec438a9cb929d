"""A name search longer than any stored name can be never reaches the backend's splitting."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

import contactgraph as cg
from contactgraph.repos.keys import MAX_NAME_KEY, ContactQuery


def _url(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if kind == "memory":
        return "memory://"
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'crm.sqlite'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.mark.parametrize(
    "kind", ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_an_overlong_name_matches_nothing_without_asking_the_backend(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    url = _url(kind, tmp_path, request)
    with cg.open_store(url, tenant=f"bounds{uuid.uuid4().hex}") as store:
        acme, _ = cg.Account.create(name="ACME SA").add_contact(last_name="Martin")
        store.accounts.add(acme)
        asked: list[ContactQuery] = []
        session = store.backend.session(write=False)
        session_type = type(session.accounts)
        session.rollback()
        real = session_type.find_contacts

        def spy(self: object, query: ContactQuery) -> list[cg.Contact]:
            asked.append(query)
            return real(self, query)  # type: ignore[arg-type]

        monkeypatch.setattr(session_type, "find_contacts", spy)
        assert store.accounts.find_contacts(name="a b " * 4_000) == []
        assert asked == []
        assert [c.last_name for c in store.accounts.find_contacts(name="martin")] == ["Martin"]
        assert len(asked) == 1


def test_the_bound_is_above_any_name_the_domain_accepts() -> None:
    longest = cg.PersonName(
        last="\ufdfa" * 80, first="\ufdfa" * 40, middle="\ufdfa" * 40, suffix="\ufdfa" * 40
    )
    assert max(len(k) for k in longest.match_keys) <= MAX_NAME_KEY
