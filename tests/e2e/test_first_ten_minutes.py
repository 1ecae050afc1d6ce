"""The README's "First ten minutes", done in Chromium on the demo data at 1366×900: the
author writes and submits, the editor assigns two reviewers, each reviewer accepts,
judges the claims and signs, and a reader opens the public page. Each step asserts what
the README says the page shows.

`make screenshots` runs this test with SCREENSHOTS_DIR=docs/screenshots: each step then
saves the viewport (not the whole page, to keep the files small) as the README's
pictures. Without SCREENSHOTS_DIR nothing is written."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from reviewapp.db import utcnow
from reviewapp.demo import DEMO_PASSWORD, load_demo
from reviewapp.demo_articles import TOUR_BODY, TOUR_REFERENCES, TOUR_TITLE
from tests.e2e.conftest import (
    SIGNATURE_MEANING,
    TIMEOUT_MS,
    approve_form,
    flash,
    invite,
    nav,
    open_review,
    read_invitation,
    still_needed,
    watch_problems,
)

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1366, "height": 900}
SCREENSHOTS = os.environ.get("SCREENSHOTS_DIR")
REVIEWERS = ("Dr. Rita Reviewer", "Dr. Raj Second")
TOUR_SLUG = "beclometasone-nasal-spray-for-hay-fever"


class Tour:
    """A browser context per person at the README's window size; `shot` saves the
    viewport under SCREENSHOTS_DIR when it is set."""

    def __init__(self, browser, base_url: str):
        self.browser, self.base_url = browser, base_url
        self.contexts, self.problems = [], {}

    def person(self, email: str | None) -> Page:
        context = self.browser.new_context(base_url=self.base_url, viewport=VIEWPORT)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        self.problems[email or "reader"] = watch_problems(page)
        if email:
            page.goto("/login")
            page.get_by_label("Email", exact=True).fill(email)
            page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_role("button", name="Log out")).to_be_visible()
        return page

    @staticmethod
    def shot(page: Page, name: str, show=None) -> None:
        if not SCREENSHOTS:
            return
        if show is not None:
            show.scroll_into_view_if_needed()
        page.wait_for_load_state("load")
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=False,
                        animations="disabled", caret="hide")


@pytest.fixture
def tour(app, browser, live_server):
    with app.app_context():
        from reviewapp.extensions import db

        assert load_demo()
        db.session.commit()
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
    opened = Tour(browser, live_server)
    yield opened
    for context in opened.contexts:
        context.close()
    assert {who: seen for who, seen in opened.problems.items() if seen} == {}


def sign(page: Page, shot=None) -> None:
    """Approve with the password (no open warning to tick); `shot` pictures the form
    filled in, with the verdicts above it."""
    form = approve_form(page)
    expect(form).to_contain_text(f"By entering your password you sign: “{SIGNATURE_MEANING}”")
    expect(form.locator("li.sign-warning")).to_have_count(0)
    form.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    button = form.get_by_role("button", name="Approve")
    if shot:
        shot(page, button)
    button.click()
    expect(flash(page)).to_have_text("Approved and signed.")


def judge(page: Page) -> None:
    """Every claim of the walkthrough article "Supported", saved."""
    claims = page.get_by_role("region", name="Claims")
    items = claims.locator("li.claim")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("every day")
    expect(items.nth(1)).to_contain_text("2 sprays into each nostril twice a day")
    for item in items.all():
        item.get_by_label("Supported", exact=True).check()
    claims.get_by_role("button", name="Save verdicts").click()
    expect(flash(page)).to_have_text("Verdicts saved: 2 of 2 claims “Supported”.")


def test_first_ten_minutes(tour):
    due = (utcnow() + timedelta(days=14)).date()

    # 1. The author: the demo articles, then a new one written, checked and submitted.
    author = tour.person("author@example.org")
    nav(author, "My articles")
    for title in ("Ibuprofen for acute low back pain", "Paracetamol for pain and fever in "
                  "adults", "Cetirizine for hay fever in adults",
                  "Omeprazole for heartburn in adults"):
        expect(author.get_by_role("link", name=title)).to_be_visible()
    tour.shot(author, "1-author-my-articles")
    nav(author, "New article")
    author.get_by_label("Title", exact=True).fill(TOUR_TITLE)
    author.get_by_label("Body", exact=True).fill(TOUR_BODY)
    author.get_by_label("References", exact=True).fill(TOUR_REFERENCES)
    author.get_by_label("Tags", exact=True).fill("allergy")
    tour.shot(author, "2-author-writes")
    author.get_by_role("button", name="Save draft").click()
    expect(flash(author)).to_have_text("Draft saved.")
    check = author.get_by_role("region", name="Citation check")
    expect(check).to_contain_text("0 errors")
    author.get_by_role("button", name="Submit for review").click()
    expect(flash(author)).to_have_text("Submitted for review.")
    expect(author.get_by_text("Submitted", exact=True)).to_be_visible()
    tour.shot(author, "3-author-submitted")

    # 2. The editor invites both reviewers from the dashboard.
    editor = tour.person("editor@example.org")
    invite(editor, TOUR_TITLE, REVIEWERS, due)
    tour.shot(editor, "4-editor-assigns", editor.get_by_role("region", name="Reviewers"))

    # 3. Each reviewer reads the invitation, accepts, judges the claims and signs.
    for number, email in enumerate(("reviewer@example.org", "reviewer2@example.org"),
                                   start=1):
        reviewer = tour.person(email)
        read_invitation(reviewer, TOUR_TITLE, "works best when used every day", due)
        answer = reviewer.get_by_role("region", name="Answer the invitation")
        answer.get_by_label("No competing interests", exact=True).check()
        if number == 1:
            tour.shot(reviewer, "5-reviewer-invitation", answer)
        answer.get_by_role("button", name="Accept").click()
        expect(flash(reviewer)).to_have_text("Thank you: the review is in your queue.")
        open_review(reviewer, TOUR_TITLE)
        judge(reviewer)
        sign(reviewer, (lambda page, show: tour.shot(page, "6-reviewer-signs", show))
             if number == 1 else None)
        if number == 1:
            expect(still_needed(reviewer)).to_have_text(
                re.compile(r"Before this article can be approved\s+1 of 2 approvals"))
            tour.shot(reviewer, "7-reviewer-signed")
    expect(still_needed(reviewer)).to_have_count(0)

    # 4. Anyone: the approved article on the public site.
    reader = tour.person(None)
    reader.goto("/articles")
    reader.get_by_role("link", name=TOUR_TITLE).click()
    expect(reader).to_have_url(re.compile(f"/articles/{TOUR_SLUG}$"))
    expect(reader.get_by_role("heading", level=1)).to_have_text(TOUR_TITLE)
    reviewed_by = reader.locator(".reviewed-by")
    for name in REVIEWERS:
        expect(reviewed_by).to_contain_text(name)
    expect(reader.get_by_role("region", name="References")).to_contain_text(
        "https://www.nhs.uk/medicines/beclometasone-nasal-spray/")
    tour.shot(reader, "8-public-page")
