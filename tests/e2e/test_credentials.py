"""Who wrote it, who checked it, in Chromium: a reviewer fills in their public
profile (a mistyped ORCID iD is refused, their text kept), and a reader sees the
author's and reviewers' credentials, specialties and competing interests on the
article page, follows a reviewer's name and the board statement to the Medical
Advisory Board page, on a phone and a desktop."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from reviewapp.accounts.profiles import PublicProfile, update_public_profile
from reviewapp.articles.models import Article
from reviewapp.db import utcnow
from reviewapp.workflow import review_commands
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in, watch_problems
from tests.integration.test_public_pages import Publisher
from tests.review_steps import sign_directly

pytestmark = pytest.mark.browser

INTERESTS = "Paid speaker for a maker of ibuprofen (2025)."


def arrange(app, rows) -> dict:
    """An approved article by an author with a profile: one reviewer declared no
    interests (she fills in her profile in the browser), one declared some."""
    publisher = Publisher(app, rows)
    article_id = publisher.submitted()
    app.config["REQUIRED_APPROVALS"] = 2
    with rows() as session:
        editor = publisher.user("editor", "Eddie Editor")
        rita = publisher.user("reviewer", "Dr. Rita Reviewer")
        ina = publisher.user("reviewer", "Dr. Ina Interested")
        for reviewer, declaration in ((rita, "none"), (ina, INTERESTS)):
            assignment = review_commands.assign_reviewer(article_id, editor, None, reviewer.id,
                                                         utcnow() + timedelta(days=7))
            review_commands.accept_assignment(assignment.id, reviewer, declaration)
            assert sign_directly(article_id, reviewer, PASSWORD)
        article = session.get(Article, article_id)
        update_public_profile(article.author, PublicProfile(
            credentials="MB ChB, MRCP", specialty="Clinical pharmacology"), actor=article.author)
        update_public_profile(ina, PublicProfile(credentials="MBBS, FRCP",
                                                 specialty="Allergy"), actor=ina)
        session.commit()
        return {"slug": article.slug, "rita": (rita.id, rita.email), "ina": ina.id}


def test_reviewer_fills_in_her_profile_and_readers_see_credentials_and_the_board(
        app, rows, browser, live_server):
    world = arrange(app, rows)
    rita_id, rita_email = world["rita"]

    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = watch_problems(page)
    try:
        log_in(page, rita_email)
        page.get_by_role("link", name="Public profile").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Public profile")
        page.get_by_label("Credentials").fill("MD, FRCA")
        page.get_by_label("Specialty").fill("Anaesthesia and pain medicine")
        page.get_by_label("ORCID iD").fill("0000-0002-1825-0098")
        page.get_by_label("Short biography").fill("Consultant anaesthetist.")
        page.get_by_role("button", name="Save public profile").click()
        expect(page.get_by_text("does not match the others")).to_be_visible()
        expect(page.get_by_label("Credentials")).to_have_value("MD, FRCA")
        expect(page.get_by_label("Short biography")).to_have_value("Consultant anaesthetist.")
        page.get_by_label("ORCID iD").fill("https://orcid.org/0000-0002-1825-0097")
        page.get_by_role("button", name="Save public profile").click()
        expect(page.get_by_role("alert")).to_have_text("Your public profile was saved.")
        expect(page.get_by_label("ORCID iD")).to_have_value("0000-0002-1825-0097")
        # The refused form answered 400 (so nothing looks saved); nothing else went wrong.
        assert [p for p in problems if "status of 400" not in p] == [], problems
    finally:
        context.close()

    for width in (390, 1280):
        context = browser.new_context(base_url=live_server,
                                      viewport={"width": width, "height": 900})
        page = context.new_page()
        problems = watch_problems(page)
        try:
            page.goto(f"/articles/{world['slug']}")
            review = page.get_by_role("region", name="Medical review")
            written_by = review.locator(".written-by")
            expect(written_by.locator("dt")).to_have_text("Written by")
            expect(written_by.locator("dd")).to_have_text(
                "Alice Author, MB ChB, MRCP (Clinical pharmacology)")
            reviewers = review.locator(".reviewer-list > li")
            expect(reviewers).to_have_count(2)
            expect(reviewers.nth(0)).to_contain_text(
                "Dr. Rita Reviewer, MD, FRCA (Anaesthesia and pain medicine)")
            expect(reviewers.nth(0)).to_contain_text("Competing interests: none declared")
            expect(reviewers.nth(1)).to_contain_text("Dr. Ina Interested, MBBS, FRCP (Allergy)")
            expect(reviewers.nth(1)).to_contain_text(f"Competing interests: {INTERESTS}")
            expect(review).to_contain_text("Last reviewed")
            expect(review).to_contain_text("Last updated")
            expect(review).to_contain_text("Next review due")
            # The author is not on the board: no link. Reviewers are.
            expect(review.locator(".written-by a")).to_have_count(0)
            assert page.evaluate("document.documentElement.scrollWidth") <= width

            reviewers.nth(0).get_by_role("link", name="Dr. Rita Reviewer").click()
            expect(page).to_have_url(f"{live_server}/board#member-{rita_id}")
            expect(page.get_by_role("heading", level=1)).to_have_text("Medical Advisory Board")
            member = page.locator(f"#member-{rita_id}")
            expect(member).to_be_in_viewport()
            expect(member).to_contain_text("Dr. Rita Reviewer, MD, FRCA")
            expect(member).to_contain_text("Consultant anaesthetist.")
            expect(member.get_by_role("link", name="https://orcid.org/0000-0002-1825-0097")
                   ).to_be_visible()
            expect(page.locator(f"#member-{world['ina']}")).to_contain_text("Dr. Ina Interested")
            expect(page.get_by_text("Alice Author")).to_have_count(0)
            assert page.evaluate("document.documentElement.scrollWidth") <= width

            page.go_back()
            page.get_by_role("region", name="Medical review").get_by_role(
                "link", name="Medical Advisory Board").click()
            expect(page).to_have_url(f"{live_server}/board")
            page.get_by_role("contentinfo").get_by_role("link", name="Editorial policy").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Editorial policy")
            assert problems == [], problems
        finally:
            context.close()
