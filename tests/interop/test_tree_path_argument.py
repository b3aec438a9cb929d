"""A tree import takes one path: anything else is refused naming the argument, before any read."""

from __future__ import annotations

from typing import Any

import pytest

import contactgraph as cg
from contactgraph.interop import sobject_tree


class _BytesPath:
    def __fspath__(self) -> bytes:
        return b"Account.json"


@pytest.mark.parametrize("reader", ["import_tree", "read_tree"])
@pytest.mark.parametrize("path", [["a.json", "a.json"], ("a.json",), None, 42, _BytesPath()])
def test_a_tree_import_of_anything_but_one_path_names_the_argument(reader: str, path: Any) -> None:
    store = cg.open_store()
    store.accounts.add(cg.Account.create("ACME SA"))
    call = (
        (lambda: sobject_tree.import_tree(store, path))
        if reader == "import_tree"
        else (lambda: sobject_tree.read_tree(path))
    )
    with pytest.raises(cg.InvalidValueError, match="one tree file or data plan") as refused:
        call()
    assert refused.value.field == "path"
    assert [a.name for a in store.accounts] == ["ACME SA"]  # nothing written
