"""Personal-data rights: export everything held about one person, and forget them.

:func:`personal_data` gathers, as one JSON-ready document, what the store
holds about a contact: the contact itself, its account's name, its manager
and direct reports, its opportunity roles, its cases, its relations to other
accounts and its field history (and what each registered
:class:`PersonalDataHolder` adds, such as merge records).

:func:`forget` erases the person, in one transaction, while keeping the
non-personal facts:

* **The contact** stays as a placeholder, so that the opportunities, cases,
  relations and reports-to links that refer to it stay whole: its last name
  becomes :data:`FORGOTTEN_NAME`, every other personal field is emptied
  (name parts, email and alternates, phones and alternates, title,
  department, address, birthdate, description, lead source, decision role,
  external ids, custom fields), it is deactivated and opted out of email and
  calls. Kept: its id, account, manager link and timestamps.
* **Field history**: the values of every entry of the contact are erased
  (marked ``redacted``) except those of :data:`KEPT_FIELDS`; the erasure
  itself is recorded as a ``forgotten`` entry.
* **Free text that names them** (their names, emails and phone numbers,
  whole words, ignoring case) is replaced with :data:`REDACTED` in the
  subjects and descriptions of their cases and of their account's cases, in
  the names and descriptions of their opportunities and of their account's
  opportunities, in the descriptions of their account and of its other
  contacts, and in the history of the records so changed. Everything else is
  kept: an opportunity's amount, stage and dates, a case's status and the
  rest of its subject.
* **Relations**: their title at the other accounts is erased; the roles stay.
* **The search index** follows the contact row (the same write updates it).
* **Holders** (:class:`PersonalDataHolder`, e.g. merge records) erase theirs.

Then, unless told otherwise, :func:`scrub_files` removes the old values from
the store's files (see :meth:`contactgraph.repos.backend.Backend.scrub`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence, Sized
from datetime import UTC, datetime
from typing import Any, Final, Protocol

import attrs

from contactgraph.domain import Account, AccountContactRelation, Contact
from contactgraph.errors import InvalidValueError
from contactgraph.interop.json import unstructure
from contactgraph.repos.history import Entry, decode, encode
from contactgraph.repos.unit_of_work import UnitOfWork

__all__ = [
    "FORGOTTEN_NAME",
    "FORMAT",
    "KEPT_FIELDS",
    "REDACTED",
    "Forgotten",
    "PersonalDataHolder",
    "forget",
    "personal_data",
    "redact_history",
    "scrub_files",
]

FORGOTTEN_NAME: Final = "(forgotten)"
"""The last name a forgotten contact keeps (a last name is required)."""

REDACTED: Final = "[forgotten]"
"""What replaces a forgotten person's name, email or phone in free text."""

KEPT_FIELDS: Final[frozenset[str]] = frozenset(
    {"account_id", "reports_to", "active", "email_opt_out", "do_not_call"}
)
"""Contact fields whose history survives a forget: links and consent, not personal data."""

FORMAT: Final = "contactgraph.personal-data/1"
"""The ``format`` of the document :func:`personal_data` returns."""

_ERASE: Final[Mapping[str, Any]] = {
    "salutation": None,
    "first_name": None,
    "middle_name": None,
    "suffix": None,
    "last_name": FORGOTTEN_NAME,
    "email": None,
    "phone": None,
    "mobile": None,
    "title": None,
    "department": None,
    "mailing_address": None,
    "decision_role": None,
    "description": None,
    "birthdate": None,
    "lead_source": None,
    "alternate_emails": [],
    "alternate_phones": [],
    "external_ids": {},
    "extra": {},
    "active": False,
    "email_opt_out": True,
    "do_not_call": True,
}


