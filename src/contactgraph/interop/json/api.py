"""The module-level helpers, over two shared converters (validating and trusted)."""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs
import orjson

from contactgraph.errors import InvalidValueError
from contactgraph.interop.json.converter import make_converter
from contactgraph.interop.json.write import configure_unstructure

__all__ = ["from_json", "structure", "to_json", "unstructure"]

T = TypeVar("T")

_CHECKED = make_converter()
_TRUSTED = make_converter(trusted=True)
_STREAMING = cattrs.Converter()
configure_unstructure(_STREAMING, streaming=True)
_WRITE = orjson.OPT_PASSTHROUGH_DATETIME  # dates and times through our hooks, as unstructure()


def unstructure(obj: Any) -> Any:
    """``obj`` as plain JSON-ready data (dicts, lists, strings, numbers, booleans, None)."""
    return _CHECKED.unstructure(obj)


def structure(data: Any, cls: type[T], *, trusted: bool = False) -> T:
    """Build a ``cls`` from plain data; validated unless ``trusted``.

    Raises:
        ContactGraphError: (validated mode) naming the field at fault.
        InvalidValueError: (trusted mode) the data is not a stored ``cls``.
    """
    if not trusted:
        return _CHECKED.structure(data, cls)
    try:
        return _TRUSTED.structure(data, cls)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidValueError(f"not a stored {getattr(cls, '__name__', cls)}: {exc!r}") from None


def to_json(obj: Any, *, indent: bool = False) -> str:
    """``obj`` as JSON text (UTF-8 characters, not escaped): the text of ``unstructure(obj)``.

    orjson calls the hooks for each object as it writes it, so the plain data
    of a large account never exists whole: each contact's dict is written and
    freed in turn (half the time of building the tree first, at 20,000
    contacts, mostly the garbage collector's).
    """
    option = _WRITE | orjson.OPT_INDENT_2 if indent else _WRITE
    return orjson.dumps(obj, default=_STREAMING.unstructure, option=option).decode()


def from_json(text: str | bytes, cls: type[T], *, trusted: bool = False) -> T:
    """Parse JSON text into a ``cls``; see :func:`structure`.

    Raises:
        InvalidValueError: the text is not JSON.
        ContactGraphError: (validated mode) a value is invalid, naming its field.
    """
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise InvalidValueError(f"not valid JSON: {exc}") from None
    return structure(data, cls, trusted=trusted)
