"""``Precompiled`` sends exactly the parameters its SQL names, with the statement's own literals."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from contactgraph.repos.sql import statements
from contactgraph.repos.sql.statements import Precompiled

_T = sa.table("x", sa.column("a"), sa.column("kind"))
_STMT = sa.select(_T.c.a).where(_T.c.kind == "email", _T.c.a == sa.bindparam("v"))


@pytest.mark.parametrize("dialect", [postgresql.dialect(), sqlite.dialect()], ids=["pg", "sqlite"])
def test_defaults_hold_only_the_rendered_names_and_keep_literals(dialect: sa.Dialect) -> None:
    fast = Precompiled(_STMT, dialect)
    assert set(fast.defaults) == {"kind_1", "v"}
    assert fast.defaults["kind_1"] == "email"


def test_every_prebuilt_statement_sends_only_names_its_sql_uses() -> None:
    """For the named (PostgreSQL) style: no default the SQL text does not name."""
    dialect = postgresql.dialect()
    built = [value for value in vars(statements).values() if isinstance(value, sa.sql.Executable)]
    assert built, "statements.py defines its statements at module level"
    for stmt in built:
        fast = Precompiled(stmt, dialect)
        found = set(re.findall(r"%\((\w+)\)s|__\[POSTCOMPILE_(\w+)\]", fast.sql))
        named = {plain or expanding for plain, expanding in found}
        assert set(fast.defaults) <= named | {"t"}, fast.sql
