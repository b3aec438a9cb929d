"""A stateful machine: merges, undos and unrelated edits interleaved never leave a dangling link."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

import contactgraph as cg
from contactgraph.domain import AccountContactRelation, Case, Opportunity
from contactgraph.errors import PolicyViolationError
from contactgraph.testing.contracts.merges import observable


class MergeMachine(RuleBasedStateMachine):
    opener: ClassVar[Callable[..., cg.Store]] = staticmethod(cg.open_store)
    """How the store is opened (memory here; the subclasses below open SQL stores)."""

    def __init__(self, **options: bool) -> None:
        super().__init__()
        self.store = type(self).opener(**options)
        self.merges: list[str] = []
        self.twins = 0
        for name in ("ACME SA", "Globex"):  # fixed ids: the draws must not depend on uuid4
            account = cg.Account.create(name, id=name[:4].lower())
            manager = None
            for last in ("Martin", "Durand", "Petit", "Leroy"):
                account, contact = account.add_contact(
                    last_name=last, reports_to=manager, id=f"{account.id}-{last.lower()}"
                )
                manager = contact.id if last == "Durand" else manager
            account = self.store.accounts.add(account)
            # In creation order, not the contacts map's (it follows str hashes, which vary
            # with PYTHONHASHSEED): a seed then replays the same run in any process.
            ids = [f"{account.id}-{last}" for last in ("martin", "durand", "petit", "leroy")]
            self.store.cases.add(Case.create("Help", account.id, ids[0], id=f"{account.id}-case"))
            deal = Opportunity.create("Deal", account.id, id=f"{account.id}-deal")
            deal = deal.add_contact_role(ids[1], primary=True)
            self.store.opportunities.add(deal.add_contact_role(ids[2], "Influencer"))
        first, second = list(self.store.accounts)
        self.store.relations.add(
            AccountContactRelation.create(first.id, next(iter(second.contacts)))
        )

    def teardown(self) -> None:
        self.store.close()

    def _contacts(self) -> list[tuple[str, str]]:
        return sorted((c.id, a.id) for a in self.store.accounts for c in a.contacts.values())

    @rule(data=st.data())
    def merge_contacts(self, data: st.DataObject) -> None:
        people = self._contacts()
        account = data.draw(st.sampled_from(sorted({a for _, a in people})))
        mine = [c for c, a in people if a == account]
        if len(mine) < 2:
            return
        group = data.draw(st.permutations(mine))[: data.draw(st.integers(2, len(mine)))]
        # People of one account: a role or case a loser kept at an account it had left
        # (a move left them) names the survivor there, as history; never refused.
        self.merges.append(self.store.merge_contacts(group[0], group[1:]).id)

    @precondition(lambda self: self.store.accounts.count() > 1)
    @rule(data=st.data(), moved_survives=st.booleans(), undo_now=st.booleans())
    def move_then_merge_contacts(
        self, data: st.DataObject, moved_survives: bool, undo_now: bool
    ) -> None:
        """A person changes company and is there twice (added again, or someone there
        already): the merge is never refused, and undone at once restores the store."""
        people = self._contacts()
        if not people:
            return
        cid, aid = data.draw(st.sampled_from(people))
        to = data.draw(st.sampled_from(sorted(a.id for a in self.store.accounts if a.id != aid)))
        self.store.move_contact(cid, to, on=date(2030, 1, 1))
        there = sorted(c for c, a in self._contacts() if a == to and c != cid)
        if not there or data.draw(st.booleans()):
            self.twins += 1
            account, twin = self.store.accounts.get(to).add_contact(
                last_name="Twin", id=f"{to}-twin-{self.twins}"
            )
            self.store.accounts.save(account)
            there = [twin.id]
        other = data.draw(st.sampled_from(there))
        survivor, loser = (cid, other) if moved_survives else (other, cid)
        before = observable(self.store)
        record = self.store.merge_contacts(survivor, [loser])
        named = [c.contact_id for c in self.store.cases.list()]
        named += [c for o in self.store.opportunities.list() for c in o.contact_ids]
        named += [r.contact_id for r in self.store.relations.list()]
        assert loser not in named
        if undo_now:
            self.store.unmerge(record.id)
            assert observable(self.store) == before
        else:
            self.merges.append(record.id)

    @precondition(lambda self: self.store.accounts.count() > 1)
    @rule(data=st.data())
    def merge_accounts(self, data: st.DataObject) -> None:
        ids = data.draw(st.permutations(sorted(a.id for a in self.store.accounts)))
        self.merges.append(self.store.merge_accounts(ids[0], ids[1:2]).id)

    @precondition(lambda self: self.store.accounts.count() > 1)
    @rule(data=st.data())
    def move_someone(self, data: st.DataObject) -> None:
        """A person changes company: their cases and roles stay behind, naming them."""
        people = self._contacts()
        if people:
            cid, aid = data.draw(st.sampled_from(people))
            to = data.draw(
                st.sampled_from(sorted(a.id for a in self.store.accounts if a.id != aid))
            )
            self.store.move_contact(cid, to, on=date(2030, 1, 1))

    @rule(data=st.data(), title=st.sampled_from(["CFO", "CEO", None]))
    def edit_someone(self, data: st.DataObject, title: str | None) -> None:
        people = self._contacts()
        if people:
            cid, aid = data.draw(st.sampled_from(people))
            account = self.store.accounts.get(aid)
            self.store.accounts.save(account.update_contact(cid, title=title))

    @rule(data=st.data())
    def close_a_case(self, data: st.DataObject) -> None:
        cases = self.store.cases.list(open_only=True)
        if cases:
            self.store.cases.save(data.draw(st.sampled_from(cases)).close())

    @precondition(lambda self: bool(self.merges))
    @rule(data=st.data())
    def undo_a_merge(self, data: st.DataObject) -> None:
        merge_id = data.draw(st.sampled_from(self.merges))
        try:
            self.store.unmerge(merge_id)
        except PolicyViolationError as refused:  # undone already, or an id taken again
            codes = {v.code for v in refused.violations}
            assert codes <= {
                "merge.undone",
                "merge.id_taken",
                "merge.survivor_gone",
                "merge.account_gone",
                "merge.contact_linked",
                "contact_roles.foreign_contact",
                "contact_id.not_of_account",
            }, codes

    @invariant()
    def nothing_names_a_record_that_is_gone(self) -> None:
        """A case or role may name a contact of another account (a move leaves them so),
        never one that is gone; managers stay inside their account; parents exist."""
        owner = dict(self._contacts())
        accounts = {a.id: a for a in self.store.accounts}
        for account in accounts.values():
            assert account.parent_id is None or account.parent_id in accounts
            for contact in account.contacts.values():
                assert contact.reports_to is None or contact.reports_to in account.contacts
        for case in self.store.cases.list():
            assert case.account_id in accounts
            assert case.contact_id is None or case.contact_id in owner
        for opp in self.store.opportunities.list():
            assert opp.account_id in accounts
            assert all(c in owner for c in opp.contact_ids)
        for rel in self.store.relations.list():
            assert rel.account_id in accounts
            assert rel.contact_id in owner
            assert not (rel.is_active and owner[rel.contact_id] == rel.account_id), rel


TestMergeMachine = MergeMachine.TestCase
TestMergeMachine.settings = settings(
    max_examples=40,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class SQLiteMergeMachine(MergeMachine):
    opener = staticmethod(lambda **options: cg.open_store("sqlite://", **options))


TestSQLiteMergeMachine = SQLiteMergeMachine.TestCase
TestSQLiteMergeMachine.settings = settings(
    max_examples=15,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.postgres
def test_the_merge_machine_on_postgres(postgres_url: str) -> None:
    with cg.open_store(postgres_url, tenant="merges") as base:

        class PostgresMergeMachine(MergeMachine):
            opener = staticmethod(lambda **_: base.for_tenant(f"t{uuid.uuid4().hex}"))

        run_state_machine_as_test(
            PostgresMergeMachine, settings=settings(TestSQLiteMergeMachine.settings, max_examples=8)
        )
