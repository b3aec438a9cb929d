"""Finding a record the way people name it: by id, by name, or by email for a contact.

A name is matched ignoring case and accents (``"acme sa"`` finds "ACME SA");
when several records share it, one whose name is written exactly as given
wins, and otherwise :class:`AmbiguousNameError` lists every candidate with
what tells them apart (city, type, number of contacts, account, id). A name
that matches nothing raises :class:`UnknownNameError`, a
:class:`~contactgraph.errors.NotFoundError` that suggests the closest names
(``"acme"`` suggests "ACME SA")::

    acme = find_account(store, "acme sa")
    alice = find_contact(store, "alice.martin@acme.example.fr")
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar

import attrs

from contactgraph.domain import Account, Case, Contact, Opportunity, match_key
from contactgraph.errors import ContactGraphError, InvalidValueError, NotFoundError
from contactgraph.repos.protocol import StoreProtocol

__all__ = [
    "AmbiguousNameError",
    "Candidate",
    "UnknownNameError",
    "find_account",
    "find_case",
    "find_contact",
    "find_opportunity",
    "search_accounts",
]

MAX_CANDIDATES = 10
"""How many candidates or suggestions an error carries at most."""

MAX_KEY_LENGTH = 1000
"""Longer keys are refused before any search (no stored name or email is that long)."""

_PAGE = 500

_ALL = 2**62
"""The largest limit a store takes: ``search_accounts(limit=None)`` asks for every match."""

R = TypeVar("R", Account, Contact, Opportunity, Case)


@attrs.frozen(slots=True)
class Candidate:
    """One record a name may mean, with what tells it apart from the others.

    Attributes:
        kind: ``"Account"``, ``"Contact"``, ``"Opportunity"`` or ``"Case"``.
        id: The record's id (always unique: pass it instead of the name).
        name: Its name (a case's subject).
        details: Distinguishing facts as (label, value) pairs, e.g.
            ``("city", "Lyon")``, ``("contacts", "5")``.
    """

    kind: str
    id: str
    name: str
    details: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        facts = [f"{label} {value}" for label, value in self.details]
        return f"{self.name} ({', '.join([*facts, f'id {self.id}'])})"


class AmbiguousNameError(ContactGraphError, LookupError):
    """A name that several records share: pick one by id.

    Attributes:
        kind: What was looked for (``"Account"``, ``"Contact"``…).
        key: The name as given.
        candidates: The records it may mean (at most :data:`MAX_CANDIDATES`).
        total: How many records it matched in all.
    """

    def __init__(self, kind: str, key: str, candidates: Sequence[Candidate], total: int) -> None:
        self.kind = kind
        self.key = key
        self.candidates = tuple(candidates)
        self.total = total
        shown = "; ".join(str(c) for c in self.candidates)
        more = f"; … and {total - len(self.candidates)} more" if total > len(candidates) else ""
        super().__init__(f"{total} {kind.lower()}s match {key!r}; name one by id: {shown}{more}")


class UnknownNameError(NotFoundError):
    """Nothing has this id or name; the closest names are suggested.

    Attributes:
        suggestions: Records with a similar name, closest first (maybe none).
    """

    def __init__(self, kind: str, key: object, suggestions: Sequence[Candidate] = ()) -> None:
        super().__init__(kind, key)
        self.suggestions = tuple(suggestions)
        if self.suggestions:
            names = " or ".join(repr(c.name) for c in self.suggestions)
            self.args = (f"{self.args[0]}; did you mean {names}?",)


def _key(key: object, kind: str) -> str:
    if not isinstance(key, str):
        raise InvalidValueError("must be a name or an id (text)", field=kind.lower(), value=key)
    text = key.strip()
    if not text:
        raise InvalidValueError("a name or an id is required", field=kind.lower())
    if len(text) > MAX_KEY_LENGTH:
        raise InvalidValueError(
            f"longer than {MAX_KEY_LENGTH} characters: no name or id is that long",
            field=kind.lower(),
            value=text[:40] + "…",
        )
    return text


def _pick(key: str, matches: list[R], name: Callable[[R], str]) -> R | None:
    """The one match, the one written exactly as ``key``, or None when there are none."""
    if len(matches) == 1:
        return matches[0]
    exact = [m for m in matches if name(m) == key]
    if len(exact) == 1:
        return exact[0]
    return None


def _account_candidate(account: Account) -> Candidate:
    details = [
        ("city", account.billing_address.city if account.billing_address else None),
        ("type", account.type),
        ("contacts", str(len(account.contacts))),
    ]
    return Candidate("Account", account.id, account.name, tuple((k, v) for k, v in details if v))


def find_account(store: StoreProtocol, key: str) -> Account:
    """The account with this id or name (case and accents ignored).

    Costs 1 call for an id and 1 for a name (the store's index of names);
    only a name that matches nothing takes a pass over the accounts, to
    suggest the closest ones.

    Raises:
        AmbiguousNameError: several accounts have this name, none written exactly so.
        UnknownNameError: no account has this id or name (similar names suggested).
        InvalidValueError: ``key`` is not text, is empty or too long.
    """
    text = _key(key, "Account")
    try:
        return store.accounts.get(text)
    except (NotFoundError, InvalidValueError):
        pass
    wanted = match_key(text)
    matches = store.accounts.find_by_name(text)
    near: list[tuple[float, Candidate]] = []
    if not matches:  # suggestions: the closest names
        for account in store.accounts:
            score = _closeness(wanted, match_key(account.name))
            if score > 0:
                near.append((score, _account_candidate(account)))
    found = _pick(text, matches, lambda a: a.name)
    if found is not None:
        return found
    if matches:
        raise AmbiguousNameError(
            "Account",
            text,
            [_account_candidate(a) for a in matches[:MAX_CANDIDATES]],
            len(matches),
        )
    raise UnknownNameError("Account", text, _closest(near))


def search_accounts(store: StoreProtocol, text: str, *, limit: int | None = 50) -> list[Account]:
    """Accounts whose name, website domain or phone holds ``text``, best first.

    At most ``limit`` (``None``: all). 1 call: the store's indexed
    ``accounts.search_accounts`` (ranked: an exact domain or phone, then names
    starting with ``text``, then ``text`` anywhere; within a rank by name), so
    the cost follows the matches, not the number of accounts.
    """
    wanted = _key(text, "Account")
    if limit is not None and limit <= 0:
        return []
    found = store.accounts.search_accounts(wanted, limit=_ALL if limit is None else limit)
    return list(found.accounts)


def _closeness(wanted: str, name_key: str) -> float:
    """How well ``name_key`` fits what was typed: 0 for no suggestion, higher for closer."""
    if not wanted or not name_key:
        return 0.0
    words = name_key.split()
    if name_key.startswith(wanted) or wanted in words:
        return 2.0 + len(wanted) / len(name_key)
    if wanted in name_key:
        return 1.0 + len(wanted) / len(name_key)
    ratio = difflib.SequenceMatcher(None, wanted, name_key, autojunk=False).ratio()
    return ratio if ratio >= 0.75 else 0.0


def _closest(near: Iterable[tuple[float, Candidate]]) -> list[Candidate]:
    ranked = sorted(near, key=lambda pair: (-pair[0], pair[1].name, pair[1].id))
    return [c for _, c in ranked[:5]]


def _contact_candidates(store: StoreProtocol, contacts: Iterable[Contact]) -> list[Candidate]:
    chosen = list(contacts)
    names = {a.id: a.name for a in store.accounts.get_many({c.account_id for c in chosen})}
    out = []
    for c in chosen:
        details = [
            ("at", names.get(c.account_id, c.account_id)),
            ("title", c.title),
            ("email", c.email.address if c.email else None),
            ("inactive", "yes" if not c.active else None),
        ]
        out.append(Candidate("Contact", c.id, c.full_name, tuple((k, v) for k, v in details if v)))
    return out


def find_contact(store: StoreProtocol, key: str, *, account_id: str | None = None) -> Contact:
    """The contact with this id, email (any of its addresses) or name.

    A name matches a first, last or full name, ignoring case and accents;
    ``account_id`` limits names and emails to that account's contacts (an id
    is found wherever it is). Costs 1 call for an id, 2 for an email or a
    name (3 when ambiguous).

    Raises:
        AmbiguousNameError: several contacts match, none named exactly so.
        UnknownNameError: no contact has this id, email or name.
        InvalidValueError: ``key`` is not text, is empty or too long.
    """
    text = _key(key, "Contact")
    try:
        return store.accounts.contacts_by_id([text])[text]
    except (KeyError, InvalidValueError):
        pass
    found: list[Contact] = []
    if "@" in text:
        try:
            found = store.accounts.find_contacts(email=text, account_id=account_id)
        except InvalidValueError:
            found = []
    if not found:
        try:
            found = store.accounts.find_contacts(name=text, account_id=account_id)
        except InvalidValueError:
            found = []
    picked = _pick(text, found, lambda c: c.full_name)
    if picked is not None:
        return picked
    if found:
        raise AmbiguousNameError(
            "Contact", text, _contact_candidates(store, found[:MAX_CANDIDATES]), len(found)
        )
    raise UnknownNameError("Contact", text)


def _pages(fetch: Callable[[int, int], list[R]]) -> Iterator[R]:
    offset = 0
    while True:
        page = fetch(offset, _PAGE)
        yield from page
        if len(page) < _PAGE:
            return
        offset += _PAGE


def _find_linked(
    kind: str,
    key: str,
    *,
    get: Callable[[str], R],
    fetch: Callable[[int, int], list[R]],
    name: Callable[[R], str],
    describe: Callable[[R], tuple[tuple[str, str | None], ...]],
) -> R:
    text = _key(key, kind)
    try:
        return get(text)
    except (NotFoundError, InvalidValueError):
        pass
    wanted = match_key(text)
    matches = [r for r in _pages(fetch) if match_key(name(r)) == wanted]
    found = _pick(text, matches, name)
    if found is not None:
        return found

    def candidate(record: R) -> Candidate:
        details = tuple((k, v) for k, v in describe(record) if v)
        return Candidate(kind, record.id, name(record), details)

    if matches:
        shown = [candidate(r) for r in matches[:MAX_CANDIDATES]]
        raise AmbiguousNameError(kind, text, shown, len(matches))
    raise UnknownNameError(kind, text)


def find_opportunity(
    store: StoreProtocol, key: str, *, account_id: str | None = None
) -> Opportunity:
    """The opportunity with this id or name (of ``account_id`` only, when given).

    Costs 1 call for an id; a name reads the opportunities page by page.

    Raises:
        AmbiguousNameError, UnknownNameError, InvalidValueError: as :func:`find_account`.
    """
    return _find_linked(
        "Opportunity",
        key,
        get=store.opportunities.get,
        fetch=lambda offset, limit: store.opportunities.list(
            account_id=account_id, offset=offset, limit=limit
        ),
        name=lambda o: o.name,
        describe=lambda o: (
            ("stage", str(o.stage)),
            ("closes", o.close_date.isoformat() if o.close_date else None),
            ("account", o.account_id),
        ),
    )


def find_case(store: StoreProtocol, key: str, *, account_id: str | None = None) -> Case:
    """The case with this id or subject (of ``account_id`` only, when given).

    Costs 1 call for an id; a subject reads the cases page by page.

    Raises:
        AmbiguousNameError, UnknownNameError, InvalidValueError: as :func:`find_account`.
    """
    return _find_linked(
        "Case",
        key,
        get=store.cases.get,
        fetch=lambda offset, limit: store.cases.list(
            account_id=account_id, offset=offset, limit=limit
        ),
        name=lambda c: c.subject,
        describe=lambda c: (
            ("status", str(c.status)),
            ("opened", c.opened_at.date().isoformat()),
            ("account", c.account_id),
        ),
    )
