"""Hardening 10 and 11: object-level access and role escalation, walked over
the app's URL map so that a route added later without a case fails the test.

Every case is tried with CSRF on (the client sends the page's token) and a
form full of plausible fields, so a refusal is the access rule and not a
missing field."""

from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import func, select

from reviewapp.articles.models import Article, Revision
from reviewapp.audit.models import AuditEvent
from reviewapp.db import utcnow
from reviewapp.extensions import db
from reviewapp.reviews import comments
from reviewapp.reviews.models import Assignment, CommentMessage, ReviewComment, Signature
from reviewapp.workflow import review_commands
from reviewapp.workflow import services as workflow
from tests.conftest import PASSWORD

# endpoint -> [(intruder, methods)]; None: the route takes no object and is
# covered elsewhere (role checks below, public pages, static files).
# Intruders: "other_author" (an author who does not own the article),
# "other_reviewer" (a reviewer not assigned to it), "anonymous".
ROUTES = {
    "main.home": None,
    "accounts.change_password": None,
    "accounts.login": None,
    "accounts.logout": None,
    # Two-factor sign-in: the user's own account, or the step after the password.
    "two_factor.login_code": None,
    "two_factor.login_recovery_code": None,
    "two_factor.setup_at_login": None,
    "two_factor.account": None,
    "two_factor.regenerate_recovery_codes": None,
    "two_factor.disable": None,
    "recovery.forgot_password": None,
    # A link that is not valid changes nothing, whoever follows it.
    "recovery.reset_password": [("anonymous", "GET POST"), ("other_author", "GET POST")],
    "audit.index": None,
    "admin.users": None,
    "admin.create_user": None,
    "api.articles": None,
    "api.openapi": None,
    "public.index": None,
    "public.editorial_policy": None,
    "public.board": None,
    "accounts.profile": None,  # the user's own profile, no object
    "public.edit_policy": None,
    "articles.mine": None,
    "articles.all_articles": None,
    "articles.import_jats": None,
    "articles.new": None,
    "workflow.editor_dashboard": None,
    "reviews.queue": None,
    "static": None,
    "ops.healthz": None,  # no user, no object: test_ops
    "metrics.scrape": None,  # by address, not by user: test_ops
    "transparency.keys": None,  # public, for anyone: test_transparency_log
    "transparency.heads": None,
    # Like public.article: a draft has no page and no provenance (test_provenance).
    "provenance.manifest": [("anonymous", "GET"), ("other_author", "GET")],
    "audit.export_events": [("other_author", "GET"), ("other_reviewer", "GET")],
    "audit.event": [("other_author", "GET"), ("other_reviewer", "GET")],
    "admin.user": [("other_author", "GET POST"), ("other_reviewer", "GET POST")],
    "admin.set_active": [("other_author", "POST"), ("other_reviewer", "POST")],
    "api.article": [("anonymous", "GET"), ("other_author", "GET")],
    "public.article": [("anonymous", "GET"), ("other_author", "GET")],
    "public.report": [("anonymous", "POST")],
    "articles.show": [("other_author", "GET"), ("other_reviewer", "GET")],
    "articles.edit": [("other_author", "GET POST"), ("other_reviewer", "GET POST")],
    "reviews.approve": [("other_reviewer", "POST"), ("other_author", "POST")],
    "reviews.request_changes": [("other_reviewer", "POST"), ("other_author", "POST")],
    "reviews.review": [("other_reviewer", "GET"), ("other_author", "GET")],
    "claims.save_verdicts": [("other_reviewer", "POST"), ("other_author", "POST")],
    "claims.save_support": [("other_author", "POST"), ("other_reviewer", "POST")],
    "workflow.assign": [("other_author", "POST"), ("other_reviewer", "POST")],
    "workflow.reject": [("other_author", "POST"), ("other_reviewer", "POST")],
    "workflow.reopen_article": [("other_author", "POST"), ("other_reviewer", "POST")],
    "workflow.start_rereview": [("other_author", "POST"), ("other_reviewer", "POST")],
    "workflow.resubmit_article": [("other_author", "POST"), ("other_reviewer", "POST")],
    "workflow.revise_article": [("other_author", "POST"), ("other_reviewer", "POST")],
    "workflow.submit_article": [("other_author", "POST"), ("other_reviewer", "POST")],
    "workflow.withdraw_article": [("other_author", "POST"), ("other_reviewer", "POST")],
    "workflow.waive": [("other_author", "POST"), ("other_reviewer", "POST")],
    "reviews.invitation": [("other_reviewer", "GET"), ("other_author", "GET")],
    "reviews.accept": [("other_reviewer", "POST"), ("other_author", "POST")],
    "reviews.decline": [("other_reviewer", "POST"), ("other_author", "POST")],
    "workflow.unassign": [("other_reviewer", "POST"), ("other_author", "POST")],
    "workflow.resolve_report": [("other_author", "POST"), ("other_reviewer", "POST")],
    # Reader questions (issue 17): asked under a public article; the editors' inbox.
    "questions.ask": [("anonymous", "POST")],
    "questions.inbox": None,
    "questions.answer": [("other_author", "POST"), ("other_reviewer", "POST")],
    "questions.dismiss": [("other_author", "POST"), ("other_reviewer", "POST")],
    "questions.commission": [("other_author", "POST"), ("other_reviewer", "POST")],
    # Review rounds (issue 14): the editor's decision page and its two forms.
    "workflow.decision": [("other_author", "GET"), ("other_reviewer", "GET")],
    "workflow.decide_changes": [("other_author", "POST"), ("other_reviewer", "POST")],
    "workflow.decide_reject": [("other_author", "POST"), ("other_reviewer", "POST")],
    # Scheduled publishing (issue 17): editors' and admins' "Publish at" forms.
    "scheduling.set_publish_at": [("other_author", "POST"), ("other_reviewer", "POST")],
    "scheduling.clear_publish_at": [("other_author", "POST"), ("other_reviewer", "POST")],
    "comments.add": [("other_reviewer", "POST"), ("other_author", "POST")],
    "comments.reply": [("other_author", "POST"), ("other_reviewer", "POST")],
    "comments.addressed": [("other_author", "POST"), ("other_reviewer", "POST")],
    "comments.resolve": [("other_author", "POST"), ("other_reviewer", "POST")],
    "comments.resubmit": [("other_author", "POST"), ("other_reviewer", "POST")],
    # The assessor's evidence bag (issue 18): a ZIP for editors and admins only.
    "evidence.download": [("other_author", "GET"), ("other_reviewer", "GET")],
}

