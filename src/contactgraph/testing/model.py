"""The plain model the stateful machines compare a store with.

:class:`Model` holds what a store should hold as dicts, and predicts the
result or refusal of every operation. It stays independent of the code it
checks: its look-ups are written here again with plain loops and string
methods, never with :mod:`contactgraph.repos.keys` (the matching and ordering
the backends share), so that a bug there shows as a disagreement.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from contactgraph.domain import Account, Case, Contact, Email, Opportunity
from contactgraph.errors import ContactGraphError, PolicyViolationError

__all__ = ["Model", "Outcome", "fold", "outcome", "refused", "search"]


# ------------------------------------------------------------------ outcomes


@attrs.frozen
class Outcome:
    """What an operation gave: a value, or an error's type and codes."""

    value: Any = None
    error: str | None = None
    codes: frozenset[str] = frozenset()

    def __str__(self) -> str:
        if self.error is None:
            return f"ok {self.value!r}"[:300]
        return f"{self.error} {sorted(self.codes)}"


def outcome(action: Callable[[], Any]) -> Outcome:
    """Run ``action``; contactgraph errors become outcomes, anything else propagates."""
    try:
        return Outcome(value=action())
    except PolicyViolationError as exc:
        return Outcome(error="PolicyViolationError", codes=frozenset(exc.codes))
    except ContactGraphError as exc:
        return Outcome(error=type(exc).__name__)


def refused(*codes: str) -> Outcome:
    return Outcome(error="PolicyViolationError", codes=frozenset(codes))


# -------------------------------------------------------------------- model


