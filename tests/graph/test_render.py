"""Pictures: text tree, Mermaid, DOT and HTML, with hostile names that must stay data."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from graphkit import Crm

import contactgraph as cg
from contactgraph.domain import Contact, OrgNode, PersonName, display
from contactgraph.graph import AccountNode, render, to_dot, to_html, to_mermaid, to_text

HOSTILE = [
    'Robert"); DROP TABLE--',
    "O'Brien [CFO] {x} <b>bold</b>",
    "Line\nbreak\rand\ttab",
    'back\\slash \\N \\"end\\',
    "#quot; &amp; ` | --> ;",
    "\u2028sep\u2029 é ü 李",
]


def _contact(
    name: str, contact_id: str, reports_to: str | None = None, active: bool = True
) -> Contact:
    """A contact built without validation, as a buggy importer could leave one."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return Contact(
        id=contact_id,
        account_id="acc",
        name=PersonName.trusted(name),
        title=name,
        reports_to=reports_to,
        active=active,
        created_at=now,
        updated_at=now,
    )


def _hostile_chart() -> list[OrgNode]:
    boss = _contact(HOSTILE[0], "c0")
    reports = tuple(
        OrgNode(_contact(name, f"c{i}", "c0", active=i % 2 == 0))
        for i, name in enumerate(HOSTILE[1:], 1)
    )
    return [OrgNode(boss, reports)]


def test_text_tree_of_an_account(store: Any, crm: Crm) -> None:
    acme = store.accounts.get(crm.acme)
    assert to_text(acme) == "\n".join(
        [
            "ACME SA",
            "└── Alice Martin, CFO",
            "    └── Bob Durand, Accountant",
            "        └── Carol Petit, Technician (inactive)",
        ]
    )
    assert render.org_chart_text(acme) == to_text(acme)


def test_text_tree_with_siblings_and_several_roots() -> None:
    chart = [*_hostile_chart(), OrgNode(_contact("Solo", "s"))]
    lines = to_text(chart).splitlines()
    assert len(lines) == len(HOSTILE) + 1  # one line per person, whatever their name
    assert lines[1].startswith("├── ")
    assert lines[len(HOSTILE) - 1].startswith("└── ")
    assert lines[-1].startswith("Solo")


def test_mermaid_labels_cannot_break_out() -> None:
    out = to_mermaid(_hostile_chart())
    lines = out.splitlines()
    assert lines[0] == "flowchart TD"
    node = re.compile(r'^    n\d+\["[^"\[\]{}<>`|\n]*"\]$')
    edge = re.compile(r"^    n\d+ --> n\d+$")
    style = re.compile(r"^    style n\d+ [^\n]*$")
    for line in lines[1:]:
        assert node.match(line) or edge.match(line) or style.match(line), line
    assert len([x for x in lines if "-->" in x and edge.match(x)]) == len(HOSTILE) - 1
    assert "O#39;Brien" not in out  # apostrophes are kept as they are
    assert "O'Brien #91;CFO#93;" in out
    assert "#35;quot#59;" in out  # a literal "#quot;" stays text


def test_mermaid_of_an_account_and_its_hierarchy(store: Any, crm: Crm) -> None:
    out = render.org_chart_mermaid(store.accounts.get(crm.acme))
    assert 'n0[["ACME SA"]]' in out
    assert "n0 --> n1" in out
    assert "stroke-dasharray" in out  # Carol is inactive
    with pytest.raises(ValueError, match="direction"):
        to_mermaid(store.accounts.get(crm.acme), direction="sideways")


def _dot_strings(text: str) -> list[str]:
    """Every quoted string of a DOT text, unescaped; fails on an unterminated one."""
    out, i = [], 0
    while i < len(text):
        if text[i] == '"':
            j, buf = i + 1, []
            while text[j] != '"':
                if text[j] == "\\":
                    buf.append(text[j + 1])
                    j += 2
                else:
                    buf.append(text[j])
                    j += 1
            out.append("".join(buf))
            i = j + 1
        else:
            i += 1
    return out


