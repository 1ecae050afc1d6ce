"""Browser fixtures: the app served on a free local port (on the fresh database
of the `app` fixture, so SQLite and PostgreSQL both), and headless Debian
Chromium driven through Playwright's sync API — never a downloaded browser;
a browser per person (`browsers`), and the steps of a review as people take
them in the UI, shared by the flows (invite, read an invitation, comment on a
selected passage, give verdicts, sign, decide)."""

import os
import threading
from datetime import date
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
    """Base URL of the app, served from a background thread for one test.
    Static files are cached by the browser and read whole before they are sent:
    the development server leaves a file open (a ResourceWarning, an error here)
    when a browser drops a download midway, as a page left before its script or
    the favicon arrived does."""
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    server = make_server("127.0.0.1", 0, _static_read_whole(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def _static_read_whole(app):
    """`app`, with each static file read into memory and closed before it is sent."""
    static = (app.static_url_path or "/static") + "/"

    def wsgi(environ, start_response):
        result = app(environ, start_response)
        if not environ.get("PATH_INFO", "").startswith(static):
            return result
        try:
            return [b"".join(result)]
        finally:
            if hasattr(result, "close"):
                result.close()
    return wsgi


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
    # Below 992 px the button is in the folded menu (open_menu), hidden but there.
    expect(page.get_by_role("button", name="Log out", include_hidden=True)).to_have_count(1)
    page.wait_for_load_state("load")  # the desk's script in the cache (see live_server)


def flash(page: Page):
    """The notice a desk page shows after a form (success or refusal)."""
    return page.get_by_role("alert")


# --- People and the steps of a review, shared by the flows -------------------------

SIGNATURE_MEANING = "I have reviewed this revision for medical accuracy and approve it."


class Browsers:
    """A browser context of their own per person, logged in: `browsers(user)`
    is that person's page. What each page saw (watch_problems) is kept by the
    person's name in `problems`; `unexpected()` names the pages that saw any."""

    def __init__(self, browser, base_url: str):
        self.browser, self.base_url = browser, base_url
        self.contexts: list = []
        self.problems: dict[str, list[str]] = {}

    def __call__(self, user, width: int = 1280, height: int = 900) -> Page:
        context = self.browser.new_context(base_url=self.base_url,
                                           viewport={"width": width, "height": height})
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        self.problems[user.display_name] = watch_problems(page)
        log_in(page, user.email)
        return page

    def unexpected(self) -> dict[str, list[str]]:
        return {who: seen for who, seen in self.problems.items() if seen}


@pytest.fixture
def browsers(browser, live_server):
    """Browsers for the people of a test; each must end having seen no problem."""
    opened = Browsers(browser, live_server)
    yield opened
    for context in opened.contexts:
        context.close()
    assert opened.unexpected() == {}


def open_menu(page: Page):
    """The main navigation, unfolded first with its "Menu" button when the
    screen is narrow (below 992 px) and it is folded."""
    page.wait_for_load_state("domcontentloaded")  # Bootstrap's script (deferred) listens
    navigation = page.get_by_role("navigation", name="Main")
    toggler = navigation.get_by_role("button", name="Menu")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        expect(toggler).to_have_attribute("aria-expanded", "true")
    return navigation


def nav(page: Page, name: str) -> None:
    open_menu(page).get_by_role("link", name=name, exact=True).click()


def write_and_submit(page: Page, title: str, body: str, references: str) -> str:
    """The author writes a draft from "New article", saves and submits it;
    returns the article's desk URL."""
    nav(page, "New article")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Body", exact=True).fill(body)
    page.get_by_label("References", exact=True).fill(references)
    page.get_by_role("button", name="Save draft").click()
    expect(flash(page)).to_have_text("Draft saved.")
    page.get_by_role("button", name="Submit for review").click()
    expect(flash(page)).to_have_text("Submitted for review.")
    expect(page.get_by_text("Submitted", exact=True)).to_be_visible()
    return page.url


def invite(page: Page, title: str, reviewer_names, due: date) -> None:
    """The editor opens the article from the dashboard ("Needing reviewers")
    and invites each reviewer."""
    nav(page, "Editor dashboard")
    page.get_by_role("region", name="Needing reviewers").get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    for name in reviewer_names:
        reviewer = page.get_by_label("Reviewer", exact=True)
        option = reviewer.locator("option", has_text=name)
        reviewer.select_option(option.get_attribute("value"))
        page.get_by_label("Due date", exact=True).fill(due.isoformat())
        page.get_by_role("button", name="Assign reviewer").click()
        expect(flash(page)).to_have_text(f"{name} was invited to review.")
    rows = page.get_by_role("region", name="Reviewers").get_by_role("row")
    for name in reviewer_names:
        expect(rows.filter(has_text=name)).to_contain_text("invited")
    expect(page.get_by_role("region", name="Status").get_by_text("Under Review", exact=True)
           ).to_be_visible()


def read_invitation(page: Page, title: str, excerpt: str, due: date) -> None:
    """The reviewer opens the invitation by the article's title and reads the
    revision, its citation check and the due date."""
    nav(page, "My reviews")
    page.get_by_role("region", name="Invitations").get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=f"Invitation to review: {title}")).to_be_visible()
    expect(page.get_by_role("region", name="Revision under review")).to_contain_text(excerpt)
    expect(page.get_by_role("region", name="Citation check")).to_contain_text("0 errors")
    expect(page.locator("#due-date")).to_contain_text(due.isoformat())


