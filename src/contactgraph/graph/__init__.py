"""Navigation across the graph, moving contacts, commercial actions, pictures and DataFrames.

``store.graph`` is a :class:`Navigator`; ``store.move_contact``,
``store.start_campaign``, ``store.send_contract`` and ``store.follow_up``
delegate to :mod:`~contactgraph.graph.moves` and
:mod:`~contactgraph.graph.commercial`. DataFrame helpers live in
:mod:`contactgraph.graph.frames` (pandas is imported only when they run).
"""

from contactgraph.graph.commercial import (
    CallList,
    Recipients,
    Skipped,
    call_list,
    follow_up,
    send_contract,
    start_campaign,
)
from contactgraph.graph.committee import (
    DEFAULT_COMMITTEE_ROLES,
    BuyingCommittee,
    CommitteeMember,
)
from contactgraph.graph.hierarchy import (
    AccountNode,
    build_hierarchy,
    hierarchy_violations,
    set_parent,
)
from contactgraph.graph.moves import CutLink, MoveResult, move_contact
from contactgraph.graph.navigator import (
    AccountCard,
    ContactCard,
    Navigator,
    OpportunityRole,
    RelatedAccount,
    RelatedContact,
    Tenure,
)
from contactgraph.graph.render import to_dot, to_html, to_mermaid, to_text

__all__ = [
    "DEFAULT_COMMITTEE_ROLES",
    "AccountCard",
    "AccountNode",
    "BuyingCommittee",
    "CallList",
    "CommitteeMember",
    "ContactCard",
    "CutLink",
    "MoveResult",
    "Navigator",
    "OpportunityRole",
    "Recipients",
    "RelatedAccount",
    "RelatedContact",
    "Skipped",
    "Tenure",
    "build_hierarchy",
    "call_list",
    "follow_up",
    "hierarchy_violations",
    "move_contact",
    "send_contract",
    "set_parent",
    "start_campaign",
    "to_dot",
    "to_html",
    "to_mermaid",
    "to_text",
]
