"""Reports-to hierarchy inside one account: org charts, reporting chains, reports.

Functions over an account's contact map and its reports index (manager id ->
ids of its direct reports); :class:`~contactgraph.domain.account.Account`
exposes them as methods. None recurses: charts can be thousands deep.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import attrs
import immutables

from contactgraph.domain.common import expect
from contactgraph.domain.contact import Contact

__all__ = ["OrgChart", "OrgNode", "all_reports", "org_chart", "reporting_chain", "sort_contacts"]

ReportsIndex = Mapping[str, Mapping[str, None]]
"""Manager id -> ids of its direct reports."""

_EMPTY_IDS: immutables.Map[str, None] = immutables.Map()


@attrs.frozen(slots=True)
class OrgNode:
    """One contact in an org chart, with the contacts reporting to it.

    Attributes:
        contact: The contact.
        reports: Its direct reports, each with their own reports.
    """

    contact: Contact
    reports: tuple[OrgNode, ...] = ()

    def walk(self, depth: int = 0) -> Iterator[tuple[int, Contact]]:
        """Every contact of this subtree with its depth, manager before reports."""
        expect(depth, int, "depth", "a whole number")
        stack: list[tuple[int, OrgNode]] = [(depth, self)]
        while stack:  # no recursion: charts can be thousands deep
            level, node = stack.pop()
            yield level, node.contact
            stack.extend((level + 1, child) for child in reversed(node.reports))

    def _repr_html_(self) -> str:
        """The chart below this contact, as nested lists in Jupyter."""
        from contactgraph.domain.display import org_chart_html

        return org_chart_html([self])


class OrgChart(list[OrgNode]):
    """An account's org chart: its top nodes, roots first, as the list it always was.

    In Jupyter it draws as a tree (:meth:`_repr_html_`) instead of a list's text.

    Attributes:
        title: What the chart is of (the account's name), shown above the tree.
    """

    __slots__ = ("title",)

    def __init__(self, roots: Iterable[OrgNode] = (), title: str | None = None) -> None:
        super().__init__(roots)
        self.title = title

    def _repr_html_(self) -> str:
        """The whole chart as nested lists, every name escaped."""
        from contactgraph.domain.display import org_chart_html

        return org_chart_html(self, title=self.title)


def sort_contacts(contacts: Iterable[Contact]) -> list[Contact]:
    """Contacts by last name, first name (case- and accent-insensitive), then id."""
    return sorted(contacts, key=lambda c: (c.name.sort_key, c.id))


def direct_reports(
    contacts: Mapping[str, Contact], reports: ReportsIndex, contact_id: str
) -> list[Contact]:
    """Contacts whose manager is ``contact_id``, sorted by name."""
    return sort_contacts(contacts[i] for i in reports.get(contact_id, _EMPTY_IDS))


def reporting_chain(contacts: Mapping[str, Contact], contact: Contact) -> list[Contact]:
    """The contact's managers, nearest first, up to the top of the chart."""
    chain: list[Contact] = []
    seen = {contact.id}
    current = contact.reports_to
    # The guards only matter for an account rebuilt from corrupt rows.
    while current is not None and current not in seen:
        manager = contacts.get(current)
        if manager is None:
            break
        chain.append(manager)
        seen.add(current)
        current = manager.reports_to
    return chain


def all_reports(
    contacts: Mapping[str, Contact], reports: ReportsIndex, contact_id: str
) -> list[Contact]:
    """Direct and indirect reports, breadth first, each level sorted by name."""
    out: list[Contact] = []
    seen = {contact_id}
    frontier = [contact_id]
    while frontier:
        level: list[Contact] = []
        for manager in frontier:
            level.extend(
                contacts[i]
                for i in reports.get(manager, _EMPTY_IDS)
                if i not in seen  # only a corrupt, cyclic account repeats anyone
            )
        level = sort_contacts(level)
        seen.update(c.id for c in level)
        out.extend(level)
        frontier = [c.id for c in level]
    return out


def org_chart(contacts: Mapping[str, Contact], reports: ReportsIndex) -> list[OrgNode]:
    """The reports-to forest: top managers (and people with no manager) first."""
    roots = sort_contacts(c for c in contacts.values() if c.reports_to is None)
    order: list[Contact] = []
    children: dict[str, list[Contact]] = {}
    stack = list(roots)
    while stack:
        contact = stack.pop()
        order.append(contact)
        kids = sort_contacts(contacts[i] for i in reports.get(contact.id, _EMPTY_IDS))
        children[contact.id] = kids
        stack.extend(kids)
    built: dict[str, OrgNode] = {}
    for contact in reversed(order):  # reports before their manager
        built[contact.id] = OrgNode(contact, tuple(built[k.id] for k in children[contact.id]))
    return [built[c.id] for c in roots]
