"""Audience versions on the desk (issue 17) in Chromium: the author writes a
version for patients beside the main text; a reviewer reads it on the review
page, is told their signature covers it, and signs. The other reviewer asks for
changes; the author edits only the patient version and resubmits: the first
reviewer's signature no longer counts, the review page says so and shows the
change, and they sign again."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    accept_from_queue,
    approve,
    flash,
    invite,
    nav,
    open_review,
    still_needed,
)
from tests.e2e.test_accessibility import blocking_violations
from tests.e2e.test_phone_width import assert_fits

pytestmark = pytest.mark.browser

TITLE = "Ibuprofen for acute back pain"
BODY = "Ibuprofen reduces acute back pain [1].\n\nAdults take 400 mg three times a day [1]."
REFERENCES = "1. Doe J. Ibuprofen for back pain. BMJ. 2020. doi:10.1136/bmj.m1"
PATIENT_TITLE = "Ibuprofen for your back"
KEY_POINTS = "- It can ease back pain [1].\n- Take it with food [1]."
PATIENT_BODY = "Ibuprofen can ease back pain [1].\n\nTake one 400 mg tablet with food [1]."
REVISED_BODY = PATIENT_BODY.replace("with food", "with food or milk")
RITA, SAM = "Dr. Rita Reviewer", "Dr. Sam Second"


@pytest.fixture
def app_config(app_config):
    """A reviewer's request for changes sends the article back at once."""
    return {**app_config, "CHANGES_DECISION": "reviewer"}


def sign_after_verdicts(page: Page) -> None:
    """"Supported" on every claim of the page, then the signature."""
    claims = page.get_by_role("region", name="Claims")
    items = claims.locator("li.claim")
    expect(items.first).to_be_visible()
    for claim in items.all():
        claim.get_by_label("Supported", exact=True).check()
    claims.get_by_role("button", name="Save verdicts").click()
    expect(flash(page)).to_contain_text("Verdicts saved")
    approve(page)


def patient_version(page: Page):
    return page.get_by_role("region", name="Version for Patient or carer")


def test_a_signature_covers_the_patient_version_and_an_edit_of_it_voids_it(
        app, make_user, browsers):
    author = browsers(make_user(roles=["author"], name="Alice Author"))
    editor = browsers(make_user(roles=["editor"], name="Eddie Editor"))
    rita, sam = (browsers(make_user(roles=["reviewer"], name=name)) for name in (RITA, SAM))

    # The author writes the main text and, below it, the version for patients.
    nav(author, "New article")
    author.get_by_label("Title", exact=True).fill(TITLE)
    author.get_by_label("Body", exact=True).fill(BODY)
    author.get_by_label("References", exact=True).fill(REFERENCES)
    section = author.get_by_role("group", name="Version for Patient or carer")
    section.get_by_label("Title for Patient or carer", exact=True).fill(PATIENT_TITLE)
    section.get_by_label("Key points for Patient or carer", exact=True).fill(KEY_POINTS)
    section.get_by_label("Body for Patient or carer", exact=True).fill(PATIENT_BODY)
    assert blocking_violations(author) == []
    author.set_viewport_size({"width": 390, "height": 844})
    assert_fits(author)
    author.set_viewport_size({"width": 1280, "height": 900})
    author.get_by_role("button", name="Save draft").click()
    expect(flash(author)).to_have_text("Draft saved.")
    article_url = author.url
    expect(patient_version(author).get_by_role("heading", name=PATIENT_TITLE)).to_be_visible()
    assert blocking_violations(author) == []
    author.get_by_role("button", name="Submit for review").click()
    expect(flash(author)).to_have_text("Submitted for review.")

    invite(editor, TITLE, [RITA, SAM], date.today() + timedelta(days=14))
    accept_from_queue(rita, TITLE)
    accept_from_queue(sam, TITLE)

    # Rita reads the patient version and is told what her signature covers.
    open_review(rita, TITLE)
    version = patient_version(rita)
    expect(version.get_by_role("heading", name=PATIENT_TITLE)).to_be_visible()
    expect(version.get_by_role("listitem")).to_have_text(["It can ease back pain [1].",
                                                          "Take it with food [1]."])
    expect(version).to_contain_text("Take one 400 mg tablet with food [1].")
    expect(rita.locator("#signature-covers")).to_have_text(
        "Your signature covers the main text and the 1 audience version "
        "(Patient or carer), with the references.")
    sign_after_verdicts(rita)
    expect(still_needed(rita)).to_contain_text("1 of 2 approvals")

    # Sam asks for changes; the article goes back to the author.
    open_review(sam, TITLE)
    sam.get_by_label("Comments", exact=True).fill("Say it may be taken with milk.")
    sam.get_by_role("button", name="Request changes").click()
    expect(flash(sam)).to_have_text("Changes requested: the author has been told.")

    # The author changes only the patient version's body and resubmits.
    author.goto(article_url)
    author.get_by_role("link", name="Edit draft").click()
    body = author.get_by_label("Body for Patient or carer", exact=True)
    expect(body).to_have_value(PATIENT_BODY)
    body.fill(REVISED_BODY)
    author.get_by_role("button", name="Save draft").click()
    expect(flash(author)).to_have_text("Draft saved.")
    author.get_by_role("region", name="Answer the reviewers").get_by_role(
        "button", name="Resubmit").click()
    expect(flash(author)).to_have_text("Resubmitted: the reviewers can see the new revision.")

    # Rita's signature of revision 1 does not count for revision 2: the page says
    # so, shows the changed version, and she signs again.
    open_review(rita, TITLE)
    expect(rita.locator("#earlier-signature")).to_contain_text(
        "Your signature of revision 1 does not count for revision 2.")
    expect(rita.locator("#earlier-signature")).to_contain_text("To approve revision 2, sign again.")
    expect(still_needed(rita)).to_contain_text("0 of 2 approvals")
    changes = rita.get_by_role("region", name="Changes since the revision you last reviewed")
    change = changes.locator("#version-change-patient")
    expect(change.get_by_role("heading", level=3)).to_have_text(
        "Version for Patient or carer (changed)")
    expect(change.locator(".word-diff-sides ins")).to_have_text(
        [re.compile(r"\[inserted:\s*or milk\s*\]")])
    expect(patient_version(rita)).to_contain_text(
        "Take one 400 mg tablet with food or milk [1].")
    # Readable by everyone and on a phone: the versions, the notice and the diff.
    assert blocking_violations(rita) == []
    rita.set_viewport_size({"width": 390, "height": 844})
    assert_fits(rita)
    rita.set_viewport_size({"width": 1280, "height": 900})
    sign_after_verdicts(rita)
    expect(still_needed(rita)).to_contain_text("1 of 2 approvals")
    expect(rita.locator("#earlier-signature")).to_have_count(0)

    assert browsers.unexpected() == {}
