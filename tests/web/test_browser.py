"""A real server on 127.0.0.1 and a real Chromium: click through the explorer like a salesperson.

Needs Debian's ``chromium`` (``apt-get install -y chromium``) and the
``playwright`` package; Playwright's own browser download is never used.
Skipped with a message when Chromium is absent, a failure under ``CI=true``.
The screenshot lands in ``$CONTACTGRAPH_ARTIFACTS`` (default: the test's
temporary directory).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import contactgraph as cg
from contactgraph.web import create_app

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.slow


def _need_browser() -> None:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[dev]')")
    if missing:
        message = "browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    import uvicorn

    store = cg.open_store(f"sqlite:///{tmp_path}/crm.db")
    acme = cg.Account.create(
        name="ACME SA", industry="Manufacturing", website="https://acme.example"
    )
    acme, alice = acme.add_contact(
        last_name="Martin",
        first_name="Alice",
        salutation="Ms.",
        title="CFO",
        email="alice@acme.fr",
        decision_role="Economic Buyer",
    )
    acme, _bob = acme.add_contact(
        last_name="Durand", first_name="Bob", title="Accountant", reports_to=alice.id
    )
    acme, carol = acme.add_contact(last_name="Petit", first_name="Carol", title="Technician")
    acme = acme.deactivate_contact(carol.id)
    store.accounts.add(acme)
    deal = cg.Opportunity.create(
        name="ACME renewal", account_id=acme.id, stage="Negotiation/Review"
    )
    store.opportunities.add(deal.add_contact_role(alice.id, role="Economic Buyer", primary=True))
    store.cases.add(cg.Case.create(subject="Invoice error", account_id=acme.id, contact_id=_bob.id))
    store.accounts.add(cg.Account.create(name="Globex"))
    port = _free_port()
    config = uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        instance.should_exit = True
        thread.join(timeout=10)
        store.close()


def test_click_from_search_to_account_contact_manager_and_back(server: str, tmp_path: Path) -> None:
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    artifacts = Path(os.environ.get("CONTACTGRAPH_ARTIFACTS", tmp_path))
    artifacts.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1100, "height": 1000})
        page.goto(server + "/")
        page.get_by_label("search").fill("durand")
        page.get_by_role("button", name="Search").click()
        page.get_by_role("link", name="Bob Durand").click()
        expect(page.locator("h1")).to_have_text("Bob Durand")
        page.get_by_role("link", name="Alice Martin").click()  # his manager
        expect(page.locator("h1")).to_have_text("Ms. Alice Martin")
        page.get_by_role("link", name="ACME SA").click()
        expect(page.locator("h1")).to_have_text("ACME SA")
        page.get_by_label("last name").fill("Nguyen")
        page.get_by_role("button", name="Add contact").click()
        expect(page.locator("h1")).to_have_text("ACME SA")
        expect(page.get_by_role("link", name="Nguyen")).to_be_visible()
        page.screenshot(path=str(artifacts / "explorer.png"), full_page=True)
        browser.close()
    assert (artifacts / "explorer.png").stat().st_size > 10_000


def test_a_change_shows_in_the_contact_history(server: str, tmp_path: Path) -> None:
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    artifacts = Path(os.environ.get("CONTACTGRAPH_ARTIFACTS", tmp_path))
    artifacts.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1100, "height": 1000})
        page.goto(server + "/?q=durand")
        page.get_by_role("link", name="Bob Durand").click()
        page.get_by_label("title").fill("Chief Accountant")
        page.get_by_role("button", name="Save").click()
        history = page.locator("table.history")
        expect(history.locator("tr").nth(1)).to_contain_text("Chief Accountant")
        expect(history.locator("tr").nth(1)).to_contain_text("Accountant")
        page.screenshot(path=str(artifacts / "contact-history.png"), full_page=True)
        browser.close()
    assert (artifacts / "contact-history.png").stat().st_size > 10_000
