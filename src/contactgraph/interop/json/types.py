"""Small predicates on type annotations, shared by the hook factories."""

from __future__ import annotations

import enum
import types
import typing
from typing import Any

import immutables

_NONE = type(None)


def optional_of(annotation: Any) -> Any | None:
    """``X`` when ``annotation`` is ``X | None`` (one type and None), else None."""
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return None
    args = [a for a in typing.get_args(annotation) if a is not _NONE]
    if len(args) != 1 or len(typing.get_args(annotation)) != 2:
        return None
    return args[0]


def tuple_of(annotation: Any) -> Any | None:
    """``X`` when ``annotation`` is ``tuple[X, ...]``, else None."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is tuple and len(args) == 2 and args[1] is Ellipsis:
        return args[0]
    return None


def is_map(annotation: Any) -> bool:
    """Whether ``annotation`` is an ``immutables.Map`` (bare or parametrised)."""
    return annotation is immutables.Map or typing.get_origin(annotation) is immutables.Map


def is_enum(annotation: Any) -> bool:
    """Whether ``annotation`` is an enum class."""
    return isinstance(annotation, type) and issubclass(annotation, enum.Enum)
