"""An author's first steps in Chromium: log in, preview and save a draft, find
it again, log out; a wrong password; hostile input shown as harmless text."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

TITLE = "Ibuprofen for acute low back pain"
BODY = "Ibuprofen reduces pain [1]. It is **well tolerated** by most adults."
REFERENCES = "1. Doe J. Ibuprofen trial. BMJ. 2020. doi:10.1136/bmj.m1"
BOOTSTRAP_PRIMARY = "rgb(13, 110, 253)"


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():  # to its load: a page left loading drops its script
        page.get_by_role("button", name="Log in").click()


def write_draft(page: Page, title: str, body: str, references: str = "") -> None:
    page.get_by_role("navigation").get_by_role("link", name="New article").click()
    expect(page.get_by_role("heading", name="New article")).to_be_visible()
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Body", exact=True).fill(body)
    page.get_by_label("References", exact=True).fill(references)


def test_author_previews_saves_and_finds_a_draft(page, make_user, browser_problems):
    author = make_user(roles=["author"], name="Ada Author")

    log_in(page, author.email)
    expect(page.get_by_role("alert")).to_have_text("Welcome, Ada Author.")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    write_draft(page, TITLE, BODY, REFERENCES)
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview")
    expect(preview.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(preview.locator("strong")).to_have_text("well tolerated")
    expect(preview).to_contain_text("Ibuprofen reduces pain [1].")
    references = preview.locator("ol.references > li")
    expect(references).to_have_count(1)
    expect(references.first).to_have_text(
        "Doe J. Ibuprofen trial. BMJ. 2020. doi:10.1136/bmj.m1 DOI")
    expect(references.first.get_by_role("link", name="DOI")).to_have_attribute(
        "href", "https://doi.org/10.1136/bmj.m1")
    # The preview keeps what was typed, ready to save.
    expect(page.get_by_label("Title", exact=True)).to_have_value(TITLE)
    # Bootstrap's stylesheet is served and applied under the strict CSP.
    expect(page.get_by_role("button", name="Save draft")).to_have_css(
        "background-color", BOOTSTRAP_PRIMARY)

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert")).to_have_text("Draft saved.")
    expect(page).to_have_url(re.compile(r"/desk/articles/\d+$"))
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.locator(".state-badge")).to_have_text("Draft")
    expect(page.locator("strong", has_text="well tolerated")).to_be_visible()

    page.get_by_role("link", name="My articles").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Draft")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text("You have been logged out.")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    assert browser_problems == []


def test_wrong_password_shows_generic_error_and_stays_logged_out(page, make_user,
                                                                 browser_problems):
    author = make_user(roles=["author"])

    log_in(page, author.email, password="not the password")

    expect(page.get_by_text("Invalid email or password.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    expect(page.get_by_role("link", name="My articles")).to_have_count(0)
    # The typed email stays; the password does not.
    expect(page.get_by_label("Email", exact=True)).to_have_value(author.email)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")

    page.goto("/desk/articles/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    assert browser_problems == []


def test_script_in_title_and_javascript_link_in_body_stay_inert(page, make_user,
                                                                browser_problems):
    dialogs = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    title = '<script>alert("title")</script> Paracetamol'
    body = "Click [x](javascript:alert(1)) for details."
    author = make_user(roles=["author"])
    log_in(page, author.email)

    write_draft(page, title, body)
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview")
    expect(preview.get_by_role("heading", name=title)).to_be_visible()
    expect(page.locator('[href^="javascript:" i]')).to_have_count(0)

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert")).to_have_text("Draft saved.")
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.locator("article script")).to_have_count(0)
    expect(page.locator('[href^="javascript:" i]')).to_have_count(0)
    expect(page.locator("article")).to_contain_text("Click [x](javascript:alert(1)) for details.")

    page.get_by_role("link", name="My articles").click()
    expect(page.get_by_role("link", name=title)).to_be_visible()
    expect(page.locator('[href^="javascript:" i]')).to_have_count(0)
    assert dialogs == []
    assert browser_problems == []
