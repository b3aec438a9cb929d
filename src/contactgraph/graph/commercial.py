"""Commercial actions: send a contract, start a campaign, follow up an opportunity.

Each checks commercial readiness first and either returns the recipients or
raises :class:`~contactgraph.errors.PolicyViolationError` naming *every*
account that is not actionable, and why. Inactive contacts and contacts who
opted out of email never receive anything; a campaign also needs an address.
:func:`call_list` is the telephone counterpart: contacts who asked not to be
called (``do_not_call``), inactive ones and those without a number are left
out, each with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs

from contactgraph.domain import Account, Contact, DecisionRole, Opportunity, Phone
from contactgraph.errors import InvalidValueError, PolicyViolationError, Severity, Violation
from contactgraph.graph import _fetch
from contactgraph.policies import Action, require
from contactgraph.repos.protocol import StoreProtocol

__all__ = [
    "CallList",
    "Recipients",
    "Skipped",
    "call_list",
    "follow_up",
    "send_contract",
    "start_campaign",
    "why_not_call",
]

Target = str | Account | Contact
"""What a campaign may aim at: an account or a contact, as an object or an id."""


@attrs.frozen(slots=True)
class Skipped:
    """A contact the action was aimed at but will not reach.

    Attributes:
        contact: The contact.
        reason: Why (``"inactive"``, ``"opted out of email"``, ``"no email address"``).
    """

    contact: Contact
    reason: str


@attrs.frozen
class Recipients:
    """Who an action reaches: iterate it for the contacts.

    Attributes:
        action: The action.
        contacts: The recipients, by account name then contact name, each once.
        accounts: The accounts they belong to, by name.
        skipped: Contacts aimed at who will not be reached, with the reason.
    """

    action: Action
    contacts: tuple[Contact, ...]
    accounts: tuple[Account, ...] = ()
    skipped: tuple[Skipped, ...] = ()

    def __iter__(self) -> Iterator[Contact]:
        return iter(self.contacts)

    def __len__(self) -> int:
        return len(self.contacts)

    def __contains__(self, item: object) -> bool:
        key = item.id if isinstance(item, Contact) else item
        return any(c.id == key for c in self.contacts)

    @property
    def emails(self) -> list[str]:
        """The recipients' addresses (those who have one)."""
        return [c.email.address for c in self.contacts if c.email is not None]


def why_not(contact: Contact, action: Action) -> str | None:
    """Why ``contact`` cannot receive ``action``, or ``None`` when it can."""
    if not contact.active:
        return "inactive"
    if contact.email_opt_out:
        return "opted out of email"
    if action is Action.CAMPAIGN and contact.email is None:
        return "no email address"
    return None


def _violation(code: str, message: str, account: Account) -> Violation:
    return Violation(code, message, "contacts", account.id, Severity.ERROR, "commercial_readiness")


def account_reasons(account: Account, action: Action) -> list[Violation]:
    """Why ``action`` cannot reach anyone at ``account`` (empty when it can).

    The readiness policy's reasons, plus "every active contact opted out".
    """
    try:
        require(account, action)
    except PolicyViolationError as exc:
        return list(exc.errors)
    if not any(why_not(c, action) is None for c in account.contacts.values()):
        return [
            _violation(
                "readiness.no_consenting_contact",
                f"every active contact of {account.name} opted out: {action} reaches nobody",
                account,
            )
        ]
    return []


def _refuse(action: Action, violations: list[Violation], what: str) -> PolicyViolationError:
    accounts = {v.entity_id for v in violations if v.code != "campaign.unknown_target"}
    unknown = sum(1 for v in violations if v.code == "campaign.unknown_target")
    parts = [f"{len(accounts)} account(s) not actionable"] if accounts else []
    parts += [f"{unknown} unknown target(s)"] if unknown else []
    return PolicyViolationError(violations, f"{action} refused for {what}: " + ", ".join(parts))


def _left(store: StoreProtocol, account_id: str, foreign: dict[str, Contact]) -> set[str]:
    """The role contacts of another account who used to work at ``account_id`` (they moved)."""
    if not foreign:
        return set()
    ties: dict[str, list[bool]] = {}
    for r in _fetch.relations_of_contacts(store, foreign):
        if r.account_id == account_id:
            ties.setdefault(r.contact_id, []).append(r.is_active)
    return {cid for cid, active in ties.items() if not any(active)}


