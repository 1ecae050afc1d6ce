"""The reading-level warning in Chromium (issue 17): the author's patient version written
in dense clinical language gets a `reading-level` warning on the desk article page naming
its hardest sentence, the check runs again when the author saves the draft, and the
warning is gone once the version is rewritten in plain words."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import approve, give_verdicts
from tests.e2e.test_accessibility import blocking_violations
from tests.integration.test_audience_checks import (
    DENSE,
    HARDEST,
    PATIENT_CLAIM,
    PLAIN,
    with_patient_version,
)
from tests.integration.test_workflow import Desk

pytestmark = pytest.mark.browser

BODY = "Ibuprofen 400 mg three times a day reduces back pain [1]."
REFERENCES = ("1. Doe J. Ibuprofen for back pain. BMJ. 2020. doi:10.1136/bmj.m1\n"
              "2. Roe A. Ibuprofen dosing. Lancet. 2023. PMID: 31000001")


def write_patient_version(app, article_id: int, body: str) -> None:
    """The author's patient version of the draft, saved and checked as a saved draft is
    (the version form is built in parallel; this writes the row it writes)."""
    from reviewapp.articles.models import Article, AudienceVersion
    from reviewapp.citations.services import check_revision
    from reviewapp.extensions import db

    with app.app_context():
        revision = db.session.get(Article, article_id).current_revision
        version = next((v for v in revision.audience_versions if v.audience == "patient"),
                       None)
        if version is None:
            version = AudienceVersion(audience="patient", title="Ibuprofen for back pain")
            revision.audience_versions.append(version)
        version.body, version.key_points = body, "- Ibuprofen can ease back pain [1].\n"
        db.session.flush()
        check_revision(revision)
        db.session.commit()


def _reading_level(page: Page):
    return page.locator("li.finding", has_text="reading-level")


def test_hard_patient_version_is_warned_until_rewritten_in_plain_words(
        browsers, make_user, make_article, app):
    author = make_user(roles=["author"], name="Ada Author")
    article_id = make_article(author, body=BODY, references=REFERENCES)
    write_patient_version(app, article_id, DENSE)
    page = browsers(author)
    page.goto(f"/desk/articles/{article_id}")

    warning = _reading_level(page)
    expect(warning).to_have_count(1)
    expect(warning.locator(".badge")).to_have_text("Warning")
    expect(warning).to_contain_text("The Patient or carer version reads at grade 19.1 "
                                    "(Flesch-Kincaid) with a reading ease of -7.3 (Flesch)")
    expect(warning).to_contain_text("the target for patient or carer readers is grade 6 or "
                                    "below and a reading ease of 60 or above")
    expect(warning).to_contain_text("shorter sentences, everyday words")
    # The hardest sentence, marked, and first among those quoted.
    expect(warning.locator("mark")).to_have_text(HARDEST)
    expect(warning.locator(".finding-message")).to_contain_text(
        f"Its hardest 2 sentences are “{HARDEST}” (grade 26.0)")

    # Saving the main text checks the versions again with it.
    page.goto(f"/desk/articles/{article_id}/edit")
    page.get_by_label("Body", exact=True).fill(BODY + " It is cheap.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("It is cheap.").first).to_be_visible()
    page.goto(f"/desk/articles/{article_id}")
    expect(_reading_level(page)).to_have_count(1)

    write_patient_version(app, article_id, PLAIN)
    page.reload()
    expect(page.locator("#citation-summary")).to_contain_text("0 warnings")
    expect(_reading_level(page)).to_have_count(0)
    expect(page.get_by_text("No findings.")).to_be_visible()


def test_reviewer_judges_the_version_claims_and_ticks_the_reading_level_warning(
        browsers, make_user, make_article, app):
    desk = Desk(app, make_user, make_article, body=BODY, references=REFERENCES)
    with_patient_version(app, desk.article_id, DENSE, key_points=f"- {PATIENT_CLAIM}\n")
    desk.under_review()
    page = browsers(desk.reviewers[0])
    page.goto(f"/desk/articles/{desk.article_id}/review")

    claims = page.get_by_role("region", name="Claims")
    expect(claims.get_by_role("heading", name="Claims in the main text")).to_be_visible()
    version = claims.get_by_role("heading", name="Claims in the Patient or carer version")
    expect(version).to_be_visible()
    expect(claims.locator("li.claim").last).to_contain_text(PATIENT_CLAIM)
    expect(claims.locator("li.claim").last).to_contain_text("Your verdict on claim 2")
    assert blocking_violations(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})

    give_verdicts(page, ["Supported", "Supported"])
    approve(page, "The Patient or carer version reads at grade")
