"""A reviewer's open reviews stored on the user (user.open_reviews, issue 19), on
SQLite and PostgreSQL: every command that moves an assignment in or out of
"invited"/"accepted" leaves the stored count equal to the rows, in the same
transaction (a refused command leaves both as they were); the reviewer
suggestions show it; migration 0018 fills it for data written before it."""

from datetime import timedelta

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from reviewapp.accounts.models import User
from reviewapp.db import utcnow
from reviewapp.reviews.models import ACCEPTED, INVITED, Assignment
from tests.integration.test_migration_rounds import T0, Before
from tests.integration.test_migrations import (  # noqa: F401  (a fixture)
    app_on,
    empty_database_url,
    schema_differences,
)
from tests.integration.test_workflow import Desk

EDITED = {"title": "Ibuprofen for back pain", "body": "Ibuprofen 400 mg helps [1].",
          "references": "1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1",
          "save": "Save draft"}


def stored_and_counted(rows, user) -> tuple[int, int]:
    """(what user.open_reviews holds in the database, the open assignments its rows hold)."""
    with rows() as session:
        stored = session.scalar(select(User.open_reviews).where(User.id == user.id))
        counted = session.scalar(select(func.count()).select_from(Assignment).where(
            Assignment.reviewer_id == user.id, Assignment.state.in_((INVITED, ACCEPTED))))
        return stored, counted


def open_reviews(rows, user) -> int:
    stored, counted = stored_and_counted(rows, user)
    assert stored == counted, f"stored {stored}, rows say {counted}"
    return stored


def second_article(desk, make_article):
    """Another article of the same author, submitted, for the same reviewers."""
    other = Desk.__new__(Desk)
    other.__dict__.update(desk.__dict__)
    other.article_id = make_article(desk.author, title="Paracetamol for headache",
                                    tags=["pain medicine"])
    assert other.submit().status_code == 302
    return other


def test_assign_accept_decline_and_invite_again(app, make_user, make_article, rows):
    desk = Desk(app, make_user, make_article)
    first, second = desk.reviewers
    assert (open_reviews(rows, first), open_reviews(rows, second)) == (0, 0)
    assert desk.submit().status_code == 302
    assert desk.assign(first).status_code == 302           # invited: open
    assert open_reviews(rows, first) == 1
    other = second_article(desk, make_article)
    assert other.assign(first).status_code == 302
    assert open_reviews(rows, first) == 2
    assert desk.accept(first).status_code == 302           # accepted: still open
    assert open_reviews(rows, first) == 2
    assert other.post(first, f"/desk/assignments/{other.assignment_id(first)}/decline",
                      {f"a{other.assignment_id(first)}-reason": "On leave"},
                      version=False).status_code == 302    # declined: no longer open
    assert open_reviews(rows, first) == 1
    assert other.assign(first).status_code == 302          # invited again: open again
    assert open_reviews(rows, first) == 2
    assert open_reviews(rows, second) == 0


def test_withdrawing_an_invitation_and_an_accepted_review(app, make_user, make_article, rows):
    desk = Desk(app, make_user, make_article)
    desk.under_review()                                    # both invited and accepted
    first, second = desk.reviewers
    assert (open_reviews(rows, first), open_reviews(rows, second)) == (1, 1)
    assert desk.post(desk.editor, f"/desk/assignments/{desk.assignment_id(first)}/unassign"
                     ).status_code == 302
    assert (open_reviews(rows, first), open_reviews(rows, second)) == (0, 1)
    other = second_article(desk, make_article)
    assert other.assign(first).status_code == 302
    assert open_reviews(rows, first) == 1
    assert other.post(other.editor, f"/desk/assignments/{other.assignment_id(first)}/unassign"
                      ).status_code == 302                 # an invitation withdrawn
    assert open_reviews(rows, first) == 0


def test_a_review_closes_it_and_a_resubmission_opens_it_again(app, make_user, make_article,
                                                             rows):
    desk = Desk(app, make_user, make_article)
    desk.under_review()
    first, second = desk.reviewers
    assert desk.request_changes(first).status_code == 302  # a report: done
    assert (open_reviews(rows, first), open_reviews(rows, second)) == (0, 1)
    assert desk.approve(second).status_code == 302         # signed: done
    assert (open_reviews(rows, first), open_reviews(rows, second)) == (0, 0)
    assert desk.decide_changes().status_code == 302        # the round closes
    assert desk.state() == "changes_requested"
    assert (open_reviews(rows, first), open_reviews(rows, second)) == (0, 0)
    assert desk.post(desk.author, "/desk/articles/{a}/edit", EDITED).status_code == 302
    assert desk.post(desk.author, "/desk/articles/{a}/resubmit").status_code == 302
    # Both reviewers' assignments wait for a review of the new revision.
    assert (open_reviews(rows, first), open_reviews(rows, second)) == (1, 1)


