"""Every page on a phone (issue 16), in Chromium at 390×844. Each desk page,
opened as the role that uses it on a world with an article in every state, is
no wider than the screen (`scrollWidth <= innerWidth`); its menu is folded,
opens with the "Menu" button, and "Log out" in it can be clicked. Preview on
the edit page and the review page's signature work at that width; without
scripts the menu stays open. The pages seen before logging in (sign-in steps,
reader pages) fit too, with their bar unfolded. Every GET route of the app is
either opened here or named in NOT_PAGES with the reason, so that a new page
fails the first test until it is added (the lists are in every_page.py, shared
with the accessibility test, which opens the same pages)."""

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import (
    approve_form,
    flash,
    give_verdicts,
    open_menu,
    watch_problems,
)
from tests.e2e.every_page import (
    DESK_PAGES,
    NOT_PAGES,
    SIGN_IN_AND_PUBLIC,
    arrive,
    build_world,
    url_of,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def world(app, make_user, make_article):
    return build_world(app, make_user, make_article)


# The page's width against the screen's, and what sticks out (for the message):
# elements past the screen's edge, or whose text overflows them.
MEASURE = """() => {
    const screen = window.innerWidth;
    const wider = [...document.body.querySelectorAll("*")]
        .filter(e => e.getBoundingClientRect().right > screen + 0.5
                || (e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1
                    && getComputedStyle(e).overflowX === "visible"))
        .slice(0, 6)
        .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
             + (typeof e.className === "string" && e.className.trim()
                ? "." + e.className.trim().split(/\\s+/).join(".") : "")
             + " (right edge " + Math.round(e.getBoundingClientRect().right) + ")");
    return [document.documentElement.scrollWidth, screen, wider];
}"""


def assert_fits(page: Page) -> None:
    page.wait_for_load_state("load")  # measured with every stylesheet applied
    width, screen, wider = page.evaluate(MEASURE)
    assert width <= screen, f"{page.url} is {width} px wide on a {screen} px screen: {wider}"


def test_every_get_route_is_opened_at_phone_width_or_named(app):
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    opened = {endpoint for endpoint, _, _ in DESK_PAGES} | set(SIGN_IN_AND_PUBLIC)
    assert routes - opened - set(NOT_PAGES) == set(), "pages not opened on a phone here"
    assert (opened | set(NOT_PAGES)) - routes == set(), "routes that no longer exist"
    assert opened.isdisjoint(NOT_PAGES)


@pytest.mark.parametrize(("endpoint", "role", "args"), DESK_PAGES,
                         ids=[f"{endpoint}-{role}" for endpoint, role, _ in DESK_PAGES])
def test_desk_page_fits_a_phone_and_its_menu_opens(app, world, browsers, endpoint, role,
                                                   args):
    page = browsers(world[role], **PHONE)
    response = page.goto(url_of(app, world, endpoint, args))
    assert response.status == 200, (endpoint, response.status)
    assert_fits(page)

    navigation = page.get_by_role("navigation", name="Main")
    log_out = navigation.get_by_role("button", name="Log out", include_hidden=True)
    expect(log_out).to_be_hidden()  # folded away
    open_menu(page)
    expect(log_out).to_be_visible()
    log_out.click(trial=True)  # visible, enabled, and nothing covers it
    expect(navigation.get_by_text(world[role].display_name)).to_be_visible()
    assert_fits(page)


def test_preview_on_the_edit_page_answers_a_tap(app, world, browsers):
    page = browsers(world["author"], **PHONE)
    page.goto(url_of(app, world, "articles.edit", {"article_id": "changes_requested"}))
    expect(page.get_by_role("group", name="Decision letter")).to_contain_text(
        "Please source the maximum daily dose.")
    page.get_by_role("button", name="Preview", exact=True).click()
    preview = page.get_by_role("region", name="Preview")
    expect(preview.get_by_role("heading", name="Tramadol in older adults")).to_be_visible()
    expect(preview).to_contain_text("no more than 2 g a day")
    assert_fits(page)


def test_a_reviewer_signs_on_a_phone_and_logs_out_from_the_menu(app, world, browsers):
    page = browsers(world["reviewer"], **PHONE)
    page.goto(url_of(app, world, "reviews.review", {"article_id": "under_review"}))
    claims = page.get_by_role("region", name="Claims").locator("li.claim")
    expect(claims.first).to_be_visible()
    give_verdicts(page, ["Supported"] * claims.count())

    form = approve_form(page)
    form.scroll_into_view_if_needed()
    for box in form.get_by_label("I have checked this", exact=True).all():
        box.check()
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_role("button", name="Approve").click()
    expect(flash(page)).to_have_text("Approved and signed.")
    assert_fits(page)

    open_menu(page).get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()


@pytest.mark.parametrize("endpoint", SIGN_IN_AND_PUBLIC)
def test_page_before_login_fits_a_phone_with_its_bar_unfolded(app, world, browser,
                                                              live_server, endpoint):
    context = browser.new_context(base_url=live_server, viewport=PHONE)
    try:
        page = context.new_page()
        problems = watch_problems(page)
        arrive(page, app, world, endpoint)
        assert_fits(page)
        navigation = page.get_by_role("navigation", name="Main")
        expect(navigation.get_by_role("link", name="Articles")).to_be_visible()
        expect(navigation.get_by_role("button", name="Menu")).to_have_count(0)
        assert problems == []
    finally:
        context.close()


@pytest.mark.parametrize("width", [992, 1366])
def test_the_unfolded_menu_of_someone_with_every_role_fits(world, browsers, width):
    page = browsers(world["everyone"], width=width)
    page.goto("/desk/editor")
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("button", name="Menu")).to_be_hidden()
    for name in ("My articles", "New article", "My reviews", "Editor dashboard",
                 "All articles", "Users", "Audit log"):
        expect(navigation.get_by_role("link", name=name, exact=True)).to_be_visible()
    navigation.get_by_role("button", name="Log out").click(trial=True)
    assert_fits(page)


