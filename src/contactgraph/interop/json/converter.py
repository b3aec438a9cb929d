"""The converter, cattrs' *preconf* way: a class, ``configure_converter``, ``make_converter``."""

from __future__ import annotations

from typing import Any

import cattrs

from contactgraph.interop.json.checked import configure_checked
from contactgraph.interop.json.trusted import configure_trusted
from contactgraph.interop.json.write import configure_unstructure

__all__ = ["ContactGraphConverter", "configure_converter", "make_converter"]


class ContactGraphConverter(cattrs.Converter):
    """A cattrs converter that knows contactgraph's types.

    Attributes:
        trusted: Whether structuring skips validation (for data the library wrote).
    """

    def __init__(self, *, trusted: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("detailed_validation", False)
        super().__init__(**kwargs)
        self.trusted = trusted


def configure_converter(converter: cattrs.Converter, *, trusted: bool = False) -> None:
    """Teach ``converter`` contactgraph's JSON shape.

    Args:
        converter: Any cattrs converter (a :class:`ContactGraphConverter` or not).
        trusted: Structure without validation (data the library wrote itself).
    """
    configure_unstructure(converter)
    if trusted:
        configure_trusted(converter)
    else:
        configure_checked(converter)


def make_converter(*, trusted: bool = False, **kwargs: Any) -> ContactGraphConverter:
    """A new converter configured for contactgraph (``kwargs`` go to cattrs)."""
    converter = ContactGraphConverter(trusted=trusted, **kwargs)
    configure_converter(converter, trusted=trusted)
    return converter
