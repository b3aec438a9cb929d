"""What a store should hold for raw Salesforce records, field by field, and where it differs.

The expectations are written here from the documented mapping
(docs/howto/import-dataloader-csv.md, docs/reference/domain.md), not taken
from the importer: which API name lands in which field, how text, emails,
phones, numbers, dates and booleans are normalised, and that every other
non-blank field is kept in ``extra`` under the name the file uses. Phones are
normalised with ``phonenumbers`` directly. :func:`differences` lists every
field where the store disagrees; the tests hold that list against a table of
allowed differences, each with its reason.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import phonenumbers
from rawfiles import RawRecord

TEXT, MULTI, EMAIL, PHONE, NUMBER, BOOL, DATE, STAMP, PICK, LIST, REF = (
    "text",
    "multi",
    "email",
    "phone",
    "number",
    "bool",
    "date",
    "stamp",
    "pick",
    "list",
    "ref",
)


def _named(kind: str, *fields: str) -> dict[str, tuple[str, str]]:
    """Fields of ``kind`` whose API name is ours without underscores (``last_name``: LastName)."""
    return {field.replace("_", ""): (field, kind) for field in fields}


def _address(prefix: str, target: str) -> dict[str, tuple[str, str]]:
    """An address's columns: ``BillingPostalCode`` is ``billing_address.postal_code``."""
    parts = ("street", "city", "state", "postal_code", "country")
    return {
        prefix + part.replace("_", ""): (f"{target}.{part}", MULTI if part == "street" else TEXT)
        for part in parts
    }


FIELDS: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "Account": {
        **_named(TEXT, "name", "type", "industry", "website"),
        **_named(PHONE, "phone"),
        **_named(REF, "parent_id"),
        **_named(MULTI, "description"),
        **_named(NUMBER, "annual_revenue", "number_of_employees"),
        **_address("billing", "billing_address"),
        **_address("shipping", "shipping_address"),
    },
    "Contact": {
        **_named(REF, "account_id"),
        **_named(PICK, "salutation"),
        **_named(TEXT, "first_name", "middle_name", "last_name", "suffix"),
        **_named(EMAIL, "email"),
        **_named(PHONE, "phone"),
        "mobilephone": ("mobile", PHONE),
        **_named(TEXT, "title", "department"),
        **_address("mailing", "mailing_address"),
        "reportstoid": ("reports_to", REF),
        **_named(MULTI, "description"),
        **_named(DATE, "birthdate"),
        **_named(TEXT, "lead_source"),
        "hasoptedoutofemail": ("email_opt_out", BOOL),
        **_named(BOOL, "do_not_call"),
    },
    "Opportunity": {
        **_named(REF, "account_id"),
        **_named(TEXT, "name"),
        "stagename": ("stage", PICK),
        **_named(DATE, "close_date"),
        "amount": ("amount.amount", NUMBER),
        "currencyisocode": ("amount.currency", TEXT),
        **_named(MULTI, "description"),
        "createddate": ("created_at", STAMP),
    },
    "Case": {
        **_named(REF, "account_id", "contact_id"),
        **_named(TEXT, "subject"),
        **_named(PICK, "status", "priority"),
        **_named(TEXT, "origin", "type", "reason"),
        **_named(MULTI, "description"),
        "createddate": ("opened_at", STAMP),
        "closeddate": ("closed_at", STAMP),
    },
    "AccountContactRelation": {
        **_named(REF, "account_id", "contact_id"),
        **_named(LIST, "roles"),
        **_named(BOOL, "is_active"),
        **_named(DATE, "start_date", "end_date"),
    },
}
"""sObject -> API name (lower case) -> (our field, kind): the documented standard columns."""

LINK_NAMES = {
    "accountid": "AccountId",
    "contactid": "ContactId",
    "parentid": "ParentId",
    "reportstoid": "ReportsToId",
}
"""Reference fields as Salesforce spells them (for a link the file leaves out)."""

PICKLISTS = {
    "salutation": "Salutation",
    "stagename": "StageName",
    "status": "Status",
    "priority": "Priority",
}
"""Picklist fields: a value outside the standard set is kept in ``extra["<Name>__original"]``."""

NOT_FIELDS = frozenset({"id", "referenceid"})
"""Keys that name the record rather than hold a value of it."""

REGIONS = {
    "usa": "US",
    "us": "US",
    "united states": "US",
    "canada": "CA",
    "france": "FR",
    "uk": "GB",
    "united kingdom": "GB",
    "singapore": "SG",
}
"""Country names found in the data sets -> the region their national phone numbers are read in."""

_TRUE = frozenset({"true", "1", "yes"})


@dataclass(frozen=True)
class Difference:
    """One field where the store does not hold what the file says."""

    sobject: str
    key: str
    field: str
    expected: Any
    actual: Any


