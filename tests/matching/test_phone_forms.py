"""Duplicates sharing a number written another way: with an extension, or kept unverified.

Detection and the duplicate rules compare numbers with ``Phone.same_number``,
not their stored text, so ``+33144274427;ext=12`` and the unverified
``01 44 27 44 27`` are the same number as ``+33144274427``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import contactgraph as cg
from contactgraph.matching import find_account_duplicates, find_contact_duplicates
from contactgraph.matching.single import score_account, score_contact
from contactgraph.rules import DuplicateRules
from contactgraph.testing.values import phones_with_region
from storekit import BACKENDS


def _forms(typed: str, region: str) -> st.SearchStrategy[tuple[cg.Phone, cg.Phone]]:
    """``(the bare number, the same number written otherwise)``."""
    bare = cg.Phone.parse(typed, region)
    forms = [st.from_regex(r"[0-9]{1,5}", fullmatch=True).map(
        lambda ext: cg.Phone(f"{bare.e164};ext={ext}")
    )]  # fmt: skip
    if bare.in_region(region):  # written nationally, no country known
        forms.append(st.just(cg.Phone.unverified(bare.national)))
    return st.one_of(forms).flatmap(lambda other: st.sampled_from([(bare, other), (other, bare)]))


numbers = phones_with_region().flatmap(lambda pair: _forms(*pair))


@settings(max_examples=40, deadline=None)
@given(pair=numbers, field=st.sampled_from(["phone", "mobile", "alternate_phones"]))
def test_detection_calls_one_number_written_two_ways_the_same_number(
    pair: tuple[cg.Phone, cg.Phone], field: str
) -> None:
    first, second = pair
    assert first.e164 != second.e164
    acme = cg.Account.create(name="ACME SA")
    acme, robert = acme.add_contact(first_name="Robert", last_name="Grzybowski", phone=first)
    value: object = [second] if field == "alternate_phones" else second
    acme, bob = acme.add_contact(first_name="Bob", last_name="Grzybowski", **{field: value})
    [match] = score_contact(robert, acme.name, [(bob, acme.name)], threshold=0.0)
    assert ("phone", "same number") in {(r.field, r.level) for r in match.reasons}
    [cluster] = find_contact_duplicates([acme])
    assert set(cluster.contact_ids) == {robert.id, bob.id}


@settings(max_examples=25, deadline=None)
@given(pair=numbers)
def test_two_companies_of_one_number_written_two_ways_are_one(
    pair: tuple[cg.Phone, cg.Phone],
) -> None:
    first, second = pair
    one, two = (
        cg.Account.create(name="Globex", phone=first),
        cg.Account.create(name="Globex SA", phone=second),
    )
    [match] = score_account(one, [two], threshold=0.0)
    assert ("phone", "same number") in {(r.field, r.level) for r in match.reasons}
    assert [c.account_ids for c in find_account_duplicates([one, two])] == [
        tuple(sorted((one.id, two.id)))
    ]


def test_another_extension_of_one_switchboard_is_not_the_same_number() -> None:
    acme = cg.Account.create(name="ACME SA")
    acme, alice = acme.add_contact(last_name="Martin", phone="+33144274427;ext=12")
    acme, bob = acme.add_contact(last_name="Durand", phone="+33144274427;ext=13")
    [match] = score_contact(alice, acme.name, [(bob, acme.name)], threshold=0.0)
    assert ("phone", "same last 8 digits") in {(r.field, r.level) for r in match.reasons}


# Pairs whose national digits differ, though they are one number: detection must group them
# as the rules find them (by the last 8 national digits), not only compare them alike.
_WRITTEN_APART = [
    ("unverified:1 212 555 0100", "+12125550100"),  # a trunk prefix typed in front
    ("unverified:8 495 123 45 67", "+74951234567"),
    ("unverified:011 15-2345-6789", "+5491123456789"),  # Argentina's mobile transform
    ("+5491123456789", "unverified:011 15 2345 6789"),
]


@pytest.mark.parametrize(("stored", "new"), _WRITTEN_APART)
def test_detection_groups_one_number_written_with_other_national_digits(
    stored: str, new: str
) -> None:
    first, second = cg.Phone(stored), cg.Phone(new)
    assert first.national_digits != second.national_digits
    assert first.same_number(second)
    acme = cg.Account.create(name="ACME SA")
    acme, robert = acme.add_contact(first_name="Robert", last_name="Grzybowski", phone=first)
    acme, bob = acme.add_contact(first_name="Bob", last_name="Grzybowski", mobile=second)
    [cluster] = find_contact_duplicates([acme])  # only the number brings them together
    assert set(cluster.contact_ids) == {robert.id, bob.id}


# ------------------------------------------------------------------ rules


def _store(kind: str, tmp_path: Path, matcher: str) -> cg.Store:
    rules = DuplicateRules(contacts="alert", accounts="alert", matcher=matcher)  # type: ignore[arg-type]
    if kind == "memory":
        return cg.open_store(duplicates=rules)
    return cg.open_store(f"sqlite:///{tmp_path}/crm.db", duplicates=rules)


def _warns_of_him_by_number(
    store: cg.Store, other: cg.Account, bob: cg.Contact, robert: cg.Contact
) -> None:
    """Adding ``other`` warns that ``bob`` is likely ``robert``, by the phone number."""
    with store.collect_warnings() as found:
        store.accounts.add(other)
    [warning] = found
    assert (warning.record_id, warning.ids) == (bob.id, (robert.id,))
    assert "phone: same number" in warning.candidates[0].reasons


@pytest.mark.parametrize("kind", BACKENDS)
@pytest.mark.parametrize("matcher", ["exact", "scored"])
@pytest.mark.parametrize(
    ("stored", "new"),
    [
        ("+33144274427", "+33144274427;ext=12"),
        ("+33144274427;ext=12", "+33144274427"),
        ("+33144274427", "unverified:01 44 27 44 27"),
        ("unverified:01 44 27 44 27", "+33144274427"),
        ("unverified:01 44 27 44 27", "+33144274427;ext=7"),
        ("unverified:011 15-2345-6789", "+5491123456789"),  # a national prefix transform
        ("+5491123456789", "unverified:011 15-2345-6789"),
    ],
)
def test_the_rule_finds_a_stored_contact_whose_number_was_written_otherwise(
    kind: str, matcher: str, stored: str, new: str, tmp_path: Path
) -> None:
    with _store(kind, tmp_path, matcher) as store:
        acme = cg.Account.create(name="ACME SA")
        acme, robert = acme.add_contact(
            first_name="Robert", last_name="Grzybowski", phone=cg.Phone(stored)
        )
        with store.collect_warnings() as quiet:
            acme = store.accounts.add(acme)
        assert quiet == []
        # Another account, another spelling: only the number finds him.
        other = cg.Account.create(name="Globex")
        other, bob = other.add_contact(
            first_name="Bob", last_name="Grzybowsky", mobile=cg.Phone(new)
        )
        _warns_of_him_by_number(store, other, bob, robert)


@pytest.mark.parametrize("kind", BACKENDS)
@pytest.mark.parametrize("matcher", ["exact", "scored"])
@pytest.mark.parametrize(
    "case",
    [
        ("unverified:01 44 27 44 27", "+33144274427", None),  # kept as libphonenumber writes it
        ("unverified:(212) 555-0100", "+12125550100;ext=4", None),
        ("+33144274427", "unverified:01 44 27 44 27", "France"),  # placed where the write is
        ("+5491123456789", "unverified:011 15-2345-6789", "AR"),
    ],
)
def test_the_rule_finds_a_stored_alternate_phone_written_otherwise(
    kind: str, matcher: str, case: tuple[str, str, str | None], tmp_path: Path
) -> None:
    stored, new, country = case
    with _store(kind, tmp_path, matcher) as store:
        acme = cg.Account.create(name="ACME SA")
        acme, robert = acme.add_contact(
            first_name="Robert", last_name="Grzybowski", alternate_phones=[cg.Phone(stored)]
        )
        store.accounts.add(acme)
        # Another account, another spelling, and the number is only one of his alternates.
        billing = {"country": country} if country else None
        other = cg.Account.create(name="Globex", billing_address=billing)
        other, bob = other.add_contact(
            first_name="Bob", last_name="Grzybowsky", phone=cg.Phone(new)
        )
        _warns_of_him_by_number(store, other, bob, robert)


@pytest.mark.parametrize("kind", BACKENDS)
def test_the_rule_finds_a_company_whose_number_was_written_otherwise(
    kind: str, tmp_path: Path
) -> None:
    with _store(kind, tmp_path, "exact") as store:
        store.accounts.add(cg.Account.create(name="Globex", phone="+33144274427"))
        with store.collect_warnings() as found:
            store.accounts.add(
                cg.Account.create(name="GLOBEX", phone=cg.Phone.unverified("01 44 27 44 27"))
            )
        [warning] = found
        assert warning.candidates[0].reasons == ("name: same name",)  # no phone conflict