def accept_declaring(page: Page, title: str, interests: str) -> None:
    """On the invitation page: accept, declaring competing interests."""
    answer = page.get_by_role("region", name="Answer the invitation")
    answer.get_by_label("I have competing interests to declare", exact=True).check()
    answer.get_by_label("Your competing interests", exact=True).fill(interests)
    answer.get_by_role("button", name="Accept").click()
    expect(flash(page)).to_have_text("Thank you: the review is in your queue.")
    expect(page.get_by_role("heading", name=f"Review: {title}")).to_be_visible()


def accept_from_queue(page: Page, title: str) -> None:
    """From the queue, declaring no competing interests (never a silent default)."""
    nav(page, "My reviews")
    invitations = page.get_by_role("region", name="Invitations")
    expect(invitations).to_contain_text(title)
    expect(invitations.get_by_label("No competing interests", exact=True)).not_to_be_checked()
    invitations.get_by_label("No competing interests", exact=True).check()
    invitations.get_by_role("button", name="Accept").click()
    expect(flash(page)).to_have_text("Thank you: the review is in your queue.")


def open_review(page: Page, title: str) -> None:
    nav(page, "My reviews")
    page.get_by_role("region", name="Accepted reviews").get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=f"Review: {title}")).to_be_visible()


def select_passage(page: Page, passage: str) -> None:
    """Select `passage` in the revision under review as a reader does: a mouse
    drag from its first character to its last; the comment form shows it."""
    page.wait_for_load_state("domcontentloaded")  # comments.js (deferred) listens
    box = page.evaluate("""(passage) => {
        const article = document.querySelector(
            "section[aria-label='Revision under review'] .article-body");
        const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.data.indexOf(passage);
            if (at >= 0) {
                node.parentElement.scrollIntoView({block: "center", behavior: "instant"});
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + passage.length);
                const rects = range.getClientRects();
                const first = rects[0], last = rects[rects.length - 1];
                return {x0: first.left + 1, y0: (first.top + first.bottom) / 2,
                        x1: last.right - 1, y1: (last.top + last.bottom) / 2};
            }
        }
        throw new Error("passage not in the page: " + passage);
    }""", passage)
    page.mouse.move(box["x0"], box["y0"])
    page.mouse.down()
    page.mouse.move(box["x1"], box["y1"], steps=5)
    page.mouse.up()
    expect(page.locator("#selected-passage-text")).to_have_text(passage)


def thread(page: Page, text: str):
    """The comment thread whose text contains `text`."""
    return page.get_by_role("article").filter(has_text=text)


def give_verdicts(page: Page, verdicts) -> None:
    """A verdict per claim of the review page, in their order, then "Save verdicts"."""
    claims = page.get_by_role("region", name="Claims")
    expect(claims.locator("li.claim")).to_have_count(len(verdicts))
    for claim, verdict in zip(claims.locator("li.claim").all(), verdicts, strict=True):
        claim.get_by_label(verdict, exact=True).check()
    claims.get_by_role("button", name="Save verdicts").click()
    supported = sum(verdict == "Supported" for verdict in verdicts)
    expect(flash(page)).to_have_text(
        f"Verdicts saved: {supported} of {len(verdicts)} claims “Supported”.")


def approve_form(page: Page):
    return page.locator("form").filter(
        has=page.get_by_role("heading", name="Approve with your signature"))


def approve(page: Page, *warnings: str) -> None:
    """Sign: each open warning (shown with the given text) ticked "I have
    checked this", the password entered again."""
    form = approve_form(page)
    expect(form).to_contain_text(f"By entering your password you sign: “{SIGNATURE_MEANING}”")
    listed = form.locator("li.sign-warning")
    expect(listed).to_have_count(len(warnings))
    for item, text in zip(listed.all(), warnings, strict=True):
        expect(item).to_contain_text(text)
        item.get_by_label("I have checked this", exact=True).check()
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_role("button", name="Approve").click()
    expect(flash(page)).to_have_text("Approved and signed.")


def still_needed(page: Page):
    """What the article still needs before approval, as the page says it."""
    return page.get_by_role("region", name="Still needed")


def open_decision(page: Page, title: str, round_number: int) -> None:
    """The editor follows "Decide" from the dashboard's "Decision needed"."""
    nav(page, "Editor dashboard")
    waiting = page.get_by_role("region", name="Decision needed")
    expect(waiting.get_by_role("heading", name="Decision needed")).to_be_visible()
    row = waiting.get_by_role("row").filter(has_text=title)
    expect(row).to_contain_text(f"Round {round_number}")
    row.get_by_role("link", name="Decide").click()
    expect(page.get_by_role("heading", name=f"Decision: {title}")).to_be_visible()
    expect(page.locator("#decision-needed")).to_contain_text("Decision needed:")
