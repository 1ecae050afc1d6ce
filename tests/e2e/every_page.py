"""Every page of the app, shared by the browser tests that open them all (issue
16: phone width, accessibility): the desk pages, each as the role that uses it,
on a world with an article in every state; the pages seen before logging in;
and the GET routes that answer with no page. A test module makes its `world`
fixture with `build_world`; `url_of` and `arrive` open a page of the lists."""

import re
from datetime import timedelta

import pyotp
from flask import url_for
from playwright.sync_api import Page, expect
from sqlalchemy import select

from reviewapp.db import utcnow
from tests.conftest import PASSWORD
from tests.e2e.conftest import flash
from tests.reader_audiences import PATIENT, add_versions
from tests.review_steps import sign_directly

# The pages of people logged in: (endpoint, role, URL arguments from the world),
# each on the article that fills it most. The article page is seen three ways.
DESK_PAGES = [
    ("main.home", "editor", {}),  # the editor's start: the dashboard
    ("accounts.change_password", "author", {}),
    ("accounts.profile", "reviewer", {}),
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
    ("questions.inbox", "editor", {}),  # reader questions (issue 17)
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
    ("public.board", "author", {}),
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
    # The reader who chose an audience: the question, its version, key points.
    "public.article": {"slug": "approved_slug", "for": "patient"},
    "public.editorial_policy": {},
    "public.board": {},
}

# GET routes that answer with no page for a person to look at.
NOT_PAGES = {
    "audit.export_events": "a CSV or JSON Lines download of the audit log",
    "api.articles": "JSON for programs (the read API)",
    "api.article": "JSON for programs (the read API)",
    "api.openapi": "the read API's OpenAPI description (JSON)",
    "metrics.scrape": "Prometheus metrics (text) for the monitoring server",
    "ops.healthz": "a health check (text) for load balancers",
    "transparency.keys": "the site's public keys (a JWK set) for programs that verify",
    "transparency.heads": "the signed audit-chain heads (JSON) for programs that verify",
    "provenance.manifest": "a page's signed provenance (JSON) for programs that verify",
    "evidence.download": "an article's evidence bag for assessors (a ZIP download)",
    "static": "stylesheets, scripts and images",
}

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


def build_world(app, make_user, make_article) -> dict:
    """An article in every state, set up through the services: a draft, one
    submitted, one under review (a comment, one reviewer invited), one waiting
    on the editor's decision, one sent back with a decision letter, one approved
    with a reader's report on it and a version for patients."""
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

        add_versions(db.session, ids["approved"], {"patient": PATIENT})
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
        # Reader questions (issue 17): one open, one dismissed.
        from reviewapp.questions import services as questions

        questions.ask_question(slug, "Is acetaminophen safe with a glass of wine at dinner, "
                               "every evening?", AUTHOR_EMAIL, True, "127.0.0.1")
        dismissed = questions.ask_question(slug, "What is the best dose for my dog?", None,
                                           False, "127.0.0.2")
        questions.dismiss_question(dismissed.id, user("editor"), "Not about human medicine.")
        db.session.commit()
        assert db.session.get(Article, ids["approved"]).state == "approved"
        signature_event = db.session.scalar(select(AuditEvent.seq).where(
            AuditEvent.action == "review.approved").order_by(AuditEvent.seq.desc()))
    return {**people, **ids, "invitation": invitation, "approved_slug": slug,
            "author_id": people["author"].id, "signature_event": signature_event}


def url_of(app, world, endpoint: str, args: dict) -> str:
    with app.test_request_context():
        return url_for(endpoint, **{name: world.get(key, key) for name, key in args.items()})


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
