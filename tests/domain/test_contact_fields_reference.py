"""``parse_contact_fields`` gives what its previous reading gave, name parts included.

The function reads every contact an import adds, so its own body is kept lean
(one look-up a field, the name parts' parsers bound once, the name built
without a merge when there is no current contact). The reading it had before
is kept below as the general path: for any fields, valid or not, with or
without a current contact, both must give the same values and the same
violations in the same order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from contactgraph import Account
from contactgraph.domain.contact import NAME_FIELDS, Contact
from contactgraph.domain.fields import (
    _CONTACT_PARSERS,
    _last_name_required,
    parse_contact_fields,
    unknown_field,
    violation,
)
from contactgraph.domain.values import NAME_PART_PARSERS, PersonName
from contactgraph.errors import InvalidValueError, Violation
from contactgraph.testing import strategies as cgst


def _general(
    raw: Mapping[str, Any],
    *,
    region: str | None,
    current: Contact | None = None,
    entity_id: str | None = None,
) -> tuple[dict[str, Any], list[Violation]]:
    """parse_contact_fields as it was (commit 76b00ff)."""
    values: dict[str, Any] = {}
    violations: list[Violation] = []
    for field, value in raw.items():
        if field in NAME_FIELDS:
            continue
        parser = _CONTACT_PARSERS.get(field) if isinstance(field, str) else None
        if parser is None:
            violations.append(unknown_field(field, "contact", entity_id))
            continue
        try:
            values[field] = parser(value, region)
        except InvalidValueError as exc:
            violations.append(violation(exc, field, "contact", entity_id))
    name_parts: dict[str, Any] = {}
    for public, part in NAME_FIELDS.items():
        if public not in raw:
            continue
        value = raw[public]
        if part == "last" and (value is None or (isinstance(value, str) and not value.strip())):
            violations.append(_last_name_required(entity_id))
            continue
        try:
            name_parts[part] = NAME_PART_PARSERS[part](value)
        except InvalidValueError as exc:
            violations.append(violation(exc, public, "contact", entity_id))
    if current is None and "last_name" not in raw:
        violations.append(_last_name_required(entity_id))
    bad_name = any(v.field in NAME_FIELDS for v in violations)
    if name_parts and not bad_name:
        merged: dict[str, Any] = (
            {part: getattr(current.name, part) for part in NAME_FIELDS.values()}
            if current is not None
            else {}
        )
        merged.update(name_parts)
        values["name"] = PersonName.trusted(**merged)
    return values, violations


class _Key:
    """A key that is no text, whose repr is a name field's name."""

    def __repr__(self) -> str:
        return "last_name"


_ACME = Account.create("ACME SA")
_ACME, _CURRENT = _ACME.add_contact(
    "Martin", id="c0", first_name="Alice", salutation="Ms.", title="CFO"
)

_name_values = st.one_of(
    st.sampled_from([None, "", "  ", "Durand", " Zoë ", "Mr.", "dr", "Sir", "A" * 81, 7]),
    st.text(alphabet="ab \t\x00\u0301", max_size=5),
)
_names = st.dictionaries(st.sampled_from(sorted(NAME_FIELDS)), _name_values, max_size=5)
_others = st.dictionaries(
    st.sampled_from(["nickname", 3, ("t",), "title", "extra"]),
    st.sampled_from(["x", None, 1, {"Score__c": 1}]),
    max_size=2,
)


@settings(max_examples=600, deadline=None)
@given(
    st.one_of(cgst.contact_fields(), cgst.invalid_contact_fields(), st.just({})),
    _names,
    _others,
    st.booleans(),
    st.booleans(),
    st.sampled_from([None, "FR", "US"]),
)
def test_contact_fields_parse_as_they_did(  # noqa: PLR0917 - the drawn parts
    fields: dict[str, Any],
    names: dict[str, Any],
    others: dict[Any, Any],
    with_current: bool,
    odd_key: bool,
    region: str | None,
) -> None:
    raw: dict[Any, Any] = {**others, **fields, **names} if names else {**others, **fields}
    if odd_key:
        raw[_Key()] = "x"
    current = _CURRENT if with_current else None
    got = parse_contact_fields(raw, region=region, current=current, entity_id="c1")
    expected = _general(raw, region=region, current=current, entity_id="c1")
    assert got == expected
