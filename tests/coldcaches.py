"""Under ``./dev mutate``: empty the caches that sit above mutated code, before each test.

mutmut forks each mutant's run from a process that ran the tests already: a result
cached then (``functools.lru_cache``) would answer for the mutated function below it,
and its mutants would survive every test. The caches are found, not listed: every
cached function of the modules mutation testing mutates (``[tool.mutmut]``), and of
the domain modules whose caches call into them.
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import Any

from contactgraph.domain import invariants, phones, picklists, values
from contactgraph.policies import policy_set, readiness, rules

MUTATED: tuple[ModuleType, ...] = (
    values,
    phones,
    picklists,
    invariants,
    policy_set,
    readiness,
    rules,
)


def caches() -> list[Any]:
    """Every cached function (one with ``cache_clear``) of the mutated modules."""
    found: dict[int, Any] = {}
    for module in MUTATED:
        for value in vars(module).values():
            if (
                callable(getattr(value, "cache_clear", None))
                and getattr(value, "__module__", None) == module.__name__
            ):
                found[id(value)] = value
    return list(found.values())


def clear_under_mutation() -> bool:
    """Empty them when ``MUTANT_UNDER_TEST`` names a mutant; whether it did."""
    if not os.environ.get("MUTANT_UNDER_TEST", "").startswith("contactgraph."):
        return False
    for cached in caches():
        cached.cache_clear()
    return True