class PersonalDataHolder(Protocol):
    """Something else in the store that holds personal data about contacts (merge records…).

    Register one on the store class (``Store.personal_data_holders``): the
    export adds ``personal_data`` under ``name``, and ``forget`` calls
    :meth:`forget` inside its transaction (it may use :func:`redact_history`
    for the history of records merged into the person).
    """

    @property
    def name(self) -> str:
        """The key of its section in the export (``"merges"``)."""
        ...

    def personal_data(self, store: UnitOfWork, contact_id: str) -> Any:
        """What it holds about the contact, as JSON-ready data."""
        ...

    def forget(self, store: UnitOfWork, contact: Contact) -> int:
        """Erase or pseudonymise what it holds about ``contact`` (as it was before
        the forget); how many items it changed."""
        ...


@attrs.frozen
class Forgotten:
    """What :func:`forget` did.

    Attributes:
        contact_id: The contact forgotten (kept as a placeholder).
        fields: The contact fields that held a value and were erased.
        history_entries: History entries whose values were erased.
        cases: Cases whose text named the person, rewritten.
        opportunities: Opportunities whose text named the person, rewritten.
        relations: Relations whose title was erased.
        contacts: Other contacts (and the account) whose notes named the person.
        holders: Per holder, the items it changed.
        files_scrubbed: Whether the old values were also removed from the
            store's files (``False`` on PostgreSQL: see the how-to).
    """

    contact_id: str
    fields: tuple[str, ...]
    history_entries: int
    cases: int
    opportunities: int
    relations: int
    contacts: int
    holders: Mapping[str, int]
    files_scrubbed: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, as the CLI's ``forget --json`` and the HTTP API give it."""
        return {
            "contact_id": self.contact_id,
            "fields": list(self.fields),
            "history_entries": self.history_entries,
            "cases": self.cases,
            "opportunities": self.opportunities,
            "relations": self.relations,
            "contacts": self.contacts,
            "holders": dict(self.holders),
            "files_scrubbed": self.files_scrubbed,
        }


# ------------------------------------------------------------------ export


def _person(contact: Contact) -> dict[str, str]:
    return {"id": contact.id, "name": contact.full_name}


def personal_data(
    store: UnitOfWork, contact_id: str, *, holders: Sequence[PersonalDataHolder] = ()
) -> dict[str, Any]:
    """Everything the store holds about one person, as one JSON-ready document.

    Reads the contact's account (with its contacts), its opportunities, cases,
    relations and history, in one snapshot.

    Raises:
        NotFoundError: no such contact in this tenant.
    """
    with store.transaction():
        account = store.accounts.account_of(_contact_id(contact_id))
        contact = account.contact(contact_id)
        manager = account.manager_of(contact_id)
        roles = [
            {
                "opportunity_id": o.id,
                "opportunity": o.name,
                "account_id": o.account_id,
                "stage": o.stage.value,
                "role": None if role.role is None else role.role.value,
                "is_primary": role.is_primary,
            }
            for o in store.opportunities.list(contact_id=contact_id)
            if (role := o.role_of(contact_id)) is not None
        ]
        document: dict[str, Any] = {
            "format": FORMAT,
            "exported_at": datetime.now(UTC).isoformat(),
            "tenant": store.tenant,
            "contact": unstructure(contact),
            "account": {"id": account.id, "name": account.name},
            "manager": None if manager is None else _person(manager),
            "reports": [_person(c) for c in account.direct_reports(contact_id)],
            "opportunity_roles": roles,
            "cases": [unstructure(c) for c in store.cases.list(contact_id=contact_id)],
            "relations": [unstructure(r) for r in store.relations.list(contact_id=contact_id)],
            "history": [
                {
                    "seq": c.seq,
                    "at": c.at.isoformat(),
                    "actor": c.actor,
                    "action": c.action,
                    "field": c.field,
                    "old": c.old,
                    "new": c.new,
                    "redacted": c.redacted,
                }
                for c in store.history.of(contact_id)
            ],
        }
        for holder in holders:
            document[holder.name] = holder.personal_data(store, contact_id)
    return document


def _contact_id(contact_id: object) -> str:
    if not isinstance(contact_id, str):
        raise InvalidValueError("a contact id is text", field="contact_id", value=contact_id)
    return contact_id


# ------------------------------------------------------------------ forget


