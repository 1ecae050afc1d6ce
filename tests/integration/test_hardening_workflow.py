"""Hardening 13-15: mass assignment, out-of-order events and replayed approvals,
through the web with CSRF on."""

import re

import pytest
from sqlalchemy import func, select

from reviewapp.articles.models import Article
from reviewapp.reviews.models import Signature
from tests.conftest import PASSWORD, audit_actions
from tests.integration.test_workflow import Desk


@pytest.fixture
def desk(app, make_user, make_article):
    return Desk(app, make_user, make_article)


def _signatures(app):
    from reviewapp.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Signature))


def test_extra_fields_on_a_new_draft_are_ignored(client, make_user, login_as, rows):
    author = make_user(roles=["author"])
    victim = make_user(roles=["author"])
    login_as(author)
    response = client.post("/desk/articles/new", data={
        "title": "Mass assignment", "body": "Text.", "references": "", "tags": "",
        "save": "Save draft", "state": "approved", "author_id": str(victim.id),
        "slug": "taken-over", "approved_revision_id": "1", "version": "99", "id": "777"})
    assert response.status_code == 302
    with rows() as session:
        article = session.scalars(select(Article)).one()
        assert article.state == "draft"
        assert article.author_id == author.id
        assert article.id != 777 and article.slug != "taken-over"
        assert article.approved_revision_id is None


def test_extra_fields_on_edit_and_submit_are_ignored(desk, rows):
    desk.post(desk.author, f"/desk/articles/{desk.article_id}/edit",
              {"title": "Edited", "body": "Ibuprofen helps [1].",
               "references": "1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1",
               "save": "Save draft", "state": "approved",
               "author_id": str(desk.editor.id)})
    assert desk.post(desk.author, "/desk/articles/{a}/submit",
                     {"state": "approved", "author_id": str(desk.editor.id)}
                     ).status_code == 302
    with rows() as session:
        article = session.get(Article, desk.article_id)
        assert article.state == "submitted"
        assert article.author_id == desk.author.id


def test_submit_twice_is_409_naming_the_state_and_records_one_event(desk, app):
    assert desk.submit().status_code == 302
    before = audit_actions(app)
    response = desk.submit()
    assert response.status_code == 409
    assert "Submitted" in response.get_data(as_text=True)
    assert audit_actions(app) == before
    assert before.count("article.submitted") == 1


def test_approve_while_changes_requested_is_409_naming_the_state(desk, app):
    desk.under_review()
    content_hash = desk.content_hash(desk.reviewers[1])
    desk.send_back(desk.reviewers[0])  # a request, and the editor's decision (issue 14)
    before = audit_actions(app)
    response = desk.client(desk.reviewers[1]).post(
        f"/desk/articles/{desk.article_id}/approve",
        data={"password": PASSWORD, "content_hash": content_hash})
    assert response.status_code == 409
    assert "Changes Requested" in response.get_data(as_text=True)
    assert audit_actions(app) == before
    assert _signatures(app) == 0


def test_approve_while_submitted_is_refused(desk, app):
    assert desk.submit().status_code == 302
    client = desk.client(desk.reviewers[0])
    response = client.post(f"/desk/articles/{desk.article_id}/approve",
                           data={"password": PASSWORD, "content_hash": "0" * 64})
    assert response.status_code in (403, 409)
    assert _signatures(app) == 0
    assert desk.state() == "submitted"


def test_approve_twice_is_409_with_one_signature_and_one_event(desk, app):
    desk.under_review()
    reviewer = desk.reviewers[0]
    content_hash = desk.content_hash(reviewer)
    client = desk.client(reviewer)
    data = {"password": PASSWORD, "content_hash": content_hash}
    assert client.post(f"/desk/articles/{desk.article_id}/approve", data=data
                       ).status_code == 302
    before = audit_actions(app)
    response = client.post(f"/desk/articles/{desk.article_id}/approve", data=data)
    assert response.status_code == 409
    assert "already approved" in response.get_data(as_text=True)
    assert audit_actions(app) == before
    assert _signatures(app) == 1
    assert desk.state() == "under_review"


def test_replayed_approve_after_the_article_changed_is_refused(desk, app, rows):
    desk.under_review()
    reviewer = desk.reviewers[0]
    client = desk.client(reviewer)
    page = client.get(f"/desk/articles/{desk.article_id}/review").get_data(as_text=True)
    captured = {
        "password": PASSWORD,
        "content_hash": re.search(r'name="content_hash" type="hidden" value="([0-9a-f]{64})"',
                                  page).group(1),
        "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                                page).group(1)}
    # The article changes: changes requested, the author edits and resubmits.
    desk.send_back(desk.reviewers[1])
    assert desk.post(desk.author, "/desk/articles/{a}/edit", {
        "title": "Ibuprofen for back pain, revised", "body": "Ibuprofen helps a little [1].",
        "references": "1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1",
        "save": "Save draft"}).status_code == 302
    assert desk.post(desk.author, "/desk/articles/{a}/resubmit").status_code == 302
    before = audit_actions(app)
    response = client.post(f"/desk/articles/{desk.article_id}/approve", data=captured)
    assert response.status_code == 409
    assert _signatures(app) == 0
    assert audit_actions(app) == before
    assert desk.state() == "under_review"
