"""The composition root: the store callers open is storage plus navigation, fully typed."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, get_type_hints

import pytest

import contactgraph as cg
from contactgraph.graph import MoveResult, Navigator, Recipients
from contactgraph.repos import MemoryBackend, UnitOfWork, open_backend
from contactgraph.repos.open import FACTORIES
from contactgraph.store import Store, open_store


def test_the_package_names_are_the_composition_roots() -> None:
    assert cg.Store is Store
    assert cg.open_store is open_store
    assert issubclass(Store, UnitOfWork)


def test_what_the_store_adds_is_typed_without_any() -> None:
    added = ["move_contact", "start_campaign", "send_contract", "follow_up", "for_tenant"]
    for name in added:
        hints = get_type_hints(getattr(Store, name))
        assert Any not in hints.values(), name
    assert get_type_hints(Store.move_contact)["return"] is MoveResult
    assert get_type_hints(Store.start_campaign)["return"] is Recipients
    assert inspect.signature(open_store) == inspect.signature(cg.open_store)


def test_a_store_for_another_tenant_is_a_store_with_navigation() -> None:
    with open_store() as store:
        guests = store.for_tenant("guests")
        assert type(guests) is Store
        assert isinstance(guests.graph, Navigator)
        acme = guests.accounts.add(cg.Account.create(name="ACME SA"))
        assert guests.graph.contacts_of(acme.id) == []
        assert store.accounts.count() == 0


def test_a_backend_of_ones_own_is_wrapped_as_a_store() -> None:
    with Store(MemoryBackend(tenant="acme")) as store:
        assert store.tenant == "acme"
        assert repr(store).startswith("<Store memory://")


def test_every_scheme_in_the_table_opens_its_backend(tmp_path: Path) -> None:
    assert set(FACTORIES) == {"memory", "sqlite", "postgresql", "postgres"}
    memory = open_backend("MEMORY://crm", tenant="acme")
    assert (type(memory).__name__, memory.tenant, memory.url) == (
        "MemoryBackend",
        "acme",
        "memory://crm",
    )
    sqlite = open_backend(f"  sqlite:///{tmp_path / 'crm.db'}  ")
    try:
        assert type(sqlite).__name__ == "SqlBackend"
        assert sqlite.url.endswith("crm.db")
    finally:
        sqlite.close()


def test_an_unknown_scheme_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(cg.StoreConfigurationError, match=r"'redis://'.*memory://"):
        open_store("redis://localhost/0")
    with pytest.raises(cg.StoreConfigurationError, match="tenant"):
        open_store(f"sqlite:///{tmp_path / 'crm.db'}", tenant="")
    assert not (tmp_path / "crm.db").exists()