# Editor and admin actions without an object: authors and reviewers get 403 (item 11).
ROLE_ONLY = {
    "audit.index": "GET", "audit.export_events": "GET", "admin.users": "GET",
    "admin.create_user": "GET POST", "public.edit_policy": "GET POST",
    "articles.all_articles": "GET", "workflow.editor_dashboard": "GET",
    "questions.inbox": "GET",
}


def test_every_route_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = endpoints - set(ROUTES)
    assert not missing, f"routes without an access case: {sorted(missing)}"
    assert not set(ROUTES) - endpoints, "the table names routes that no longer exist"
    for rule in app.url_map.iter_rules():
        if rule.arguments and rule.endpoint != "static":
            assert ROUTES[rule.endpoint], f"{rule.rule} takes an object but has no case"


@pytest.fixture
def world(app, make_user, make_article):
    owner = make_user(roles=["author"], name="Owner Author")
    other_author = make_user(roles=["author"], name="Other Author")
    editor = make_user(roles=["editor"], name="Eddie Editor")
    assigned = make_user(roles=["reviewer"], name="Assigned Reviewer")
    other_reviewer = make_user(roles=["reviewer"], name="Other Reviewer")
    admin = make_user(roles=["admin"], name="Ada Admin")
    article_id = make_article(owner)
    with app.app_context():
        workflow.submit_article(article_id, db.session.merge(owner), None)
        assignment = review_commands.assign_reviewer(article_id, db.session.merge(editor), None,
                                             assigned.id, utcnow() + timedelta(days=7))
        review_commands.accept_assignment(assignment.id, db.session.merge(assigned), "none")
        comment = comments.add_comment(article_id, db.session.merge(assigned),
                                       db.session.get(Article, article_id).current_revision_id,
                                       "A comment on the first paragraph.", False,
                                       comments.Passage(paragraph=0))
        db.session.commit()
        article = db.session.get(Article, article_id)
        revision = db.session.get(Revision, article.current_revision_id)
        values = {"article_id": article_id, "assignment_id": assignment.id,
                  "comment_id": comment.id,
                  "user_id": admin.id, "seq": 1, "n": 0, "slug": article.slug,
                  "report_id": 1, "question_id": 1, "fmt": "csv", "token": "garbled.link.token",
                  "claim_key": "0123456789abcdef-0"}
        data = {"version": str(article.version), "content_hash": revision.content_hash,
                "password": PASSWORD}
    return {"users": {"other_author": other_author, "other_reviewer": other_reviewer},
            "values": values, "data": data, "article_id": article_id,
            "assignment_id": assignment.id}