class Model:
    """What a store should hold, as plain dicts, and what each operation should give."""

    def __init__(self, allow_foreign_contact_roles: bool = False) -> None:
        self.accounts: dict[str, Account] = {}
        self.history: dict[str, list[Account]] = {}
        self.opportunities: dict[str, Opportunity] = {}
        self.cases: dict[str, Case] = {}
        self.allow_foreign = allow_foreign_contact_roles

    def owner(self, contact_id: str) -> str | None:
        for account in self.accounts.values():
            if contact_id in account.contacts:
                return account.id
        return None

    def contacts(self) -> list[Contact]:
        return [c for a in self.accounts.values() for c in a.contacts.values()]

    def _keep(self, account: Account) -> Account:
        self.history.setdefault(account.id, []).append(account)
        self.accounts[account.id] = account
        return account

    # ------------------------------------------------------------- accounts

    def add_refusal(self, account: Account) -> Outcome | None:
        if account.id in self.accounts or any(self.owner(c) for c in account.contacts):
            return refused("id.duplicate")
        return None

    def add_account(self, account: Account) -> Outcome:
        refusal = self.add_refusal(account)
        if refusal is not None:
            return refusal
        return Outcome(self._keep(account.committed(1)))

    def save_account(self, account: Account) -> Outcome:
        if not account.pending_events:
            return Outcome(account)
        stored = self.accounts.get(account.id)
        if (
            stored is None
            or stored.version != account.version
            or stored.created_at != account.created_at
        ):
            return Outcome(error="ConcurrencyError")
        for cid in account.touched_contact_ids():
            if cid in account.contacts and cid not in stored.contacts and self.owner(cid):
                return refused("id.duplicate")
        gone = {c for c in stored.contacts if c not in account.contacts}
        codes = set()
        for opp in self.opportunities.values():
            if opp.is_open and opp.primary_contact_id in gone:
                codes.add("contact.primary_on_open_opportunity")
        for case in self.cases.values():
            if case.is_open and case.contact_id in gone:
                codes.add("contact.has_open_cases")
        if codes:
            return refused(*codes)
        return Outcome(self._keep(account.committed(account.version + 1)))

    def remove_account(self, account_id: str) -> Outcome:
        account = self.accounts.get(account_id)
        if account is None:
            return Outcome(error="NotFoundError")
        mine = set(account.contacts)
        if any(
            o.account_id == account_id or mine & set(o.contact_ids)
            for o in self.opportunities.values()
        ) or any(c.account_id == account_id or c.contact_id in mine for c in self.cases.values()):
            return refused("account.referenced")
        del self.accounts[account_id]
        return Outcome(None)

    # ------------------------------------------------------ other aggregates

    def _role_codes(self, opp: Opportunity, contact_ids: Iterable[str]) -> set[str]:
        codes = set()
        for cid in contact_ids:
            holder = self.owner(cid)
            if holder is None:
                codes.add("contact_roles.unknown_contact")
            elif holder != opp.account_id and not self.allow_foreign:
                codes.add("contact_roles.foreign_contact")
        return codes

    def add_opportunity(self, opp: Opportunity) -> Outcome:
        if opp.id in self.opportunities:
            return refused("id.duplicate")
        if opp.account_id not in self.accounts:
            return refused("account_id.unknown")
        codes = self._role_codes(opp, opp.contact_ids)
        if codes:
            return refused(*codes)
        self.opportunities[opp.id] = opp.committed(1)
        return Outcome(self.opportunities[opp.id])

    def save_opportunity(self, opp: Opportunity, new_roles: Iterable[str]) -> Outcome:
        stored = self.opportunities.get(opp.id)
        if stored is None or stored.version != opp.version:
            return Outcome(error="ConcurrencyError")
        codes = self._role_codes(opp, new_roles)
        if codes:
            return refused(*codes)
        self.opportunities[opp.id] = opp.committed(opp.version + 1)
        return Outcome(self.opportunities[opp.id])

    def add_case(self, case: Case) -> Outcome:
        if case.id in self.cases:
            return refused("id.duplicate")
        if case.account_id not in self.accounts:
            return refused("account_id.unknown")
        if case.contact_id is not None and self.owner(case.contact_id) != case.account_id:
            return refused("contact_id.not_of_account")
        self.cases[case.id] = case.committed(1)
        return Outcome(self.cases[case.id])

    def save_case(self, case: Case) -> Outcome:
        stored = self.cases.get(case.id)
        if stored is None or stored.version != case.version:
            return Outcome(error="ConcurrencyError")
        self.cases[case.id] = case.committed(case.version + 1)
        return Outcome(self.cases[case.id])

    # -------------------------------------------------------------- queries

    def find(self, criteria: Mapping[str, Any], limit: int | None = None) -> list[Contact]:
        """What ``find_contacts(limit=limit, **criteria)`` should give, by a plain scan."""
        if limit == 0:
            return []
        found = [
            contact
            for contact in self.contacts()
            if all(_meets(contact, field, term) for field, term in criteria.items())
        ]
        found.sort(key=_by_name)
        return found if limit is None else found[:limit]

    def search(self, text: str, limit: int) -> list[Contact]:
        """What ``search_contacts(text, limit=limit)`` should give."""
        return search(self.contacts(), text, limit)[0]


# ------------------------------------------------------------ search


def _number(stored: str) -> str:
    """What search finds of a stored phone: E.164 without ``+``, or the digits an
    unverified phone (``unverified:44 27 44 27``) was typed with."""
    if stored.startswith("unverified:"):
        return "".join(ch for ch in stored if ch in string.digits)
    return stored[1:]


