"""The Fellegi–Sunter estimation recovers what generated the pairs, without labels."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from contactgraph.domain import Account
from contactgraph.matching import Comparison, find_contact_duplicates
from contactgraph.matching.model import TrainingSet, fit, level_array
from contactgraph.testing.people import generate


def _equal(field):
    return lambda a, b: None if a[field] is None or b[field] is None else int(a[field] != b[field])


COMPARISONS = tuple(
    Comparison(f, ("same", "different"), _equal(f), (0.5, 0.5), (0.01, 0.99)) for f in "abc"
)


def test_em_learns_m_and_the_share_of_duplicates_from_unlabelled_pairs():
    rng = random.Random(3)
    records = [{f: rng.randrange(1000) for f in "abc"} for _ in range(2000)]
    rows = []
    for _ in range(3000):  # 30 % duplicates agreeing 95 % of the time, the rest at chance
        if rng.random() < 0.3:
            rows.append(tuple(0 if rng.random() < 0.95 else 1 for _ in "abc"))
        else:
            rows.append(tuple(0 if rng.random() < 0.001 else 1 for _ in "abc"))
    levels = level_array(rows, 3)
    model = fit(COMPARISONS, records, [TrainingSet(levels, frozenset())], levels)
    assert model.prior == pytest.approx(0.3, abs=0.03)
    for k in range(3):
        assert model.m[k][0] == pytest.approx(0.95, abs=0.03)
        assert model.u[k][0] < 0.01
        assert model.weight(k, 0) > 6
        assert model.weight(k, 1) < 0


def test_a_field_fixed_by_blocking_learns_nothing_from_its_own_set():
    rng = random.Random(5)
    records = [{f: rng.randrange(1000) for f in "abc"} for _ in range(500)]
    rows = [(0, rng.randrange(2), rng.randrange(2)) for _ in range(500)]  # all agree on a
    levels = level_array(rows, 3)
    model = fit(COMPARISONS, records, [TrainingSet(levels, frozenset({"a"}))], levels)
    assert model.m[0] == COMPARISONS[0].agreement  # the prior, untouched
    assert model.m[1] != COMPARISONS[1].agreement


BACKGROUND = generate(300, seed=3).accounts
NAMES = st.sampled_from(["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Grzybowski"])
FIRSTS = st.sampled_from(["Alice", "Bob", "Robert", "Margaret", "Peggy", "J.", None])


@st.composite
def people(draw):
    account = Account.create(name=draw(st.sampled_from(["ACME SA", "Acme", "Globex"])))
    for _ in range(draw(st.integers(2, 6))):
        account, _ = account.add_contact(
            last_name=draw(NAMES),
            first_name=draw(FIRSTS),
            email=draw(st.sampled_from([None, "a@acme.fr", "b@acme.fr", "a@globex.com"])),
            phone=draw(st.sampled_from([None, "+33 1 44 27 44 27", "+33 1 44 27 44 28"])),
        )
    return account


@settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(people())
def test_clusters_never_join_people_the_vetoes_keep_apart(account):
    clusters = find_contact_duplicates([*BACKGROUND, account], threshold=0.5)
    contacts = account.contacts
    for cluster in clusters:
        members = [contacts[i] for i in cluster.contact_ids if i in contacts]
        for x in members:
            for y in members:
                if x.email and y.email and x.email != y.email and x.email.domain == y.email.domain:
                    raise AssertionError(f"two addresses at one company joined: {x}, {y}")
                if x.phone and y.phone and x.email and y.email:
                    assert x.phone == y.phone or x.email == y.email, (x, y, cluster)
    assert {c.contact_ids for c in clusters} == {
        c.contact_ids for c in find_contact_duplicates([account, *BACKGROUND], threshold=0.5)
    }
    assert np.all([0.5 <= c.score <= 1 for c in clusters])