def _opportunity_action(
    store: StoreProtocol, opportunity: Opportunity | str, action: Action
) -> Recipients:
    if not isinstance(opportunity, Opportunity | str):
        raise InvalidValueError(
            "the opportunity is an Opportunity or its id", field="opportunity", value=opportunity
        )
    opp = store.opportunities.get(opportunity) if isinstance(opportunity, str) else opportunity
    account = store.accounts.get(opp.account_id)
    violations = account_reasons(account, action)
    contacts = {cid: account.contacts[cid] for cid in opp.contact_ids if cid in account.contacts}
    foreign = _fetch.contacts_by_id(store, [i for i in opp.contact_ids if i not in contacts])
    contacts.update(foreign)
    left = _left(store, account.id, foreign)
    order = {r: i for i, r in enumerate(DecisionRole)}
    if contacts:
        roles = sorted(
            (r for r in opp.contact_roles if r.contact_id in contacts),
            key=lambda r: (
                not r.is_primary,
                order.get(r.role, len(order)) if r.role else len(order),
                contacts[r.contact_id].name.sort_key,
            ),
        )
        candidates = [contacts[r.contact_id] for r in roles]
    else:
        candidates = account.sorted_contacts()

    def reason_for(contact: Contact) -> str | None:
        if contact.id in left:
            return f"left {account.name}"
        return why_not(contact, action)

    chosen = [c for c in candidates if reason_for(c) is None]
    skipped = tuple(Skipped(c, reason) for c in candidates if (reason := reason_for(c)) is not None)
    if not violations and not chosen:
        violations.append(
            _violation(
                "opportunity.no_reachable_contact",
                f"no contact with a role on {opp.name} can receive it: "
                + "; ".join(f"{s.contact.full_name} ({s.reason})" for s in skipped)
                + "; add an active contact role",
                account,
            )
        )
    if violations:
        raise _refuse(action, violations, f"opportunity {opp.name} ({opp.id})")
    return Recipients(action, tuple(chosen), (account,), skipped)


def send_contract(store: StoreProtocol, opportunity: Opportunity | str) -> Recipients:
    """Who a contract for ``opportunity`` goes to.

    The contacts with a role on the opportunity (primary first) who are
    active and have not opted out; when the opportunity has no contact role,
    the account's active, consenting contacts. A role contact who has since
    moved to another account (an ended relation to this one) is skipped.

    Raises:
        PolicyViolationError: the account is not actionable, or nobody on
            the opportunity can receive it; with every reason.
    """
    return _opportunity_action(store, opportunity, Action.SEND_CONTRACT)


def follow_up(store: StoreProtocol, opportunity: Opportunity | str) -> Recipients:
    """Who to follow ``opportunity`` up with; same rules as :func:`send_contract`."""
    return _opportunity_action(store, opportunity, Action.OPPORTUNITY_FOLLOW_UP)


def _targets(
    store: StoreProtocol, targets: Iterable[Target], what: str, label: str
) -> tuple[dict[str, Account], list[str], dict[str, Contact], list[Violation]]:
    """Accounts and contacts aimed at: the accounts read (by id), the ids aimed at as a
    whole, the contacts aimed at one by one (read again), and a violation per unknown id."""
    whole: list[str] = []
    people: list[str] = []
    unresolved: list[str] = []
    if isinstance(targets, str | bytes | Account | Contact) or not isinstance(targets, Iterable):
        raise InvalidValueError(
            "targets are a collection of accounts, contacts or ids", field="targets", value=targets
        )
    for target in targets:
        if isinstance(target, Account):
            whole.append(target.id)
        elif isinstance(target, Contact):
            people.append(target.id)
        elif isinstance(target, str):
            unresolved.append(target)
        else:
            raise InvalidValueError(
                f"a {label} target is an Account, a Contact or an id, not {type(target).__name__}",
                field="targets",
                value=target,
            )
    if not (whole or people or unresolved):
        raise PolicyViolationError(
            [Violation(f"{what}.no_target", f"a {label} needs at least one account or contact")],
            f"{label} refused",
        )
    found = _fetch.accounts_by_id(store, [*whole, *unresolved])
    missing_accounts = [i for i in whole if i not in found]
    people += [i for i in unresolved if i not in found]
    whole += [i for i in unresolved if i in found]
    contacts = _fetch.contacts_by_id(store, people)
    owners = {c.account_id for c in contacts.values()} - set(found)
    found.update(_fetch.accounts_by_id(store, owners))
    violations: list[Violation] = [
        Violation(
            f"{what}.unknown_target",
            f"no account or contact has the id {key!r}",
            None,
            key,
            Severity.ERROR,
            "commercial_readiness",
        )
        for key in dict.fromkeys([*missing_accounts, *(i for i in people if i not in contacts)])
    ]
    return found, list(dict.fromkeys(whole)), contacts, violations


