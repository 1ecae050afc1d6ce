"""The public article page in Chromium, on a phone (390 px) and a desktop
(1280 px): the tracker, the reviewer line and the references are visible,
nothing overflows sideways, citation links jump to their reference, a reader
can report a problem, and no console or CSP error occurs. Screenshots go to
/tmp/reviewapp-public-page."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import watch_problems
from tests.integration.test_public_pages import Publisher

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("/tmp/reviewapp-public-page")


@pytest.mark.parametrize("width", [390, 1280])
def test_public_article_page_reads_well_on_phone_and_desktop(app, rows, browser, live_server,
                                                             width, request):
    publisher = Publisher(app, rows)
    slug = publisher.approved(tags=("pain medicine", "nsaids"))
    publisher.approved(title="Naproxen for back pain", tags=("nsaids",),
                       body="Naproxen helps [1].",
                       references="1. Doe J. Naproxen. BMJ. 2021. doi:10.1136/bmj.n2")
    publisher.retraction("1", "Retraction", doi="10.5555/retracted.1")

    context = browser.new_context(base_url=live_server,
                                  viewport={"width": width, "height": 900})
    page = context.new_page()
    problems = watch_problems(page)
    try:
        page.goto(f"/articles/{slug}")
        expect(page.get_by_role("heading", level=1)).to_have_text("Ibuprofen for back pain")

        review = page.get_by_role("region", name="Medical review")
        expect(review).to_contain_text("reviewed for accuracy by our Medical Advisory Board")
        tracker = review.get_by_role("list", name="Review status")
        expect(tracker).to_be_visible()
        expect(tracker.get_by_role("listitem")).to_have_count(3)
        current = tracker.locator('[aria-current="step"]')
        expect(current).to_have_text("Approved")
        expect(current).to_be_visible()
        for step in ("Submitted", "Under Review", "Approved"):
            expect(tracker.get_by_text(step, exact=True)).to_be_visible()

        reviewed_by = review.locator(".reviewed-by")
        expect(reviewed_by).to_be_visible()
        expect(reviewed_by).to_contain_text("Reviewed by")
        expect(reviewed_by).to_contain_text("Dr. Rita Reviewer")
        expect(reviewed_by).to_contain_text("Dr. Sam Second")
        expect(review).to_contain_text("Last updated")
        expect(review).to_contain_text("Next review due")
        expect(review.get_by_role("link", name="View editorial policy")).to_be_visible()

        references = page.get_by_role("region", name="References")
        expect(references.get_by_role("listitem")).to_have_count(6)
        first = references.get_by_role("listitem").first
        first.scroll_into_view_if_needed()
        expect(first).to_be_visible()
        expect(first.get_by_role("link", name="DOI")).to_have_attribute(
            "href", "https://doi.org/10.1136/bmj.m1")
        expect(references.locator("#ref-3")).to_contain_text("Retracted")
        expect(page.get_by_role("complementary", name="Medical disclaimer")).to_be_visible()
        expect(page.get_by_role("region", name="Related articles")).to_contain_text(
            "Naproxen for back pain")

        # Nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= width

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        backend = request.node.callspec.params.get("database_url", "db")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SCREENSHOTS / f"article-{width}-{backend}.png"))
        page.screenshot(path=str(SCREENSHOTS / f"article-{width}-{backend}-full.png"),
                        full_page=True)

        # A citation marker jumps to its reference.
        page.locator("a.citation").nth(1).click()
        expect(page).to_have_url(f"{live_server}/articles/{slug}#ref-2")
        expect(references.locator("#ref-2")).to_be_in_viewport()

        # A reader reports a problem.
        page.get_by_text("Report a problem with this article").click()
        page.get_by_label("What is wrong?").fill("Reference 3 has been retracted.")
        page.get_by_role("button", name="Send report").click()
        expect(page.get_by_role("alert")).to_have_text(
            "Thank you: the editors will look at your report.")
        assert problems == [], problems
    finally:
        context.close()


def test_index_and_policy_pages_have_no_console_errors(app, rows, page, live_server):
    publisher = Publisher(app, rows)
    publisher.approved(tags=("pain medicine",))
    problems = watch_problems(page)
    page.goto("/articles")
    page.get_by_label("Search by title or tag").fill("ibuprofen")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Ibuprofen for back pain").click()
    page.get_by_role("link", name="View editorial policy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Editorial policy")
    expect(page.locator("#policy-approvals")).to_contain_text("2 members")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "policy.png"), full_page=True)
    assert problems == [], problems
