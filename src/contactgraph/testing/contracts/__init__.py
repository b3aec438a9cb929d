"""The repository contract, one module per kind of promise.

Each module holds one contract class (or two close ones) that a backend's
test class can subclass on its own; :mod:`contactgraph.testing.contract`
composes them all into ``StoreContract``:

* :mod:`.base`: the ``store`` fixture a backend provides, and the shared data;
* :mod:`.accounts`: accounts and their contacts stored, changed, removed;
* :mod:`.lookups`: contacts found, accounts listed;
* :mod:`.aggregates`: opportunities and cases;
* :mod:`.relations`: account-contact relations;
* :mod:`.integrity`: references across aggregates;
* :mod:`.transactions`: atomic units, savepoints, events after commit;
* :mod:`.tenants`: tenants that never see each other;
* :mod:`.hostile`: hostile input stored verbatim or refused;
* :mod:`.rules`: duplicate rules found through the indexes, inside the transaction.
"""
