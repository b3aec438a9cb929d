"""The account hierarchy (parent and child accounts), which never forms a cycle.

``Account.update(parent_id=...)`` cannot see other accounts, so it cannot
tell a cycle; :func:`set_parent` can, and is the way to change a parent.
Every walk here also stops on a cycle already in the data, so a store written
by other means never makes navigation loop.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import attrs

from contactgraph.domain import Account
from contactgraph.errors import NotFoundError, PolicyViolationError, Violation
from contactgraph.repos.protocol import StoreProtocol

__all__ = ["AccountNode", "build_hierarchy", "hierarchy_violations", "set_parent"]


@attrs.frozen(slots=True)
class AccountNode:
    """One account in a hierarchy, with its child accounts.

    Attributes:
        account: The account.
        children: Its child accounts, each with their own children, by name.
    """

    account: Account
    children: tuple[AccountNode, ...] = ()

    def walk(self, depth: int = 0) -> Iterator[tuple[int, Account]]:
        """Every account of this subtree with its depth, parent before children."""
        stack: list[tuple[int, AccountNode]] = [(depth, self)]
        while stack:
            level, node = stack.pop()
            yield level, node.account
            stack.extend((level + 1, child) for child in reversed(node.children))

    def __len__(self) -> int:
        return sum(1 for _ in self.walk())

    def _repr_html_(self) -> str:
        from contactgraph.graph.render import to_html

        return to_html(self)


def _by_name(accounts: list[Account]) -> list[Account]:
    return sorted(accounts, key=lambda a: (a.name.casefold(), a.id))


def build_hierarchy(accounts: Mapping[str, Account], account_id: str) -> AccountNode:
    """The hierarchy that holds ``account_id``, from its top account down.

    Args:
        accounts: Every account by id (one pass over the store).
        account_id: Any account of the hierarchy.
    """
    top = accounts[account_id]
    seen = {top.id}
    while top.parent_id is not None and top.parent_id in accounts and top.parent_id not in seen:
        top = accounts[top.parent_id]
        seen.add(top.id)
    children: dict[str, list[Account]] = {}
    for account in accounts.values():
        if account.parent_id is not None:
            children.setdefault(account.parent_id, []).append(account)
    order = [top]
    kids: dict[str, list[Account]] = {}
    placed = {top.id}
    for account in order:  # breadth first, each account once even if the data loops
        mine = [c for c in _by_name(children.get(account.id, [])) if c.id not in placed]
        placed.update(c.id for c in mine)
        kids[account.id] = mine
        order.extend(mine)
    built: dict[str, AccountNode] = {}
    for account in reversed(order):
        built[account.id] = AccountNode(account, tuple(built.pop(c.id) for c in kids[account.id]))
    return built[top.id]


def hierarchy_violations(accounts: Mapping[str, Account]) -> list[Violation]:
    """Cycles and unknown parents among ``accounts`` (one violation per account at fault)."""
    out: list[Violation] = []
    for account in accounts.values():
        if account.parent_id is None:
            continue
        if account.parent_id not in accounts:
            out.append(
                Violation(
                    "parent_id.unknown",
                    f"{account.name} names a parent account that does not exist",
                    "parent_id",
                    account.id,
                    policy="account_hierarchy",
                )
            )
            continue
        seen = {account.id}
        current = accounts[account.parent_id]
        while True:
            if current.id in seen:
                out.append(
                    Violation(
                        "parent_id.cycle",
                        f"the parent chain of {account.name} loops back on itself",
                        "parent_id",
                        account.id,
                        policy="account_hierarchy",
                    )
                )
                break
            seen.add(current.id)
            if current.parent_id is None or current.parent_id not in accounts:
                break
            current = accounts[current.parent_id]
    return out


def set_parent(store: StoreProtocol, account_id: str, parent_id: str | None) -> Account:
    """Make ``parent_id`` the parent of ``account_id`` (``None`` detaches it), and save.

    Costs one read per level above the new parent, plus the save.

    Returns:
        The saved account.

    Raises:
        NotFoundError: either account does not exist.
        PolicyViolationError: the change would make a cycle (code ``parent_id.cycle``).
    """
    with store.transaction():
        account = store.accounts.get(account_id)
        if parent_id is not None:
            chain = [account.name]
            current = store.accounts.get(parent_id)
            seen: set[str] = set()
            while True:
                chain.append(current.name)
                if current.id == account_id:
                    raise PolicyViolationError(
                        [
                            Violation(
                                "parent_id.cycle",
                                "the account hierarchy would loop: " + " -> ".join(chain),
                                "parent_id",
                                account_id,
                                policy="account_hierarchy",
                            )
                        ],
                        f"{account.name} cannot have {chain[1]} as parent",
                    )
                if current.parent_id is None or current.id in seen:
                    break
                seen.add(current.id)
                try:
                    current = store.accounts.get(current.parent_id)
                except NotFoundError:
                    break
        updated = account.update(parent_id=parent_id)
        if updated is account:
            return account
        return store.accounts.save(updated)
