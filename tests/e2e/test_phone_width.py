"""Every page on a phone (issue 16), in Chromium at 390×844. Each desk page,
opened as the role that uses it on a world with an article in every state, is
no wider than the screen (`scrollWidth <= innerWidth`); its menu is folded,
opens with the "Menu" button, and "Log out" in it can be clicked. Preview on
the edit page and the review page's signature work at that width; without
scripts the menu stays open. The pages seen before logging in (sign-in steps,
reader pages) fit too, with their bar unfolded. Every GET route of the app is
either opened here or named in NOT_PAGES with the reason, so that a new page
fails the first test until it is added."""

import re
from datetime import timedelta

import pyotp
import pytest
from flask import url_for
from playwright.sync_api import Page, expect
from sqlalchemy import select

from reviewapp.db import utcnow
from tests.conftest import PASSWORD
from tests.e2e.conftest import (
    approve_form,
    flash,
    give_verdicts,
    open_menu,
    watch_problems,
)
from tests.review_steps import sign_directly

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# The pages of people logged in: (endpoint, role, URL arguments from the world),
# each on the article that fills it most. The article page is seen three ways.
DESK_PAGES = [
    ("main.home", "editor", {}),  # the editor's start: the dashboard
    ("accounts.change_password", "author", {}),
    ("two_factor.account", "author", {}),
    ("articles.mine", "author", {}),
    ("articles.new", "author", {}),
    ("articles.import_jats", "author", {}),
    ("articles.edit", "author", {"article_id": "changes_requested"}),
    ("articles.show", "editor", {"article_id": "under_review"}),
    ("articles.show", "author", {"article_id": "changes_requested"}),
    ("articles.show", "admin", {"article_id": "approved"}),
    ("articles.all_articles", "editor", {}),
    ("workflow.editor_dashboard", "editor", {}),
    ("workflow.decision", "editor", {"article_id": "decision_needed"}),
    ("reviews.queue", "second_reviewer", {}),
    ("reviews.invitation", "second_reviewer", {"assignment_id": "invitation"}),
    ("reviews.review", "reviewer", {"article_id": "under_review"}),
    ("admin.users", "admin", {}),
    ("admin.user", "admin", {"user_id": "author_id"}),
    ("admin.create_user", "admin", {}),
    ("audit.index", "admin", {}),
    ("audit.event", "admin", {"seq": "signature_event"}),
    ("public.edit_policy", "admin", {}),
    # Reader pages seen logged in, under the desk's menu.
    ("public.index", "author", {}),
    ("public.article", "author", {"slug": "approved_slug"}),
    ("public.editorial_policy", "author", {}),
]

# Pages seen before logging in, under the reader's bar.
SIGN_IN_AND_PUBLIC = {
    "accounts.login": {},
    "recovery.forgot_password": {},
    "recovery.reset_password": {},  # by the link mailed from "Forgot your password?"
    "two_factor.setup_at_login": {},
    "two_factor.login_code": {},
    "two_factor.login_recovery_code": {},
    "public.index": {},
    "public.article": {"slug": "approved_slug"},
    "public.editorial_policy": {},
}

# GET routes that answer with no page for a person to look at.
NOT_PAGES = {
    "audit.export_events": "a CSV or JSON Lines download of the audit log",
    "api.articles": "JSON for programs (the read API)",
    "api.article": "JSON for programs (the read API)",
    "api.openapi": "the read API's OpenAPI description (JSON)",
    "metrics.scrape": "Prometheus metrics (text) for the monitoring server",
    "ops.healthz": "a health check (text) for load balancers",
    "static": "stylesheets, scripts and images",
}

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

TITLE = "Paracetamol in adults with chronic liver disease"
# Long unbroken words a phone must wrap: a DOI, a URL, an email address.
LONG_TITLE = "Codeine in breastfeeding (doi:10.1016/S0140-6736(06)69255-6)"
BODY = ("Paracetamol is a first-line analgesic in chronic liver disease [1].\n\n"
        "Adults with cirrhosis should take no more than 2 g a day [1,2]. The guideline: "
        "https://www.nice.org.uk/guidance/ng193/chapter/Recommendations-chronic-primary-pain\n")
REFERENCES = "\n".join([
    "1. Doe J. Paracetamol in liver disease. BMJ. 2020. doi:10.1136/bmj.m1",
    "2. Roe R. Analgesia in cirrhosis. Lancet. 2021. "
    "https://www.thelancet.com/journals/lancet/article/PIIS0140-6736(21)00001-1/fulltext",
])
AUTHOR_EMAIL = "alexandra.featherstonehaugh-konstantinopoulou@hepatology.example.org"


