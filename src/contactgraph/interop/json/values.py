"""Checks on plain JSON values, shared by the validating hooks: each names the field at fault."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from contactgraph.domain.values import parse_date
from contactgraph.errors import InvalidValueError, PolicyViolationError, Violation


def mapping(value: Any, field: str) -> Mapping[str, Any]:
    """``value`` if it is a JSON object."""
    if not isinstance(value, Mapping):
        raise InvalidValueError("must be a JSON object", field=field, value=value)
    return value


def check_keys(data: Mapping[str, Any], allowed: Collection[str], what: str) -> None:
    unknown = [k for k in data if k not in allowed]
    if unknown:
        raise InvalidValueError(
            f"unknown key(s) {sorted(map(str, unknown))} in {what}", field=str(unknown[0])
        )


def required(data: Mapping[str, Any], key: str, what: str) -> Any:
    if key not in data or data[key] is None:
        raise InvalidValueError(f"{what} needs {key!r}", field=key)
    return data[key]


def text_id(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        raise InvalidValueError(
            "must be non-empty text of at most 64 characters", field=field, value=value
        )
    return value


def timestamp(value: Any, field: str) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is not None:
                return parsed
            raise InvalidValueError(
                "must carry a time zone (e.g. +00:00)", field=field, value=value
            )
    raise InvalidValueError("must be an ISO 8601 date-time", field=field, value=value)


def timestamps(data: Mapping[str, Any], keys: Collection[str]) -> dict[str, Any]:
    """The timestamps among ``keys`` that ``data`` gives, parsed (the others keep their default)."""
    return {key: timestamp(data[key], key) for key in keys if key in data}


def version_number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValueError("must be a whole number >= 0", field="version", value=value)
    return value


def flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidValueError("must be true or false", field=field, value=value)
    return value


def decimal_number(value: Any, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidValueError("must be a decimal written as a string", field=field, value=value)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InvalidValueError("must be a decimal number", field=field, value=value) from None
    if not number.is_finite():
        raise InvalidValueError("must be a finite number", field=field, value=value)
    return number


def raise_violations(violations: list[Violation], what: str) -> None:
    if any(v.is_error for v in violations):
        raise PolicyViolationError(violations, f"invalid {what} JSON")


def enum_in(enum_type: Any, parse: Callable[[Any], Any] | None) -> Callable[[Any, Any], Any]:
    def hook(value: Any, _type: Any) -> Any:
        if parse is not None:
            return parse(value)
        try:
            return enum_type(value)
        except ValueError:
            allowed = ", ".join(m.value for m in enum_type)
            raise InvalidValueError(
                f"use one of {allowed}", field=enum_type.__name__, value=value
            ) from None

    return hook


def iso_date(value: Any) -> date:
    if not isinstance(value, str):
        raise InvalidValueError("must be a date (YYYY-MM-DD)", field="date", value=value)
    parsed = parse_date(value, "date")
    assert parsed is not None
    return parsed
