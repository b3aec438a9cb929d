"""Moving a contact: one transaction, history kept, links cut and said, roles and cases stay."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from graphkit import Crm

import contactgraph as cg
from contactgraph.graph import CutLink, move_contact


def _next_year(store: Any, contact_id: str) -> date:
    created = store.accounts.account_of(contact_id).contact(contact_id).created_at.date()
    return date(created.year + 1, 1, 1)


def test_move_keeps_the_contact_id_and_leaves_an_ended_relation(store: Any, crm: Crm) -> None:
    on = _next_year(store, crm.bob)
    result = store.move_contact(crm.bob, to_account=crm.globex, on=on)
    assert result.contact.id == crm.bob
    assert result.contact.account_id == crm.globex
    assert store.accounts.account_of(crm.bob).id == crm.globex
    assert crm.bob not in store.accounts.get(crm.acme).contacts
    history = store.relations.list(contact_id=crm.bob)
    assert len(history) == 1
    ended = history[0]
    assert (ended.account_id, ended.is_active, ended.end_date) == (crm.acme, False, on)
    assert ended.start_date == store.accounts.get(crm.globex).contact(crm.bob).created_at.date()
    assert (ended.title, ended.roles) == ("Accountant", (cg.DecisionRole.EVALUATOR,))
    assert result.history == ended


def test_move_cuts_cross_account_reports_to_links_and_says_which(store: Any, crm: Crm) -> None:
    result = move_contact(store, crm.bob, crm.globex, on=_next_year(store, crm.bob))
    assert set(result.cut_links) == {CutLink(crm.bob, crm.alice), CutLink(crm.carol, crm.bob)}
    acme = store.accounts.get(crm.acme)
    assert acme.contact(crm.carol).reports_to is None
    assert store.accounts.get(crm.globex).contact(crm.bob).reports_to is None
    text = "\n".join(result.warnings)
    assert "Bob Durand no longer reports to Alice Martin" in text
    assert "Carol Petit no longer reports to Bob Durand" in text


def test_move_leaves_opportunity_roles_and_cases_where_they_were(store: Any, crm: Crm) -> None:
    result = move_contact(store, crm.bob, crm.globex, on=_next_year(store, crm.bob))
    deal = store.opportunities.get(crm.renewal)
    assert deal.account_id == crm.acme
    assert deal.role_of(crm.bob).role is cg.DecisionRole.EVALUATOR
    ticket = store.cases.get(crm.invoice_case)
    assert (ticket.account_id, ticket.contact_id) == (crm.acme, crm.bob)
    assert result.opportunity_ids == (crm.renewal,)
    assert result.case_ids == (crm.invoice_case,)


def test_moving_the_last_active_contact_says_the_old_account_is_not_actionable(
    store: Any, crm: Crm
) -> None:
    on = _next_year(store, crm.dan)
    result = store.move_contact(crm.dan, to_account=crm.initech, on=on)
    assert not result.old_account_left_without_active_contact  # Erin, who opted out
    assert not result.old_account_actionable
    assert "readiness.no_consenting_contact" in {v.code for v in result.violations}
    assert any("every active contact of Globex opted out" in w for w in result.warnings)
    result = store.move_contact(crm.erin, to_account=crm.initech, on=on)
    assert result.old_account_left_without_active_contact
    assert "readiness.no_active_contact" in {v.code for v in result.violations}
    assert any("Globex has no active contact" in w for w in result.warnings)
    assert all(not v.is_error for v in result.violations)
    assert "Globex" in str(result)
    calm = store.move_contact(crm.alice, to_account=crm.initech, on=_next_year(store, crm.alice))
    assert not calm.old_account_left_without_active_contact
    assert calm.old_account_actionable
    assert not {v.code for v in calm.violations} & {"readiness.no_active_contact"}


def test_an_active_relation_to_the_old_account_is_ended_keeping_its_start(
    store: Any, crm: Crm
) -> None:
    on = _next_year(store, crm.dan)
    store.move_contact(crm.dan, to_account=crm.acme, on=on)  # Dan advised ACME, now joins it
    advises = store.relations.get(crm.dan_advises_acme)
    assert (advises.is_active, advises.start_date, advises.end_date) == (
        False,
        date(2025, 1, 1),
        on,
    )
    result = store.move_contact(crm.dan, to_account=crm.globex, on=date(on.year + 1, 1, 1))
    assert result.history.start_date == on  # he joined ACME the day he left... ACME's advice
    assert result.history.account_id == crm.acme


def test_move_dated_before_the_contact_was_recorded_has_no_start(store: Any, crm: Crm) -> None:
    result = store.move_contact(crm.bob, to_account=crm.globex, on=date(2001, 1, 1))
    assert (result.history.start_date, result.history.end_date) == (None, date(2001, 1, 1))


def test_move_to_the_same_account_or_unknown_ones_is_refused(store: Any, crm: Crm) -> None:
    with pytest.raises(cg.PolicyViolationError) as info:
        store.move_contact(crm.bob, to_account=crm.acme)
    assert "move.same_account" in info.value.codes
    with pytest.raises(cg.NotFoundError):
        store.move_contact(crm.bob, to_account="no-such-account")
    with pytest.raises(cg.NotFoundError):
        store.move_contact("no-such-contact", to_account=crm.globex)
    assert store.accounts.account_of(crm.bob).id == crm.acme
    assert store.relations.list(contact_id=crm.bob) == []


def test_move_accepts_an_account_object_and_defaults_to_today(store: Any, crm: Crm) -> None:
    globex = store.accounts.get(crm.globex)
    result = move_contact(store, crm.alice, globex)
    assert result.to_account.id == crm.globex
    assert result.history.end_date is not None


class _FailingRelations:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def add(self, relation: Any) -> Any:
        raise RuntimeError("disk full")


class _FailingStore:
    """The real store, except that writing a relation fails (after both accounts are saved)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.relations = _FailingRelations(inner.relations)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_a_failed_move_leaves_both_accounts_as_they_were(store: Any, crm: Crm) -> None:
    acme_before = store.accounts.get(crm.acme)
    globex_before = store.accounts.get(crm.globex)
    with pytest.raises(RuntimeError, match="disk full"):
        move_contact(_FailingStore(store), crm.bob, crm.globex, on=_next_year(store, crm.bob))
    acme_after = store.accounts.get(crm.acme)
    globex_after = store.accounts.get(crm.globex)
    assert acme_after == acme_before
    assert acme_after.version == acme_before.version
    assert globex_after == globex_before
    assert store.accounts.account_of(crm.bob).id == crm.acme
    assert acme_after.contact(crm.carol).reports_to == crm.bob
    assert store.relations.list(contact_id=crm.bob) == []


@pytest.mark.parametrize("bad", [[[[]]], {"id": "x"}, 3, None])
def test_a_target_that_is_no_account_id_is_refused_naming_it(
    store: Any, crm: Crm, bad: object
) -> None:
    # Found by the hostile surface walk: a list reached a set of ids (TypeError).
    before = store.accounts.get(crm.acme)
    with pytest.raises(cg.InvalidValueError) as raised:
        store.move_contact(crm.bob, to_account=bad)
    assert raised.value.field == "to_account"
    assert store.accounts.get(crm.acme) == before
