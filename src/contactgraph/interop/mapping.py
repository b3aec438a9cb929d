"""Salesforce fields and ours: one mapping, shared by sObject Tree JSON and Data Loader CSV (reading).

Salesforce API names are matched without regard to case (``lastName``,
``LASTNAME`` and ``LastName`` are one field). Fields we do not model are kept
in ``extra`` under the name the source used. A few fields of ours that
Salesforce lacks travel as custom fields with a ``ContactGraph_`` prefix, so an
export can be read back without loss:

========================================  =========================================
``ContactGraph_Id__c``                    our id (a Salesforce ``Id`` goes to
                                          ``external_ids["salesforce"]``)
``ContactGraph_External_Ids__c``          other external ids, as a JSON object
``ContactGraph_Phone_Region__c``          Account ``phone_region``
``ContactGraph_Decision_Role__c``         Contact ``decision_role``
``ContactGraph_Active__c``                Contact ``active``
``ContactGraph_Alternate_Emails__c``      Contact ``alternate_emails`` (``;``-separated)
``ContactGraph_Alternate_Phones__c``      Contact ``alternate_phones`` (``;``-separated)
``ContactGraph_Title__c``                 AccountContactRelation ``title``
========================================  =========================================

This module reads source records into our fields; writing them back is
:mod:`contactgraph.interop.salesforce_fields`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import attrs

__all__ = [
    "ID_FIELD",
    "OUR_EXTERNAL_IDS_FIELD",
    "OUR_ID_FIELD",
    "SOBJECTS",
    "FieldSpec",
    "Mapped",
    "SObjectSpec",
    "map_record",
    "salesforce_id",
    "sobject_of",
]

ID_FIELD = "Id"
OUR_ID_FIELD = "ContactGraph_Id__c"
OUR_EXTERNAL_IDS_FIELD = "ContactGraph_External_Ids__c"
_SPECIAL_KEYS = {
    "id": "id",
    OUR_ID_FIELD.casefold(): "our_id",
    OUR_EXTERNAL_IDS_FIELD.casefold(): "our_external_ids",
}
_MAX_REMEMBERED_KEYS = 512
"""Source keys whose role a spec remembers (JSON records may bring any key)."""

TEXT = "text"
BOOL = "bool"
LIST = "list"
REF = "ref"
NUMBER = "number"
DATETIME = "datetime"


@attrs.frozen
class FieldSpec:
    """One Salesforce field and where it lands.

    Attributes:
        api: The Salesforce API name, as exported (``MailingStreet``).
        target: Our field (``mailing_address.street`` for an address part;
            the referenced sObject's link name for a reference).
        kind: ``text`` (also dates, parsed by the domain), ``datetime``
            (a system timestamp such as ``CreatedDate``, read here), ``number``
            (parsed by the domain once known finite), ``bool``, ``list``
            (``;``-separated) or ``ref``.
        ref: For a reference, the sObject types it may point to.
    """

    api: str
    target: str
    kind: str = TEXT
    ref: tuple[str, ...] = ()
    place: tuple[str, str | None] = attrs.field(init=False, eq=False, repr=False)
    """``(field, part)`` of :attr:`target` (``("mailing_address", "city")``; part ``None``
    for a whole field), split once."""

    def __attrs_post_init__(self) -> None:
        group, dot, part = self.target.partition(".")
        object.__setattr__(self, "place", (group, part if dot else None))


_Plan = tuple[str, FieldSpec | None, tuple[str, str | None] | None]
"""What :meth:`SObjectSpec.plan` tells of a source key."""


@attrs.frozen
class SObjectSpec:
    """The fields of one sObject type we model."""

    name: str
    fields: tuple[FieldSpec, ...]
    by_key: Mapping[str, FieldSpec] = attrs.field(init=False)
    _roles: dict[str, tuple[str, FieldSpec | None]] = attrs.field(
        init=False, factory=dict, eq=False, repr=False
    )
    _plans: dict[str, _Plan] = attrs.field(init=False, factory=dict, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "by_key", {f.api.casefold(): f for f in self.fields})

    def field(self, name: str) -> FieldSpec | None:
        return self.by_key.get(name.casefold())

    def role(self, key: str) -> tuple[str, FieldSpec | None]:
        """What a source key is (``"id"``, ``"our_id"``, ``"our_external_ids"``, ``"field"``
        with its spec, or ``"extra"``), remembered per key: a file repeats its header's keys
        on every row."""
        found = self._roles.get(key)
        if found is None:
            folded = key.casefold()
            if folded in _SPECIAL_KEYS:
                found = (_SPECIAL_KEYS[folded], None)
            else:
                fs = self.field(key)
                found = ("field", fs) if fs is not None else ("extra", None)
            if len(self._roles) < _MAX_REMEMBERED_KEYS:
                self._roles[key] = found
        return found

    def plan(self, key: str) -> _Plan:
        """:meth:`role` of ``key`` and, for a text field, where its value lands
        (:attr:`FieldSpec.place`; ``None`` for any other role), remembered per key."""
        found = self._plans.get(key)
        if found is None:
            role, fs = self.role(key)
            found = (role, fs, fs.place if fs is not None and fs.kind == TEXT else None)
            if len(self._plans) < _MAX_REMEMBERED_KEYS:
                self._plans[key] = found
        return found

    @property
    def references(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.kind == REF)


def _address(prefix: str, target: str) -> tuple[FieldSpec, ...]:
    parts = (
        ("Street", "street"),
        ("City", "city"),
        ("State", "state"),
        ("PostalCode", "postal_code"),
        ("Country", "country"),
    )
    return tuple(FieldSpec(f"{prefix}{api}", f"{target}.{part}") for api, part in parts)


ACCOUNT = SObjectSpec(
    "Account",
    (
        FieldSpec("Name", "name"),
        FieldSpec("Type", "type"),
        FieldSpec("Industry", "industry"),
        FieldSpec("Website", "website"),
        FieldSpec("Phone", "phone"),
        FieldSpec("ParentId", "parent_id", REF, ("Account",)),
        FieldSpec("Description", "description"),
        FieldSpec("AnnualRevenue", "annual_revenue", NUMBER),
        FieldSpec("NumberOfEmployees", "number_of_employees", NUMBER),
        *_address("Billing", "billing_address"),
        *_address("Shipping", "shipping_address"),
        FieldSpec("ContactGraph_Phone_Region__c", "phone_region"),
    ),
)
CONTACT = SObjectSpec(
    "Contact",
    (
        FieldSpec("AccountId", "account_id", REF, ("Account",)),
        FieldSpec("Salutation", "salutation"),
        FieldSpec("FirstName", "first_name"),
        FieldSpec("MiddleName", "middle_name"),
        FieldSpec("LastName", "last_name"),
        FieldSpec("Suffix", "suffix"),
        FieldSpec("Email", "email"),
        FieldSpec("Phone", "phone"),
        FieldSpec("MobilePhone", "mobile"),
        FieldSpec("Title", "title"),
        FieldSpec("Department", "department"),
        *_address("Mailing", "mailing_address"),
        FieldSpec("ReportsToId", "reports_to", REF, ("Contact",)),
        FieldSpec("Description", "description"),
        FieldSpec("Birthdate", "birthdate"),
        FieldSpec("LeadSource", "lead_source"),
        FieldSpec("HasOptedOutOfEmail", "email_opt_out", BOOL),
        FieldSpec("DoNotCall", "do_not_call", BOOL),
        FieldSpec("ContactGraph_Decision_Role__c", "decision_role"),
        FieldSpec("ContactGraph_Active__c", "active", BOOL),
        FieldSpec("ContactGraph_Alternate_Emails__c", "alternate_emails", LIST),
        FieldSpec("ContactGraph_Alternate_Phones__c", "alternate_phones", LIST),
    ),
)
OPPORTUNITY = SObjectSpec(
    "Opportunity",
    (
        FieldSpec("AccountId", "account_id", REF, ("Account",)),
        FieldSpec("Name", "name"),
        FieldSpec("StageName", "stage"),
        FieldSpec("CloseDate", "close_date"),
        FieldSpec("Amount", "amount", NUMBER),
        FieldSpec("CurrencyIsoCode", "currency"),
        FieldSpec("Description", "description"),
        FieldSpec("CreatedDate", "created_at", DATETIME),
    ),
)
CONTACT_ROLE = SObjectSpec(
    "OpportunityContactRole",
    (
        FieldSpec("OpportunityId", "opportunity_id", REF, ("Opportunity",)),
        FieldSpec("ContactId", "contact_id", REF, ("Contact",)),
        FieldSpec("Role", "role"),
        FieldSpec("IsPrimary", "is_primary", BOOL),
    ),
)
CASE = SObjectSpec(
    "Case",
    (
        FieldSpec("AccountId", "account_id", REF, ("Account",)),
        FieldSpec("ContactId", "contact_id", REF, ("Contact",)),
        FieldSpec("Subject", "subject"),
        FieldSpec("Status", "status"),
        FieldSpec("Priority", "priority"),
        FieldSpec("Origin", "origin"),
        FieldSpec("Type", "type"),
        FieldSpec("Reason", "reason"),
        FieldSpec("Description", "description"),
        FieldSpec("CreatedDate", "opened_at", DATETIME),
        FieldSpec("ClosedDate", "closed_at", DATETIME),
    ),
)
RELATION = SObjectSpec(
    "AccountContactRelation",
    (
        FieldSpec("AccountId", "account_id", REF, ("Account",)),
        FieldSpec("ContactId", "contact_id", REF, ("Contact",)),
        FieldSpec("Roles", "roles", LIST),
        FieldSpec("IsActive", "is_active", BOOL),
        FieldSpec("StartDate", "start_date"),
        FieldSpec("EndDate", "end_date"),
        FieldSpec("ContactGraph_Title__c", "title"),
    ),
)

SOBJECTS: Mapping[str, SObjectSpec] = {
    s.name: s for s in (ACCOUNT, CONTACT, OPPORTUNITY, CONTACT_ROLE, CASE, RELATION)
}
"""Every sObject type we model, in the order an import writes them."""

_SOBJECT_KEYS = {name.casefold(): name for name in SOBJECTS}

CHILD_LINKS: Mapping[tuple[str, str], str] = {
    ("Account", "Contact"): "AccountId",
    ("Account", "Opportunity"): "AccountId",
    ("Account", "Case"): "AccountId",
    ("Account", "AccountContactRelation"): "AccountId",
    ("Account", "Account"): "ParentId",
    ("Contact", "Case"): "ContactId",
    ("Contact", "AccountContactRelation"): "ContactId",
    ("Contact", "OpportunityContactRole"): "ContactId",
    ("Contact", "Contact"): "ReportsToId",
    ("Opportunity", "OpportunityContactRole"): "OpportunityId",
}
"""The field a nested child record's parent sets (``Contacts`` under an Account set ``AccountId``)."""


def sobject_of(name: str) -> str | None:
    """Our canonical sObject name for ``name`` in any letter case, or ``None`` if we do not model it."""
    return _SOBJECT_KEYS.get(name.casefold())


# ----------------------------------------------------------------- reading


@attrs.define
class Mapped:
    """A source record sorted into what we model, its references and what we keep aside.

    Attributes:
        values: Our field -> the source value (address parts grouped in a dict).
        refs: API name of a reference field -> the raw value (``@AccountRef1``, an Id).
        salesforce_id: The record's Salesforce ``Id``, if given.
        our_id: Our id (``ContactGraph_Id__c``), if given.
        external_ids: Other external ids (``ContactGraph_External_Ids__c``).
        extra: Unmodelled fields with a value.
        extra_fields: Every unmodelled field present (with or without a value).
        problems: ``(field, reason)`` pairs found while mapping.
        notes: ``(field, remark)`` pairs worth a warning.
    """

    values: dict[str, Any] = attrs.field(factory=dict)
    refs: dict[str, str] = attrs.field(factory=dict)
    salesforce_id: str | None = None
    our_id: str | None = None
    external_ids: dict[str, str] = attrs.field(factory=dict)
    extra: dict[str, Any] = attrs.field(factory=dict)
    extra_fields: set[str] = attrs.field(factory=set)
    problems: list[tuple[str, str]] = attrs.field(factory=list)
    notes: list[tuple[str, str]] = attrs.field(factory=list)


if (
    tuple(a.name for a in attrs.fields(Mapped))
    != (
        "values",
        "refs",
        "salesforce_id",
        "our_id",
        "external_ids",
        "extra",
        "extra_fields",
        "problems",
        "notes",
    )
    or "__setattr__" in Mapped.__dict__
):  # pragma: no cover
    raise RuntimeError("_mapped must set exactly Mapped's attributes")
_NEW = object.__new__


def _mapped() -> Mapped:
    """``Mapped()``, its attributes set one by one (attrs' ``__init__`` calls a factory
    per container and tests each argument against its default: a record each)."""
    out: Mapped = _NEW(Mapped)
    out.values = {}
    out.refs = {}
    out.salesforce_id = None
    out.our_id = None
    out.external_ids = {}
    out.extra = {}
    out.extra_fields = set()
    out.problems = []
    out.notes = []
    return out


_TRUE = frozenset({"true", "1", "yes", "y", "t", "x", "on"})
_FALSE = frozenset({"false", "0", "no", "n", "f", "off"})


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return value
    return value


_SF15 = re.compile(r"^[A-Za-z0-9]{15}$")
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def salesforce_id(value: str) -> str:
    """A Salesforce id in its 18-character form (a 15-character id gets its checksum suffix).

    Salesforce accepts both forms; the 18-character one is case-insensitive,
    so records exported in either form match on a later import.
    """
    if not _SF15.match(value):
        return value
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, ch in enumerate(value[start : start + 5]) if "A" <= ch <= "Z")
        suffix += _SUFFIX[bits]
    return value + suffix


