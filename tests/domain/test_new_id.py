"""``new_id`` spells out ``str(uuid.uuid4())``: the same text for the same random bytes.

Ids are drawn from the OS a block at a time (:func:`ids._spell` spells a whole
block): every id is still UUID 4 text of its own 16 random bytes, handed out
once, in any thread, and a forked child never repeats its parent's.
"""

from __future__ import annotations

import os
import threading
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactgraph.domain import ids
from contactgraph.domain.ids import is_valid_id, new_id


@given(st.integers(0, 40).flatmap(lambda n: st.binary(min_size=16 * n, max_size=16 * n)))
def test_a_block_spells_the_uuid4_of_each_16_bytes(random_bytes: bytes) -> None:
    expected = [
        str(uuid.UUID(bytes=random_bytes[i : i + 16], version=4))
        for i in range(0, len(random_bytes), 16)
    ]
    assert ids._spell(random_bytes) == expected


@given(st.binary(min_size=16, max_size=16))
def test_new_id_is_uuid4_of_the_next_16_bytes_drawn(random_bytes: bytes) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ids.os, "urandom", lambda n: random_bytes * (n // 16))
        ids._pool.clear()
        made = new_id()
        ids._pool.clear()  # the rest of the fake block is never handed out
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


def test_threads_never_share_an_id() -> None:
    per_thread: list[list[str]] = [[] for _ in range(8)]

    def draw(out: list[str]) -> None:
        out.extend(new_id() for _ in range(3 * ids._BLOCK))

    threads = [threading.Thread(target=draw, args=(out,)) for out in per_thread]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    made = [i for out in per_thread for i in out]
    assert len(set(made)) == len(made) == 8 * 3 * ids._BLOCK


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_a_forked_child_draws_its_own_ids() -> None:
    new_id()  # the parent's pool holds ids not handed out yet
    ahead = list(ids._pool)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.write(write, "\n".join(new_id() for _ in range(ids._BLOCK)).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = pipe.read().split("\n")
    os.waitpid(pid, 0)
    assert len(child) == ids._BLOCK
    assert not set(child) & set(ahead)
