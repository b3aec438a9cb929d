"""The command line of :mod:`contactgraph.repos.sql.rls`, as the schema owner::

    python -m contactgraph.repos.sql.rls_setup postgresql+psycopg://owner@host/crm --app-role crm_app
    python -m contactgraph.repos.sql.rls_setup --sql --app-role crm_app    # print the SQL
    python -m contactgraph.repos.sql.rls_setup postgresql+psycopg://owner@host/crm --disable

A module of its own: ``rls`` itself is imported with the SQL backend, and
running an imported module with ``-m`` makes Python warn.
"""

from __future__ import annotations

from contactgraph.repos.sql.rls import main

__all__ = ["main"]

if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
