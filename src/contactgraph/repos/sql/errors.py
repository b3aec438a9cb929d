"""Driver errors turned into :mod:`contactgraph.errors` (``raise OurError(...) from e``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from contactgraph.errors import (
    ContactGraphError,
    PolicyViolationError,
    StoreUnavailableError,
    Violation,
)

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

BUSY_TIMEOUT_S = 30.0
"""How long an SQLite writer waits for another one before giving up."""


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
            raise StoreUnavailableError(driver_message(exc)) from exc
        except SQLAlchemyError as exc:
            raise StoreUnavailableError(f"the store failed: {exc}") from exc
        except driver_errors() as exc:  # from statements run on the driver directly
            if "Integrity" in type(exc).__name__ or "UniqueViolation" in type(exc).__name__:
                raise PolicyViolationError(
                    [Violation("id.duplicate", f"refused by the database: {exc}", "id", None)],
                    "refused: an id is taken (written concurrently?)",
                ) from exc
            raise StoreUnavailableError(driver_message(exc)) from exc

    return wrapper  # type: ignore[return-value]


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


def driver_message(exc: Exception) -> str:
    text = str(exc.orig if isinstance(exc, DBAPIError) else exc).strip()
    if "locked" in text:
        return (
            f"the SQLite database stayed locked by another writer for more than "
            f"{BUSY_TIMEOUT_S:g} s ({text}); retry later"
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


def as_unavailable(exc: SQLAlchemyError, url: str) -> StoreUnavailableError:
    if isinstance(exc, DBAPIError):
        return StoreUnavailableError(f"{url}: {driver_message(exc)}")
    return StoreUnavailableError(f"{url}: {exc}")
