"""The DataFrame format, moved to :mod:`contactgraph.interop.frames`; this old path keeps working."""

from contactgraph.interop import frames as _frames
from contactgraph.interop.frames import *  # noqa: F403  (the same names, listed once)

__all__ = _frames.__all__
