"""Test support shipped with contactgraph: hypothesis strategies and shared suites.

Applications and third-party backends import these to prove their code with
the same data and the same contracts the project uses on itself:

* :mod:`~contactgraph.testing.strategies`: hypothesis strategies (values in
  :mod:`~contactgraph.testing.values`);
* :mod:`~contactgraph.testing.contract`: the repository contract suite that
  every store passes (subclass ``StoreContract`` with a ``store`` fixture),
  composed from one module per contract in :mod:`~contactgraph.testing.contracts`;
* :mod:`~contactgraph.testing.stateful`: state machines comparing a store with
  a plain model (:mod:`~contactgraph.testing.model`), and stores with each other;
* :mod:`~contactgraph.testing.postgres`: a throwaway PostgreSQL for tests.

``StoreContract`` and the other contract names are also reachable here
(``from contactgraph.testing import StoreContract``), loaded on first use.
The suites need pytest and hypothesis; importing :mod:`contactgraph` does not.
"""

from __future__ import annotations

import importlib
from typing import Any


def __getattr__(name: str) -> Any:
    """The contract names, imported on first use so that this package stays light."""
    contract = importlib.import_module("contactgraph.testing.contract")
    if name in contract.__all__:
        return getattr(contract, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