def _form(world, values):
    n, a = values["n"], values["assignment_id"]
    return {**world["data"], "title": "Hijacked", "body": "x", "references": "",
            "comments": "Hijack", "reason": "Hijack", "resolution": "Hijack",
            "letter": "Hijack",
            "message": "Hijack", "reviewer": "1", "due_date": "2030-01-01",
            f"a{a}-declaration": "none", f"a{a}-reason": "Hijack",
            f"w{n}-reason": "Hijack", f"w{n}-finding_key": "x", "roles": "admin",
            "active": "0", "display_name": "Hijack", "email": "hijack@example.org",
            "new_password": "a hijacked password", "confirm": "a hijacked password"}


def _snapshot(app):
    with app.app_context():
        article_rows = db.session.execute(select(Article.id, Article.state, Article.version)
                                          ).all()
        assignments = db.session.execute(select(Assignment.id, Assignment.state)).all()
        signatures = db.session.scalar(select(func.count()).select_from(Signature))
        comment_rows = db.session.execute(select(ReviewComment.id, ReviewComment.state,
                                                 ReviewComment.version)).all()
        messages = db.session.scalar(select(func.count()).select_from(CommentMessage))
        other_events = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action.notin_(["access.denied", "auth.login"])))
        return (sorted(article_rows), sorted(assignments), signatures, other_events,
                sorted(comment_rows), messages)


def _denials(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "access.denied"))


def _clients(app, world):
    clients = {"anonymous": app.test_client()}
    for key, user in world["users"].items():
        client = app.test_client()
        assert client.post("/login", data={"email": user.email,
                                           "password": PASSWORD}).status_code == 302
        clients[key] = client
    return clients


def _check(app, client, signed_in, method, url, data):
    before = _denials(app)
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data=data)
    assert response.status_code in (403, 404), (method, url, response.status_code)
    if signed_in and response.status_code == 403:
        assert _denials(app) == before + 1, (method, url, "no access.denied event")
    return response


def test_no_user_reaches_an_object_they_may_not_see(app, world):
    clients = _clients(app, world)
    with app.test_request_context():
        urls = {}
        for rule in app.url_map.iter_rules():
            if ROUTES.get(rule.endpoint):
                urls[rule.endpoint] = url_for(rule.endpoint, **{
                    k: world["values"][k] for k in rule.arguments})
    before = _snapshot(app)
    tried = 0
    for endpoint, cases in ROUTES.items():
        for intruder, methods in cases or ():
            for method in methods.split():
                _check(app, clients[intruder], intruder != "anonymous", method,
                       urls[endpoint], _form(world, world["values"]))
                tried += 1
    assert tried >= 50
    assert _snapshot(app) == before, "a refused request changed something"


def test_authors_and_reviewers_cannot_use_editor_and_admin_actions(app, world):
    """Item 11: role escalation on routes without an object."""
    clients = _clients(app, world)
    before = _snapshot(app)
    with app.test_request_context():
        urls = {endpoint: url_for(endpoint, fmt="csv") if endpoint == "audit.export_events"
                else url_for(endpoint) for endpoint in ROLE_ONLY}
    for intruder in ("other_author", "other_reviewer"):
        for endpoint, methods in ROLE_ONLY.items():
            for method in methods.split():
                response = _check(app, clients[intruder], True, method, urls[endpoint],
                                  {**_form(world, world["values"]), "body": "Hijacked policy",
                                   "roles": "admin", "password": PASSWORD * 2})
                assert response.status_code == 403
    assert _snapshot(app) == before


def test_author_only_pages_refuse_a_reviewer_and_editor_actions_refuse_an_author(app, world):
    clients = _clients(app, world)
    for url in ("/desk/articles/new", "/desk/articles/import", "/desk/articles/"):
        _check(app, clients["other_reviewer"], True, "GET", url, {})
    _check(app, clients["other_author"], True, "GET", "/desk/reviews", {})
