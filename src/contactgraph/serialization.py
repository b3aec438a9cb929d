"""JSON, moved to :mod:`contactgraph.interop.json`; this documented path keeps working.

``from contactgraph.serialization import to_json, from_json, unstructure, structure``
(see ``docs/reference/json.md``).
"""

from contactgraph.interop.json import (
    ContactGraphConverter,
    configure_converter,
    from_json,
    make_converter,
    structure,
    to_json,
    unstructure,
)

__all__ = [
    "ContactGraphConverter",
    "configure_converter",
    "from_json",
    "make_converter",
    "structure",
    "to_json",
    "unstructure",
]
