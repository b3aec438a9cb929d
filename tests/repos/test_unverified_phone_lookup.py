"""Property: a number kept unverified is found by the text it was kept as, and by nothing
else but that text, in the memory store and in an SQLite file alike."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import contactgraph as cg
from contactgraph.domain import Phone

_NATIONAL = st.builds(
    lambda first, groups, sep: first + sep.join(groups),
    st.sampled_from(["0", "06", "01", "(0)"]),
    st.lists(st.text("0123456789", min_size=2, max_size=3), min_size=3, max_size=4),
    st.sampled_from([" ", "", ".", "-"]),
)
"""National text with no country code: kept unverified where no region is known."""


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest) -> Iterator[cg.Store]:
    with tempfile.TemporaryDirectory() as folder:
        url = "memory://" if request.param == "memory" else f"sqlite:///{Path(folder) / 'crm.db'}"
        with cg.open_store(url) as opened:
            yield opened


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(_NATIONAL, min_size=1, max_size=4))
def test_an_unverified_number_is_found_by_its_own_text_only(
    store: cg.Store, texts: list[str]
) -> None:
    account = cg.Account.create(name="Initech")  # no region: the numbers stay unverified
    kept: dict[str, Phone] = {}
    for i, text in enumerate(texts):
        try:
            phone = Phone.unverified(text)
        except cg.ContactGraphError:
            continue  # not national text after all
        field = "phone" if i % 2 == 0 else "mobile"
        account, contact = account.add_contact(last_name=f"Lumbergh {i}", **{field: phone})
        kept[contact.id] = phone
    store.accounts.add(account)
    try:
        for text in texts:
            found = {c.id for c in store.accounts.find_contacts(phone=text)}
            wanted = {cid for cid, p in kept.items() if p.typed == text.strip()}
            assert found == wanted
    finally:
        store.accounts.remove(account.id)
