"""Stateful tests: each backend against the model, and the backends against each other."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

import contactgraph as cg
from contactgraph.testing.stateful import differential_machine, store_machine


def _sqlite() -> cg.Store:
    return cg.open_store("sqlite://")


TestMemoryAgainstModel = store_machine(cg.open_store).TestCase
TestMemoryWithForeignRoles = store_machine(cg.open_store, allow_foreign_contact_roles=True).TestCase
TestSQLiteAgainstModel = store_machine(_sqlite).TestCase
TestMemoryAndSQLiteAgree = differential_machine(memory=cg.open_store, sqlite=_sqlite).TestCase


def _fewer() -> settings:
    current = settings()
    return settings(current, max_examples=max(8, current.max_examples // 3), stateful_step_count=25)


@pytest.mark.postgres
def test_postgres_against_the_model(postgres_url: str) -> None:
    with cg.open_store(postgres_url, tenant="machines") as base:
        fresh: Callable[[], cg.Store] = lambda: base.for_tenant(f"t{uuid.uuid4().hex}")  # noqa: E731
        run_state_machine_as_test(store_machine(fresh), settings=_fewer())


@pytest.mark.postgres
def test_memory_sqlite_and_postgres_agree(postgres_url: str) -> None:
    with cg.open_store(postgres_url, tenant="machines") as base:
        machine = differential_machine(
            memory=cg.open_store,
            sqlite=_sqlite,
            postgres=lambda: base.for_tenant(f"t{uuid.uuid4().hex}"),
        )
        run_state_machine_as_test(machine, settings=_fewer())