def start_campaign(store: StoreProtocol, targets: Iterable[Target]) -> Recipients:
    """The recipients of an email campaign aimed at accounts and contacts.

    ``targets`` mixes accounts and contacts, as objects or ids. An account
    reaches every contact of it who can receive email; a contact reaches
    itself if it can. Contacts are read again from the store, so a copy
    deactivated since is not reached. Costs a bounded number of calls.

    Raises:
        PolicyViolationError: listing every account that is not actionable
            (no active contact, nobody who can receive email, or none of
            the contacts aimed at reachable) and every unknown id.
    """
    action = Action.CAMPAIGN
    found, whole, contacts, violations = _targets(store, targets, "campaign", "campaign")
    chosen: dict[str, dict[str, Contact]] = {}
    skipped: list[Skipped] = []
    for account_id in dict.fromkeys(whole):
        account = found[account_id]
        reasons = account_reasons(account, action)
        violations.extend(reasons)
        if not reasons:
            picked = chosen.setdefault(account_id, {})
            for contact in account.contacts.values():
                if why_not(contact, action) is None:
                    picked[contact.id] = contact
    aimed: dict[str, list[Contact]] = {}
    for contact in contacts.values():
        if contact.account_id not in chosen or contact.id not in chosen[contact.account_id]:
            aimed.setdefault(contact.account_id, []).append(contact)
    for account_id, group in aimed.items():
        account = found[account_id]
        reachable = [c for c in group if why_not(c, action) is None]
        missed = [Skipped(c, r) for c in group if (r := why_not(c, action)) is not None]
        skipped.extend(missed)
        if reachable:
            picked = chosen.setdefault(account_id, {})
            picked.update((c.id, c) for c in reachable)
        elif account_id not in chosen:
            violations.append(
                _violation(
                    "campaign.no_reachable_target",
                    f"none of the contacts aimed at in {account.name} can receive email: "
                    + "; ".join(f"{s.contact.full_name} ({s.reason})" for s in missed),
                    account,
                )
            )
    if violations:
        raise _refuse(action, violations, "campaign")
    accounts = sorted((found[i] for i in chosen), key=lambda a: (a.name.casefold(), a.id))
    recipients = tuple(c for a in accounts for c in a.sorted_contacts(chosen[a.id].values()))
    return Recipients(action, recipients, tuple(accounts), tuple(skipped))


# ---------------------------------------------------------------- call lists


def why_not_call(contact: Contact) -> str | None:
    """Why ``contact`` must not be on a call list, or ``None`` when it may."""
    if not contact.active:
        return "inactive"
    if contact.do_not_call:
        return "asked not to be called"
    if contact.phone is None and contact.mobile is None:
        return "no phone number"
    return None


@attrs.frozen
class CallList:
    """Who may be called: iterate it for the contacts.

    Attributes:
        contacts: The contacts to call, by account name then contact name, each once.
        accounts: The accounts they belong to, by name.
        skipped: Contacts aimed at who must not or cannot be called, with the reason.
    """

    contacts: tuple[Contact, ...]
    accounts: tuple[Account, ...] = ()
    skipped: tuple[Skipped, ...] = ()

    def __iter__(self) -> Iterator[Contact]:
        return iter(self.contacts)

    def __len__(self) -> int:
        return len(self.contacts)

    def __contains__(self, item: object) -> bool:
        key = item.id if isinstance(item, Contact) else item
        return any(c.id == key for c in self.contacts)

    @property
    def numbers(self) -> list[tuple[Contact, Phone]]:
        """Each contact with the number to dial (the phone, else the mobile)."""
        out: list[tuple[Contact, Phone]] = []
        for c in self.contacts:
            number = c.phone or c.mobile
            if number is not None:
                out.append((c, number))
        return out


def call_list(store: StoreProtocol, targets: Iterable[Target]) -> CallList:
    """The contacts to call among accounts and contacts aimed at.

    ``targets`` mixes accounts and contacts, as objects or ids, as for
    :func:`start_campaign`. An account brings every contact of it who may be
    called; a contact brings itself if it may. A contact who asked not to be
    called, an inactive one or one without a number is never on the list; it
    is in ``skipped`` with the reason. Contacts are read again from the store,
    so a copy changed since does not count. Costs a bounded number of calls.

    Raises:
        PolicyViolationError: no target, or unknown ids (every one named).
    """
    found, whole, contacts, violations = _targets(store, targets, "call_list", "call list")
    if violations:
        raise PolicyViolationError(
            violations, f"call list refused: {len(violations)} unknown target(s)"
        )
    aimed: dict[str, Contact] = {}
    for account_id in whole:
        aimed.update(found[account_id].contacts)
    aimed.update(contacts)
    chosen: dict[str, list[Contact]] = {}
    skipped: list[Skipped] = []
    for contact in aimed.values():
        reason = why_not_call(contact)
        if reason is None:
            chosen.setdefault(contact.account_id, []).append(contact)
        else:
            skipped.append(Skipped(contact, reason))
    accounts = sorted((found[i] for i in chosen), key=lambda a: (a.name.casefold(), a.id))
    callees = tuple(c for a in accounts for c in a.sorted_contacts(chosen[a.id]))
    skipped.sort(key=lambda s: (s.contact.name.sort_key, s.contact.id))
    return CallList(callees, tuple(accounts), tuple(skipped))
