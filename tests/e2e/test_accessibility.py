"""Accessibility (issue 16), in Chromium. On every page — each desk page as the
role that uses it, and the pages seen before logging in (the lists of
tests/e2e/every_page.py, shared with the phone-width test, which checks they name
every GET route) — axe-core finds no serious or critical violation (labels, names,
contrast, landmarks, ids among its rules), and every stop of the Tab key shows a
visible focus. axe-core is the copy bundled with axe-playwright-python, injected
into the page: nothing is fetched. Then the whole review flow with the keyboard
only: the author writes and submits, the editor assigns, the reviewer accepts,
gives verdicts and signs, after a mistyped password whose message is focused at
the top of the signature form."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import TIMEOUT_MS, approve_form, flash, watch_problems
from tests.e2e.every_page import DESK_PAGES, SIGN_IN_AND_PUBLIC, arrive, build_world, url_of

pytestmark = pytest.mark.browser

AXE = Axe()
# What blocks people (axe's impact levels); minor and moderate ones are reported by
# axe too but do not fail the test.
BLOCKING = ("critical", "serious")


@pytest.fixture
def world(app, make_user, make_article):
    return build_world(app, make_user, make_article)


def blocking_violations(page: Page) -> list[str]:
    """axe's serious and critical violations on the page as it is now, each with
    the elements it found (for the message)."""
    page.wait_for_load_state("load")
    found = AXE.run(page).response["violations"]
    return [f"{violation['impact']} {violation['id']} ({violation['help']}): "
            + "; ".join(" ".join(map(str, node["target"])) for node in violation["nodes"][:6])
            for violation in found if violation["impact"] in BLOCKING]


# The element with keyboard focus, and whether it shows it: a solid outline of 2 px
# or more (static/app.css), not only Bootstrap's faint shadow. None on the body.
FOCUSED = """() => {
    const element = document.activeElement;
    if (!element || element === document.body) return null;
    const style = getComputedStyle(element);
    return {what: element.outerHTML.slice(0, 160),
            shown: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2};
}"""


def focused(page: Page) -> dict | None:
    return page.evaluate(FOCUSED)


def tab_to(page: Page, target: Locator, limit: int = 120) -> None:
    """Press Tab until `target` has the focus, as a keyboard user moves through
    the page; every control passed on the way shows its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        assert now is None or now["shown"], f"no visible focus on {now['what']}"
        if target.evaluate_all("(found) => found.includes(document.activeElement)"):
            return
    raise AssertionError(f"{target} not reached with Tab on {page.url}")


def press_on(page: Page, target: Locator, key: str = "Enter") -> None:
    """Tab to `target` and press `key`: Enter follows a link or sends a form (the
    next page is waited for), Space ticks a box or a radio button."""
    tab_to(page, target)
    if key == "Enter":
        submit(page)
    else:
        page.keyboard.press(key)


def submit(page: Page) -> None:
    """Enter, on a link, a button or a field of a form, and the page it opens."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def type_into(page: Page, target: Locator, text: str) -> None:
    tab_to(page, target)
    page.keyboard.type(text)


def stops_without_visible_focus(page: Page, limit: int = 300) -> list[str]:
    """Tab from the top of the page through every stop of the keyboard (until the
    focus leaves the page): those that do not show their focus."""
    hidden, first = [], None
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if now is None or now["what"] == first:
            return hidden
        first = first or now["what"]
        if not now["shown"]:
            hidden.append(now["what"])
    raise AssertionError(f"more than {limit} stops of the keyboard on {page.url}")


# --- Every page: axe, and the focus seen at every stop of the keyboard -----------------

@pytest.mark.parametrize(("endpoint", "role", "args"), DESK_PAGES,
                         ids=[f"{endpoint}-{role}" for endpoint, role, _ in DESK_PAGES])
def test_desk_page_passes_axe_and_shows_the_focus(app, world, browsers, endpoint, role,
                                                  args):
    page = browsers(world[role])
    response = page.goto(url_of(app, world, endpoint, args))
    assert response.status == 200, (endpoint, response.status)
    assert blocking_violations(page) == []
    assert stops_without_visible_focus(page) == []


@pytest.mark.parametrize("endpoint", SIGN_IN_AND_PUBLIC)
def test_page_before_login_passes_axe_and_shows_the_focus(app, world, browser, live_server,
                                                           endpoint):
    context = browser.new_context(base_url=live_server)
    try:
        page = context.new_page()
        problems = watch_problems(page)
        arrive(page, app, world, endpoint)
        assert blocking_violations(page) == []
        assert stops_without_visible_focus(page) == []
        assert problems == []
    finally:
        context.close()


# --- The review flow with the keyboard only --------------------------------------------

FLOW_TITLE = "Ibuprofen for acute low back pain"
FLOW_BODY = ("Ibuprofen 400 mg three times a day reduces pain [1].\n\n"
             "Adults should take no more than 1200 mg a day without advice [1].")
FLOW_REFERENCES = "1. Doe J. Ibuprofen trial. BMJ. 2020. doi:10.1136/bmj.m1"


def keyboard_user(browser, live_server, user) -> Page:
    """A browser of the person's own, logged in with the keyboard from the login page."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/login")
    type_into(page, page.get_by_label("Email", exact=True), user.email)
    type_into(page, page.get_by_label("Password", exact=True), PASSWORD)
    submit(page)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    return page


def follow(page: Page, name: str) -> None:
    """A link of the main menu, followed with Enter."""
    press_on(page, page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=name, exact=True))


