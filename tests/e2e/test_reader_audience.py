"""A reader picks an audience on the public page (issue 17), in Chromium, with
JavaScript and without it: "Which best describes you?" answered through the
form (and a link), the version for that audience with its key points and
disclaimer, the choice remembered on the next visit and on another article,
the main text said to be shown where an article has no version for it; the
page passes axe and fits 390 px (a screenshot: /tmp/reviewapp-reader-audience)."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from reviewapp.config import AUDIENCES, MEDICAL_DISCLAIMER
from tests.e2e.conftest import watch_problems
from tests.e2e.test_accessibility import blocking_violations
from tests.integration.test_public_pages import Publisher
from tests.reader_audiences import PATIENT, PROFESSIONAL, approved_with_versions

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("/tmp/reviewapp-reader-audience")
PATIENT_DISCLAIMER = AUDIENCES[0]["disclaimer"]
PROFESSIONAL_DISCLAIMER = AUDIENCES[1]["disclaimer"]


def choose(page: Page, label: str) -> None:
    """Answer the question through the form: a radio and the button."""
    question = page.get_by_role("group", name="Which best describes you?")
    expect(question).to_contain_text(
        "Your choice helps us use language that's most understandable for you")
    question.get_by_role("radio", name=label).check()
    question.get_by_role("button", name="Show this version").click()
    expect(page.get_by_role("radio", name=label)).to_be_checked()


def expect_version(page: Page, title: str, key_point: str, disclaimer: str,
                   label: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page).to_have_title(re.compile("^" + re.escape(title)))
    expect(page.get_by_text(f"You are reading the version of this article for “{label}”."
                            )).to_be_visible()
    key_points = page.get_by_role("complementary", name="Key points")
    expect(key_points).to_contain_text(key_point)
    expect(page.get_by_role("complementary", name="Medical disclaimer")).to_contain_text(
        disclaimer)


def expect_fits_and_accessible(page: Page, width: int, script: bool) -> None:
    """Measured and checked by scripts (axe-core), so in the context that runs
    them: the HTML is the same without them."""
    if script:
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert blocking_violations(page) == []


@pytest.mark.parametrize("script", [True, False], ids=["with script", "without script"])
def test_a_reader_picks_each_audience_and_the_choice_is_remembered(app, rows, browser,
                                                                   live_server, script):
    publisher = Publisher(app, rows)
    slug = approved_with_versions(publisher, {"patient": PATIENT,
                                              "professional": PROFESSIONAL})
    patient_only = approved_with_versions(publisher, {"patient": (
        "Naproxen for gout: for patients", "- Naproxen eases an attack [1].",
        "Naproxen eases a gout attack [1].")}, title="Naproxen for gout")

    context = browser.new_context(base_url=live_server, java_script_enabled=script,
                                  viewport={"width": 390, "height": 844})
    page = context.new_page()
    problems = watch_problems(page)
    try:
        # No choice yet: the main text, the site's disclaimer, the question.
        page.goto(f"/articles/{slug}")
        expect(page.get_by_role("heading", level=1)).to_have_text("Ibuprofen for back pain")
        expect(page.get_by_role("complementary", name="Medical disclaimer")).to_contain_text(
            MEDICAL_DISCLAIMER)
        expect(page.get_by_text("You are reading")).to_have_count(0)
        expect_fits_and_accessible(page, 390, script)

        choose(page, "Patient or carer")
        expect(page).to_have_url(re.compile(rf"/articles/{slug}\?for=patient$"))
        expect_version(page, PATIENT[0], "Take it with food.", PATIENT_DISCLAIMER,
                       "Patient or carer")
        expect(page.get_by_role("complementary", name="Medical disclaimer")
               ).not_to_contain_text(MEDICAL_DISCLAIMER)
        expect_fits_and_accessible(page, 390, script)
        if script:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "patient-390.png"), full_page=True)

        choose(page, "Healthcare professional")
        expect_version(page, PROFESSIONAL[0], "Paracetamol alone is not effective",
                       PROFESSIONAL_DISCLAIMER, "Healthcare professional")
        # A citation in the version jumps to the article's one reference list.
        page.locator(".article-body a.citation").first.click()
        expect(page).to_have_url(re.compile(r"#ref-1$"))

        # The next visit, without ?for=, opens in the version chosen.
        page.goto(f"/articles/{slug}")
        expect_version(page, PROFESSIONAL[0], "Paracetamol alone is not effective",
                       PROFESSIONAL_DISCLAIMER, "Healthcare professional")
        expect(page.get_by_role("radio", name="Healthcare professional")).to_be_checked()

        # Another article with no version for professionals says so.
        page.goto(f"/articles/{patient_only}")
        expect(page.get_by_role("heading", level=1)).to_have_text("Naproxen for gout")
        expect(page.get_by_text(
            "This article has no separate version for “Healthcare professional”; you are "
            "reading its main text.")).to_be_visible()
        expect(page.get_by_role("complementary", name="Key points")).to_have_count(0)
        expect(page.get_by_role("complementary", name="Medical disclaimer")).to_contain_text(
            PROFESSIONAL_DISCLAIMER)
        expect_fits_and_accessible(page, 390, script)

        # A link per audience does the same as the form.
        links = page.get_by_role("navigation", name="Versions of this article")
        expect(links.get_by_role("link", name="Healthcare professional")).to_have_attribute(
            "aria-current", "true")
        links.get_by_role("link", name="Patient or carer").click()
        expect_version(page, "Naproxen for gout: for patients", "Naproxen eases an attack",
                       PATIENT_DISCLAIMER, "Patient or carer")
        page.goto(f"/articles/{slug}")
        expect(page.get_by_role("heading", level=1)).to_have_text(PATIENT[0])
    finally:
        context.close()
    assert problems == []
