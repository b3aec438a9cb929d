"""Pictures of org charts and account hierarchies: text tree, Mermaid, Graphviz DOT, HTML.

Each function takes an :class:`~contactgraph.domain.Account` (its org chart,
under the account's name), an :class:`~contactgraph.domain.OrgNode` or a
list of them, or an :class:`~contactgraph.graph.AccountNode` (a hierarchy).
Names are data, never syntax: Mermaid and DOT node ids are generated, labels
are escaped, and line breaks or control characters in a name become spaces.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar, Union

import attrs

from contactgraph.domain import Account, Contact, OrgNode, display
from contactgraph.graph.hierarchy import AccountNode

__all__ = [
    "Renderable",
    "hierarchy_dot",
    "hierarchy_mermaid",
    "hierarchy_text",
    "org_chart_dot",
    "org_chart_mermaid",
    "org_chart_text",
    "to_dot",
    "to_html",
    "to_mermaid",
    "to_text",
]

Renderable = Union[Account, OrgNode, Sequence[OrgNode], AccountNode]  # noqa: UP007
"""What the renderers draw."""

T = TypeVar("T")

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


@attrs.frozen(slots=True)
class _Tree:
    label: str
    children: tuple[_Tree, ...] = ()
    muted: bool = False
    root: bool = False


def _one_line(text: str) -> str:
    return _CONTROL.sub(" ", text).strip()


def _contact_label(contact: Contact) -> str:
    label = contact.label
    return label if contact.active else f"{label} (inactive)"


def _convert(
    root: T, label: Callable[[T], str], kids: Callable[[T], Sequence[T]], muted: Callable[[T], bool]
) -> _Tree:
    """The tree under ``root`` as a :class:`_Tree`, without recursion (charts can be deep)."""
    order: list[T] = []
    stack = [root]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(kids(node))
    built: dict[int, _Tree] = {}
    for node in reversed(order):
        children = tuple(built.pop(id(c)) for c in kids(node))
        built[id(node)] = _Tree(_one_line(label(node)), children, muted(node))
    return built[id(root)]


def _org(node: OrgNode) -> _Tree:
    return _convert(
        node,
        lambda n: _contact_label(n.contact),
        lambda n: n.reports,
        lambda n: not n.contact.active,
    )


def _accounts(node: AccountNode) -> _Tree:
    return _convert(node, lambda n: n.account.name, lambda n: n.children, lambda n: False)


def _forest(subject: Renderable) -> list[_Tree]:
    if isinstance(subject, Account):
        chart = tuple(_org(n) for n in subject.org_chart())
        return [_Tree(_one_line(subject.name), chart, root=True)]
    if isinstance(subject, OrgNode):
        return [_org(subject)]
    if isinstance(subject, AccountNode):
        return [_accounts(subject)]
    return [_org(n) for n in subject]


def to_text(subject: Renderable) -> str:
    """A text tree, with box-drawing branches."""
    lines: list[str] = []
    stack: list[tuple[_Tree, str, bool, bool]] = [
        (tree, "", True, True) for tree in reversed(_forest(subject))
    ]
    while stack:
        node, prefix, last, top = stack.pop()
        if top:
            lines.append(node.label)
            child_prefix = ""
        else:
            lines.append(f"{prefix}{'└── ' if last else '├── '}{node.label}")
            child_prefix = prefix + ("    " if last else "│   ")
        count = len(node.children)
        stack.extend(
            (child, child_prefix, i == count - 1, False)
            for i, child in reversed(list(enumerate(node.children)))
        )
    return "\n".join(lines)


def _numbered(forest: Iterable[_Tree]) -> Iterator[tuple[str, _Tree, str | None]]:
    """Every node with a generated id and its parent's id, parents first."""
    counter = 0
    stack: list[tuple[_Tree, str | None]] = [(t, None) for t in reversed(list(forest))]
    while stack:
        node, parent = stack.pop()
        node_id = f"n{counter}"
        counter += 1
        yield node_id, node, parent
        stack.extend((c, node_id) for c in reversed(node.children))


_MERMAID_SAFE = re.compile(r"[\w ,.'@/:+-]", re.UNICODE)


def _mermaid_label(text: str) -> str:
    return "".join(ch if _MERMAID_SAFE.fullmatch(ch) else f"#{ord(ch)};" for ch in text)


def to_mermaid(subject: Renderable, direction: str = "TD") -> str:
    """A Mermaid flowchart (paste it in a ```mermaid block)."""
    if direction not in {"TD", "TB", "BT", "LR", "RL"}:
        raise ValueError(f"direction must be TD, TB, BT, LR or RL, not {direction!r}")
    lines = [f"flowchart {direction}"]
    edges = []
    for node_id, node, parent in _numbered(_forest(subject)):
        shape = ('[["', '"]]') if node.root else ('["', '"]')
        lines.append(f"    {node_id}{shape[0]}{_mermaid_label(node.label)}{shape[1]}")
        if node.muted:
            lines.append(f"    style {node_id} stroke-dasharray: 4 4,color:#888")
        if parent is not None:
            edges.append(f"    {parent} --> {node_id}")
    return "\n".join(lines + edges)


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(subject: Renderable, name: str = "contactgraph") -> str:
    """A Graphviz DOT digraph (render it with ``dot -Tsvg``)."""
    lines = [
        f"digraph {_dot_string(_one_line(name))} {{",
        "    rankdir=TB;",
        '    node [shape=box, style="rounded", fontname="sans-serif"];',
    ]
    edges = []
    for node_id, node, parent in _numbered(_forest(subject)):
        extra = ', style="rounded,dashed", fontcolor="gray40"' if node.muted else ""
        extra += ", shape=folder" if node.root else ""
        lines.append(f"    {node_id} [label={_dot_string(node.label)}{extra}];")
        if parent is not None:
            edges.append(f"    {parent} -> {node_id};")
    return "\n".join([*lines, *edges, "}"])


def to_html(subject: Renderable | Contact) -> str:
    """An HTML card or tree for a notebook, every value escaped."""
    if isinstance(subject, Account):
        return display.account_html(subject)
    if isinstance(subject, Contact):
        return display.contact_html(subject)
    if isinstance(subject, AccountNode):
        return display.account_tree_html(subject)
    if isinstance(subject, OrgNode):
        return display.org_chart_html([subject])
    return display.org_chart_html(subject)


def org_chart_text(account: Account) -> str:
    """The account's org chart as a text tree, under the account's name."""
    return to_text(account)


def org_chart_mermaid(account: Account) -> str:
    """The account's org chart as a Mermaid flowchart."""
    return to_mermaid(account)


def org_chart_dot(account: Account) -> str:
    """The account's org chart as a Graphviz digraph."""
    return to_dot(account, name=f"{account.name} org chart")


def hierarchy_text(node: AccountNode) -> str:
    """An account hierarchy (``store.graph.hierarchy(id)``) as a text tree."""
    return to_text(node)


def hierarchy_mermaid(node: AccountNode) -> str:
    """An account hierarchy as a Mermaid flowchart."""
    return to_mermaid(node)


def hierarchy_dot(node: AccountNode) -> str:
    """An account hierarchy as a Graphviz digraph."""
    return to_dot(node, name="account hierarchy")
