"""Account-contact relations: a person who also deals with another account."""

from __future__ import annotations

from datetime import date

import pytest

from contactgraph.domain import AccountContactRelation
from contactgraph.errors import ConcurrencyError, NotFoundError
from contactgraph.repos.protocol import RelationRepository
from contactgraph.store import Store
from contactgraph.testing.contracts.base import ContractBase, acme, globex


class RelationRepositoryContract(ContractBase):
    def test_relations_keep_the_repository_protocol(self, store: Store) -> None:
        assert isinstance(store.relations, RelationRepository)

    def test_add_get_save_remove_list(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        g, _ = globex()
        store.accounts.add(g)
        board = AccountContactRelation.create(
            g.id,
            people["alice"].id,
            roles="Decision Maker;Influencer",
            title="Board member",
            start_date="2020-01-01",
        )
        undated = AccountContactRelation.create(g.id, people["bob"].id)
        stored = store.relations.add(board)
        store.relations.add(undated)
        assert store.relations.get(board.id) == stored
        ended = store.relations.save(stored.end(date(2024, 12, 31)))
        assert store.relations.get(board.id) == ended
        with pytest.raises(ConcurrencyError):
            store.relations.save(stored)
        assert [r.id for r in store.relations.list(account_id=g.id)] == [undated.id, board.id]
        assert [r.id for r in store.relations.list(contact_id=people["alice"].id)] == [board.id]
        both = store.relations.list(contact_ids=[people["alice"].id, people["bob"].id, "ghost"])
        assert [r.id for r in both] == [undated.id, board.id]
        assert store.relations.list(contact_ids=[]) == []
        store.relations.remove(undated.id)
        assert store.relations.count() == 1
        with pytest.raises(NotFoundError):
            store.relations.get(undated.id)
