"""The whole review workflow in Chromium, each person in a browser of their own:
the author submits, the editor assigns two reviewers, one asks for changes, the
author revises and resubmits, both reviewers sign, the article is approved."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import TIMEOUT_MS, watch_problems

pytestmark = pytest.mark.browser

TITLE = "Ibuprofen for acute low back pain"
BODY = "Ibuprofen reduces pain [1]."
REVISED_BODY = "Ibuprofen 400 mg three times a day reduces pain [1]."
REFERENCES = "1. Doe J. Ibuprofen trial. BMJ. 2020. doi:10.1136/bmj.m1"
COMMENT = "Please give the dose and how often to take it."
MEANING = "I have reviewed this revision for medical accuracy and approve it."
SCREENSHOTS = "/tmp/reviewapp-review-flow"


@pytest.fixture
def app_config(app_config):
    """This flow sends the article back on the reviewer's request, as before
    review rounds (CHANGES_DECISION=reviewer); tests/e2e/test_editor_decision.py
    walks the editor's decision, the default."""
    return {**app_config, "CHANGES_DECISION": "reviewer"}


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name=name, exact=True).click()


def flash(page: Page):
    return page.get_by_role("alert")


def assign(page: Page, reviewer_name: str, due: date) -> None:
    reviewer = page.get_by_label("Reviewer", exact=True)
    option = reviewer.locator("option", has_text=reviewer_name)
    reviewer.select_option(option.get_attribute("value"))
    page.get_by_label("Due date", exact=True).fill(due.isoformat())
    page.get_by_role("button", name="Assign reviewer").click()
    expect(flash(page)).to_have_text(f"{reviewer_name} was invited to review.")


def accept_invitation(page: Page) -> None:
    nav(page, "My reviews")
    invitations = page.get_by_role("region", name="Invitations")
    expect(invitations).to_contain_text(TITLE)
    expect(invitations.get_by_label("Competing interests")).to_have_value("none")
    invitations.get_by_role("button", name="Accept").click()
    expect(flash(page)).to_have_text("Thank you: the review is in your queue.")


def open_review(page: Page) -> None:
    nav(page, "My reviews")
    page.get_by_role("region", name="Accepted reviews").get_by_role(
        "link", name=TITLE).click()
    expect(page.get_by_role("heading", name=f"Review: {TITLE}")).to_be_visible()


def approve(page: Page) -> None:
    form = page.locator("form").filter(
        has=page.get_by_role("heading", name="Approve with your signature"))
    expect(form).to_contain_text(f"By entering your password you sign: “{MEANING}”")
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_role("button", name="Approve").click()
    expect(flash(page)).to_have_text("Approved and signed.")


