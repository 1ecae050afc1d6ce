"""Nothing an author types is lost, in Chromium (issue 16): two windows edit
the same draft and the stale one merges its changes into the latest version;
a save after the session ended comes back after login and is saved once the
author confirms."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import flash, log_in

pytestmark = pytest.mark.browser

BODY = ("Ibuprofen reduces acute low back pain [1].\n\n## Dose\n\n"
        "Give 400 mg every 8 hours with food.\n\n## Warnings\n\n"
        "Not for people with stomach ulcers.")
REFERENCES = "1. Doe J. Ibuprofen trial. BMJ. 2020. doi:10.1136/bmj.m1"


def edit(page, article_id):
    page.goto(f"/desk/articles/{article_id}/edit")
    expect(page.get_by_role("heading", name="Edit draft")).to_be_visible()


def test_a_stale_window_merges_its_changes_into_the_latest_version(
        browsers, make_user, make_article):
    author = make_user(roles=["author"], name="Alice Author")
    article_id = make_article(author, body=BODY, references=REFERENCES)
    here, there = browsers(author), browsers(author)
    edit(here, article_id)
    edit(there, article_id)

    there.get_by_label("Title", exact=True).fill("Ibuprofen for acute back pain")
    there.get_by_role("button", name="Save draft").click()
    expect(flash(there)).to_have_text("Draft saved.")

    typed = BODY.replace("stomach ulcers", "stomach ulcers or kidney disease")
    here.get_by_label("Body", exact=True).fill(typed)
    here.get_by_role("button", name="Save draft").click()
    stale = here.get_by_role("region", name="The draft was changed after you opened this form")
    expect(stale).to_be_visible()
    expect(stale.locator(".word-diff-label")).to_have_text(["Title"])
    expect(stale.locator(".word-diff ins")).to_have_text("[inserted: acute ]")
    expect(here.get_by_label("Body", exact=True)).to_have_value(typed)  # kept as typed

    here.get_by_role("button", name="Apply my changes to the latest version").click()
    expect(flash(here)).to_have_text("Your changes were applied to the latest version and saved.")
    body = here.locator(".article-body")
    expect(body.get_by_role("heading", level=1)).to_have_text("Ibuprofen for acute back pain")
    expect(body).to_contain_text("Not for people with stomach ulcers or kidney disease.")


def test_a_save_after_the_session_ended_is_saved_after_login(page, make_user, make_article,
                                                             browser_problems):
    author = make_user(roles=["author"], name="Alice Author")
    article_id = make_article(author, body=BODY, references=REFERENCES)
    log_in(page, author.email)
    edit(page, article_id)
    typed = BODY + "\n\nTake it with a glass of water."
    page.get_by_label("Body", exact=True).fill(typed)
    page.context.clear_cookies()  # the session ends while the author types

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_text("You were signed out before your changes were saved.")
           ).to_be_visible()
    page.get_by_label("Email", exact=True).fill(author.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_text("Save them now?")).to_be_visible()
    expect(page.get_by_label("Body", exact=True)).to_have_value(typed)
    page.get_by_role("button", name="Save draft").click()
    expect(flash(page)).to_have_text("Draft saved.")
    expect(page.locator(".article-body")).to_contain_text("Take it with a glass of water.")
    assert browser_problems == []
