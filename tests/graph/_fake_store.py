"""A throwaway in-memory store used only until contactgraph.open_store lands."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from contactgraph.errors import ConcurrencyError, NotFoundError, PolicyViolationError, Violation


class _Repo:
    kind = "X"

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def add(self, item: Any) -> Any:
        if item.id in self.data:
            raise PolicyViolationError([Violation("id.duplicate", "dup", "id", item.id)])
        stored = item.committed(1)
        self.data[item.id] = stored
        return stored

    def get(self, key: str) -> Any:
        try:
            return self.data[key]
        except KeyError:
            raise NotFoundError(self.kind, key) from None

    def save(self, item: Any) -> Any:
        current = self.data.get(item.id)
        if current is None or current.version != item.version:
            raise ConcurrencyError(self.kind, item.id, item.version, current and current.version)
        stored = item.committed(item.version + 1)
        self.data[item.id] = stored
        return stored

    def remove(self, key: str) -> None:
        self.get(key)
        del self.data[key]

    def count(self) -> int:
        return len(self.data)


class _Accounts(_Repo):
    kind = "Account"

    def account_of(self, contact_id: str) -> Any:
        for a in self.data.values():
            if contact_id in a.contacts:
                return a
        raise NotFoundError("Contact", contact_id)

    def __iter__(self) -> Iterator[Any]:
        return iter(sorted(self.data.values(), key=lambda a: (a.name.casefold(), a.id)))

    def list(self, **_: Any) -> list[Any]:
        return list(self)


class _Opps(_Repo):
    kind = "Opportunity"

    def list(
        self, *, account_id: Any = None, contact_id: Any = None, open_only: bool = False, **_: Any
    ) -> list[Any]:
        out = [
            o
            for o in self.data.values()
            if (account_id is None or o.account_id == account_id)
            and (contact_id is None or contact_id in o.contact_ids)
            and (not open_only or o.is_open)
        ]
        return sorted(out, key=lambda o: (o.close_date is None, o.close_date, o.name, o.id))


class _Cases(_Repo):
    kind = "Case"

    def list(
        self, *, account_id: Any = None, contact_id: Any = None, open_only: bool = False, **_: Any
    ) -> list[Any]:
        out = [
            k
            for k in self.data.values()
            if (account_id is None or k.account_id == account_id)
            and (contact_id is None or k.contact_id == contact_id)
            and (not open_only or k.is_open)
        ]
        return sorted(out, key=lambda k: k.id)


class _Relations(_Repo):
    kind = "AccountContactRelation"

    def list(self, *, account_id: Any = None, contact_id: Any = None) -> list[Any]:
        out = [
            r
            for r in self.data.values()
            if (account_id is None or r.account_id == account_id)
            and (contact_id is None or r.contact_id == contact_id)
        ]
        return sorted(out, key=lambda r: (r.start_date is not None, r.start_date, r.id))


class FakeStore:
    tenant = "default"

    def __init__(self) -> None:
        self.accounts = _Accounts()
        self.opportunities = _Opps()
        self.cases = _Cases()
        self.relations = _Relations()
        self._depth = 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        repos = (self.accounts, self.opportunities, self.cases, self.relations)
        saved = [copy.copy(r.data) for r in repos] if self._depth == 0 else None
        self._depth += 1
        try:
            yield
        except BaseException:
            if saved is not None:
                for r, d in zip(repos, saved, strict=True):
                    r.data = d
            raise
        finally:
            self._depth -= 1

    def subscribe(self, handler: Any) -> Any:
        return lambda: None

    def close(self) -> None:
        pass

    @property
    def graph(self) -> Any:
        from contactgraph.graph import Navigator

        return Navigator(self)  # type: ignore[arg-type]

    def move_contact(self, contact_id: str, to_account: Any, on: Any = None) -> Any:
        from contactgraph.graph.moves import move_contact

        return move_contact(self, contact_id, to_account, on=on)  # type: ignore[arg-type]

    def start_campaign(self, targets: Any) -> Any:
        from contactgraph.graph.commercial import start_campaign

        return start_campaign(self, targets)  # type: ignore[arg-type]

    def send_contract(self, opportunity: Any) -> Any:
        from contactgraph.graph.commercial import send_contract

        return send_contract(self, opportunity)  # type: ignore[arg-type]

    def follow_up(self, opportunity: Any) -> Any:
        from contactgraph.graph.commercial import follow_up

        return follow_up(self, opportunity)  # type: ignore[arg-type]
