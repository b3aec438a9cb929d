"""The own Salesforce-shaped files on disk are the ones make_salesforce.py writes."""

from __future__ import annotations

from pathlib import Path

import make_salesforce


def test_the_files_on_disk_are_what_the_script_writes() -> None:
    expected = make_salesforce.files()
    on_disk = {
        p.relative_to(make_salesforce.ROOT).as_posix(): p
        for p in make_salesforce.ROOT.rglob("*")
        if p.is_file()
    }
    assert sorted(on_disk) == sorted(expected), "run: python tests/data/make_salesforce.py"
    stale = [name for name, text in expected.items() if on_disk[name].read_bytes() != text.encode()]
    assert stale == [], "run: python tests/data/make_salesforce.py"


def test_the_script_writes_into_any_folder(tmp_path: Path) -> None:
    written = make_salesforce.write(tmp_path)
    assert len(written) == len(make_salesforce.files())
    assert (tmp_path / "crm/Accounts.csv").read_bytes().startswith(b"\xef\xbb\xbfName,")
