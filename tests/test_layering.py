"""Dependencies point inward: each layer imports only the layers below it.

Read from the source with ``ast`` (module-level and function-level imports
alike), so a lazy import inside a function cannot sneak a cycle in either —
except the Store's documented one-line delegations to ``contactgraph.graph``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "contactgraph"

# layer -> the contactgraph layers it may import (itself always allowed)
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "domain": {"errors"},
    "policies": {"errors", "domain"},
    "repos": {"errors", "domain", "policies"},
    "serialization": {"errors", "domain", "policies"},
    "interop": {"errors", "domain", "policies", "repos", "serialization"},
    "graph": {"errors", "domain", "policies", "repos"},
    "testing": {"errors", "domain", "policies", "repos", "serialization", "interop", "graph"},
    "demo": {"errors", "domain", "policies", "repos"},
    "cli": {
        "errors",
        "domain",
        "policies",
        "repos",
        "serialization",
        "interop",
        "graph",
        "demo",
        "__init__",
    },
    "__init__": {"errors", "domain", "policies", "repos"},
    "web": {"errors", "domain", "policies", "serialization", "interop", "graph", "__init__"},
}

# The Store's lazy delegations to the navigation layer (documented in repos/store.py).
EXCEPTIONS = {("repos", "graph")}


def _layer(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def _imported_layers(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "contactgraph":
                names = [
                    f"contactgraph.{alias.name}" if _is_module(alias.name) else "contactgraph"
                    for alias in node.names
                ]
        for name in names:
            parts = name.split(".")
            if parts[0] == "contactgraph":
                found.add(parts[1] if len(parts) > 1 else "__init__")
    return found


def _is_module(name: str) -> bool:
    return (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file()


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_imports_only_lower_layers(path: Path) -> None:
    layer = _layer(path)
    assert layer in ALLOWED, f"{layer} is a new layer: place it in ALLOWED"
    forbidden = {
        imported
        for imported in _imported_layers(path) - {layer}
        if imported not in ALLOWED[layer] and (layer, imported) not in EXCEPTIONS
    }
    assert not forbidden, f"{path.relative_to(PACKAGE)} imports {sorted(forbidden)}"


def test_the_check_sees_imports() -> None:
    """The scanner itself finds a plain, a from- and a nested import."""
    cli = PACKAGE / "cli.py"
    assert {"domain", "errors", "policies"} <= _imported_layers(cli)
