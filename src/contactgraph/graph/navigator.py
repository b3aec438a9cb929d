"""Navigation across the graph: contacts, accounts, opportunities, cases and relations.

A :class:`Navigator` wraps a store (``store.graph``). Every step is one call
and costs a bounded number of repository calls, never one per related record:
the costs are written in each method's docstring, in repository calls.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from contactgraph.domain import (
    Account,
    AccountContactRelation,
    Case,
    Contact,
    DecisionRole,
    Opportunity,
    OrgNode,
)
from contactgraph.errors import InvalidValueError, NotFoundError
from contactgraph.graph import _fetch
from contactgraph.graph.cards import (
    AccountCard,
    ContactCard,
    OpportunityRole,
    RelatedAccount,
    RelatedContact,
    Tenure,
)
from contactgraph.graph.committee import BuyingCommittee, account_committee, opportunity_committee
from contactgraph.graph.hierarchy import AccountNode, build_hierarchy, set_parent
from contactgraph.policies import readiness
from contactgraph.repos.protocol import StoreProtocol

__all__ = [
    "AccountCard",
    "ContactCard",
    "Navigator",
    "OpportunityRole",
    "RelatedAccount",
    "RelatedContact",
    "Tenure",
]


def _today() -> date:
    return datetime.now(UTC).date()


class Navigator:
    """Goes from any record to the records next to it, over one store.

    Get one as ``store.graph``. Ids that do not exist raise
    :class:`~contactgraph.errors.NotFoundError`.
    """

    def __init__(self, store: StoreProtocol) -> None:
        self._store = store

    @property
    def store(self) -> StoreProtocol:
        return self._store

    # ----------------------------------------------------------- from a contact

    def contact(self, contact_id: str) -> Contact:
        """The contact, wherever it belongs. 1 call."""
        return self._store.accounts.account_of(contact_id).contact(contact_id)

    def account_of(self, contact_id: str) -> Account:
        """The account that owns the contact. 1 call."""
        return self._store.accounts.account_of(contact_id)

    def manager_of(self, contact_id: str) -> Contact | None:
        """The contact's manager, or ``None`` at the top of the chart. 1 call."""
        return self.account_of(contact_id).manager_of(contact_id)

    def reports_of(self, contact_id: str) -> list[Contact]:
        """Direct reports, by name. 1 call."""
        return self.account_of(contact_id).direct_reports(contact_id)

    def all_reports_of(self, contact_id: str) -> list[Contact]:
        """Direct and indirect reports, level by level. 1 call."""
        return self.account_of(contact_id).all_reports(contact_id)

    def reporting_chain(self, contact_id: str) -> list[Contact]:
        """The contact's managers, nearest first, up to the top. 1 call."""
        return self.account_of(contact_id).reporting_chain(contact_id)

    def colleagues_of(self, contact_id: str, *, active_only: bool = False) -> list[Contact]:
        """The other contacts of the same account, by name. 1 call."""
        account = self.account_of(contact_id)
        return account.sorted_contacts(
            c
            for c in account.contacts.values()
            if c.id != contact_id and (c.active or not active_only)
        )

    def org_chart_of(self, contact_id: str) -> OrgNode:
        """The org chart below the contact (the contact at its root). 1 call."""
        account = self.account_of(contact_id)
        order = [account.contact(contact_id)]
        for contact in order:  # breadth first, no recursion: charts can be deep
            order.extend(account.direct_reports(contact.id))
        built: dict[str, OrgNode] = {}
        for contact in reversed(order):
            reports = tuple(built.pop(r.id) for r in account.direct_reports(contact.id))
            built[contact.id] = OrgNode(contact, reports)
        return built[contact_id]

    def relations_of(self, contact_id: str) -> list[AccountContactRelation]:
        """The contact's relations to other accounts, by start date. 1 call."""
        return self._store.relations.list(contact_id=contact_id)

    def related_accounts_of(
        self, contact_id: str, *, on: date | None = None, active_only: bool = False
    ) -> list[RelatedAccount]:
        """Other accounts the contact deals with (or dealt with), with the relation.

        ``on`` keeps the relations that held on that day; ``active_only`` the
        current ones. 2 calls (relations, then the accounts in one batch).
        """
        relations = [
            r
            for r in self.relations_of(contact_id)
            if (not active_only or r.is_active) and (on is None or _relation_holds(r, on))
        ]
        accounts = _fetch.accounts_by_id(self._store, (r.account_id for r in relations))
        return [
            RelatedAccount(r, accounts[r.account_id]) for r in relations if r.account_id in accounts
        ]

    def opportunities_of(self, contact_id: str, *, open_only: bool = False) -> list[Opportunity]:
        """Opportunities where the contact has a role, by close date. 1 call."""
        return self._store.opportunities.list(contact_id=contact_id, open_only=open_only)

    def opportunity_roles_of(
        self, contact_id: str, *, open_only: bool = False
    ) -> list[OpportunityRole]:
        """Opportunities where the contact has a role, with that role. 1 call."""
        out = []
        for opp in self.opportunities_of(contact_id, open_only=open_only):
            role = opp.role_of(contact_id)
            if role is not None:
                out.append(OpportunityRole(opp, role.role, role.is_primary))
        return out

    def cases_of(self, contact_id: str, *, open_only: bool = False) -> list[Case]:
        """Cases the contact raised, most recent first. 1 call."""
        return self._store.cases.list(contact_id=contact_id, open_only=open_only)

    def tenures_of(self, contact_id: str) -> list[Tenure]:
        """Where the contact worked and works, oldest first. 3 calls.

        The current account is a ``member`` tenure, starting the day the
        contact joined it (the end of the last move, else its creation).
        """
        account = self.account_of(contact_id)
        contact = account.contact(contact_id)
        relations = self.relations_of(contact_id)
        accounts = _fetch.accounts_by_id(self._store, (r.account_id for r in relations))
        tenures = [
            _relation_tenure(r, contact, accounts[r.account_id].name)
            for r in relations
            if r.account_id in accounts
        ]
        tenures.append(_member_tenure(contact, account, relations))
        return sorted(tenures, key=lambda t: (t.start or date.min, t.end or date.max))

    def card(self, contact_id: str) -> ContactCard:
        """A contact card: account, manager, reports, deals, cases, relations. 5 calls."""
        account = self.account_of(contact_id)
        contact = account.contact(contact_id)
        return ContactCard(
            contact=contact,
            account=account,
            manager=account.manager_of(contact_id),
            reports=tuple(account.direct_reports(contact_id)),
            opportunities=tuple(self.opportunity_roles_of(contact_id)),
            cases=tuple(self.cases_of(contact_id)),
            related=tuple(self.related_accounts_of(contact_id)),
        )

    # ---------------------------------------------------------- from an account

    def account(self, account_id: str) -> Account:
        """The account with its contacts. 1 call."""
        return self._store.accounts.get(account_id)

    def contacts_of(self, account_id: str) -> list[Contact]:
        """The account's contacts, by name. 1 call."""
        return self.account(account_id).sorted_contacts()

    def active_contacts_of(self, account_id: str) -> list[Contact]:
        """The account's active contacts, by name. 1 call."""
        return self.account(account_id).active_contacts()

    def decision_makers_of(self, account_id: str) -> list[Contact]:
        """Active contacts with a deciding role, by name. 1 call."""
        return self.account(account_id).decision_makers()

    def org_chart(self, account_id: str) -> list[OrgNode]:
        """The account's reports-to forest. 1 call."""
        return self.account(account_id).org_chart()

    def opportunities_of_account(
        self, account_id: str, *, open_only: bool = False
    ) -> list[Opportunity]:
        """The account's opportunities, by close date. 1 call."""
        return self._store.opportunities.list(account_id=account_id, open_only=open_only)

    def cases_of_account(self, account_id: str, *, open_only: bool = False) -> list[Case]:
        """The account's cases, most recent first. 1 call."""
        return self._store.cases.list(account_id=account_id, open_only=open_only)

    def related_contacts_of(
        self, account_id: str, *, on: date | None = None, active_only: bool = False
    ) -> list[RelatedContact]:
        """Contacts of other accounts who deal (or dealt) with this one.

        2 calls (relations, then the contacts in one batch).
        """
        relations = [
            r
            for r in self._store.relations.list(account_id=account_id)
            if (not active_only or r.is_active) and (on is None or _relation_holds(r, on))
        ]
        contacts = _fetch.contacts_by_id(self._store, (r.contact_id for r in relations))
        return [
            RelatedContact(r, contacts[r.contact_id]) for r in relations if r.contact_id in contacts
        ]

    def parent_of(self, account_id: str) -> Account | None:
        """The parent account, or ``None`` at the top. 2 calls."""
        account = self.account(account_id)
        if account.parent_id is None:
            return None
        return _fetch.accounts_by_id(self._store, [account.parent_id]).get(account.parent_id)

    def children_of(self, account_id: str) -> list[Account]:
        """Child accounts, by name. 2 calls (the account, then one pass or batch)."""
        self.account(account_id)
        return sorted(
            _fetch.child_accounts(self._store, account_id), key=lambda a: (a.name.casefold(), a.id)
        )

    def hierarchy(self, account_id: str) -> AccountNode:
        """The whole hierarchy holding the account, from its top account. 2 calls."""
        self.account(account_id)
        return build_hierarchy(_fetch.parent_map(self._store), account_id)

    def ancestors_of(self, account_id: str) -> list[Account]:
        """Parent, grandparent… up to the top account. 2 calls."""
        self.account(account_id)
        accounts = _fetch.parent_map(self._store)
        out: list[Account] = []
        seen = {account_id}
        current = accounts[account_id].parent_id
        while current is not None and current in accounts and current not in seen:
            seen.add(current)
            out.append(accounts[current])
            current = accounts[current].parent_id
        return out

    def descendants_of(self, account_id: str) -> list[Account]:
        """Child accounts, their children… level by level, each by name. 2 calls."""
        self.account(account_id)
        children: dict[str, list[Account]] = {}
        for account in _fetch.parent_map(self._store).values():
            if account.parent_id is not None:
                children.setdefault(account.parent_id, []).append(account)
        out: list[Account] = []
        seen = {account_id}
        level = [account_id]
        while level:
            found = sorted(
                (c for p in level for c in children.get(p, []) if c.id not in seen),
                key=lambda a: (a.name.casefold(), a.id),
            )
            seen.update(a.id for a in found)
            out.extend(found)
            level = [a.id for a in found]
        return out

    def set_parent(self, account_id: str, parent_id: str | None) -> Account:
        """Change an account's parent, refusing a cycle; see :func:`set_parent`."""
        return set_parent(self._store, account_id, parent_id)

    def people_at(self, account_id: str, on: date | None = None) -> list[Tenure]:
        """Who worked at the account on ``on`` (default today), and in which role.

        Members (its own contacts, from the day they joined) and relations
        holding that day, including people who have since moved away.
        Inactive members show with ``current=False``: when they stopped is
        not known. 4 calls.
        """
        if isinstance(on, datetime):
            on = on.date()
        elif on is not None and not isinstance(on, date):
            raise InvalidValueError("a day (datetime.date)", field="on", value=on)
        day = on or _today()
        return [t for t in self.history_of(account_id) if t.holds_on(day)]

    def history_of(self, account_id: str) -> list[Tenure]:
        """Everyone who worked at the account, past and present, oldest first. 4 calls."""
        account = self.account(account_id)
        mine = self._store.relations.list(account_id=account_id)
        contacts = _fetch.contacts_by_id(self._store, (r.contact_id for r in mine))
        by_contact: dict[str, list[AccountContactRelation]] = {}
        for r in _fetch.relations_of_contacts(self._store, account.contacts):
            by_contact.setdefault(r.contact_id, []).append(r)
        tenures = [
            _member_tenure(c, account, by_contact.get(c.id, ())) for c in account.contacts.values()
        ]
        tenures += [
            _relation_tenure(r, contacts[r.contact_id], account.name)
            for r in mine
            if r.contact_id in contacts
        ]
        return sorted(
            tenures,
            key=lambda t: (t.start or date.min, t.contact.name.sort_key, t.contact.id, t.kind),
        )

    def account_card(self, account_id: str) -> AccountCard:
        """An account card: hierarchy, deals, cases, outside contacts, readiness. 7 calls."""
        account = self.account(account_id)
        parent = None
        if account.parent_id is not None:
            parent = _fetch.accounts_by_id(self._store, [account.parent_id]).get(account.parent_id)
        children = _fetch.child_accounts(self._store, account_id)
        return AccountCard(
            account=account,
            parent=parent,
            children=tuple(sorted(children, key=lambda a: (a.name.casefold(), a.id))),
            opportunities=tuple(self.opportunities_of_account(account_id)),
            cases=tuple(self.cases_of_account(account_id)),
            related=tuple(self.related_contacts_of(account_id)),
            readiness=readiness(account),
        )

    # ------------------------------------------------------------ buying committee

    def buying_committee(
        self,
        subject: str | Opportunity | Account,
        *,
        roles: Iterable[DecisionRole | str] | None = None,
    ) -> BuyingCommittee:
        """Who holds each decision role on an opportunity or an account, and which are missing.

        ``subject`` is an Opportunity, an Account, or the id of either (an
        opportunity id is tried first). ``roles`` are the roles a complete
        committee needs (default: every role but ``Other``). 2 to 4 calls.
        """
        if isinstance(subject, Opportunity):
            return opportunity_committee(self._store, subject, roles)
        if isinstance(subject, Account):
            return account_committee(self._store, subject.id, roles)
        try:
            opp = self._store.opportunities.get(subject)
        except NotFoundError:
            return account_committee(self._store, subject, roles)
        return opportunity_committee(self._store, opp, roles)


def _relation_holds(relation: AccountContactRelation, day: date) -> bool:
    """Held on ``day``; an inactive relation without an end date cannot be placed in time."""
    return relation.active_on(day) and (relation.is_active or relation.end_date is not None)


def _relation_tenure(relation: AccountContactRelation, contact: Contact, name: str) -> Tenure:
    return Tenure(
        contact=contact,
        account_id=relation.account_id,
        account_name=name,
        kind="relation",
        title=relation.title,
        roles=relation.roles,
        start=relation.start_date,
        end=relation.end_date,
        current=relation.is_active,
        relation_id=relation.id,
    )


def _member_tenure(
    contact: Contact, account: Account, relations: Iterable[AccountContactRelation]
) -> Tenure:
    return Tenure(
        contact=contact,
        account_id=account.id,
        account_name=account.name,
        kind="member",
        title=contact.title,
        roles=(contact.decision_role,) if contact.decision_role else (),
        start=_fetch.joined_on(contact, relations),
        end=None,
        current=contact.active,
    )
