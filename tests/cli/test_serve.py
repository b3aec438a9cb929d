"""`contactgraph serve`: the web face over the store the command line opened."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import contactgraph.web
from contactgraph.cli import EXIT_OK, EXIT_USAGE, main


def test_serve_runs_the_web_face_on_the_opened_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: dict[str, Any] = {}

    def fake_serve(store: Any, **options: Any) -> None:
        served.update(options, url=store.url, accounts=store.accounts.count())

    monkeypatch.setattr(contactgraph.web, "serve", fake_serve)
    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    assert main(["--store", url, "serve", "--port", "8123"]) == EXIT_OK
    assert served["host"] == "127.0.0.1"
    assert served["port"] == 8123
    assert served["url"].endswith("crm.sqlite")
    assert "http://127.0.0.1:8123/" in capsys.readouterr().out


@pytest.mark.parametrize("port", ["0", "70000", "http"])
def test_a_bad_port_is_a_usage_error(
    port: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    assert main(["--store", url, "serve", "--port", port]) == EXIT_USAGE
    assert "--port" in capsys.readouterr().err
    assert not (tmp_path / "crm.sqlite").exists()
