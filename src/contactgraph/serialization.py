"""JSON, moved to :mod:`contactgraph.interop.json`; this documented path keeps working.

``from contactgraph.serialization import to_json, from_json, unstructure, structure``
(see ``docs/reference/json.md``).
"""

from contactgraph.interop import json as _json
from contactgraph.interop.json import *  # noqa: F403  (the same names, listed once)

__all__ = _json.__all__
