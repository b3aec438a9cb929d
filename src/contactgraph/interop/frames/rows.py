"""Reading a frame's cells and rows back: plain values, unknown columns, errors per row."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from contactgraph.errors import ImportRejectedError, PolicyViolationError, RowError
from contactgraph.interop.frames.columns import (
    ADDRESS_PARTS,
    CUSTOM,
    EXTERNAL,
    FLAGS,
    Column,
    fields_of,
    pandas,
    text,
)

MISSING: Any = object()
"""A field the row does not give (as opposed to an empty cell, which is ``None``)."""
_T = TypeVar("_T")


def cell(value: Any) -> Any:
    """A cell as a plain Python value; empty, NaN and NA become ``None``."""
    if value is None:
        return None
    pd = pandas()
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if hasattr(value, "item") and not isinstance(value, Decimal):
        value = value.item()  # numpy scalars
        if isinstance(value, float) and math.isnan(value):
            return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def flag(value: Any) -> Any:
    if isinstance(value, str):
        key = value.strip().casefold()
        if key in {"true", "yes", "1", "y", "oui"}:
            return True
        if key in {"false", "no", "0", "n", "non"}:
            return False
    if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    return value


def list_cell(value: Any) -> Any:
    if isinstance(value, str):
        return [p.strip() for p in value.replace(",", ";").split(";") if p.strip()]
    return value


def number_as_text(value: Any) -> Any:
    """A number where text is expected (a phone read as an int by ``read_csv``) as text."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def date_cell(value: Any) -> Any:
    return value.date() if isinstance(value, datetime) else value


def row_label(frame: Any, position: int) -> str | None:
    pd = pandas()
    if isinstance(frame.index, pd.RangeIndex):
        return None
    return str(frame.index[position])


def index_id(row: dict[str, Any], frame: Any, position: int, id_column: str) -> None:
    """Put the row's index label in ``row[id_column]`` when the frame keeps its ids there.

    Our frames hold each record's id in the index (named ``id_column``), not in a
    column too; a frame that does have the column (a CSV read back) keeps it.
    """
    if id_column not in row and frame.index.name == id_column:
        row[id_column] = cell(frame.index[position])


def unknown_columns(frame: Any, columns: Iterable[Column]) -> list[RowError]:
    """A header error (row 0) for every column that is neither declared nor prefixed."""
    allowed = {c.label for c in columns}
    return [
        RowError(
            0,
            "unknown column; readable names such as 'First Name' are expected, "
            f"custom fields go in '{CUSTOM}<name>' columns",
            field=str(column),
        )
        for column in frame.columns
        if str(column) not in allowed and not str(column).startswith((CUSTOM, EXTERNAL))
    ]


def _prefixed(row: Mapping[str, Any], prefix: str) -> dict[str, Any] | None:
    found = {k[len(prefix) :]: v for k, v in row.items() if k.startswith(prefix)}
    if not found:
        return None
    return {k: v for k, v in found.items() if v is not None}


def address_fields(row: Mapping[str, Any], prefix: str) -> tuple[bool, dict[str, Any] | None]:
    columns = [f"{prefix} {label}" for label, _ in ADDRESS_PARTS]
    if not any(c in row for c in columns):
        return False, None
    parts = {part: row.get(f"{prefix} {label}") for label, part in ADDRESS_PARTS}
    parts = {k: str(v) for k, v in parts.items() if v is not None}
    return True, (parts or None)


def violation_errors(
    exc: PolicyViolationError, row: int, record: str | None, columns: Mapping[str, str]
) -> list[RowError]:
    label_of = {field: label for label, field in columns.items()}
    return [
        RowError(
            row,
            v.message,
            field=label_of.get(v.field or "", v.field),
            record=record,
        )
        for v in (exc.errors or exc.violations)
    ]


def extras(row: Mapping[str, Any], fields: dict[str, Any]) -> None:
    """``Custom:`` and ``External ID:`` columns into ``fields["extra"]`` and ``["external_ids"]``."""
    extra = _prefixed(row, CUSTOM)
    if extra is not None:
        fields["extra"] = extra
    external = _prefixed(row, EXTERNAL)
    if external is not None:
        fields["external_ids"] = {k: number_as_text(v) for k, v in external.items()}


def row_id(row: Mapping[str, Any], column: str) -> str | None:
    return text(number_as_text(row.get(column)))


_DEFAULTED = {"Stage", "Status", "Priority"}  # an empty cell keeps the default or current value
_DATES = {"Close Date", "Start Date", "End Date"}
_NUMBERS = {"Amount"}


def row_fields(row: Mapping[str, Any], field_of: Mapping[str, str]) -> dict[str, Any]:
    """The row's values for the domain, by field name (flags, dates and numbers read as such)."""
    fields: dict[str, Any] = {}
    for column, field in field_of.items():
        if column not in row:
            continue
        value = row[column]
        if column in FLAGS or column in _DEFAULTED:
            if value is None:
                continue
            if column in FLAGS:
                value = flag(value)
        elif column in _DATES:
            value = date_cell(value)
        elif column not in _NUMBERS:
            value = number_as_text(value)
        fields[field] = value
    extras(row, fields)
    return fields


def records_from_frame(
    frame: Any,
    kind: str,
    declared: tuple[Column, ...],
    build: Callable[[dict[str, Any]], _T],
) -> list[_T]:
    """``build`` applied to every row; every bad row and unknown column reported at once."""
    pandas()
    errors = unknown_columns(frame, declared)
    if errors:
        raise ImportRejectedError(errors, f"{kind} refused: unknown column(s)")
    field_of = fields_of(declared)
    out: list[_T] = []
    labels = [str(c) for c in frame.columns]
    for position, values in enumerate(frame.itertuples(index=False, name=None)):
        row = {col: cell(v) for col, v in zip(labels, values, strict=True)}
        index_id(row, frame, position, declared[0].label)
        try:
            out.append(build(row))
        except PolicyViolationError as exc:
            record = row_label(frame, position)
            errors.extend(violation_errors(exc, position + 1, record, field_of))
    if errors:
        raise ImportRejectedError(errors, f"{kind} refused, {len(errors)} problem(s)")
    return out