def test_the_review_flow_with_the_keyboard_only(app, browser, live_server, make_user):
    """Author, editor and reviewer do their part with Tab, Enter, Space, arrows and
    typing only: no click, no focus set by the test. The reviewer mistypes the
    password first: the refusal is focused at the top of the signature form, with
    the page scrolled to the form, and Tab goes on from there."""
    app.config["REQUIRED_APPROVALS"] = 1  # one reviewer finishes the flow
    author = make_user(roles=["author"], name="Alice Author")
    editor = make_user(roles=["editor"], name="Eddie Editor")
    reviewer = make_user(roles=["reviewer"], name="Sam Second")
    make_user(roles=["reviewer"], name="Rita Reviewer")
    pages = []
    try:
        # The author writes a draft and submits it.
        page = keyboard_user(browser, live_server, author)
        pages.append(page)
        follow(page, "New article")
        type_into(page, page.get_by_label("Title", exact=True), FLOW_TITLE)
        type_into(page, page.get_by_label("Body", exact=True), FLOW_BODY)
        type_into(page, page.get_by_label("References", exact=True), FLOW_REFERENCES)
        press_on(page, page.get_by_role("button", name="Save draft"))
        expect(flash(page)).to_have_text("Draft saved.")
        press_on(page, page.get_by_role("button", name="Submit for review"))
        expect(flash(page)).to_have_text("Submitted for review.")
        expect(page.get_by_text("Submitted", exact=True)).to_be_visible()

        # The editor opens it from the dashboard and invites Sam Second.
        page = keyboard_user(browser, live_server, editor)
        pages.append(page)
        follow(page, "Editor dashboard")
        press_on(page, page.get_by_role("region", name="Needing reviewers").get_by_role(
            "link", name=FLOW_TITLE))
        expect(page.get_by_role("heading", name=FLOW_TITLE)).to_be_visible()
        chooser = page.get_by_label("Reviewer", exact=True)
        tab_to(page, chooser)
        page.keyboard.type("Sam")  # a closed list's type-ahead picks the name
        expect(chooser.locator("option:checked")).to_contain_text("Sam Second")
        press_on(page, page.get_by_role("button", name="Assign reviewer"))
        expect(flash(page)).to_have_text("Sam Second was invited to review.")
        expect(page.get_by_role("region", name="Reviewers").get_by_role("row").filter(
            has_text="Sam Second")).to_contain_text("invited")

        # The reviewer accepts from the queue, declaring no competing interests.
        page = keyboard_user(browser, live_server, reviewer)
        pages.append(page)
        follow(page, "My reviews")
        invitations = page.get_by_role("region", name="Invitations")
        press_on(page, invitations.get_by_label("No competing interests", exact=True), "Space")
        expect(invitations.get_by_label("No competing interests", exact=True)).to_be_checked()
        press_on(page, invitations.get_by_role("button", name="Accept"))
        expect(flash(page)).to_have_text("Thank you: the review is in your queue.")
        expect(page.get_by_role("heading", name=f"Review: {FLOW_TITLE}")).to_be_visible()

        # A verdict on each claim: Space on "Supported", then "Save verdicts".
        claims = page.get_by_role("region", name="Claims").locator("li.claim")
        expect(claims).to_have_count(2)
        for claim in claims.all():
            press_on(page, claim.get_by_label("Supported", exact=True), "Space")
            expect(claim.get_by_label("Supported", exact=True)).to_be_checked()
        press_on(page, page.get_by_role("button", name="Save verdicts"))
        expect(flash(page)).to_have_text("Verdicts saved: 2 of 2 claims “Supported”.")

        # Signing with a mistyped password: told at the form, focused, the page at the form.
        form = approve_form(page)
        expect(form.locator("li.sign-warning")).to_have_count(0)  # nothing to tick here
        type_into(page, form.get_by_label("Password", exact=True), "not my password")
        submit(page)
        form = approve_form(page)
        refusal = form.get_by_role("alert")
        expect(refusal).to_have_text(
            "The password is not correct. Nothing was signed. Failed signatures count towards "
            "locking your account, as wrong passwords at login do: after 4 more, it is locked "
            "for 15 minutes.")
        expect(refusal).to_be_focused()
        assert focused(page)["shown"]
        assert blocking_violations(page) == []
        # The page opens at the form (the browser scrolls once it is laid out): its
        # top, heading and message in the window, not the top of the page.
        page.wait_for_function("""() => {
            const top = document.getElementById("sign").getBoundingClientRect().top;
            return window.scrollY > 0 && top >= 0 && top < window.innerHeight; }""")
        # The keyboard goes on from the message: the next Tab is the password.
        page.keyboard.press("Tab")
        expect(form.get_by_label("Password", exact=True)).to_be_focused()
        page.keyboard.type(PASSWORD)
        submit(page)
        expect(flash(page)).to_have_text("Approved and signed.")
        expect(page.get_by_text("Approved", exact=True).first).to_be_visible()

        # The author finds it approved, and published with its reviewer named.
        page = pages[0]
        follow(page, "My articles")
        expect(page.get_by_role("row").filter(has_text=FLOW_TITLE)).to_contain_text("Approved")
        follow(page, "Articles")
        press_on(page, page.get_by_role("link", name=FLOW_TITLE))
        expect(page.get_by_role("heading", name=FLOW_TITLE)).to_be_visible()
        expect(page.locator(".reviewer-name")).to_have_text(["Sam Second"])
    finally:
        for page in pages:
            page.context.close()
