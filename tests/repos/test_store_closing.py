"""A store that holds a connection pool and is never closed says so (ResourceWarning)."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import contactgraph as cg
from contactgraph.repos import Backend


@contextmanager
def _collected_only_when_asked() -> Iterator[None]:
    """Stores are freed by the cycle collector: run it at the moment the test chooses."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _abandon(store: cg.Store) -> Backend:
    """Drop the store unclosed, keeping its backend to release it after the test."""
    return store.backend


def test_an_sql_store_never_closed_warns(tmp_path: Path) -> None:
    with _collected_only_when_asked():
        backend = _abandon(cg.open_store(f"sqlite:///{tmp_path / 'crm.db'}"))
        with pytest.warns(ResourceWarning, match=r"crm\.db was never closed"):
            gc.collect()
    backend.close()


def test_a_closed_store_and_a_with_block_do_not_warn(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        store = cg.open_store(f"sqlite:///{tmp_path / 'crm.db'}")
        store.close()
        with cg.open_store(f"sqlite:///{tmp_path / 'crm.db'}") as other:
            other.accounts.add(cg.Account.create(name="ACME SA"))
        del store, other
        gc.collect()


def test_a_store_for_another_tenant_leaves_the_warning_to_its_owner(tmp_path: Path) -> None:
    owner = cg.open_store(f"sqlite:///{tmp_path / 'crm.db'}")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        guests = owner.for_tenant("guests")
        assert isinstance(guests, cg.Store)
        guests.accounts.add(cg.Account.create(name="Globex"))
        del guests
        gc.collect()
    assert owner.accounts.count() == 0
    with _collected_only_when_asked():
        backend = _abandon(owner)
        del owner
        with pytest.warns(ResourceWarning, match="never closed"):
            gc.collect()
    backend.close()


def test_a_memory_store_holds_nothing_to_release() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        store = cg.open_store()
        store.accounts.add(cg.Account.create(name="ACME SA"))
        del store
        gc.collect()
