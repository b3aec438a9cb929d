"""The how-to guides' examples run as written (on the real sample files)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs" / "howto"
GUIDES = ["import-salesforce-json.md", "import-dataloader-csv.md"]


@pytest.mark.parametrize("guide", GUIDES)
def test_examples_run(
    guide: str, salesforce_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / guide).read_text("utf-8"), re.S)
    assert len(blocks) >= 4
    (tmp_path / "samples").symlink_to(salesforce_dir)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, f"{guide} example", "exec"), namespace)
