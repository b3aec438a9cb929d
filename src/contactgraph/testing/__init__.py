"""Test support shipped with contactgraph: hypothesis strategies and shared suites.

Applications and third-party backends import these to prove their code with
the same data and the same contracts the project uses on itself:

* :mod:`~contactgraph.testing.strategies`: hypothesis strategies;
* :mod:`~contactgraph.testing.contract`: the repository contract suite that
  every store passes (subclass ``StoreContract`` with a ``store`` fixture);
* :mod:`~contactgraph.testing.stateful`: state machines comparing a store with
  a plain model, and stores with each other;
* :mod:`~contactgraph.testing.postgres`: a throwaway PostgreSQL for tests.

The suites need pytest and hypothesis; importing :mod:`contactgraph` does not.
"""