def test_without_scripts_the_menu_stays_open_on_a_phone(world, browser, live_server):
    context = browser.new_context(base_url=live_server, viewport=PHONE,
                                  java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Email", exact=True).fill(world["editor"].email)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        navigation = page.get_by_role("navigation", name="Main")
        expect(navigation.get_by_role("button", name="Log out")).to_be_visible()
        expect(navigation.get_by_role("link", name="Editor dashboard")).to_be_visible()
        expect(navigation.get_by_role("button", name="Menu")).to_be_hidden()
        assert_fits(page)
    finally:
        context.close()


# A value of one word ("under_review", "Under", "Approved") on a single line box:
# words in the audit log and the desk's history are never broken inside (only a
# token longer than 24 characters, a hash or an address, may break to fit).
BROKEN_WORDS = """() => [...document.querySelectorAll(
    '.audit-before, .audit-after, .audit-fact, .audit-field')]
  .filter(e => !/\\s/.test(e.textContent.trim()) && e.textContent.trim().length <= 24
               && e.getClientRects().length > 1)
  .map(e => e.textContent.trim())"""


@pytest.mark.parametrize("size", [PHONE, {"width": 1366, "height": 900}],
                         ids=["phone", "laptop"])
@pytest.mark.parametrize(("endpoint", "role", "args"), [
    ("audit.index", "admin", {}),
    ("articles.show", "editor", {"article_id": "approved"}),
])
def test_audit_values_keep_their_words_whole(app, world, browsers, size, endpoint, role,
                                              args):
    page = browsers(world[role], **size)
    assert page.goto(url_of(app, world, endpoint, args)).status == 200
    page.wait_for_load_state("load")
    assert page.locator(".audit-before").count() > 0
    assert page.evaluate(BROKEN_WORDS) == []
    assert_fits(page)