def text(value: Any) -> str | None:
    """Single-line text as the domain stores it: stripped, NFC; blank is ``None``."""
    if value is None:
        return None
    out = unicodedata.normalize("NFC", str(value).strip())
    return out or None


def multiline(value: Any) -> str | None:
    """Multi-line text: NFC, line breaks and surrounding spaces kept; blank is ``None``."""
    if value is None or not str(value).strip():
        return None
    return unicodedata.normalize("NFC", str(value))


def email(value: Any) -> str | None:
    """The documented normal form: stripped, local part in NFC, domain lower-cased."""
    if value is None:
        return None
    local, _, domain = str(value).strip().rpartition("@")
    return unicodedata.normalize("NFC", local) + "@" + domain.lower()


def region_of(country: Any) -> str | None:
    """The region of a country as the data sets write it; an unknown name fails the test."""
    name = text(country)
    if name is None:
        return None
    return REGIONS[name.casefold()]


def phone(value: Any, region: str | None) -> str | None:
    """E.164, read with ``phonenumbers`` in ``region``; ``"impossible"`` for no possible number."""
    raw = text(value)
    if raw is None:
        return None
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return "impossible"
    if not phonenumbers.is_possible_number(parsed):
        return "impossible"
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _expected(kind: str, value: Any, region: str | None) -> Any:
    if kind in (TEXT, PICK):
        return text(value)
    if kind == MULTI:
        return multiline(value)
    if kind == EMAIL:
        return email(value)
    if kind == PHONE:
        return phone(value, region)
    if kind == NUMBER:
        return None if text(value) is None else Decimal(str(value).strip())
    if kind == BOOL:
        return text(value) is not None and str(value).strip().casefold() in _TRUE
    if kind == DATE:
        return None if text(value) is None else str(value).strip()[:10]
    if kind == STAMP:
        if text(value) is None:
            return None
        return datetime.fromisoformat(str(value).strip()).astimezone(UTC)
    if kind == LIST:
        return sorted(p.strip() for p in str(value or "").split(";") if p.strip())
    raise AssertionError(kind)


def _actual(kind: str, entity: Any, target: str) -> Any:
    value = entity
    for part in target.split("."):
        value = getattr(value, part, None) if value is not None else None
    if value is None:
        return False if kind == BOOL else ([] if kind == LIST else None)
    if kind == PHONE:
        return value.e164
    if kind == EMAIL:
        return value.address
    if kind == NUMBER:
        return Decimal(str(value))
    if kind == DATE:
        return value.isoformat()
    if kind == STAMP:
        return value.astimezone(UTC)
    if kind == PICK:
        return str(value.value if hasattr(value, "value") else value)
    if kind == LIST:
        return sorted(str(v) for v in value)
    return value


def _extra_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def differences(
    raw: RawRecord,
    entity: Any,
    *,
    key_of: Mapping[str, str],
    region: str | None,
) -> list[Difference]:
    """Every field of ``raw`` that ``entity`` does not hold as documented.

    ``key_of`` maps our ids to the raw keys of the records the store made
    (so links are compared as the file's references); ``region`` is where
    national phone numbers are read.
    """
    found: list[Difference] = []
    spec = FIELDS[raw.sobject]
    extra = dict(getattr(entity, "extra", {}) or {})
    for name in raw.fields:
        if name in NOT_FIELDS:
            continue
        if name in spec:
            target, kind = spec[name]
            if kind == REF:
                expected: Any = raw.ref(name)
                link = getattr(entity, target)
                actual: Any = key_of.get(link, link) if link else None
            else:
                expected = _expected(kind, raw.get(name), region)
                actual = _actual(kind, entity, target)
                if kind == PICK and expected != actual:
                    original = extra.pop(f"{PICKLISTS[name]}__original", None)
                    actual = original if original is not None else actual
            if expected != actual:
                found.append(Difference(raw.sobject, raw.key, raw.names[name], expected, actual))
            continue
        original = raw.names[name]
        kept = extra.pop(original, None)
        expected = None if raw.get(name) is None else _extra_value(raw.fields[name])
        if expected != kept:
            found.append(Difference(raw.sobject, raw.key, original, expected, kept))
    for name, (target, kind) in spec.items():  # a link the file leaves out is none
        if kind == REF and name not in raw.fields:
            link = getattr(entity, target)
            if link:
                named = LINK_NAMES[name]
                found.append(Difference(raw.sobject, raw.key, named, None, key_of.get(link, link)))
    for name, value in extra.items():  # kept, but from no field of the file
        found.append(Difference(raw.sobject, raw.key, name, None, value))
    return found


