"""The duplicate rules' save check: candidates from the indexes, judged one by one.

:class:`DuplicateCheck` is the :class:`~contactgraph.repos.checks.SaveCheck`
the store installs when its :class:`~contactgraph.rules.DuplicateRules` check
anything. On each account write it looks at what the write makes new: a
contact added or moved in (not by a merge or its undo), or one whose names,
emails, phones or birthdate changed; an
account added, or one whose name, website, phone or external ids changed.
It never scans the store: candidates come from the store's indexes (email,
phone, name, search) and from the other records of the same write, a few
per record; then each candidate is judged (scored with fixed weights, or by
exact keys) and the rule alerts or blocks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from contactgraph.domain import Account, Contact, Phone
from contactgraph.domain.events import (
    AccountUpdated,
    ContactAdded,
    ContactEvent,
    ContactMovedIn,
    ContactUpdated,
)
from contactgraph.domain.phones import UNVERIFIED_MARK
from contactgraph.domain.text import match_key
from contactgraph.errors import MissingDependencyError, Severity, Violation
from contactgraph.matching.comparisons import PHONE_TAIL_DIGITS
from contactgraph.repos.checks import SaveWarning, rearranging_now
from contactgraph.repos.protocol import StoreProtocol
from contactgraph.rules.policy import (
    DuplicateBlockedError,
    DuplicateCandidate,
    DuplicateRule,
    DuplicateRules,
    DuplicateWarning,
)

__all__ = ["CONTACT_KEY_FIELDS", "DuplicateCheck"]

CONTACT_KEY_FIELDS = frozenset(
    {"first_name", "last_name", "email", "alternate_emails", "phone", "mobile",
     "alternate_phones", "birthdate"}
)  # fmt: skip
"""A contact changed in one of these is checked again."""

ACCOUNT_KEY_FIELDS = frozenset({"name", "website", "phone", "external_ids"})
"""An account changed in one of these is checked again."""

SEARCH_LIMIT = 25
"""Contacts read per index look-up."""

ACCOUNT_LIMIT = 10
"""Accounts read per search (each comes with its contacts)."""

MIN_PHONE_SEARCH = 6
"""National digits a phone needs to be searched for as digits (shorter ones would find
every number that holds them)."""

PHONE_TAIL = PHONE_TAIL_DIGITS
"""Digits of a number's end searched for (what detection groups numbers by): a trunk
prefix, or a national prefix rule (``011 15-2345-6789`` is ``+54 9 11 2345-6789``), changes
how a number begins, not its end."""

_NON_WORD = re.compile(r"[^0-9a-z]+")

POLICY = "duplicate_rules"


def _changed(changes: Iterable[Any], fields: frozenset[str]) -> bool:
    return any(c.field in fields for c in changes)


def contacts_to_check(account: Account, *, added: bool) -> list[Contact]:
    """The contacts of ``account`` that this write makes new: added, moved in from another
    account, or changed in a key field.

    A contact moved in by a merge or its undo (:func:`~contactgraph.repos.checks.rearranging`)
    is not new: a merge puts records together, and a later change to it in the same
    write is not checked either.
    """
    if added:
        return list(account.contacts.values())
    wanted: dict[str, bool] = {}
    moves_are_new = not rearranging_now()
    for event in account.pending_events:
        if not isinstance(event, ContactEvent) or event.contact_id not in account.contacts:
            continue
        if isinstance(event, ContactAdded) or (
            isinstance(event, ContactUpdated) and _changed(event.changes, CONTACT_KEY_FIELDS)
        ):
            wanted.setdefault(event.contact_id, True)
        elif isinstance(event, ContactMovedIn):
            wanted.setdefault(event.contact_id, moves_are_new)
    return [account.contacts[c] for c, check in wanted.items() if check]


def account_to_check(account: Account, *, added: bool) -> bool:
    """Whether this write makes the account itself new: added, or changed in a key field."""
    return added or any(
        isinstance(e, AccountUpdated) and _changed(e.changes, ACCOUNT_KEY_FIELDS)
        for e in account.pending_events
    )


def _contact_candidates(
    store: StoreProtocol, account: Account, contact: Contact, others: Sequence[Contact]
) -> dict[str, Contact]:
    """Stored contacts sharing an email, a phone or a name with ``contact``, and its
    fellow new contacts of the same write that share one (a few index look-ups)."""
    found: dict[str, Contact] = {}
    accounts = store.accounts
    for email in (contact.email, *contact.alternate_emails):
        if email is not None:
            found.update(
                (c.id, c) for c in accounts.find_contacts(email=email.address, limit=SEARCH_LIMIT)
            )
    regions = _regions(account, contact)
    for phone in _phones(contact):
        forms = _stored_forms(phone, regions)
        for form in forms:  # whole stored texts, alternates too
            found.update(
                (c.id, c)
                for c in accounts.find_contacts(phone=form, limit=SEARCH_LIMIT)
                if any(phone.same_number(p) for p in _phones(c))
            )
        for line in _lines(forms):
            # the number bare or with any extension, alternates too (the look-ups by
            # whole text above stay: on a switchboard line with more than SEARCH_LIMIT
            # extensions, they still find this very extension)
            found.update(
                (c.id, c)
                for c in accounts.find_contacts_on_line(line, limit=SEARCH_LIMIT)
                if any(phone.same_number(p) for p in _phones(c))
            )
        needle = _phone_needle(phone)
        if needle is not None:
            # the number written otherwise (with an extension, unverified): the search
            # index holds each phone's and mobile's digits
            found.update(
                (c.id, c)
                for c in accounts.search_contacts(needle, limit=SEARCH_LIMIT)
                if any(phone.same_number(p) for p in _phones(c))
            )
    found.update(
        (c.id, c) for c in accounts.find_contacts(name=contact.full_name, limit=SEARCH_LIMIT)
    )
    if contact.last_name:
        found.update(
            (c.id, c) for c in accounts.search_contacts(contact.last_name, limit=SEARCH_LIMIT)
        )
    mine = _keys(contact)
    found.update((c.id, c) for c in others if _keys(c) & mine)
    touched = account.touched_contact_ids()
    out: dict[str, Contact] = {}
    for cid, candidate in found.items():
        if cid == contact.id:
            continue
        if cid in touched or candidate.account_id == account.id:
            current = account.contacts.get(cid)
            if current is None:
                continue  # removed by this very write
            out[cid] = current
        else:
            out[cid] = candidate
    return out


def _regions(account: Account, contact: Contact) -> list[str]:
    """Where the write places national numbers: the contact's mailing country, the
    account's default region, the region of the account's own phone."""
    found = [
        contact.mailing_address.region if contact.mailing_address is not None else None,
        account.default_region,
        account.phone.region if account.phone is not None else None,
    ]
    return list(dict.fromkeys(r for r in found if r and r != "ZZ"))


def _stored_forms(phone: Phone, regions: Sequence[str]) -> list[str]:
    """Stored texts ``phone`` may be held as, for look-ups that compare the whole text (and
    reach alternate phones, which the search index does not hold): itself; a verified
    number bare, and as libphonenumber writes it nationally, kept unverified (how an
    import without a region keeps ``01 44 27 44 27``); an unverified one placed in
    ``regions``. The verified forms (``+…``) are also looked up by their line (any
    extension); a number typed otherwise is found by the search (phone and mobile) only."""
    forms = [phone.e164]
    if phone.verified:
        forms.append(phone.number)
        national = Phone.trusted(phone.number).national
        if national and not national.startswith("+"):
            forms.append(UNVERIFIED_MARK + national)
    else:
        for region in regions:
            placed = phone.place(region, strict=False)
            if placed.verified:
                forms.append(placed.e164)
                forms.append(placed.number)
    return list(dict.fromkeys(forms))


def _lines(forms: Sequence[str]) -> list[str]:
    """The lines (bare E.164) among stored ``forms``: a look-up of each finds the
    number stored bare or with any extension, as phone, mobile or alternate."""
    return list(dict.fromkeys(f.partition(";")[0] for f in forms if f.startswith("+")))


def _phone_needle(phone: Phone) -> str | None:
    """The digits searched for to find ``phone`` written otherwise: its national digits'
    last :data:`PHONE_TAIL`; ``None`` when it has fewer than :data:`MIN_PHONE_SEARCH`."""
    digits = phone.national_digits
    return digits[-PHONE_TAIL:] if len(digits) >= MIN_PHONE_SEARCH else None


def _phones(contact: Contact) -> list[Phone]:
    return [p for p in (contact.phone, contact.mobile, *contact.alternate_phones) if p is not None]


def _same_phone(a: Iterable[Phone], b: Iterable[Phone]) -> bool:
    others = list(b)
    return any(x.same_number(y) for x in a for y in others)


def _keys(contact: Contact) -> set[str]:
    keys = {"n:" + match_key(contact.last_name)} if contact.last_name else set()
    keys.update("e:" + e.key for e in (contact.email, *contact.alternate_emails) if e is not None)
    keys.update("p:" + p.national_digits for p in _phones(contact) if p.national_digits)
    return keys


def _account_candidates(store: StoreProtocol, account: Account) -> dict[str, Account]:
    found: dict[str, Account] = {a.id: a for a in store.accounts.find_by_name(account.name)}
    words = [w for w in _NON_WORD.split(match_key(account.name)) if len(w) >= 3]
    needles = words[:1]  # the first word: "ACME SA" finds "Acme Inc."
    if account.website:
        host = account.website.split("://", 1)[-1].split("/", 1)[0].removeprefix("www.")
        needles.append(host)
    needle = _phone_needle(account.phone) if account.phone is not None else None
    if needle is not None:
        needles.append(needle)  # found however it was written
    for needle in needles:
        found.update(
            (a.id, a) for a in store.accounts.search_accounts(needle, limit=ACCOUNT_LIMIT).accounts
        )
    for system, value in account.external_ids.items():
        other = store.accounts.find_by_external_id(system, value)
        if other is not None:
            found[other.id] = other
    found.pop(account.id, None)
    return found


# ------------------------------------------------------------------ judging


class _Scored:
    """Judges candidates with :mod:`contactgraph.matching` (fixed weights)."""

    def __init__(self, threshold: float) -> None:
        try:
            from contactgraph.matching import single
        except ImportError as exc:
            raise MissingDependencyError(
                f"scored duplicate rules need the 'duplicates' extra ({exc.name} is missing): "
                "pip install 'contactgraph[duplicates]', or use "
                "DuplicateRules(..., matcher='exact')"
            ) from exc
        self._single = single
        self.threshold = threshold

    def contacts(
        self, account: Account, contact: Contact, candidates: Sequence[Contact]
    ) -> list[DuplicateCandidate]:
        pairs = [(c, account.name if c.account_id == account.id else "") for c in candidates]
        by_id = {c.id: c for c in candidates}
        matches = self._single.score_contact(contact, account.name, pairs, threshold=self.threshold)
        return [
            DuplicateCandidate(
                m.ids[1], by_id[m.ids[1]].full_name, round(m.score, 6), _evidence(m.reasons)
            )
            for m in matches
        ]

    def accounts(self, account: Account, candidates: Sequence[Account]) -> list[DuplicateCandidate]:
        by_id = {a.id: a for a in candidates}
        matches = self._single.score_account(account, candidates, threshold=self.threshold)
        return [
            DuplicateCandidate(
                m.ids[1], by_id[m.ids[1]].name, round(m.score, 6), _evidence(m.reasons)
            )
            for m in matches
        ]


def _evidence(reasons: Iterable[Any]) -> tuple[str, ...]:
    return tuple(f"{r.field}: {r.level}" for r in reasons if r.weight > 0)


class _Exact:
    """Judges candidates by exact keys only: needs no optional dependency."""

    def contacts(
        self, account: Account, contact: Contact, candidates: Sequence[Contact]
    ) -> list[DuplicateCandidate]:
        emails = {e.key for e in (contact.email, *contact.alternate_emails) if e is not None}
        phones = _phones(contact)
        name = match_key(contact.full_name)
        out = []
        for c in sorted(candidates, key=lambda c: c.id):
            reasons = []
            if emails & {e.key for e in (c.email, *c.alternate_emails) if e is not None}:
                reasons.append("email: same address")
            if _same_phone(phones, _phones(c)):
                reasons.append("phone: same number")
            if c.account_id == contact.account_id and match_key(c.full_name) == name:
                reasons.append("name: same full name in the same account")
            if reasons:
                out.append(DuplicateCandidate(c.id, c.full_name, 1.0, tuple(reasons)))
        return out

    def accounts(self, account: Account, candidates: Sequence[Account]) -> list[DuplicateCandidate]:
        out = []
        shared_ids = set(account.external_ids.items())
        for a in sorted(candidates, key=lambda a: a.id):
            reasons = []
            if shared_ids & set(a.external_ids.items()):
                reasons.append("external_ids: shared id")
            if match_key(a.name) == match_key(account.name) and not _conflict(account, a):
                reasons.append("name: same name")
            if reasons:
                out.append(DuplicateCandidate(a.id, a.name, 1.0, tuple(reasons)))
        return out


def _conflict(a: Account, b: Account) -> bool:
    """Whether two accounts of one name give different websites or phones."""
    sites = {match_key(x.website.split("://", 1)[-1]).removeprefix("www.").rstrip("/")
             for x in (a, b) if x.website}  # fmt: skip
    phones = a.phone is not None and b.phone is not None and not a.phone.same_number(b.phone)
    return (len(sites) > 1) or phones


# -------------------------------------------------------------------- check


class DuplicateCheck:
    """The save check of one store's :class:`DuplicateRules`.

    Raises:
        MissingDependencyError: at construction, for ``matcher="scored"``
            without the ``contactgraph[duplicates]`` extra.
    """

    def __init__(self, rules: DuplicateRules) -> None:
        self.rules = rules
        self._judge: _Scored | _Exact = (
            _Scored(rules.threshold) if rules.matcher == "scored" else _Exact()
        )

    def __repr__(self) -> str:
        return f"DuplicateCheck({self.rules!r})"

    def __call__(
        self, store: StoreProtocol, account: Account, *, added: bool
    ) -> Sequence[SaveWarning]:
        found: list[DuplicateWarning] = []
        if self.rules.accounts is not DuplicateRule.allow and account_to_check(
            account, added=added
        ):
            candidates = self._judge.accounts(
                account, list(_account_candidates(store, account).values())
            )
            if candidates:
                found.append(
                    DuplicateWarning("account", account.id, account.name, tuple(candidates))
                )
        if self.rules.contacts is not DuplicateRule.allow:
            checked = contacts_to_check(account, added=added)
            seen: set[tuple[str, str]] = set()
            for contact in checked:
                pool = _contact_candidates(store, account, contact, checked)
                judged = [
                    c
                    for c in self._judge.contacts(account, contact, list(pool.values()))
                    if (c.id, contact.id) not in seen
                ]
                seen.update((contact.id, c.id) for c in judged)
                if judged:
                    found.append(
                        DuplicateWarning("contact", contact.id, contact.full_name, tuple(judged))
                    )
        blocked = [
            w
            for w in found
            if (self.rules.contacts if w.kind == "contact" else self.rules.accounts)
            is DuplicateRule.block
        ]
        if blocked:
            raise DuplicateBlockedError(
                [_violation(w, c) for w in blocked for c in w.candidates],
                "duplicate rule: refused, nothing was written",
                blocked,
            )
        return found


def _violation(warning: DuplicateWarning, candidate: DuplicateCandidate) -> Violation:
    return Violation(
        f"duplicate.{warning.kind}",
        f"{warning.kind} {warning.label} ({warning.record_id}) looks like {candidate}",
        "id",
        warning.record_id,
        Severity.ERROR,
        POLICY,
    )
