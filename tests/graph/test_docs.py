"""The navigation how-to runs as written."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "howto" / "navigation.md"


def test_the_navigation_howto_runs_top_to_bottom() -> None:
    blocks = re.findall(r"^```python\n(.*?)^```$", DOC.read_text(encoding="utf-8"), re.S | re.M)
    assert len(blocks) >= 8
    namespace: dict[str, object] = {"__name__": "howto"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for number, block in enumerate(blocks, 1):
            exec(compile(block, f"{DOC.name} block {number}", "exec"), namespace)
    text = out.getvalue()
    assert "Bob Durand moved from ACME SA to Globex on 2030-01-01" in text
    assert "flowchart TD" in text
    assert "digraph" in text
    assert "Initech" in text or "readiness.no_active_contact" in text
