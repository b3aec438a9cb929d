"""The contract suite is split one module per contract and composed back whole."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import contactgraph.testing
from contactgraph.testing import contracts
from contactgraph.testing.contract import AccountRepositoryContract, StoreContract
from contactgraph.testing.contracts.base import ContractBase


def _contract_classes() -> dict[str, type]:
    found: dict[str, type] = {}
    for info in pkgutil.iter_modules(contracts.__path__):
        module = importlib.import_module(f"{contracts.__name__}.{info.name}")
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, ContractBase)
                and value is not ContractBase
                and value.__module__ == module.__name__
            ):
                found[name] = value
    return found


def test_every_contract_module_is_part_of_the_store_contract() -> None:
    classes = _contract_classes()
    assert len(classes) >= 10
    missing = [name for name, cls in classes.items() if not issubclass(StoreContract, cls)]
    assert missing == []


def test_the_account_contract_still_holds_storage_look_ups_and_lists() -> None:
    tests = {n for n in dir(AccountRepositoryContract) if n.startswith("test_")}
    assert "test_saving_a_stale_copy_raises_and_writes_nothing" in tests
    assert "test_find_by_email_ignores_case_and_matches_alternates" in tests
    assert "test_list_pages" in tests


def test_no_contract_test_is_defined_twice() -> None:
    seen: dict[str, str] = {}
    clashes = []
    for name, cls in _contract_classes().items():
        for attr in vars(cls):
            if attr.startswith("test_"):
                if attr in seen:
                    clashes.append(f"{attr}: {seen[attr]} and {name}")
                seen[attr] = name
    assert clashes == []


def test_the_package_exports_the_contract_names_lazily() -> None:
    assert contactgraph.testing.StoreContract is StoreContract
    from contactgraph.testing import acme

    assert acme()[0].name == "ACME SA"
    with pytest.raises(AttributeError, match="NoSuchContract"):
        _ = contactgraph.testing.NoSuchContract