def search(contacts: Iterable[Contact], text: str, limit: int) -> tuple[list[Contact], int]:
    """What ``store.accounts.search(text, limit=limit)`` should give: (contacts, total).

    Three or more characters (folded): a part of the full name, the email
    or a phone's digits (a phone-like text also by its digits), ranked
    exact email/phone, last-name start, full-name start, anywhere. One or
    two: the start of the last name, first name or email.
    """
    needle = fold(text)
    unstorable = any(ch == "\x00" or "\ud800" <= ch <= "\udfff" for ch in text)
    if not needle or unstorable or len(text) > 1000:
        return [], 0
    phone_like = all(ch in "0123456789+-.()/ " for ch in text.strip())
    digits = "".join(ch for ch in text if ch in string.digits) if phone_like else ""
    digits = digits[1:] if digits.startswith("0") else digits  # national trunk prefix
    digits = digits if len(digits) >= 3 else ""
    ranked = []
    for contact in contacts:
        full, last = fold(_full_name(contact)), fold(contact.last_name)
        first = fold(contact.first_name or "")
        email = fold(contact.email.address) if contact.email is not None else ""
        numbers = [_number(p.e164) for p in (contact.phone, contact.mobile) if p is not None]
        if len(needle) < 3:
            hits = [last.startswith(needle), full.startswith(needle)]
            hits.append(first.startswith(needle) or email.startswith(needle))
            rank = hits.index(True) + 1 if any(hits) else None
        elif needle == email or (digits or needle) in numbers:
            rank = 0
        elif last.startswith(needle):
            rank = 1
        elif full.startswith(needle):
            rank = 2
        else:
            fields = [full, email, *numbers]
            found = any(needle in f for f in fields)
            found = found or (digits != "" and any(digits in f for f in fields))
            rank = 3 if found else None
        if rank is not None:
            ranked.append(((rank, *_by_name(contact)), contact))
    ranked.sort(key=lambda pair: pair[0])
    return [contact for _, contact in ranked[:limit]], len(ranked)


# ------------------------------------------------------------ plain look-ups
#
# Written again from the documented meaning of each look-up, with loops and
# string methods, and never with the store's own matching or ordering
# functions (contactgraph.repos.keys): a bug there must make the store and
# this model disagree. The terms are the ones the machines draw (text taken
# from stored contacts, phones already in E.164).

_STROKED = {
    "ı": "i",
    "ł": "l",
    "ø": "o",
    "đ": "d",
    "ð": "d",
    "ħ": "h",
    "æ": "ae",
    "œ": "oe",
    "þ": "th",
}


def fold(text: str) -> str:
    """``text`` with case, accents and repeated white space ignored: "Hélène" is "helene"."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    letters = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        letters.append(_STROKED.get(char, char))
    return " ".join("".join(letters).split())


def _full_name(contact: Contact) -> str:
    parts = [contact.first_name, contact.middle_name, contact.last_name, contact.suffix]
    return " ".join(part for part in parts if part)


def _names(contact: Contact) -> set[str]:
    """The names a name look-up accepts: last, first, full, "first last", "last first"."""
    last, first = contact.last_name, contact.first_name
    names = {fold(last), fold(_full_name(contact))}
    if first:
        names |= {fold(first), fold(f"{first} {last}"), fold(f"{last} {first}")}
    names.discard("")
    return names


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _ascii_lower(text: str) -> str:
    """Only A-Z lower-cased: distinct mailboxes (``straße``, ``ſam``) stay distinct."""
    return text.translate(_ASCII_LOWER)


def _emails(contact: Contact) -> set[str]:
    addresses = [contact.email, *contact.alternate_emails]
    return {_ascii_lower(a.address) for a in addresses if a is not None}


def _email_term(term: str) -> str | None:
    """The address a look-up term stands for, as an Email stores it; None if it is none."""
    try:
        return _ascii_lower(Email(term).address)
    except ContactGraphError:
        return None


def _phones(contact: Contact) -> set[str]:
    numbers = [contact.phone, contact.mobile, *contact.alternate_phones]
    return {n.e164 for n in numbers if n is not None}


def _meets(contact: Contact, field: str, term: Any) -> bool:
    if field == "email":
        return _email_term(term) in _emails(contact)
    if field == "phone":
        return "".join(c for c in term if c == "+" or c.isdigit()) in _phones(contact)
    if field == "name":
        return fold(term) in _names(contact)
    if field in ("title", "department"):
        return fold(getattr(contact, field) or "") == fold(term)
    if field == "active":
        return contact.active is term
    if field == "account_id":
        return bool(contact.account_id == term)
    raise ValueError(f"the model knows no look-up by {field!r}")


def _by_name(contact: Contact) -> tuple[str, str, str, str]:
    """Last name, first name, middle name (case and accents ignored), then id."""
    return (
        fold(contact.last_name),
        fold(contact.first_name or ""),
        fold(contact.middle_name or ""),
        contact.id,
    )
