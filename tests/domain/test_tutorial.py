"""The tutorial and the domain reference run as written, top to bottom."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


def run_python_blocks(path: Path) -> str:
    """Run every ```python block of ``path`` in one namespace; what they printed."""
    blocks = re.findall(r"^```python\n(.*?)^```$", path.read_text(encoding="utf-8"), re.S | re.M)
    assert blocks, f"no python block in {path}"
    namespace: dict[str, object] = {"__name__": path.stem}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for number, block in enumerate(blocks, 1):
            exec(compile(block, f"{path.name} block {number}", "exec"), namespace)
    return out.getvalue()


def test_the_tutorial_runs_top_to_bottom() -> None:
    printed = run_python_blocks(DOCS / "tutorial.md")
    assert "Alice Martin, CFO\n    Hélène Lefèvre, Purchasing Director" in printed
    assert "campaign: ready (1 recipient(s))" in printed
    assert "no active contact of ACME SA has an email address without an opt-out" in printed


@pytest.mark.parametrize("page", ["reference/domain.md"])
def test_the_reference_examples_run(page: str) -> None:
    run_python_blocks(DOCS / page)