def test_a_re_review_opens_the_reviews_of_an_approved_article(app, make_user, make_article,
                                                             rows):
    desk = Desk(app, make_user, make_article)
    desk.under_review()
    for reviewer in desk.reviewers:
        assert desk.approve(reviewer).status_code == 302
    assert desk.state() == "approved"
    assert [open_reviews(rows, r) for r in desk.reviewers] == [0, 0]
    response = desk.post(desk.editor, "/desk/articles/{a}/rereview",
                         {"reason": "A guideline changed."})
    assert response.status_code == 302
    assert desk.state() == "under_review"
    assert [open_reviews(rows, r) for r in desk.reviewers] == [1, 1]


def test_a_refused_command_leaves_the_count_as_it_was(app, make_user, make_article, rows):
    desk = Desk(app, make_user, make_article)
    desk.under_review()
    first = desk.reviewers[0]
    assert desk.approve(first, password="not the password").status_code == 400
    assert open_reviews(rows, first) == 1                  # rolled back with the review
    n = desk.assignment_id(first)
    # A stale version: refused (the editor is sent back with the message), rolled back.
    desk.post(desk.editor, f"/desk/assignments/{n}/unassign", {"version": "1"}, version=False)
    with rows() as session:
        assert session.get(Assignment, n).state == ACCEPTED
    assert open_reviews(rows, first) == 1


def test_withdrawn_or_rejected_articles_keep_the_count_the_rows_hold(app, make_user,
                                                                    make_article, rows):
    """An article leaving review does not change its assignments; the stored count
    is the rows' count either way (what the suggestions counted before it was stored)."""
    desk = Desk(app, make_user, make_article)
    desk.under_review()
    assert desk.post(desk.editor, "/desk/articles/{a}/reject",
                     {"reason": "Out of scope."}).status_code == 302
    assert desk.state() == "rejected"
    assert [open_reviews(rows, r) for r in desk.reviewers] == [1, 1]


def test_suggestions_show_the_stored_count_fewest_first(app, make_user, make_article, rows):
    desk = Desk(app, make_user, make_article, tags=["cardiology"])
    busy, idle = desk.reviewers
    assert desk.submit().status_code == 302
    other = second_article(desk, make_article)
    assert other.assign(busy).status_code == 302
    page = desk.client(desk.editor).get(f"/desk/articles/{desk.article_id}").get_data(
        as_text=True)
    assert page.index("Dr. Reviewer 2 — 0 open") < page.index("Dr. Reviewer 1 — 1 open")


def test_the_session_sees_the_count_its_flush_stored(app, make_user, make_article):
    """A user loaded in the session of the command gets the recounted value."""
    from reviewapp.extensions import db
    from reviewapp.workflow import review_commands
    from reviewapp.workflow import services as workflow

    desk = Desk(app, make_user, make_article)
    with app.app_context():
        editor, author = db.session.get(User, desk.editor.id), db.session.get(User,
                                                                              desk.author.id)
        reviewer = db.session.get(User, desk.reviewers[0].id)
        assert reviewer.open_reviews == 0
        workflow.submit_article(desk.article_id, author, None)
        review_commands.assign_reviewer(desk.article_id, editor, None, reviewer.id,
                                        utcnow() + timedelta(days=7))
        assert reviewer.open_reviews == 1
        db.session.rollback()
        assert reviewer.open_reviews == 0


def test_migration_0018_fills_the_count_from_the_rows(empty_database_url):  # noqa: F811
    with app_on(empty_database_url):
        upgrade(revision="0017_publication_versions")
        from reviewapp.extensions import db

        with db.engine.begin() as conn:
            old = Before(conn)
            author, editor = old.user("Alice Author", "author"), old.user("Eddie Editor",
                                                                            "editor")
            busy, done = old.user("Dr Busy", "reviewer"), old.user("Dr Done", "reviewer")
            for n, state in enumerate(("invited", "accepted", "declined", "completed",
                                       "withdrawn", "accepted")):
                article_id, _ = old.article(author, "under_review", [(True, False)], T0)
                old.insert("assignment", article_id=article_id,
                           reviewer_id=busy if n != 5 else done, assigned_by_id=editor,
                           state=state, due_at=T0, invited_at=T0)
        upgrade()
        assert schema_differences() == []
        with db.engine.connect() as conn:
            counts = dict(conn.execute(sa.text('SELECT id, open_reviews FROM "user"')).all())
        assert counts == {author: 0, editor: 0, busy: 2, done: 1}
        db.session.remove()
        downgrade(revision="0017_publication_versions")
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("user")}
        assert "open_reviews" not in columns
