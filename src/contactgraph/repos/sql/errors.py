"""Driver errors turned into :mod:`contactgraph.errors` (``raise OurError(...) from e``).

Errors are told apart by what the driver says they are, never by words in
their message: PostgreSQL's SQLSTATE (a deadlock, a serialisation failure or
a lock that could not be had is a retryable :class:`TransactionConflictError`,
a :class:`~contactgraph.errors.ConcurrencyError`), SQLite's extended error
code (``SQLITE_BUSY`` / ``SQLITE_LOCKED``: another writer held the database
for longer than the busy timeout, a :class:`~contactgraph.errors.StoreUnavailableError`
naming that timeout).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from contactgraph.errors import (
    ConcurrencyError,
    ContactGraphError,
    PolicyViolationError,
    StoreUnavailableError,
    Violation,
)

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

BUSY_TIMEOUT_S = 30.0
"""How long an SQLite writer waits for another one before giving up (``?timeout=`` changes it)."""

RETRYABLE_SQLSTATES = {
    "40P01": "a deadlock with a concurrent transaction",
    "40001": "a serialisation failure against a concurrent transaction",
    "55P03": "a lock held by a concurrent transaction for longer than the lock timeout",
}
"""PostgreSQL SQLSTATEs after which the whole transaction can simply be tried again."""

_SQLITE_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED (primary codes)


class TransactionConflictError(ConcurrencyError):
    """The database undid a transaction that collided with a concurrent one; try it again.

    A :class:`~contactgraph.errors.ConcurrencyError`, so the usual retry loop
    (reload, re-apply, save) handles it.

    Attributes:
        sqlstate: The driver's code (``40P01`` deadlock, ``40001``
            serialisation failure, ``55P03`` lock not available).
    """

    def __init__(self, sqlstate: str, detail: str) -> None:
        self.kind = "transaction"
        self.key = ""
        self.expected = 0
        self.actual = None
        self.sqlstate = sqlstate
        reason = RETRYABLE_SQLSTATES.get(sqlstate, "a conflict with a concurrent transaction")
        ContactGraphError.__init__(
            self,
            f"the transaction was undone by the database: {reason} (SQLSTATE {sqlstate}: "
            f"{detail}); nothing was written, run it again",
        )


def sqlstate(exc: BaseException) -> str | None:
    """PostgreSQL's SQLSTATE of a driver error (or of the one SQLAlchemy wraps), else ``None``."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    code = getattr(orig, "sqlstate", None)
    return code if isinstance(code, str) else None


def sqlite_busy(exc: BaseException) -> bool:
    """Whether an SQLite error says another connection held the lock (by its error code)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    code = getattr(orig, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in _SQLITE_BUSY


def _text(exc: BaseException) -> str:
    return str(exc.orig if isinstance(exc, DBAPIError) else exc).strip()


def classify(exc: BaseException, *, busy_timeout: float | None = None) -> ContactGraphError:
    """Our error for a driver (or SQLAlchemy) error that is not an integrity refusal."""
    code = sqlstate(exc)
    if code in RETRYABLE_SQLSTATES:
        return TransactionConflictError(code, _text(exc).splitlines()[0])
    return StoreUnavailableError(driver_message(exc, busy_timeout=busy_timeout))


def translate(fn: F) -> F:
    """Turn driver errors into ours (``raise OurError(...) from e``)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ContactGraphError:
            raise
        except IntegrityError as exc:
            raise PolicyViolationError(
                [
                    Violation(
                        "id.duplicate",
                        f"refused by the database: {exc.orig}",
                        "id",
                        None,
                        policy="store",
                    )
                ],
                "refused: an id is taken (written concurrently?)",
            ) from exc
        except DBAPIError as exc:
            raise classify(exc, busy_timeout=_busy_timeout(args)) from exc
        except SQLAlchemyError as exc:
            raise StoreUnavailableError(f"the store failed: {exc}") from exc
        except driver_errors() as exc:  # from statements run on the driver directly
            if "Integrity" in type(exc).__name__ or "UniqueViolation" in type(exc).__name__:
                raise PolicyViolationError(
                    [Violation("id.duplicate", f"refused by the database: {exc}", "id", None)],
                    "refused: an id is taken (written concurrently?)",
                ) from exc
            raise classify(exc, busy_timeout=_busy_timeout(args)) from exc

    return wrapper  # type: ignore[return-value]


def _busy_timeout(args: tuple[Any, ...]) -> float | None:
    """The busy timeout of the session a repository method ran on, when it has one."""
    session = getattr(args[0], "_s", args[0]) if args else None
    timeout = getattr(session, "busy_timeout", None)
    return timeout if isinstance(timeout, float) else None


@functools.cache
def driver_errors() -> tuple[type[Exception], ...]:
    import sqlite3

    found: list[type[Exception]] = [sqlite3.Error]
    try:
        import psycopg
    except ImportError:
        pass
    else:
        found.append(psycopg.Error)
    return tuple(found)


def _unreachable(exc: BaseException) -> bool:
    """Whether psycopg could not even connect (an operational error with no SQLSTATE)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    try:
        import psycopg
    except ImportError:
        return False
    return isinstance(orig, psycopg.OperationalError) and sqlstate(orig) is None


_LOST_SQLSTATES = {"57P01", "57P02"}
"""The server ended the connection (an administrator's command, a crash): the SQLSTATEs of a
statement sent to the driver directly, where SQLAlchemy does not see the disconnect."""


def _lost(exc: BaseException) -> bool:
    """Whether the connection under the statement went away (the transaction with it)."""
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated)
    code = sqlstate(exc)
    return code is not None and (code in _LOST_SQLSTATES or code.startswith("08"))


def driver_message(exc: BaseException, *, busy_timeout: float | None = None) -> str:
    text = _text(exc)
    if _lost(exc):
        return (
            f"the connection to the database was lost ({text.splitlines()[0] if text else exc}); "
            "the transaction was undone and nothing of it was written; the next call "
            "reconnects"
        )
    if _unreachable(exc):
        return (
            f"the database server cannot be reached ({text.splitlines()[0] if text else exc}); "
            "nothing was written; once it is back, the next call reconnects by itself"
        )
    if sqlite_busy(exc):
        waited = BUSY_TIMEOUT_S if busy_timeout is None else busy_timeout
        return (
            f"the SQLite database stayed locked by another writer for more than its "
            f"{waited:g} s timeout ({text}); retry later, or open the store with a longer "
            "wait, e.g. sqlite:///crm.db?timeout=60"
        )
    return f"the database refused or failed: {text}"


def translated(cls: type[T]) -> type[T]:
    for name, member in list(vars(cls).items()):
        if callable(member) and not name.startswith("__"):
            setattr(cls, name, translate(member))
    return cls


def duplicate(message: str, entity_id: str) -> PolicyViolationError:
    return PolicyViolationError(
        [Violation("id.duplicate", message, "id", entity_id, policy="store")],
        "refused: the id is taken",
    )


def as_unavailable(
    exc: BaseException, url: str, *, busy_timeout: float | None = None
) -> ContactGraphError:
    """Our error for a failure to begin, commit or open: the URL, then what went wrong."""
    if sqlstate(exc) in RETRYABLE_SQLSTATES:
        return classify(exc)
    if isinstance(exc, (DBAPIError, *driver_errors())):
        return StoreUnavailableError(f"{url}: {driver_message(exc, busy_timeout=busy_timeout)}")
    return StoreUnavailableError(f"{url}: {exc}")