@pytest.fixture
def world(app, make_user, make_article):
    """An article in every state, set up through the services: a draft, one
    submitted, one under review (a comment, one reviewer invited), one waiting
    on the editor's decision, one sent back with a decision letter, one approved
    with a reader's report on it."""
    from reviewapp.accounts.models import User
    from reviewapp.articles.models import Article
    from reviewapp.audit.models import AuditEvent
    from reviewapp.extensions import db
    from reviewapp.reports.services import create_reader_report
    from reviewapp.reviews import comments
    from reviewapp.workflow import review_commands
    from reviewapp.workflow import services as workflow

    people = {
        "author": make_user(roles=["author"], email=AUTHOR_EMAIL,
                            name="Dr Alexandra Featherstonehaugh-Konstantinopoulou"),
        "editor": make_user(roles=["editor"], name="Eddie Editor"),
        "reviewer": make_user(roles=["reviewer"], name="Dr. Rita Reviewer"),
        "second_reviewer": make_user(roles=["reviewer"], name="Dr. Sam Second"),
        "admin": make_user(roles=["admin"], name="Ada Admin"),
        "everyone": make_user(roles=["author", "reviewer", "editor", "admin"],
                              name="Dr Evelyn Everything"),
    }
    ids = {state: make_article(people["author"], title=title, body=BODY,
                               references=REFERENCES)
           for state, title in [("draft", "Ibuprofen for acute low back pain"),
                                ("submitted", "Naproxen for gout flares"),
                                ("under_review", TITLE),
                                ("decision_needed", LONG_TITLE),
                                ("changes_requested", "Tramadol in older adults"),
                                ("approved", "Acetaminophen for fever in adults")]}
    with app.app_context():
        def user(role):
            return db.session.get(User, people[role].id)

        def accepted(article_id, role):
            assignment = review_commands.assign_reviewer(
                article_id, user("editor"), None, people[role].id,
                utcnow() + timedelta(days=10))
            review_commands.accept_assignment(assignment.id, user(role), "none")

        for state in ("submitted", "under_review", "decision_needed", "changes_requested",
                      "approved"):
            workflow.submit_article(ids[state], user("author"), None)
        for state in ("under_review", "decision_needed", "changes_requested", "approved"):
            accepted(ids[state], "reviewer")
        for state in ("decision_needed", "changes_requested", "approved"):
            accepted(ids[state], "second_reviewer")
        invitation = review_commands.assign_reviewer(
            ids["under_review"], user("editor"), None, people["second_reviewer"].id,
            utcnow() + timedelta(days=10)).id
        for state in ("under_review", "changes_requested"):
            revision_id = db.session.get(Article, ids[state]).current_revision_id
            comments.add_comment(ids[state], user("reviewer"), revision_id,
                                 "Please give the dose for Child-Pugh class C: "
                                 "https://www.ncbi.nlm.nih.gov/books/NBK548162/#article-26-s6",
                                 False, comments.Passage(paragraph=1))
        for state in ("decision_needed", "changes_requested"):
            review_commands.request_changes(ids[state], user("reviewer"), None,
                                            "The maximum daily dose needs a source.")
        workflow.decide_changes(ids["changes_requested"], user("editor"), None,
                                "Please source the maximum daily dose.")
        for role in ("reviewer", "second_reviewer"):
            assert sign_directly(ids["approved"], user(role), PASSWORD)
        slug = db.session.get(Article, ids["approved"]).slug
        create_reader_report(slug, "The dose in the second paragraph seems high for "
                             "people who drink alcohol.", "reader@example.org", "127.0.0.1")
        db.session.commit()
        assert db.session.get(Article, ids["approved"]).state == "approved"
        signature_event = db.session.scalar(select(AuditEvent.seq).where(
            AuditEvent.action == "review.approved").order_by(AuditEvent.seq.desc()))
    return {**people, **ids, "invitation": invitation, "approved_slug": slug,
            "author_id": people["author"].id, "signature_event": signature_event}


def url_of(app, world, endpoint: str, args: dict) -> str:
    with app.test_request_context():
        return url_for(endpoint, **{name: world.get(key, key) for name, key in args.items()})


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


def arrive(page: Page, app, world, endpoint: str) -> None:
    """Open a page seen before logging in; the sign-in steps after a password."""
    from reviewapp.accounts import two_factor
    from reviewapp.accounts.models import User
    from reviewapp.extensions import db
    from reviewapp.mail.models import OutboxMessage

    author = world["author"]
    if endpoint == "two_factor.setup_at_login":
        app.config["REQUIRE_TWO_FACTOR_FOR"] = ["author"]
    elif endpoint.startswith("two_factor.login"):
        with app.app_context():
            secret = pyotp.random_base32()
            assert two_factor.enable(db.session.get(User, author.id), secret,
                                     pyotp.TOTP(secret).now())
            db.session.commit()
    if endpoint == "recovery.reset_password":
        page.goto("/password/forgot")
        page.get_by_label("Email", exact=True).fill(author.email)
        page.get_by_role("button", name="Send me a link").click()
        expect(flash(page)).to_be_visible()
        with app.app_context():
            mail = db.session.scalars(select(OutboxMessage.body).where(
                OutboxMessage.body.contains("/password/reset/"))).one()
        page.goto(re.search(r"/password/reset/\S+", mail)[0])
        expect(page.get_by_label("New password", exact=True)).to_be_visible()
        return
    url = url_of(app, world, endpoint, SIGN_IN_AND_PUBLIC[endpoint])
    if endpoint.startswith("two_factor."):
        page.goto("/login")
        page.get_by_label("Email", exact=True).fill(author.email)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        if endpoint == "two_factor.login_recovery_code":
            page.get_by_role("link", name="Use a recovery code").click()
        expect(page).to_have_url(re.compile(re.escape(url) + "$"))
    else:
        assert page.goto(url).status == 200, endpoint


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
