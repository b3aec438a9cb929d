"""``new_id`` spells out ``str(uuid.uuid4())``: the same text for the same random bytes."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactgraph.domain import ids
from contactgraph.domain.ids import is_valid_id, new_id


@given(st.binary(min_size=16, max_size=16))
def test_new_id_is_uuid4_of_the_same_bytes(random_bytes: bytes) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ids.os, "urandom", lambda n: random_bytes[:n])
        made = new_id()
    assert made == str(uuid.UUID(bytes=random_bytes, version=4))


def test_new_ids_are_valid_distinct_uuid4_text() -> None:
    made = [new_id() for _ in range(2000)]
    assert len(set(made)) == len(made)
    for text in made:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert is_valid_id(text)
