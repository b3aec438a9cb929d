"""Every Python example of README.md and docs/ runs as written, in order within its page.

Sybil parses the pages (```python blocks, and ``<!-- skip: next if(...) -->``
directives); each page is one test that evaluates its examples in order in one
namespace, from an empty temporary folder (relative paths such as
``crm.db`` land there) that holds ``tests/data`` as in a clone, so the
examples that read the project's own sample files find them.

One test per page, not Sybil's one pytest item per example: ``./dev test -n 2``
hands items to two worker processes, which would split a page's examples
between two namespaces.

Pages whose examples need a PostgreSQL server get ``CONTACTGRAPH_STORE_URL``
naming a fresh database on the throwaway server of ``tests/conftest.py``; without
PostgreSQL those examples are skipped by their directive (the rest of the page
runs), and with ``CI=true`` the fixture fails instead.
"""

from __future__ import annotations

import contextlib
import gc
import io
import uuid
import warnings
from pathlib import Path
from unittest import SkipTest

import pytest
from sybil import Example, Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

import contactgraph as cg

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
NEEDS_POSTGRES = {"docs/howto/backends.md", "docs/howto/web.md"}

SYBIL = Sybil(parsers=[PythonCodeBlockParser(), SkipParser()])


def _name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix() if page.is_relative_to(ROOT) else str(page)


def _fresh_database(server_url: str) -> str:
    """A new, empty database on the server of ``server_url``; its URL."""
    import sqlalchemy as sa

    name = f"docs_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    return sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)


def run_page(page: Path, namespace: dict[str, object]) -> tuple[str, list[str]]:
    """Evaluate the page's examples in order; what they printed, and the skip reasons."""
    document = SYBIL.parse(page)
    document.namespace.update(namespace)
    examples = list(document.examples())
    skipped: list[str] = []
    out = io.StringIO()
    # A snippet may rebind ``store`` without closing the first one (the reader's
    # interpreter says so with a ResourceWarning); what is left open is closed here.
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            _evaluate(page, examples, skipped)
        finally:
            for value in document.namespace.values():
                if isinstance(value, cg.Store):
                    value.close()
            document.namespace.clear()  # what an app still holds is released here, not
            gc.collect()  # in whichever later test the collector happens to run
    return out.getvalue(), skipped


def _evaluate(page: Path, examples: list[Example], skipped: list[str]) -> None:
    for example in examples:
        try:
            example.evaluate()
        except SkipTest as skip:
            skipped.append(f"line {example.line}: {skip}")
        except Exception as error:
            error.add_note(f"in the example at {_name(page)}, line {example.line}")
            raise


@pytest.fixture
def in_a_clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder holding ``tests/data`` as a clone does; the examples run there."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "data").symlink_to(ROOT / "tests" / "data", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONTACTGRAPH_STORE_URL", raising=False)
    return tmp_path


def _postgres(request: pytest.FixtureRequest) -> str | None:
    """The throwaway server's URL, or None when there is none (never None with CI=true)."""
    try:
        url: str = request.getfixturevalue("postgres_url")
    except pytest.skip.Exception:
        return None
    return url


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_examples_run_as_written(
    page: Path, in_a_clone: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    postgresql: str | None = None
    if _name(page) in NEEDS_POSTGRES:
        server = _postgres(request)
        if server is not None:
            postgresql = _fresh_database(server)
            monkeypatch.setenv("CONTACTGRAPH_STORE_URL", postgresql)
    _, skipped = run_page(page, {"__name__": "__main__", "postgresql": postgresql})
    if skipped:
        pytest.skip(f"the rest of the page ran; skipped: {'; '.join(skipped)}")


def test_pages_that_need_postgresql_say_so() -> None:
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        needs = "skip: next if(not postgresql" in text
        assert needs == (_name(page) in NEEDS_POSTGRES), _name(page)
        assert "db.internal" not in text, _name(page)


def test_every_page_with_python_has_examples() -> None:
    counted = {_name(page): len(list(SYBIL.parse(page).examples())) for page in PAGES}
    assert counted["docs/tutorial.md"] >= 17
    assert sum(counted.values()) >= 60


def test_the_tutorial_prints_its_chart_and_its_readiness(in_a_clone: Path) -> None:
    printed, skipped = run_page(ROOT / "docs" / "tutorial.md", {"__name__": "__main__"})
    assert not skipped
    assert "Alice Martin, CFO\n    Hélène Lefèvre, Purchasing Director" in printed
    assert "campaign: ready (1 recipient(s))" in printed
    assert "no active contact of ACME SA has an email address without an opt-out" in printed


def test_the_navigation_howto_prints_the_move_and_the_pictures(in_a_clone: Path) -> None:
    printed, _ = run_page(ROOT / "docs" / "howto" / "navigation.md", {"__name__": "__main__"})
    assert "Bob Durand moved from ACME SA to Globex on 2030-01-01" in printed
    assert "flowchart TD" in printed
    assert "digraph" in printed
    assert "readiness.no_active_contact" in printed


def test_a_failing_example_names_its_page_and_line(in_a_clone: Path, tmp_path: Path) -> None:
    page = tmp_path / "broken.md"
    page.write_text("Text.\n\n```python\nx = 1\n```\n\n```python\nassert x == 2\n```\n")
    with pytest.raises(AssertionError) as failed:
        run_page(page, {})
    assert any("line 7" in note for note in failed.value.__notes__)
