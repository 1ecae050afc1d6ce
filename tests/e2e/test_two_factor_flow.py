"""Two-factor sign-in in Chromium: an author turns it on by typing the key shown
on the page into an "app" (pyotp), saves the recovery codes, and logs in again
with a code after the password."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_drafts_flow import log_in
from tests.two_factor_steps import code

pytestmark = pytest.mark.browser


def test_author_turns_on_two_factor_and_logs_in_with_a_code(page, make_user,
                                                             browser_problems):
    author = make_user(roles=["author"], name="Ada Author")
    log_in(page, author.email)
    page.get_by_role("link", name="Password").click()
    page.get_by_role("link", name="Turn on two-factor sign-in").click()

    qr_code = page.get_by_role("img", name=re.compile("QR code"))
    expect(qr_code).to_be_visible()
    assert qr_code.evaluate("image => image.naturalWidth") > 0  # the CSP let it load
    secret = page.locator("#two-factor-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)

    page.get_by_label("Code", exact=True).fill(code(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name=re.compile("I have saved them")).click()
    expect(page.get_by_role("link", name="Use a recovery code")).to_have_count(0)
    expect(page.get_by_text("Recovery codes left:")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    log_in(page, author.email)
    expect(page).to_have_url(re.compile(r"/login/code$"))
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)  # no session yet
    expect(page.get_by_role("link", name="Use a recovery code")).to_be_visible()
    # The next time step's code: the one that turned it on cannot be used again.
    page.get_by_label("Code", exact=True).fill(code(secret, steps=1))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_have_text("Welcome, Ada Author.")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert browser_problems == []
