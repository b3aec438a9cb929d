"""The error classes: one module holds them all, and the reference lists them all."""

from __future__ import annotations

import re
from pathlib import Path

from contactgraph import errors
from contactgraph.interop import paths

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "reference" / "domain.md"


def test_unsafe_path_error_lives_in_errors_and_its_old_import_path_still_works() -> None:
    assert paths.UnsafePathError is errors.UnsafePathError
    assert issubclass(errors.UnsafePathError, errors.ContactGraphError)
    assert issubclass(errors.UnsafePathError, PermissionError)


def test_every_error_class_of_errors_is_in_the_reference_tree() -> None:
    tree = REFERENCE.read_text(encoding="utf-8").split("## Errors", 1)[1].split("```")[1]
    listed = set(re.findall(r"\b(\w+Error)\b", tree))
    exported = {
        name
        for name in errors.__all__
        if isinstance(getattr(errors, name), type)
        and issubclass(getattr(errors, name), BaseException)
    }
    assert exported - listed == set()
