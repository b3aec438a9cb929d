"""Errors and violation reports shared by every layer.

This is the one module of ours that every layer, the domain included, may
import. Every exception raised on purpose by contactgraph derives from
:class:`ContactGraphError`; where the meaning fits, an error also derives from
the matching builtin, so ``except LookupError`` keeps working for callers who
do not know us.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs

__all__ = [
    "ConcurrencyError",
    "ContactGraphError",
    "ImportRejectedError",
    "InvalidValueError",
    "MissingDependencyError",
    "NotFoundError",
    "PolicyViolationError",
    "RowError",
    "SchemaVersionError",
    "Severity",
    "StoreConfigurationError",
    "StoreUnavailableError",
    "UnsafePathError",
    "Violation",
]


class Severity(enum.StrEnum):
    """How much a violation matters: an error blocks, a warning reports."""

    ERROR = "error"
    WARNING = "warning"


@attrs.frozen(slots=True)
class Violation:
    """One broken rule, said precisely enough to fix it.

    Attributes:
        code: Stable machine-readable code, e.g. ``"reports_to.cycle"``.
        message: A sentence for people.
        field: The field at fault (``"email"``, ``"reports_to"``), or ``None``.
        entity_id: The id of the contact, account… at fault, or ``None``.
        severity: :attr:`Severity.ERROR` blocks, :attr:`Severity.WARNING` reports.
        policy: The name of the policy that found it.
    """

    code: str
    message: str
    field: str | None = None
    entity_id: str | None = None
    severity: Severity = Severity.ERROR
    policy: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"field {self.field!r}" if self.field else "",
                f"id {self.entity_id}" if self.entity_id else "",
            )
            if part
        )
        return f"[{self.severity}] {self.code}: {self.message}" + (f" ({where})" if where else "")


class ContactGraphError(Exception):
    """Root of every error that contactgraph raises on purpose."""


class InvalidValueError(ContactGraphError, ValueError):
    """A single value (an email, a phone, a name part…) was refused.

    Attributes:
        field: The field the value was meant for, when known.
        value: The refused value, shortened for display.
        reason: Why it was refused.
        code: A violation code more precise than ``"<field>.invalid"``
            (e.g. ``"account_name.required"``), when there is one.
    """

    def __init__(
        self,
        reason: str,
        *,
        field: str | None = None,
        value: object = None,
        code: str | None = None,
    ) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        self.code = code
        shown = _shown(value)
        prefix = f"{field if isinstance(field, str) else _shown(field)}: " if field else ""
        suffix = f" (got {shown})" if value is not None else ""
        super().__init__(f"{prefix}{reason}{suffix}")

    def with_field(self, field: str) -> InvalidValueError:
        """The same error, naming the field it was found in."""
        return InvalidValueError(self.reason, field=field, value=self.value, code=self.code)


def _shown(value: object) -> str:
    """``repr(value)`` shortened to 80 characters; never raises, never costs more than that.

    Long text keeps its start and its end ("/tmp/…/nope.csv"): the end of a
    path or an email is what tells the reader which one it was.
    """
    if isinstance(value, int) and value.bit_length() > 256:  # repr() refuses past 4,300 digits
        return f"<int of {value.bit_length()} bits>"
    if isinstance(value, str | bytes) and len(value) > 80:
        head, tail = repr(value[:40]), repr(value[-35:])
        return f"{head[:-1]}...{tail[tail.index(tail[-1]) + 1 :]}"
    try:
        shown = repr(value)
    except Exception:  # a caller's object whose __repr__ fails is still reported
        shown = f"<{type(value).__name__}>"
    return shown if len(shown) <= 80 else shown[:77] + "..."


class PolicyViolationError(ContactGraphError, ValueError):
    """One or more error-level violations blocked a command or an action.

    Attributes:
        violations: Every violation found, errors and warnings alike.
    """

    def __init__(self, violations: Iterable[Violation], summary: str | None = None) -> None:
        self.violations: tuple[Violation, ...] = tuple(violations)
        head = summary or f"{len(self.errors)} policy violation(s)"
        body = "; ".join(str(v) for v in self.violations)
        super().__init__(f"{head}: {body}" if body else head)

    @property
    def errors(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.is_error)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(v.code for v in self.violations)


class NotFoundError(ContactGraphError, LookupError):
    """An id, name or email that does not exist (in this tenant).

    Attributes:
        kind: What was looked for (``"Account"``, ``"Contact"``…).
        key: The id or key that was not found.
    """

    def __init__(self, kind: str, key: object) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"{kind} {_shown(key)} not found")


class ConcurrencyError(ContactGraphError):
    """A save was made from a stale copy: someone else saved first.

    Reload the aggregate, re-apply the change, and save again.
    """

    def __init__(self, kind: str, key: str, expected: int, actual: int | None) -> None:
        self.kind = kind
        self.key = key
        self.expected = expected
        self.actual = actual
        found = "it was removed" if actual is None else f"the store holds version {actual}"
        super().__init__(
            f"{kind} {key} was saved from version {expected} but {found}; "
            "reload it, re-apply the change and save again"
        )


@attrs.frozen(slots=True)
class RowError:
    """Why one input row or record was refused.

    Attributes:
        row: 1-based row number in the file (the header is row 1 in a CSV), or
            the record's position in a JSON file.
        field: The field at fault, when known.
        reason: Why it was refused.
        source: The file or reference the row came from.
        record: A reference id or external id naming the record, when known.
    """

    row: int
    reason: str
    field: str | None = None
    source: str = ""
    record: str | None = None

    def __str__(self) -> str:
        where = f"{self.source}:" if self.source else ""
        rec = f" [{self.record}]" if self.record else ""
        fld = f" field {self.field!r}:" if self.field else ""
        return f"{where}row {self.row}{rec}:{fld} {self.reason}"


class ImportRejectedError(ContactGraphError, ValueError):
    """An all-or-nothing import was refused; nothing was written.

    Attributes:
        errors: Every bad row, with its row number, field and reason.
    """

    def __init__(self, errors: Iterable[RowError], summary: str | None = None) -> None:
        self.errors: tuple[RowError, ...] = tuple(errors)
        head = summary or f"import rejected, {len(self.errors)} bad row(s); nothing was written"
        shown = "; ".join(str(e) for e in self.errors[:20])
        more = f"; … and {len(self.errors) - 20} more" if len(self.errors) > 20 else ""
        super().__init__(f"{head}: {shown}{more}" if shown else head)


class StoreConfigurationError(ContactGraphError, ValueError):
    """A store URL or option is wrong (unknown scheme, bad path, missing driver)."""


class StoreUnavailableError(ContactGraphError, ConnectionError):
    """The store's server or file cannot be reached."""


class SchemaVersionError(ContactGraphError):
    """The store was written by a newer (or unknown) version of contactgraph."""


class MissingDependencyError(ContactGraphError, ImportError):
    """An optional dependency is not installed; the message says how to install it."""


class UnsafePathError(ContactGraphError, PermissionError):
    """A path would write through a link or reach outside the folder it must stay in."""