def _identifiers(contact: Contact) -> tuple[list[str], list[str]]:
    """The words and the phone digits that name ``contact`` in free text."""
    words = [contact.full_name]
    words += [p for p in (contact.first_name, contact.middle_name, contact.last_name) if p]
    words += [e.address for e in (contact.email, *contact.alternate_emails) if e is not None]
    phones = [p for p in (contact.phone, contact.mobile, *contact.alternate_phones) if p]
    digits = [re.sub(r"\D", "", p.number)[-8:] for p in phones]
    return [w for w in dict.fromkeys(words) if len(w) >= 2], [d for d in digits if len(d) == 8]


_PHONE_LIKE = re.compile(r"\+?\d[\d\s().\-/]{6,}\d")


def _scrubber(contact: Contact) -> Callable[[str], str]:
    """A function that replaces what names ``contact`` in a text with :data:`REDACTED`."""
    words, digits = _identifiers(contact)
    longest_first = sorted(words, key=len, reverse=True)
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(w) for w in longest_first) + r")(?!\w)",
        re.IGNORECASE,
    )

    def phone(match: re.Match[str]) -> str:
        found = re.sub(r"\D", "", match.group())
        return REDACTED if len(found) >= 8 and found[-8:] in digits else match.group()

    def scrub(text: str) -> str:
        text = pattern.sub(REDACTED, text)
        return _PHONE_LIKE.sub(phone, text) if digits else text

    return scrub


def _scrub_value(value: Any, scrub: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_scrub_value(v, scrub) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_value(v, scrub) for k, v in value.items()}
    return value


def redact_history(
    store: UnitOfWork,
    record_id: str,
    *,
    keep: Iterable[str] = KEPT_FIELDS,
    placeholders: Mapping[str, Any] | None = None,
    scrub: Callable[[str], str] | None = None,
) -> int:
    """Erase the values of a record's history, but those of the ``keep`` fields.

    A value equal to the field's entry in ``placeholders`` is kept too (it is
    what a forget put in place, nothing personal), so that replaying the
    history still gives the record's current values.

    With ``scrub``, rewrite the text of every value with it instead (to take
    a person's name out of another record's notes). Run it inside a
    transaction. Returns how many entries changed.
    """
    kept = frozenset(keep)
    placed = {f: encode(v) for f, v in (placeholders or {}).items()}
    rewritten: list[Entry] = []

    def erase(text: str | None, field: str | None) -> str | None:
        if text is None:
            return None
        value = decode(text)
        if scrub is not None:
            return encode(_scrub_value(value, scrub))
        if field is None and isinstance(value, dict):  # a creation: one value per field
            return encode({k: v for k, v in value.items() if k in kept})
        return text if field in kept or (field in placed and placed[field] == text) else None

    for entry in store._read(lambda s: s.history.of(record_id, None)):
        old, new = erase(entry.old, entry.field), erase(entry.new, entry.field)
        if (old, new) != (entry.old, entry.new):
            rewritten.append(
                attrs.evolve(entry, old=old, new=new, redacted=entry.redacted or scrub is None)
            )
    if rewritten:
        with store._writing() as (session, _changes):
            session.history.rewrite(record_id, rewritten)
    return len(rewritten)


def _scrub_notes(
    account: Account, forgotten: str, scrub: Callable[[str], str]
) -> tuple[Account, list[str]]:
    """The account with its and its other contacts' descriptions scrubbed; the records changed."""
    changed: list[str] = []
    if account.description and scrub(account.description) != account.description:
        account = account.update(description=scrub(account.description))
        changed.append(account.id)
    for other in list(account.contacts.values()):
        if other.id != forgotten and other.description:
            clean = scrub(other.description)
            if clean != other.description:
                account = account.update_contact(other.id, description=clean)
                changed.append(other.id)
    return account, changed


def _scrub_cases(store: UnitOfWork, contact: Contact, scrub: Callable[[str], str]) -> int:
    return _scrub_free_text(store.cases, "subject", contact, scrub)


def _scrub_opportunities(store: UnitOfWork, contact: Contact, scrub: Callable[[str], str]) -> int:
    return _scrub_free_text(store.opportunities, "name", contact, scrub)