def map_record(spec: SObjectSpec, fields: Mapping[str, Any]) -> Mapped:
    """Sort a source record's fields (any letter case) into a :class:`Mapped`.

    Values are not validated here (the domain does that) except booleans and
    the id fields; nested child records must have been removed by the caller.
    """
    out = _mapped()
    plans = spec._plans
    plan_of = spec.plan
    values = out.values
    for key, value in fields.items():
        role, fs, text_at = plans.get(key) or plan_of(key)
        if text_at is not None and type(value) is str:
            # the common case (a CSV cell for a text field), as the general path below treats it
            parsed: Any = value if value.strip() else None
            group, part = text_at
            if part is None:
                values[group] = parsed
            else:
                values.setdefault(group, {})[part] = parsed
            continue
        if role == "id":
            if not _blank(value):
                out.salesforce_id = salesforce_id(str(value).strip())
            continue
        elif role == "our_id":
            if not _blank(value):
                out.our_id = str(value).strip()
            continue
        if role == "our_external_ids":
            if not _blank(value):
                _external_ids(value, out)
            continue
        if fs is None:
            out.extra_fields.add(key)
            if _blank(value):
                continue
            if isinstance(value, dict | list):
                out.extra[key] = json.dumps(value, ensure_ascii=False)
                out.notes.append((key, "a structured value was kept as JSON text"))
            else:
                out.extra[key] = value
            continue
        if fs.kind == REF:
            if not _blank(value):
                out.refs[fs.api] = salesforce_id(str(value).strip())
            else:
                out.refs.setdefault(fs.api, "")
            continue
        if _blank(value):
            parsed = None
        elif fs.kind == BOOL:
            parsed = _bool(value)
            if parsed is None:
                out.problems.append((fs.api, f"must be true or false, got {value!r}"))
                continue
        elif fs.kind == LIST:
            parsed = [p.strip() for p in str(value).split(";") if p.strip()]
        elif fs.kind == DATETIME:
            parsed = _timestamp(value)
            if parsed is None:
                out.extra[key] = value
                out.extra_fields.add(key)
                out.notes.append(
                    (fs.api, f"{value!r} is not a date and time: kept as a custom field")
                )
                continue
        elif fs.kind == NUMBER and not _finite(value):
            out.problems.append((fs.api, f"must be a finite number, got {value!r}"))
            continue
        else:
            parsed = _as_text(value)
        group, part = fs.place
        if part is None:
            values[group] = parsed
        else:
            values.setdefault(group, {})[part] = parsed
    return out


def _timestamp(value: Any) -> datetime | None:
    """A Salesforce timestamp (``2024-01-15T10:20:30.000+0000``, or a date) as UTC, else ``None``."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


_NON_FINITE = frozenset({"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan"})


def _finite(value: Any) -> bool:
    """False for infinities and NaN, as JSON floats or as text; the domain judges the rest."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Decimal):
        return value.is_finite()
    if isinstance(value, str):
        return value.strip().casefold() not in _NON_FINITE
    return True


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _external_ids(value: Any, out: Mapped) -> None:
    data = value
    if isinstance(value, str):
        try:
            data = json.loads(value)
        except ValueError:
            out.problems.append((OUR_EXTERNAL_IDS_FIELD, "must be a JSON object of text values"))
            return
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        out.problems.append((OUR_EXTERNAL_IDS_FIELD, "must be a JSON object of text values"))
        return
    out.external_ids.update(data)
