"""``ContactQuery.build(email=…)`` or ``(phone=…)`` alone takes a short path; it must build
what the general one does."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from contactgraph.repos.keys import ContactQuery, email_key, is_storable
from contactgraph.testing import strategies as cgst


@given(st.one_of(cgst.emails(), st.text(max_size=40), st.just(""), st.just("A\x00@b.fr")))
def test_one_email_builds_the_query_the_general_path_builds(text: str) -> None:
    alone = ContactQuery.build(email=text)
    general = ContactQuery.build(email=text, active=None)  # two criteria: the general path
    assert alone == general
    if is_storable(text):
        assert alone == ContactQuery(email=email_key(text))
    else:
        assert alone.impossible


_NUMBERS = st.one_of(
    st.sampled_from(
        [
            "+33 1 23 45 67 89",
            "+33612345678",
            "01 44 27 44 27",
            "unverified:01 44 27 44 27",
            "+1 (650) 253-0000 ext. 12",
            "call me",
            "+",
            "",
            "0\x00",
        ]
    ),
    st.text(alphabet="+0123456789 ()-.x", max_size=24),
    st.text(max_size=24),
)


@given(_NUMBERS)
def test_one_phone_builds_the_query_the_general_path_builds(text: str) -> None:
    alone = ContactQuery.build(phone=text)
    general = ContactQuery.build(phone=text, active=None)  # two criteria: the general path
    assert alone == general
    assert alone.impossible or (alone.phone is not None and alone.phone.startswith(("+", "unv")))