def test_dot_labels_are_escaped() -> None:
    out = to_dot(_hostile_chart())
    assert out.startswith('digraph "contactgraph" {')
    assert out.endswith("}")
    outside = re.sub(r'"(?:[^"\\]|\\.)*"', '""', out)
    assert "\n\n" not in out
    for line in outside.splitlines()[1:-1]:
        assert re.match(
            r'^    (n\d+ \[label=""[^\]]*\];|n\d+ -> n\d+;|rankdir=TB;|node \[.*\];)$', line
        ), line
    labels = _dot_strings(out)
    assert 'Robert"); DROP TABLE--, Robert"); DROP TABLE--' in labels
    assert 'back\\slash \\N \\"end\\, back\\slash \\N \\"end\\ (inactive)' in labels
    assert "Line break and tab, Line break and tab" in labels


def test_dot_of_an_account_hierarchy(store: Any) -> None:
    parent = cg.Account.create(name='Holding "Big"')
    child = cg.Account.create(name="Sub\\sidiary", parent_id=parent.id)
    tree = AccountNode(parent, (AccountNode(child),))
    out = render.hierarchy_dot(tree)
    assert 'n0 [label="Holding \\"Big\\""];' in out
    assert 'n1 [label="Sub\\\\sidiary"];' in out
    assert "n0 -> n1;" in out
    assert render.hierarchy_text(tree) == 'Holding "Big"\n└── Sub\\sidiary'
    assert render.hierarchy_mermaid(tree).count("-->") == 1


def test_deep_charts_render_without_recursion() -> None:
    depth = 3000
    node = OrgNode(_contact("Last", f"c{depth}"))
    for i in range(depth - 1, -1, -1):
        node = OrgNode(_contact(f"Level {i}", f"c{i}"), (node,))
    assert len(to_text(node).splitlines()) == depth + 1
    assert to_mermaid(node).count("-->") == depth
    assert to_dot(node).count("->") == depth
    assert to_html(node).count("<li>") == depth + 1


def test_html_escapes_everything() -> None:
    html = display.org_chart_html(_hostile_chart(), title="<script>x</script>")
    assert "<script>" not in html
    assert "<b>bold</b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert html.count("<li>") == len(HOSTILE)
    assert html.count("<ul") == html.count("</ul>")


def test_html_cards_for_accounts_contacts_and_hierarchies(store: Any, crm: Crm) -> None:
    acme = store.accounts.get(crm.acme)
    card = to_html(acme)
    assert "ACME SA" in card
    assert "Alice Martin, CFO &lt;alice@acme.fr&gt;" in card
    assert card.index("Bob Durand") < card.index("Carol Petit")  # active first
    assert "<i>(inactive)</i>" in card
    assert "Ms. Alice Martin" in to_html(acme.contact(crm.alice))
    tree = AccountNode(acme, (AccountNode(cg.Account.create(name="<i>Sub</i>")),))
    assert "&lt;i&gt;Sub&lt;/i&gt;" in to_html(tree)
    assert tree._repr_html_() == to_html(tree)


def test_domain_objects_display_as_escaped_html_in_notebooks(store: Any, crm: Crm) -> None:
    acme = store.accounts.get(crm.acme)
    hostile = acme.update_contact(crm.alice, title="<img src=x onerror=alert(1)>")
    assert "<img" not in hostile._repr_html_()
    assert "&lt;img src=x onerror=alert(1)&gt;" in hostile._repr_html_()
    alice = hostile.contact(crm.alice)
    assert "&lt;img" in alice._repr_html_()
    assert "<img" not in alice._repr_html_()
    chart = hostile.org_chart()[0]
    assert chart._repr_html_().count("<li>") == 3
    card = store.graph.card(crm.bob)._repr_html_()
    assert "ACME renewal" in card
    assert "Invoice error" in card
    assert "Alice Martin, CFO" in card
    assert "Readiness" in store.graph.account_card(crm.acme)._repr_html_()
