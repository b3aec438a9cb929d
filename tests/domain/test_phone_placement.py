"""Unverified phones are read in the account's region once it has one (issue 12)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import contactgraph as cg
from contactgraph.domain.events import ContactUpdated

# National text: French numbers as people type them, and digits that may be nothing.
national = st.one_of(
    st.from_regex(r"0[1-9]( ?[0-9]{2}){4}", fullmatch=True),
    st.from_regex(r"[0-9]{2,12}", fullmatch=True),
)


@given(
    st.lists(
        st.tuples(national, st.lists(national, max_size=2)),
        min_size=1,
        max_size=4,
    )
)
def test_a_region_given_later_places_every_number_possible_there(
    typed: list[tuple[str, list[str]]],
) -> None:
    account = cg.Account.create(name="Nowhere Ltd")
    ids = []
    for text, others in typed:
        account, contact = account.add_contact(
            last_name="Roux",
            phone=cg.Phone.unverified(text),
            alternate_phones=[cg.Phone.unverified(o) for o in others],
        )
        ids.append(contact.id)
    assert all(not account.contact(i).phone.verified for i in ids)  # type: ignore[union-attr]

    placed = account.update(billing_address={"country": "France"})

    for contact_id, (text, others) in zip(ids, typed, strict=True):
        contact = placed.contact(contact_id)
        expected = cg.Phone.unverified(text).place("FR", strict=False)
        assert contact.phone == expected  # placed when possible in France, else still as typed
        assert contact.alternate_phones == tuple(  # two texts of one number: one alternate
            dict.fromkeys(cg.Phone.unverified(o).place("FR", strict=False) for o in others)
        )
    changed = {e.contact_id for e in placed.pending_events if isinstance(e, ContactUpdated)}
    moved = {i for i in ids if placed.contact(i) != account.contact(i)}
    assert moved <= changed


def test_the_account_phone_is_placed_too_and_verified_numbers_stay() -> None:
    account = cg.Account.create(name="Nowhere Ltd", phone=cg.Phone.unverified("01 40 00 00 01"))
    account, kept = account.add_contact(last_name="Martin", phone="+44 20 7946 0958")
    placed = account.update(billing_address={"country": "France"})
    assert placed.phone is not None
    assert placed.phone.e164 == "+33140000001"
    assert placed.contact(kept.id).phone == account.contact(kept.id).phone


def test_without_a_region_nothing_changes() -> None:
    account = cg.Account.create(name="Nowhere Ltd")
    account, contact = account.add_contact(last_name="Roux", phone=cg.Phone.unverified("01 44"))
    assert (
        account.update(industry="Retail").contact(contact.id).phone
        == account.contact(contact.id).phone
    )
    assert account.place_phones() is account