def test_article_goes_from_draft_to_approved_with_two_signatures(
        page, browser, live_server, make_user, browser_problems):
    author = make_user(roles=["author"], name="Alice Author")
    editor = make_user(roles=["editor"], name="Eddie Editor")
    reviewer_names = ["Dr. Rita Reviewer", "Dr. Sam Second"]
    reviewers = [make_user(roles=["reviewer"], name=name) for name in reviewer_names]

    contexts: list[BrowserContext] = []
    problems: dict[str, list[str]] = {"author": browser_problems}

    def browser_of(user) -> Page:
        context = browser.new_context(base_url=live_server)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        person = context.new_page()
        problems[user.display_name] = watch_problems(person)
        log_in(person, user.email)
        return person

    try:
        # The author writes a draft with a citation and a reference, then submits it.
        log_in(page, author.email)
        nav(page, "New article")
        page.get_by_label("Title", exact=True).fill(TITLE)
        page.get_by_label("Body", exact=True).fill(BODY)
        page.get_by_label("References", exact=True).fill(REFERENCES)
        page.get_by_role("button", name="Save draft").click()
        expect(flash(page)).to_have_text("Draft saved.")
        page.get_by_role("button", name="Submit for review").click()
        expect(flash(page)).to_have_text("Submitted for review.")
        expect(page.get_by_text("Submitted", exact=True)).to_be_visible()
        article_url = page.url
        assert re.search(r"/desk/articles/\d+$", article_url)

        # The editor finds it on the dashboard and invites two reviewers.
        editor_page = browser_of(editor)
        nav(editor_page, "Editor dashboard")
        editor_page.get_by_role("region", name="Needing reviewers").get_by_role(
            "link", name=TITLE).click()
        expect(editor_page.get_by_role("heading", name=TITLE)).to_be_visible()
        due = date.today() + timedelta(days=10)
        for name in reviewer_names:
            assign(editor_page, name, due)
        reviewer_rows = editor_page.get_by_role("region", name="Reviewers").get_by_role("row")
        for name in reviewer_names:
            expect(reviewer_rows.filter(has_text=name)).to_contain_text("invited")
        expect(editor_page.get_by_text("Under Review", exact=True)).to_be_visible()
        editor_page.screenshot(path=f"{SCREENSHOTS}-1-editor-assigned.png", full_page=True)

        # Each reviewer accepts, declaring no competing interests.
        reviewer_pages = [browser_of(reviewer) for reviewer in reviewers]
        for reviewer_page in reviewer_pages:
            accept_invitation(reviewer_page)

        # Reviewer 1 asks for changes.
        first, second = reviewer_pages
        open_review(first)
        first.get_by_label("Comments", exact=True).fill(COMMENT)
        first.get_by_role("button", name="Request changes").click()
        expect(flash(first)).to_have_text("Changes requested: the author has been told.")

        # The author sees the request, edits the draft and resubmits.
        page.goto(article_url)
        expect(page.get_by_text("Changes Requested", exact=True)).to_be_visible()
        expect(page.get_by_role("region", name="Reviews")).to_contain_text(COMMENT)
        page.screenshot(path=f"{SCREENSHOTS}-2-author-changes-requested.png", full_page=True)
        page.get_by_role("link", name="Edit draft").click()
        expect(page.get_by_label("Body", exact=True)).to_have_value(BODY)
        page.get_by_label("Body", exact=True).fill(REVISED_BODY)
        page.get_by_role("button", name="Save draft").click()
        expect(flash(page)).to_have_text("Draft saved.")
        page.get_by_role("button", name="Resubmit").click()
        expect(flash(page)).to_contain_text("Resubmitted")
        expect(page.get_by_text("Under Review", exact=True)).to_be_visible()

        # Reviewer 1 sees what changed since revision 1 and signs; so does reviewer 2.
        open_review(first)
        changes = first.get_by_role("region", name="Changes since the revision you last reviewed")
        expect(changes.get_by_role("heading")).to_contain_text(["(revision 1)"])
        expect(changes.get_by_role("row").filter(has_text=BODY).first).to_contain_text("−")
        expect(changes.get_by_role("row").filter(has_text=REVISED_BODY)).to_contain_text("+")
        expect(first.get_by_role("region", name="Revision under review")).to_contain_text(
            REVISED_BODY)
        first.screenshot(path=f"{SCREENSHOTS}-3-review-diff.png", full_page=True)
        approve(first)

        open_review(second)
        expect(second.get_by_role("region", name="Revision under review")).to_contain_text(
            REVISED_BODY)
        approve(second)

        # The article is approved and shows both valid signatures.
        page.goto(article_url)
        expect(page.get_by_text("Approved", exact=True)).to_be_visible()
        signatures = page.get_by_role("region", name="Reviews").get_by_text("Signed by")
        expect(signatures).to_have_count(2)
        for name in reviewer_names:
            signature = signatures.filter(has_text=name)
            expect(signature).to_contain_text(f"“{MEANING}”")
            expect(signature.get_by_text("valid", exact=True)).to_be_visible()
        expect(page.get_by_text("invalid")).to_have_count(0)
        page.screenshot(path=f"{SCREENSHOTS}-4-approved.png", full_page=True)
    finally:
        for context in contexts:
            context.close()

    assert browser_problems == []
    assert {who: seen for who, seen in problems.items() if seen} == {}
