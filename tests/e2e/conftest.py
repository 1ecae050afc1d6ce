"""Browser fixtures: the app served on a free local port (on the fresh database
of the `app` fixture, so SQLite and PostgreSQL both), and headless Debian
Chromium driven through Playwright's sync API — never a downloaded browser."""

import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
# Short enough that a missing element fails fast, long enough for a slow CI box.
TIMEOUT_MS = 10_000


@pytest.fixture
def live_server(app):
    """Base URL of the app, served from a background thread for one test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(f"REQUIRE_BROWSER=1 but {message}", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser, live_server):
    """A page in a fresh browser context (no cookies) whose relative URLs
    resolve against the live server."""
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def watch_problems(page) -> list[str]:
    """Console errors (CSP violations among them), uncaught page errors and
    failed requests seen by the page; a test asserts the list stays empty."""
    problems: list[str] = []

    def on_console(msg):
        if msg.type == "error":
            problems.append(f"console: {msg.text} ({msg.location.get('url')})")

    def on_request_failed(request):
        # A request the page itself abandons by navigating on (often the
        # favicon) is aborted, not failed; a missing file shows as a console error.
        if "ERR_ABORTED" not in (request.failure or ""):
            problems.append(f"request failed: {request.url} {request.failure}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", on_request_failed)
    return problems


@pytest.fixture
def browser_problems(page):
    return watch_problems(page)


def log_in(page: Page, email: str) -> None:
    """Log in with the test password and wait for the desk."""
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def flash(page: Page):
    """The notice a desk page shows after a form (success or refusal)."""
    return page.get_by_role("alert")
