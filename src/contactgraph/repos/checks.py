"""A hook the store runs before writing an account: rules that need more than storage.

Storage knows nothing of duplicate detection, but an application's duplicate
rule must run on every create and update, imports included. The composition
root installs a :class:`SaveCheck` on the unit of work; the repositories call
it before each account write. A check may refuse the write (raise
:class:`~contactgraph.errors.PolicyViolationError`: nothing is written) or
return :class:`SaveWarning` s: the unit of work hands them to the collector
the caller opened with ``store.collect_warnings()`` (an import does, to put
them in its report), and otherwise issues them with :func:`warnings.warn`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Protocol

from contactgraph.domain import Account

if TYPE_CHECKING:
    from contactgraph.repos.protocol import StoreProtocol

__all__ = ["SaveCheck", "SaveWarning", "rearranging", "rearranging_now"]


class SaveWarning(UserWarning):
    """A remark about one record that was written anyway.

    Attributes:
        record_id: The contact or account the remark is about.
    """

    def __init__(self, message: str, record_id: str) -> None:
        super().__init__(message)
        self.record_id = record_id


class SaveCheck(Protocol):
    """What the store runs before writing ``account`` (``added``: its first write)."""

    def __call__(
        self, store: StoreProtocol, account: Account, *, added: bool
    ) -> Sequence[SaveWarning]:
        """The remarks about the write; raise PolicyViolationError to refuse it."""
        ...


_REARRANGING: ContextVar[bool] = ContextVar("contactgraph_rearranging", default=False)


@contextmanager
def rearranging() -> Iterator[None]:
    """Inside the block (this thread or task), contacts moved between accounts are records
    put back together (a merge, its undo), not people joining an account: a save check
    need not take them for new ones (:func:`rearranging_now`)."""
    token = _REARRANGING.set(True)
    try:
        yield
    finally:
        _REARRANGING.reset(token)


def rearranging_now() -> bool:
    """Whether the writes running now are inside :func:`rearranging`."""
    return _REARRANGING.get()
