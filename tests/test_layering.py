"""Dependencies point down the house: each room imports only the rooms the table allows.

A room is a top-level module or package of ``contactgraph``. The imports are
read from the source with ``ast`` (module-level and function-level, absolute
and relative alike), so a lazy import inside a function cannot climb the
house either. There are no exceptions: a new arrow is a line in ``ALLOWED``,
discussed like any design change (docs/design.md draws the same map).
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "contactgraph"

ARROWS: dict[str, set[str]] = {
    # room -> the rooms right below it (docs/design.md draws the same map)
    "errors": set(),
    "domain": {"errors"},
    "policies": {"domain"},
    "repos": {"policies"},  # storage only: never graph, interop, the store or a face
    "interop": {"repos"},  # formats, through the store protocol
    "serialization": {"interop"},  # old path of the JSON module: a shim over interop
    "graph": {"repos", "interop"},  # graph/frames.py: a shim over interop's DataFrames
    "matching": {"domain"},  # duplicate detection over domain objects
    "merging": {"graph"},  # merge and unmerge, over the store protocol (graph reaches interop)
    "privacy": {"interop"},  # personal-data export and forget, over the unit of work
    "rules": {"repos", "matching"},  # duplicate rules: a save check over the store's indexes
    # the composition root: UnitOfWork + navigation and actions
    "store": {"graph", "matching", "merging", "privacy", "rules"},
    "__init__": {"store"},
    "demo": {"repos"},
    "testing": {"store", "serialization"},
    "web": {"__init__", "demo", "serialization"},  # faces
    "cli": {
        "__init__",
        "demo",
        "serialization",
        "web",
    },  # the outermost: `serve` starts the web face
}


def _reach(room: str) -> set[str]:
    found: set[str] = set()
    todo = list(ARROWS[room])
    while todo:
        below = todo.pop()
        if below not in found:
            found.add(below)
            todo.extend(ARROWS.get(below, set()))
    return found


ALLOWED: dict[str, set[str]] = {room: _reach(room) for room in ARROWS}
"""A room may import every room its arrows reach, and no other."""


def room_of(path: Path, root: Path) -> str:
    """The room a source file lives in (``__init__`` for the package's own module)."""
    return path.relative_to(root).parts[0].removesuffix(".py")


def imported_rooms(path: Path, root: Path) -> set[str]:
    """The rooms of ``contactgraph`` that the file at ``path`` imports anywhere in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = list(path.relative_to(root).parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against the file's own package
                base = package[: len(package) - (node.level - 1)]
                module = ["contactgraph", *base, *(node.module or "").split(".")]
                module = [part for part in module if part]
            else:
                module = (node.module or "").split(".")
            if module == ["contactgraph"]:  # from contactgraph import x: x may be a room
                targets = [
                    [*module, alias.name] if _is_room(alias.name, root) else module
                    for alias in node.names
                ]
            else:
                targets = [module]
        else:
            continue
        for parts in targets:
            if parts[0] == "contactgraph":
                found.add(parts[1] if len(parts) > 1 else "__init__")
    return found


def _is_room(name: str, root: Path) -> bool:
    return (root / name).is_dir() or (root / f"{name}.py").is_file()


def violations(root: Path) -> list[str]:
    """Every import of a room that the table does not allow, as ``file imports [rooms]``."""
    out: list[str] = []
    for path in sorted(root.rglob("*.py")):
        room = room_of(path, root)
        if room not in ALLOWED:
            out.append(f"{path.relative_to(root)} is in a new room {room!r}: place it in ALLOWED")
            continue
        forbidden = imported_rooms(path, root) - ALLOWED[room] - {room}
        if forbidden:
            out.append(f"{path.relative_to(root)} imports {sorted(forbidden)}")
    return out


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_imports_only_allowed_rooms(path: Path) -> None:
    room = room_of(path, PACKAGE)
    assert room in ALLOWED, f"{room} is a new room: place it in ALLOWED"
    forbidden = imported_rooms(path, PACKAGE) - ALLOWED[room] - {room}
    assert not forbidden, f"{path.relative_to(PACKAGE)} imports {sorted(forbidden)}"


def test_the_arrows_have_no_cycle() -> None:
    """Arrows only go down: no room reaches itself."""
    assert not [room for room, reached in ALLOWED.items() if room in reached]


def test_the_arrows_keep_the_rooms_the_design_names_apart() -> None:
    assert {"graph", "interop", "store", "cli", "web"}.isdisjoint(ALLOWED["repos"])
    assert ALLOWED["web"] == set(ARROWS) - {"web", "cli", "testing"}


def test_nothing_imports_a_face_but_the_command_line_starting_the_web() -> None:
    faces = {"cli", "web"}
    assert [room for room, allowed in ALLOWED.items() if allowed & faces] == ["cli"]
    assert ALLOWED["cli"] & faces == {"web"}


def test_the_check_sees_imports() -> None:
    """The scanner finds plain, from-, nested and ``from contactgraph import room`` imports."""
    # `demo` and `graph` are imported inside a function there
    assert {"cli", "demo", "graph"} <= imported_rooms(PACKAGE / "cli" / "demo.py", PACKAGE)
    assert {"repos", "graph"} <= imported_rooms(PACKAGE / "store.py", PACKAGE)


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "contactgraph"
    for name in ("__init__.py", "errors.py", "domain/__init__.py", "graph/__init__.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("", encoding="utf-8")
    for name, source in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(source), encoding="utf-8")
    return root


def test_the_check_fails_when_a_room_imports_one_above_it(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "repos/__init__.py": "from contactgraph.domain import Account\n",
            "repos/lazy.py": """
                def navigate(store):
                    from contactgraph.graph import Navigator  # lazily: still an arrow up
                    return Navigator(store)
            """,
            "repos/relative.py": "from ..store import Store\n",
            "domain/up.py": "from contactgraph import repos\n",
            "policies/__init__.py": "import contactgraph.cli\n",
            "store.py": "from contactgraph.graph import Navigator\n",
        },
    )
    assert violations(root) == [
        "domain/up.py imports ['repos']",
        "policies/__init__.py imports ['cli']",
        "repos/lazy.py imports ['graph']",
        "repos/relative.py imports ['store']",
    ]


def test_the_check_fails_on_a_room_missing_from_the_table(tmp_path: Path) -> None:
    root = _package(tmp_path, {"plugins/__init__.py": "from contactgraph import errors\n"})
    assert violations(root) == [
        "plugins/__init__.py is in a new room 'plugins': place it in ALLOWED"
    ]


def test_the_check_passes_a_package_that_keeps_the_table(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "repos/__init__.py": "from contactgraph.domain import Account\n",
            "store.py": "from contactgraph.graph import Navigator\nfrom . import repos\n",
            "cli/__init__.py": "import contactgraph\nfrom contactgraph.store import Store\n",
        },
    )
    assert violations(root) == []
