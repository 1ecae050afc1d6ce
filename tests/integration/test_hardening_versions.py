"""Hardening 2, item 5: every form that changes an article carries the version
it was made from; a POST without it is 400 and changes nothing (it used to
withdraw an assignment when posted with only the CSRF token)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reviewapp.articles.models import Article
from reviewapp.audit.models import AuditEvent
from reviewapp.db import utcnow
from reviewapp.forms import MISSING_VERSION
from reviewapp.reviews.models import Assignment
from tests.integration.test_workflow import Desk


@pytest.fixture
def desk(app, make_user, make_article):
    return Desk(app, make_user, make_article)


def _snapshot(app, article_id):
    """What a refused form must leave as it was: the article, its assignments
    and the audit log."""
    from reviewapp.extensions import db

    with app.app_context():
        article = db.session.get(Article, article_id)
        assignments = sorted(db.session.execute(
            select(Assignment.id, Assignment.state).where(Assignment.article_id == article_id)
        ).all())
        events = db.session.scalar(select(func.count()).select_from(AuditEvent))
        return (article.state, article.version, article.current_revision.title,
                assignments, events)


def _refused_without_version(desk, user, path, data=None):
    desk.client(user)  # logged in before the snapshot
    before = _snapshot(desk.app, desk.article_id)
    response = desk.post(user, path, data, version=False)
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page
    assert MISSING_VERSION in page
    assert _snapshot(desk.app, desk.article_id) == before
    return page


def test_unassign_without_version_is_400_and_keeps_the_assignment(desk):
    assert desk.submit().status_code == 302
    assert desk.assign(desk.reviewers[0]).status_code == 302
    n = desk.assignment_id(desk.reviewers[0])
    _refused_without_version(desk, desk.editor, f"/desk/assignments/{n}/unassign")
    # With its version the same form works: the refusal was the missing version.
    assert desk.post(desk.editor, f"/desk/assignments/{n}/unassign").status_code == 302
    assert _snapshot(desk.app, desk.article_id)[3] == [(n, "withdrawn")]


def test_edit_without_version_is_400_keeps_the_typed_text_and_saves_nothing(desk):
    page = _refused_without_version(desk, desk.author, "/desk/articles/{a}/edit", {
        "title": "A title typed with care", "body": "Ibuprofen helps [1].",
        "references": "1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1",
        "tags": "", "save": "Save draft"})
    assert "A title typed with care" in page


@pytest.mark.parametrize("path, data, arrange", [
    ("/desk/articles/{a}/submit", {}, "draft"),
    ("/desk/articles/{a}/withdraw", {}, "draft"),
    ("/desk/articles/{a}/reject", {"reason": "Out of scope."}, "submitted"),
    ("/desk/articles/{a}/assign", {"reviewer": "R", "due_date": "DUE"}, "submitted"),
    ("/desk/articles/{a}/request-changes", {"comments": "Cite it."}, "accepted"),
])
def test_every_article_form_without_version_is_400(desk, path, data, arrange):
    if arrange != "draft":
        assert desk.submit().status_code == 302
    if arrange == "accepted":
        assert desk.assign(desk.reviewers[0]).status_code == 302
        assert desk.accept(desk.reviewers[0]).status_code == 302
    user = {"/desk/articles/{a}/submit": desk.author, "/desk/articles/{a}/withdraw": desk.author,
            "/desk/articles/{a}/request-changes": desk.reviewers[0]}.get(path, desk.editor)
    due = (utcnow() + timedelta(days=7)).date().isoformat()
    data = {k: {"R": str(desk.reviewers[1].id), "DUE": due}.get(v, v) for k, v in data.items()}
    _refused_without_version(desk, user, path, data)
