"""Merging, as properties over generated stores: an undo restores everything, nothing breaks."""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

import contactgraph as cg
from contactgraph.domain import Account, AccountContactRelation, Case, Opportunity
from contactgraph.merging import three_way
from contactgraph.testing.contracts.merges import observable

FIRST = ["Alice", "Bob", None]
EMAILS = ["a@acme.fr", "b@acme.fr", None]
PHONES = ["+33 1 23 45 67 89", "+33 6 12 34 56 78", None]


@st.composite
def stores(draw: st.DrawFn) -> tuple[cg.Store, list[str], list[str]]:
    """A memory store with 1-3 accounts, 1-4 contacts each, managers, deals, cases, relations."""
    store = cg.open_store()
    accounts: list[Account] = []
    contact_ids: list[str] = []
    for n in range(draw(st.integers(1, 3))):
        parent = draw(st.sampled_from([None, *[a.id for a in accounts]]))
        account = Account.create(f"Company {n}", parent_id=parent, id=f"a{n}")
        mine: list[str] = []
        for _ in range(draw(st.integers(1, 4))):
            manager = draw(st.sampled_from([None, *mine]))
            account, contact = account.add_contact(
                last_name=draw(st.sampled_from(["Martin", "Durand"])),
                first_name=draw(st.sampled_from(FIRST)),
                email=draw(st.sampled_from(EMAILS)),
                phone=draw(st.sampled_from(PHONES)),
                email_opt_out=draw(st.booleans()),
                reports_to=manager,
                external_ids={"crm": f"{n}-{len(mine)}"},
                id=f"a{n}-c{len(mine)}",  # fixed ids: the draws must not depend on uuid4
            )
            mine.append(contact.id)
        accounts.append(store.accounts.add(account))
        contact_ids.extend(mine)
        for cid in mine:
            if draw(st.booleans()):
                store.cases.add(Case.create("Help", account.id, cid))
        if draw(st.booleans()):
            deal = Opportunity.create("Deal", account.id)
            for cid in draw(st.lists(st.sampled_from(mine), unique=True, max_size=3)):
                deal = deal.add_contact_role(cid, "Influencer", primary=draw(st.booleans()))
            store.opportunities.add(deal)
    for cid in contact_ids:
        if len(accounts) > 1 and draw(st.booleans()):
            owner = store.accounts.account_id_of(cid)
            other = draw(st.sampled_from([a.id for a in accounts if a.id != owner]))
            store.relations.add(AccountContactRelation.create(other, cid))
    return store, contact_ids, [a.id for a in accounts]


def _same_account_group(store: cg.Store, ids: list[str], draw: st.DrawFn) -> list[str]:
    owner = store.accounts.account_id_of(draw(st.sampled_from(ids)))
    mine = [c for c in ids if store.accounts.account_id_of(c) == owner]
    return draw(st.permutations(mine))[: draw(st.integers(1, len(mine)))]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_merging_contacts_then_undoing_restores_every_record_and_link(data: st.DataObject) -> None:
    store, ids, _accounts = data.draw(stores())
    group = _same_account_group(store, ids, data.draw)
    if len(group) < 2:
        return
    before = observable(store)
    record = store.merge_contacts(group[0], group[1:])
    merged = store.accounts.get_contact(group[0])
    assert all(not store.accounts.contacts_by_id([c]) for c in group[1:])
    for cid in group[1:]:  # nothing names a loser any more
        assert not store.cases.list(contact_id=cid)
        assert not store.opportunities.list(contact_id=cid)
        assert not store.relations.list(contact_id=cid)
    assert merged.email_opt_out == any(before_contact(before, c)["email_opt_out"] for c in group)
    store.unmerge(record.id)
    assert observable(store) == before


def before_contact(state: dict[str, object], contact_id: str) -> dict[str, object]:
    for account in state["accounts"].values():  # type: ignore[attr-defined]
        if contact_id in account["contacts"]:
            found: dict[str, object] = account["contacts"][contact_id]
            return found
    raise AssertionError(contact_id)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_merging_accounts_keeps_every_invariant_and_undoing_restores(data: st.DataObject) -> None:
    store, _ids, accounts = data.draw(stores())
    if len(accounts) < 2:
        return
    order = data.draw(st.permutations(accounts))
    survivor, losers = order[0], order[1 : data.draw(st.integers(2, len(order)))]
    before = observable(store)
    contacts = store.accounts.count_contacts()
    record = store.merge_accounts(survivor, losers)  # commit-time integrity checks passed
    assert store.accounts.count() == len(accounts) - len(losers)
    assert store.accounts.count_contacts() == contacts
    for account in store.accounts:
        for contact in account.contacts.values():  # managers stay inside the account
            assert contact.reports_to is None or contact.reports_to in account.contacts
        seen, parent = {account.id}, account.parent_id
        while parent is not None:  # no parent cycle, no parent that is gone
            assert parent not in seen
            seen.add(parent)
            parent = store.accounts.get(parent).parent_id
    store.unmerge(record.id)
    assert observable(store) == before


@settings(max_examples=200, deadline=None)
@given(
    before=st.lists(st.integers(0, 5), unique=True),
    after=st.lists(st.integers(0, 5), unique=True),
)
def test_undoing_an_unchanged_value_gives_back_the_value_before(
    before: list[int], after: list[int]
) -> None:
    assert three_way(before, after, after) == before
    assert three_way({"k": before}, {"k": after}, {"k": after}) == {"k": before}


@settings(max_examples=200, deadline=None)
@given(
    before=st.dictionaries(st.sampled_from("abcd"), st.one_of(st.none(), st.integers(0, 3))),
    after=st.dictionaries(st.sampled_from("abcd"), st.one_of(st.none(), st.integers(0, 3))),
    later=st.dictionaries(st.sampled_from("abcd"), st.one_of(st.none(), st.integers(0, 3))),
)
def test_undoing_keyed_values_drops_what_the_merge_added_and_keeps_later_keys(
    before: dict[str, int | None], after: dict[str, int | None], later: dict[str, int | None]
) -> None:
    assert three_way(before, after, after) == before
    current = {**after, **later}
    undone = three_way(before, after, current)
    for key, value in later.items():  # a key changed since the merge keeps its later value
        if after.get(key, "absent") != value:
            assert undone[key] == value
