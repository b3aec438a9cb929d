"""Duplicate detection on people and companies a salesperson would recognise."""

from __future__ import annotations

from datetime import date

import pytest

from contactgraph.domain import Account
from contactgraph.errors import InvalidValueError
from contactgraph.matching import (
    find_account_duplicates,
    find_contact_duplicates,
    lookalikes,
)
from contactgraph.testing.people import DUPLICATE_KINDS, cluster_pairs, generate


@pytest.fixture(scope="module")
def planted():
    return generate(3000, seed=11)


@pytest.fixture(scope="module")
def background(planted):
    return planted.accounts


def _with(background, *accounts):
    return [*background, *accounts]


def _ids(clusters):
    return {c.contact_ids for c in clusters}


def test_planted_duplicates_are_found_with_few_false_pairs(planted):
    found = cluster_pairs(c.contact_ids for c in find_contact_duplicates(planted.accounts))
    truth = set(planted.duplicate_pairs)
    true_found = found & truth
    assert len(true_found) / len(truth) >= 0.9
    assert len(true_found) / len(found) >= 0.9
    kinds = {planted.duplicate_pairs[p] for p in true_found}
    assert kinds >= set(DUPLICATE_KINDS) - {"phonetic last name, same phone",
                                            "compound last name without its hyphen",
                                            "birthdate day/month swapped"}  # fmt: skip


def test_bob_is_robert_when_the_phone_agrees(background):
    acme = Account.create(name="ACME SA", website="acme.fr")
    acme, robert = acme.add_contact(first_name="Robert", last_name="Grzybowski",
                                    phone="+33 1 44 27 44 27", title="CFO")  # fmt: skip
    acme, bob = acme.add_contact(first_name="Bob", last_name="Grzybowski", phone="+33144274427")
    clusters = find_contact_duplicates(_with(background, acme))
    cluster = next(c for c in clusters if robert.id in c.contact_ids)
    assert cluster.contact_ids == tuple(sorted((robert.id, bob.id)))
    reasons = {(r.field, r.level) for r in cluster.reasons}
    assert ("first_name", "nickname") in reasons
    assert ("phone", "same number") in reasons
    assert all(r.weight > 0 for r in cluster.reasons if r.level != "different")
    assert 0.99 <= cluster.score <= 1


def test_swapped_names_in_another_spelling_of_the_company(background):
    acme = Account.create(name="ACME SA", website="acme.fr")
    acme, peggy = acme.add_contact(first_name="Margaret", last_name="Oyelaran",
                                   email="m.oyelaran@acme.fr", birthdate=date(1980, 3, 14))  # fmt: skip
    other = Account.create(name="Acme S.A.S.")
    other, swapped = other.add_contact(first_name="Oyelaran", last_name="Margaret",
                                       birthdate=date(1980, 3, 14))  # fmt: skip
    clusters = find_contact_duplicates(_with(background, acme, other))
    cluster = next(c for c in clusters if peggy.id in c.contact_ids)
    assert swapped.id in cluster.contact_ids
    assert ("first_name", "swapped with last name") in {(r.field, r.level) for r in cluster.reasons}


def test_relatives_sharing_a_line_and_namesake_colleagues_are_two_people(background):
    home = Account.create(name="Durand Plomberie")
    home, jean = home.add_contact(first_name="Jean", last_name="Zalewski", phone="+33 5 56 00 00 01",
                                  mailing_address={"street": "1 rue Haute", "postal_code": "33000"})  # fmt: skip
    home, marie = home.add_contact(first_name="Marie", last_name="Zalewski", phone="+33556000001",
                                   mailing_address={"street": "1 rue Haute", "postal_code": "33000"})  # fmt: skip
    home, paul = home.add_contact(first_name="Paul", last_name="Kowalczyk",
                                  email="paul.kowalczyk@durand.fr")  # fmt: skip
    home, paul2 = home.add_contact(first_name="Paul", last_name="Kowalczyk",
                                   email="p.kowalczyk@durand.fr")  # fmt: skip
    found = cluster_pairs(c.contact_ids for c in find_contact_duplicates(_with(background, home)))
    assert tuple(sorted((jean.id, marie.id))) not in found
    assert tuple(sorted((paul.id, paul2.id))) not in found


def test_the_order_of_the_accounts_does_not_change_the_clusters(planted):
    forward = _ids(find_contact_duplicates(planted.accounts))
    backward = _ids(find_contact_duplicates(list(reversed(planted.accounts))))
    assert forward == backward


def test_clusters_are_disjoint_and_scores_above_threshold(planted):
    clusters = find_contact_duplicates(planted.accounts, threshold=0.9)
    seen: set[str] = set()
    for cluster in clusters:
        assert len(cluster.contact_ids) >= 2
        assert not seen & set(cluster.contact_ids)
        seen |= set(cluster.contact_ids)
        assert cluster.score >= 0.9
        assert all(m.score >= cluster.score for m in cluster.matches)


@pytest.mark.parametrize("threshold", [0, -1, 1.5, "high", True, None])
def test_a_threshold_outside_0_1_is_refused_naming_it(background, threshold):
    with pytest.raises(InvalidValueError) as caught:
        find_contact_duplicates(background[:3], threshold=threshold)
    assert caught.value.field == "threshold"


def test_accounts_with_legal_forms_and_another_case_are_one_company(background):
    acme = Account.create(name="ACME SA", website="https://www.acme-industries.fr",
                          phone="+33 4 72 00 00 00", billing_address={"city": "Lyon"})  # fmt: skip
    acme2 = Account.create(name="Acme Inc.", website="acme-industries.fr/contact")
    globex = Account.create(name="Globex Corporation", website="globex.com")
    clusters = find_account_duplicates([*background, acme, acme2, globex])
    cluster = next(c for c in clusters if acme.id in c.account_ids)
    assert cluster.account_ids == tuple(sorted((acme.id, acme2.id)))
    assert {("name", "exact"), ("website", "same domain")} <= {
        (r.field, r.level) for r in cluster.reasons
    }
    assert not any(globex.id in c.account_ids for c in clusters)


def test_lookalike_addresses_are_reported_never_merged():
    pairs = lookalikes([("1", "alice@acme.fr"), ("2", "\u0430lice@acme.fr"),  # Cyrillic a
                        ("3", "kim@acme.fr"), ("4", "\u212aim@acme.fr"),       # Kelvin sign
                        ("5", "Kim@acme.fr"), ("6", "bob@acme.fr")])  # fmt: skip
    assert [p.values for p in pairs] == [
        ("alice@acme.fr", "\u0430lice@acme.fr"),
        ("kim@acme.fr", "\u212aim@acme.fr"),
    ]
    assert pairs[1].ids == (("3", "5"), ("4",))
