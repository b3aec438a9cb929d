"""Moving a contact to another account: a person changes company.

The move happens in one transaction across both accounts. The contact keeps
its id, so its opportunity roles and cases stay where they were and still
name it; its time at the old account is kept as an ended relation.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import attrs

from contactgraph.domain import Account, AccountContactRelation, Contact
from contactgraph.errors import InvalidValueError, Severity, Violation
from contactgraph.graph import _fetch
from contactgraph.graph.commercial import account_reasons
from contactgraph.policies import Action, PolicySet
from contactgraph.policies import default as default_policies
from contactgraph.repos.protocol import StoreProtocol

__all__ = ["CutLink", "MoveResult", "move_contact"]


@attrs.frozen(slots=True)
class CutLink:
    """A reports-to link the move cut because it would cross accounts.

    Attributes:
        contact_id: The contact who lost its manager.
        manager_id: The manager it reported to.
    """

    contact_id: str
    manager_id: str


@attrs.frozen
class MoveResult:
    """What a move did, and what it left to look at.

    Attributes:
        contact: The contact as it now is, in its new account.
        from_account: The old account, saved.
        to_account: The new account, saved.
        history: The ended relation that keeps the contact's time at the old account.
        ended_relations: Other relations the move ended (one to the new
            account, which the contact now belongs to).
        cut_links: Reports-to links cut, the contact's own and its reports'.
        opportunity_ids: Opportunities where the contact keeps its role.
        case_ids: Cases it raised, left where they were.
        violations: What the policies of both accounts now report (warnings
            included), e.g. that the old account has no active contact left.
    """

    contact: Contact
    from_account: Account
    to_account: Account
    history: AccountContactRelation
    ended_relations: tuple[AccountContactRelation, ...] = ()
    cut_links: tuple[CutLink, ...] = ()
    opportunity_ids: tuple[str, ...] = ()
    case_ids: tuple[str, ...] = ()
    violations: tuple[Violation, ...] = ()

    @property
    def warnings(self) -> list[str]:
        """What the caller should know, for people: cut links and policy findings."""
        out = []
        for link in self.cut_links:
            who = (
                self.contact.full_name
                if link.contact_id == self.contact.id
                else _name(self.from_account, link.contact_id)
            )
            boss = (
                self.contact.full_name
                if link.manager_id == self.contact.id
                else _name(self.from_account, link.manager_id)
            )
            out.append(f"reports-to link cut: {who} no longer reports to {boss}")
        out.extend(v.message for v in self.violations)
        return out

    @property
    def old_account_left_without_active_contact(self) -> bool:
        return not any(c.active for c in self.from_account.contacts.values())

    @property
    def old_account_actionable(self) -> bool:
        """Whether some commercial action can still reach someone at the old account."""
        return any(not account_reasons(self.from_account, action) for action in Action)

    def __str__(self) -> str:
        head = (
            f"{self.contact.full_name} moved from {self.from_account.name} "
            f"to {self.to_account.name} on {self.history.end_date}"
        )
        return "\n".join([head, *(f"  warning: {w}" for w in self.warnings)])


def _name(account: Account, contact_id: str) -> str:
    contact = account.contacts.get(contact_id)
    return contact.full_name if contact is not None else contact_id


def _locked_source(store: StoreProtocol, contact_id: str, target_id: str) -> Account:
    """The contact's account, read after both accounts of the move are locked.

    Where writers run side by side (PostgreSQL), locking both accounts in id
    order before reading them means that two opposite moves queue instead of
    deadlocking, and that a move cannot lose to concurrent saves of either
    account once it has started: it reads them fresh under its lock. The
    contact may have moved before the lock was had: then lock its new
    account too (a few rounds at most; each one needs a move that committed).
    """
    lock = store.lock_accounts
    locked: set[str] = set()
    source = store.accounts.account_of(contact_id)
    for _ in range(_RELOCK_ROUNDS):
        if source.id in locked:
            break
        wanted = {source.id, target_id} - locked
        lock(wanted)
        locked |= wanted
        source = store.accounts.account_of(contact_id)
    return source


_RELOCK_ROUNDS = 5


def move_contact(
    store: StoreProtocol,
    contact_id: str,
    to_account: str | Account,
    on: date | None = None,
    *,
    rules: PolicySet[Account] | None = None,
) -> MoveResult:
    """Move a contact to ``to_account`` on ``on`` (default today), in one transaction.

    The old account becomes an ended relation, from the day the contact
    joined it (an existing active relation to it keeps its start; a move
    dated before the contact was recorded has no start) to ``on``;
    reports-to links that would cross accounts are cut and listed; opportunity
    roles and cases stay as they are; both accounts are checked again with
    ``rules`` (default :func:`contactgraph.policies.default`) and every
    finding is returned, not raised.

    Raises:
        InvalidValueError: ``to_account`` is neither an id (text) nor an Account.
        NotFoundError: the contact or the target account does not exist.
        PolicyViolationError: the contact already belongs to ``to_account``, or
            ``on`` falls before the contact's start at its account. Nothing
            is written.
    """
    day = on if on is not None else datetime.now(UTC).date()
    target_id = to_account.id if isinstance(to_account, Account) else to_account
    if not isinstance(target_id, str):
        raise InvalidValueError(
            "an account id (text) or an Account", field="to_account", value=to_account
        )
    with store.transaction():
        source = _locked_source(store, contact_id, target_id)
        target = store.accounts.get(target_id)
        contact = source.contact(contact_id)
        manager_id = contact.reports_to
        relations = store.relations.list(contact_id=contact_id)

        released, moved, cut = source.release_contact(contact_id, target.id)
        received = target.receive_contact(moved, source.id)

        existing = next((r for r in relations if r.account_id == source.id and r.is_active), None)
        if existing is not None:
            history = existing.end(day)
        else:
            joined = _fetch.joined_on(contact, relations)
            history = AccountContactRelation.create(
                source.id,
                contact_id,
                roles=(contact.decision_role,) if contact.decision_role else (),
                title=contact.title,
                is_active=False,
                start_date=joined if joined <= day else None,
                end_date=day,
            )
        ended = tuple(
            r.end(max(day, r.start_date or day))
            for r in relations
            if r.account_id == target.id and r.is_active
        )

        from_saved = store.accounts.save(released)
        to_saved = store.accounts.save(received)
        history = (
            store.relations.save(history) if existing is not None else store.relations.add(history)
        )
        ended = tuple(store.relations.save(r) for r in ended)
        opportunity_ids = tuple(o.id for o in store.opportunities.list(contact_id=contact_id))
        case_ids = tuple(k.id for k in store.cases.list(contact_id=contact_id))

    policy_set = rules if rules is not None else default_policies()
    found = [*policy_set.check(from_saved), *policy_set.check(to_saved)]
    for action in Action:  # is the old account still actionable?
        found.extend(
            attrs.evolve(v, severity=Severity.WARNING) for v in account_reasons(from_saved, action)
        )
    violations = tuple({(v.code, v.entity_id, v.message): v for v in found}.values())
    links = tuple(
        CutLink(cid, manager_id if cid == contact_id and manager_id else contact_id) for cid in cut
    )
    return MoveResult(
        contact=to_saved.contact(contact_id),
        from_account=from_saved,
        to_account=to_saved,
        history=history,
        ended_relations=ended,
        cut_links=links,
        opportunity_ids=opportunity_ids,
        case_ids=case_ids,
        violations=violations,
    )
