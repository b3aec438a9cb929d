"""Which stored record a source record is, and what its references name.

The index of one import: source keys (``@referenceId``, Salesforce ``Id``,
our id) -> our ids, written as records land, and the look-ups into the store
for records this import did not write (by our id, by the Salesforce ``Id``,
by the namespaced ``referenceId``). Its memory grows with the rows (one entry
per key), and nothing else does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from contactgraph.domain import Phone, region_of_country
from contactgraph.domain.text import match_key
from contactgraph.errors import InvalidValueError, NotFoundError
from contactgraph.interop.mapping import SOBJECTS, Mapped, salesforce_id
from contactgraph.interop.records import Defer, Refused, SourceRecord
from contactgraph.repos.protocol import StoreProtocol

__all__ = ["SF", "SF_REF", "Identities"]

SF = "salesforce"
SF_REF = "salesforce_ref"


@attrs.frozen
class _Kind:
    """How the store finds one sObject type: by our id, and by an external id."""

    get: Callable[[StoreProtocol, str], object]
    by_external_id: Callable[[StoreProtocol, str, str], Any] | None = None


_KINDS: Mapping[str, _Kind] = {
    "Account": _Kind(
        lambda s, i: s.accounts.get(i), lambda s, sys, v: s.accounts.find_by_external_id(sys, v)
    ),
    "Contact": _Kind(
        lambda s, i: s.accounts.account_of(i),
        lambda s, sys, v: s.accounts.find_contact_by_external_id(sys, v),
    ),
    "Opportunity": _Kind(
        lambda s, i: s.opportunities.get(i),
        lambda s, sys, v: s.opportunities.find_by_external_id(sys, v),
    ),
    "Case": _Kind(
        lambda s, i: s.cases.get(i), lambda s, sys, v: s.cases.find_by_external_id(sys, v)
    ),
}
_RELATION = _Kind(lambda s, i: s.relations.get(i))


class Identities:
    """The ids of one import, and how references resolve.

    Attributes:
        ids: Per sObject type, source key -> our id of the records written.
        lookups: Per sObject type, references found in the store (a cache).
        refused: Per sObject type, keys of refused records.
        known_refs: Every ``referenceId`` of the import with its type (tree
            imports); ``None`` when unknown (CSV).
        store_empty: The store held no account when the import began (no
            look-up can find anything in it).
        recognise: Whether records no id names are looked for by their exact
            keys (:meth:`recognised`).
        written: Per sObject type, our ids of the records this import wrote
            (kept when the store was not empty: only then is a record recognised).
        remark: Where a recognised record is told (the import's warnings).
    """

    def __init__(
        self, store: StoreProtocol, namespace: str, known_refs: Mapping[str, str] | None
    ) -> None:
        self.store = store
        self.namespace = namespace
        self.known_refs = known_refs
        self.ids: dict[str, dict[str, str]] = {name: {} for name in SOBJECTS}
        self.lookups: dict[str, dict[str, str]] = {name: {} for name in SOBJECTS}
        self.refused: dict[str, set[str]] = {name: set() for name in SOBJECTS}
        self.store_empty = False
        self.recognise = True
        self.written: dict[str, set[str]] = {name: set() for name in SOBJECTS}
        self.remark: Callable[[SourceRecord, str | None, str], None] | None = None

    @staticmethod
    def sf_id(rec: SourceRecord) -> str | None:
        """The record's Salesforce ``Id`` (18-character form), if it has one."""
        for key, value in rec.fields.items():
            if key.casefold() == "id" and isinstance(value, str) and value.strip():
                return salesforce_id(value.strip())
        return None

    def key_of(self, rec: SourceRecord) -> str | None:
        return ("@" + rec.ref) if rec.ref else self.sf_id(rec)

    def external_ids(self, rec: SourceRecord, mapped: Mapped) -> dict[str, str]:
        """The external ids a record brings (its Salesforce id, else its namespaced referenceId)."""
        ids = dict(mapped.external_ids)
        if mapped.salesforce_id:
            ids[SF] = mapped.salesforce_id
        elif rec.ref and not mapped.our_id and SF_REF not in ids:
            ids[SF_REF] = f"{self.namespace}:{rec.ref}"
        return ids

    def stored_external_ids(
        self, rec: SourceRecord, mapped: Mapped, current: Any
    ) -> dict[str, str]:
        """The stored record's external ids overlaid with the source's."""
        return {
            **(dict(current.external_ids) if current is not None else {}),
            **self.external_ids(rec, mapped),
        }

    def remember(self, sobject: str, rec: SourceRecord, mapped: Mapped, our_id: str) -> None:
        """Index a written record under every key the source may use for it."""
        index = self.ids[sobject]
        if rec.ref:
            index["@" + rec.ref] = our_id
        if mapped.salesforce_id:
            index[mapped.salesforce_id] = our_id
        if mapped.our_id:
            index[mapped.our_id] = our_id
        if not self.store_empty:  # only recognised() reads it, and only then
            self.written[sobject].add(our_id)

    def forget(self, sobject: str, rec: SourceRecord, our_id: str) -> None:
        """Drop the index entries of a record that was written, then undone."""
        index = self.ids[sobject]
        for key in ("@" + rec.ref if rec.ref else None, self.sf_id(rec), our_id):
            if key is not None and index.get(key) == our_id:
                del index[key]

    def forget_id(self, sobject: str, our_id: str) -> None:
        """Drop every index entry of a record that was taken back out (a scan: rare)."""
        index = self.ids[sobject]
        for key in [k for k, v in index.items() if v == our_id]:
            del index[key]

    def seen_twice(self, sobject: str, rec: SourceRecord, mapped: Mapped) -> bool:
        index = self.ids[sobject]
        return bool(
            (rec.ref and "@" + rec.ref in index)
            or (mapped.salesforce_id and mapped.salesforce_id in index)
        )

    def find_existing(self, sobject: str, rec: SourceRecord, mapped: Mapped) -> str | None:
        """Our id of the stored record this one updates, if any."""
        index = self.ids[sobject]
        for key in (mapped.our_id, mapped.salesforce_id, ("@" + rec.ref) if rec.ref else None):
            if key and key in index:
                return index[key]
        if self.store_empty and sobject in ("Account", "Contact"):
            return None
        if mapped.our_id and self.exists(sobject, mapped.our_id):
            return mapped.our_id
        candidates = [(SF, mapped.salesforce_id)]
        candidates.extend((system, value) for system, value in mapped.external_ids.items())
        if not mapped.salesforce_id and rec.ref:
            candidates.append((SF_REF, f"{self.namespace}:{rec.ref}"))
        for system, value in candidates:
            if value:
                found = self.by_external_id(sobject, system, value)
                if found:
                    return found
        if self.recognise and not mapped.our_id:
            return self.recognised(sobject, rec, mapped)
        return None

    # ------------------------------------------------------------ by exact keys

    def recognised(self, sobject: str, rec: SourceRecord, mapped: Mapped) -> str | None:
        """Our id of the one stored record that ``rec`` is by its exact keys, if any.

        For a record no id of the source names (a re-import of the same data
        in another format, or from another path): an account by its name
        (case and accents aside) with no other website or phone; a contact by
        its email, else by its full name in the account it is imported to; an
        opportunity by its name in its account. Only records stored before
        this import count, one candidate must remain, and a candidate with
        another Salesforce Id is another record. The match is told with
        ``remark`` (a warning of the import).
        """
        if self.store_empty:
            return None
        look = _RECOGNISE.get(sobject)
        if look is None:
            return None
        found = look(self, mapped)
        written = self.written[sobject]
        ours = [
            (record, how)
            for record, how in found
            if record.id not in written
            and record.external_ids.get(SF, mapped.salesforce_id or "")
            == (mapped.salesforce_id or record.external_ids.get(SF, ""))
        ]
        if len({r.id for r, _ in ours}) != 1:
            return None
        record, how = ours[0]
        if self.remark is not None:
            self.remark(
                rec,
                None,
                f"recognised as a stored {sobject.lower()} by {how}: updated, not created again",
            )
        return str(record.id)

    def account_ref(self, mapped: Mapped) -> str | None:
        """Our id of the account ``mapped`` refers to, if this import or the store knows it."""
        raw = mapped.refs.get("AccountId", "")
        if not raw:
            return None
        return (
            self.ids["Account"].get(raw)
            or self.lookups["Account"].get(raw)
            or (None if raw.startswith("@") else self.by_external_id("Account", SF, raw))
        )

    def exists(self, sobject: str, our_id: str) -> bool:
        try:
            _KINDS.get(sobject, _RELATION).get(self.store, our_id)
        except NotFoundError:
            return False
        return True

    def by_external_id(self, sobject: str, system: str, value: str) -> str | None:
        kind = _KINDS.get(sobject)
        if kind is None or kind.by_external_id is None:
            return None
        found = kind.by_external_id(self.store, system, value)
        return found.id if found is not None else None

    # --------------------------------------------------------------- references

    def resolve(self, target: str, raw: str, field: str, *, may_wait: bool = False) -> str:
        """Our id of the ``target`` record that ``raw`` names.

        ``raw`` is ``@referenceId``, a Salesforce Id or one of our ids.

        Raises:
            Defer: ``may_wait`` and the record may still come later in this import.
            Refused: the reference cannot be resolved (missing, refused, skipped).
        """
        index = self.ids[target]
        if raw in index:
            return index[raw]
        cache = self.lookups[target]
        if raw in cache:
            return cache[raw]
        if raw.startswith("@"):
            return self._resolve_ref(target, raw, field, may_wait=may_wait)
        if raw in self.refused[target]:
            raise Refused(field, f"refers to {target} {raw}, which was refused")
        found = (
            None
            if self.store_empty and target in ("Account", "Contact")
            else (
                self.by_external_id(target, SF, raw) or (raw if self.exists(target, raw) else None)
            )
        )
        if found:
            cache[raw] = found
            return found
        if may_wait:
            raise Defer
        raise Refused(field, f"unknown {target} {raw!r} (not in this import nor in the store)")

    def _resolve_ref(self, target: str, raw: str, field: str, *, may_wait: bool) -> str:
        ref = raw[1:]
        if raw in self.refused[target]:
            raise Refused(field, f"refers to {raw}, which was refused")
        if self.known_refs is not None and ref in self.known_refs:
            kind = self.known_refs[ref]
            if kind != target and SOBJECTS.get(kind) is None:
                raise Refused(
                    field, f"refers to {raw}, a {kind} record, which contactgraph does not import"
                )
            if kind != target:
                raise Refused(field, f"refers to {raw}, a {kind}, where a {target} is expected")
            if may_wait:
                raise Defer
            raise Refused(field, f"refers to {raw}, which was not imported")
        found = self.by_external_id(target, SF_REF, f"{self.namespace}:{ref}")
        if found:
            self.lookups[target][raw] = found
            return found
        if may_wait and self.known_refs is None:
            raise Defer
        raise Refused(
            field,
            f"missing reference {raw}: no {target} record has referenceId {ref!r} in this import",
        )

    def key_for(self, our_id: str | None) -> str | None:
        """The source's name for a record this import wrote (a scan: only after a failure)."""
        for index in self.ids.values():
            for key, value in index.items():
                if value == our_id:
                    return key.removeprefix("@")
        return our_id


# --------------------------------------------------------------- exact keys

_Found = list[tuple[Any, str]]


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _phone(values: Mapping[str, Any]) -> Phone | None:
    """The source's account phone as a number, read where the source places it (its
    ``phone_region`` or billing country), else kept unverified; ``None`` when it is not one."""
    raw = values.get("phone")
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raw = str(raw)
    if isinstance(raw, Phone):
        return raw
    if not isinstance(raw, str) or not raw.strip():
        return None
    region = values.get("phone_region")
    if not (isinstance(region, str) and region.strip()):
        billing = values.get("billing_address")
        country = billing.get("country") if isinstance(billing, Mapping) else None
        region = region_of_country(country) if isinstance(country, str) else None
    try:
        return Phone.parse(raw, region or None, field="Phone", keep_unplaced=True)
    except InvalidValueError:
        return None  # the import refuses it with its own message


def _host(website: Any) -> str:
    text = _text(website).lower().split("://", 1)[-1]
    return text.split("/", 1)[0].removeprefix("www.")


def _accounts(index: Identities, mapped: Mapped) -> _Found:
    name = _text(mapped.values.get("name"))
    if not name:
        return []
    site, phone = _host(mapped.values.get("website")), _phone(mapped.values)
    found: _Found = []
    for account in index.store.accounts.find_by_name(name):
        stored_site = _host(account.website)
        same_phone = (
            phone.same_number(account.phone)  # one number however written (issue 11)
            if phone is not None and account.phone is not None
            else None
        )
        if (site and stored_site and site != stored_site) or same_phone is False:
            continue  # same name, another company
        how = "name" + (" and website" if site and site == stored_site else "")
        how += " and phone" if same_phone else ""
        found.append((account, how))
    return found


def _contacts(index: Identities, mapped: Mapped) -> _Found:
    email = _text(mapped.values.get("email"))
    if email:
        return [(c, "email") for c in index.store.accounts.find_contacts(email=email, limit=5)]
    account_id = index.account_ref(mapped)
    last = _text(mapped.values.get("last_name"))
    if account_id is None or not last:
        return []
    first = _text(mapped.values.get("first_name"))
    wanted = match_key(f"{first} {last}".strip())
    return [
        (c, "full name in its account")
        for c in index.store.accounts.find_contacts(
            name=f"{first} {last}".strip(), account_id=account_id, limit=5
        )
        if match_key(c.full_name) == wanted and c.email is None
    ]


def _opportunities(index: Identities, mapped: Mapped) -> _Found:
    name = _text(mapped.values.get("name"))
    account_id = index.account_ref(mapped)
    if not name or account_id is None:
        return []
    wanted = match_key(name)
    return [
        (o, "name in its account")
        for o in index.store.opportunities.list(account_id=account_id, limit=500)
        if match_key(o.name) == wanted
    ]


_RECOGNISE: Mapping[str, Callable[[Identities, Mapped], _Found]] = {
    "Account": _accounts,
    "Contact": _contacts,
    "Opportunity": _opportunities,
}
"""sObject type -> how a record of it is recognised by its exact keys."""