def _scrub_free_text(
    repository: Any, title: str, contact: Contact, scrub: Callable[[str], str]
) -> int:
    """Scrub the ``title`` field and the description of the records of ``repository``
    (cases, opportunities) that name ``contact`` or belong to its account; how many changed."""
    found = {r.id: r for r in repository.list(contact_id=contact.id)}
    found.update((r.id, r) for r in repository.list(account_id=contact.account_id))
    count = 0
    for record in found.values():
        fields: dict[str, Any] = {title: scrub(getattr(record, title))}
        if record.description:
            fields["description"] = scrub(record.description)
        updated = record.update(**fields)
        if updated is not record:
            repository.save(updated)
            count += 1
    return count


def _erase_relation_titles(store: UnitOfWork, contact_id: str) -> int:
    count = 0
    for relation in store.relations.list(contact_id=contact_id):
        if relation.title is not None:
            store.relations.save(_untitled(relation))
            count += 1
    return count


def _untitled(relation: AccountContactRelation) -> AccountContactRelation:
    return attrs.evolve(relation, title=None)


def forget(
    store: UnitOfWork,
    contact_id: str,
    *,
    holders: Sequence[PersonalDataHolder] = (),
    scrub: bool = True,
    actor: str | None = None,
) -> Forgotten:
    """Erase a person's personal data everywhere the store holds it (see the module docstring).

    One transaction: it lands whole or not at all. Forgetting a contact
    twice is harmless. ``actor`` names who asked, in field history (as
    ``store.transaction(actor=...)`` does). ``scrub=False`` leaves the store's
    files as they are (call :func:`scrub_files` once after forgetting several
    people); so does a forget inside an open transaction, whose writes are
    not on disk yet: scrub after it commits.

    Raises:
        NotFoundError: no such contact in this tenant.
    """
    cid = _contact_id(contact_id)
    scrub = scrub and not store.in_transaction
    with store.transaction(actor=actor):
        store.lock_accounts([store.accounts.account_id_of(cid)])
        account = store.accounts.account_of(cid)
        person = account.contact(cid)
        scrub_text = _scrubber(person)
        erased = tuple(f for f in _ERASE if f not in KEPT_FIELDS and _held(person.field_value(f)))
        account = account.update_contact(cid, **_ERASE)
        account, noted = _scrub_notes(account, cid, scrub_text)
        store.accounts.save(account)
        cases = _scrub_cases(store, person, scrub_text)
        opportunities = _scrub_opportunities(store, person, scrub_text)
        relations = _erase_relation_titles(store, cid)
        for record_id in noted:
            redact_history(store, record_id, scrub=scrub_text)
        entries = redact_history(store, cid, placeholders=_ERASE)
        with store._writing() as (session, _changes):
            session.history.append([_forgotten_entry(cid, store._actor())])
        by_holder = {h.name: h.forget(store, person) for h in holders}
    return Forgotten(
        contact_id=cid,
        fields=erased,
        history_entries=entries,
        cases=cases,
        opportunities=opportunities,
        relations=relations,
        contacts=len(noted),
        holders=by_holder,
        files_scrubbed=scrub_files(store) if scrub else False,
    )


def _held(value: Any) -> bool:
    """Whether a field value holds something (not None, not an empty collection)."""
    return value is not None and not (isinstance(value, Sized) and len(value) == 0)


def _forgotten_entry(contact_id: str, actor: str | None) -> Entry:
    return Entry(contact_id, "contact", "forgotten", None, None, None, datetime.now(UTC), actor)


def scrub_files(store: UnitOfWork) -> bool:
    """Remove deleted and overwritten values from the store's files, where the backend can.

    SQLite: the search index is merged, the file rebuilt (``VACUUM``) and the
    write-ahead log emptied, so the raw files no longer hold what was erased;
    it costs about the time to copy the database. Returns whether it was
    done (``False`` on PostgreSQL, or when another process holds the
    SQLite file open in a read; see the how-to for both).
    """
    return store.backend.scrub()
