"""Where imports read and exports write: never through a link, never outside the folder given.

An export or a results folder may sit where other people can create files
(a shared folder, an upload area): a symbolic link planted at a target name
would make the library overwrite whatever it points to. Files are therefore
opened with ``O_NOFOLLOW`` (a link at the target is refused, atomically, with
no window between a check and the open), and names built from the input
(a plan entry, a source file name) are kept inside their folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import IO

from contactgraph.errors import UnsafePathError

__all__ = ["UnsafePathError", "inside", "open_for_writing", "safe_name"]
# UnsafePathError lives in contactgraph.errors; it is re-exported here, where it was first.


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def open_for_writing(path: Path) -> IO[str]:
    """``path`` opened for writing text (created or truncated), refusing a link at it.

    Raises:
        UnsafePathError: ``path`` is a symbolic link (or not a regular file).
    """
    refusal = f"{path} is a symbolic link; contactgraph never writes through links"
    if path.is_symlink():
        raise UnsafePathError(refusal)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW, 0o666)
    except OSError:
        if path.is_symlink():  # planted between the check and the open
            raise UnsafePathError(refusal) from None
        raise
    return os.fdopen(fd, "w", encoding="utf-8", newline="")


def inside(folder: Path, name: str, *, allow_outside: bool = False) -> Path:
    """``folder / name``, refused when ``name`` is absolute or climbs out of ``folder``.

    Links are followed before the check, so a link inside ``folder`` that
    points elsewhere is outside too. ``allow_outside`` lifts the check.

    Raises:
        UnsafePathError: ``name`` leads outside ``folder``.
    """
    candidate = folder / name
    if allow_outside:
        return candidate
    if Path(name).is_absolute() or Path(name).drive:
        raise UnsafePathError(
            f"{name!r} is an absolute path; plan entries are relative to the plan"
        )
    root = folder.resolve()
    resolved = candidate.resolve()
    if resolved != root and root not in resolved.parents:
        raise UnsafePathError(f"{name!r} leads outside the plan's folder {root}")
    return candidate


_UNSAFE = re.compile(r"[\\/:\x00-\x1f]+")


def safe_name(source: str) -> str:
    """A file name made from a source's path: its parts joined by ``__``, never a path itself."""
    parts = [p for p in re.split(r"[\\/]+", source) if p and p not in (".", "..")]
    name = "__".join(_UNSAFE.sub("_", p) for p in parts).lstrip(".")
    return name or "records"
