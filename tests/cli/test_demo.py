"""The demo, the hints it prints (they must work as printed), and the command as a process."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from clikit import run

from contactgraph import open_store
from contactgraph.cli import EXIT_OK, main

Capsys = pytest.CaptureFixture[str]
REPO = Path(__file__).resolve().parents[2]


def test_demo_shows_account_contact_org_chart_and_readiness(store_url: str, capsys: Capsys) -> None:
    result = run(capsys, "--store", store_url, "demo")
    assert result.code == EXIT_OK
    out = result.out
    assert "(demo data created)" in out
    assert "== Account: ACME SA ==" in out
    assert "Reports to: Hélène Dubois, Directrice générale" in out
    assert "Opportunity: ACME renewal 2027 [Proposal/Price Quote] as Economic Buyer, primary" in out
    assert "└── Bob Durand, Comptable" in out
    assert "Soylent Corp: NOT actionable" in out


def test_demo_twice_reuses_the_data(demo: str, capsys: Capsys) -> None:
    result = run(capsys, "--store", demo, "demo")
    assert result.code == EXIT_OK
    assert "already there" in result.out
    with open_store(demo) as store:
        assert store.accounts.count() == 5
        assert store.opportunities.count() == 1
        assert store.cases.count() == 1


def _hints(out: str) -> list[str]:
    lines = out.splitlines()
    return [line.strip() for line in lines[lines.index("Try:") + 1 :] if line.strip()]


def test_every_hint_of_the_demo_works_as_printed(
    tmp_path: Path, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo in the current folder (the README's way), then each hint it prints."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONTACTGRAPH_STORE_URL", raising=False)
    hints = _hints(run(capsys, "demo").out)
    assert hints[0] == "contactgraph account 'ACME SA'"
    assert len(hints) >= 5
    for hint in hints:
        words = shlex.split(hint)
        assert words[0] == "contactgraph"
        try:
            code = main(words[1:])
        except SystemExit as exc:  # --help
            code = int(exc.code or 0)
        assert code == EXIT_OK, (hint, capsys.readouterr().err)
        capsys.readouterr()


def test_hints_repeat_the_store_given_and_name_the_way_in(
    store_url: str, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTACTGRAPH_PROG", "./dev cg")
    hints = _hints(run(capsys, "--store", store_url, "demo").out)
    assert hints[0] == f"./dev cg --store {shlex.quote(store_url)} account 'ACME SA'"
    for hint in hints:
        words = shlex.split(hint)
        assert words[:2] == ["./dev", "cg"]
        if "--help" not in words:
            assert main(words[2:]) == EXIT_OK, hint
        capsys.readouterr()


def test_the_console_script_runs_as_a_process(tmp_path: Path) -> None:
    """`contactgraph demo` with no --store writes ./contactgraph.sqlite (the README's command)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CONTACTGRAPH_STORE_URL",)}
    result = subprocess.run(
        [sys.executable, "-m", "contactgraph.cli", "demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "contactgraph.sqlite").exists()
    assert "ACME SA" in result.stdout


def test_dev_cg_reaches_the_command(tmp_path: Path) -> None:
    """`./dev cg …` runs the venv's command from the clone (what the demo's hints print)."""
    venv = Path(sys.prefix)
    if not any((venv / stamp).exists() for stamp in (".installed", ".installed[dev]")):
        pytest.skip("the tests do not run in a venv set up by ./dev")
    linked = list(venv.glob("lib/python*/site-packages/_editable_impl_contactgraph.pth"))
    if linked and linked[0].read_text().strip() != str(REPO / "src"):
        # ./dev would reinstall this checkout into another checkout's venv.
        pytest.skip("the venv is another checkout's (tests run with PYTHONPATH)")
    store = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    env = {**os.environ, "CONTACTGRAPH_VENV": str(venv)}
    result = subprocess.run(
        [str(REPO / "dev"), "cg", "--store", store, "add", "account", "ACME SA"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    result = subprocess.run(
        [str(REPO / "dev"), "cg", "--store", store, "account", "acme"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 3
    assert "did you mean 'ACME SA'" in result.stderr


def test_a_closed_pipe_ends_quietly(demo: str) -> None:
    """`contactgraph demo | head -1` prints no traceback when head stops reading."""
    process = subprocess.Popen(
        [sys.executable, "-m", "contactgraph.cli", "--store", demo, "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    first = process.stdout.read(10)
    process.stdout.close()
    code = process.wait(timeout=120)
    err = process.stderr.read().decode()
    process.stderr.close()
    assert first.startswith(b"contactg")
    assert "Traceback" not in err
    assert code in (0, 141)


def test_a_pipe_closed_before_an_error_is_told_ends_quietly(demo: str) -> None:
    """`contactgraph account nowhere --json | true`: the JSON error meets a closed pipe."""
    process = subprocess.Popen(
        [sys.executable, "-m", "contactgraph.cli", "--store", demo, "account", "x", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()  # long before the interpreter has started
    code = process.wait(timeout=120)
    err = process.stderr.read().decode()
    process.stderr.close()
    assert "Traceback" not in err
    assert code in (3, 141)