@dataclass
class Held:
    """What a store holds, by the raw key of the record each entity came from."""

    records: dict[tuple[str, str], Any]
    """(sObject, raw key) -> the entity."""
    account_of: dict[str, Any]
    """Contact id -> its account."""
    key_of: dict[str, str]
    """Our id -> the raw key (links are compared as the file's references)."""
    unsourced: list[tuple[str, Any]]
    """Entities with no source key (an account made for private contacts)."""


def _source_key(entity: Any) -> str | None:
    ids = getattr(entity, "external_ids", None) or {}
    if "salesforce" in ids:
        return str(ids["salesforce"])
    if "salesforce_ref" in ids:
        return str(ids["salesforce_ref"]).rpartition(":")[2]
    return None


def held(store: Any) -> Held:
    """Index everything ``store`` holds by source key."""
    out = Held({}, {}, {}, [])

    def put(sobject: str, entity: Any) -> None:
        key = _source_key(entity)
        if key is None:
            out.unsourced.append((sobject, entity))
            return
        assert (sobject, key) not in out.records, f"two {sobject} records from {key}"
        out.records[(sobject, key)] = entity
        out.key_of[entity.id] = key

    for account in store.accounts:
        put("Account", account)
        if _source_key(account) is None:
            out.key_of[account.id] = f"<{account.name}>"
        for contact in account.contacts.values():
            put("Contact", contact)
            out.account_of[contact.id] = account
    for opportunity in store.opportunities.list():
        put("Opportunity", opportunity)
    for case in store.cases.list():
        put("Case", case)
    for relation in store.relations.list():
        key = f"{out.key_of.get(relation.account_id)}/{out.key_of.get(relation.contact_id)}"
        out.records[("AccountContactRelation", key)] = relation
    return out


def relation_key(raw: RawRecord) -> str:
    """Relations carry no id of their own: they are told apart by their two ends."""
    return f"{raw.ref('AccountId')}/{raw.ref('ContactId')}"


def compare(
    records: Iterable[RawRecord], store: Any, *, default_region: str | None = None
) -> tuple[list[Difference], list[RawRecord], Held]:
    """Every difference between ``records`` and ``store``, and the records it lacks.

    National phone numbers are read in the region of the account's billing
    country, else (a contact) of the contact's own mailing country, else
    ``default_region``.
    """
    found: list[Difference] = []
    missing: list[RawRecord] = []
    index = held(store)
    for raw in records:
        key = relation_key(raw) if raw.sobject == "AccountContactRelation" else raw.key
        entity = index.records.get((raw.sobject, key))
        if entity is None:
            missing.append(raw)
            continue
        region: str | None = None
        if raw.sobject == "Account":
            region = region_of(raw.get("BillingCountry"))
        elif raw.sobject == "Contact":
            account = index.account_of[entity.id]
            billing = account.billing_address.country if account.billing_address else None
            region = region_of(billing) or region_of(raw.get("MailingCountry"))
        found.extend(differences(raw, entity, key_of=index.key_of, region=region or default_region))
    return found, missing, index


def refused_by_data(records: Iterable[RawRecord], *, default_region: str | None) -> set[str]:
    """Keys of the records the data itself breaks, and of those that refer to them.

    Broken: a phone that is no possible number where it is read, an email
    with no valid domain. A record referring to a broken one cannot land either.
    """
    records = list(records)
    accounts = {r.key: r for r in records if r.sobject == "Account"}
    broken: set[str] = set()
    for raw in records:
        if raw.sobject == "Account":
            region = region_of(raw.get("BillingCountry")) or default_region
            numbers = [raw.get("Phone")]
        elif raw.sobject == "Contact":
            owner = accounts.get(raw.ref("AccountId") or "")
            region = (
                (region_of(owner.get("BillingCountry")) if owner else None)
                or region_of(raw.get("MailingCountry"))
                or default_region
            )
            numbers = [raw.get("Phone"), raw.get("MobilePhone")]
            address = raw.get("Email")
            if address is not None and not _plausible_domain(str(address)):
                broken.add(raw.key)
        else:
            continue
        if any(phone(n, region) == "impossible" for n in numbers if n is not None):
            broken.add(raw.key)
    changed = True
    while changed:  # records that refer to a refused one are refused in turn
        changed = False
        for raw in records:
            if raw.key in broken:
                continue
            links = [
                raw.ref(name) for name in ("AccountId", "ContactId", "ParentId", "ReportsToId")
            ]
            if any(link in broken for link in links if link):
                broken.add(raw.key)
                changed = True
    return broken


def _plausible_domain(address: str) -> bool:
    """A domain of letters, digits, hyphens and dots (what a mail server can be named)."""
    domain = address.strip().rpartition("@")[2]
    labels = domain.split(".")
    return len(labels) > 1 and all(
        label and all(ch.isalnum() or ch == "-" for ch in label) for label in labels
    )
