"""Re-review: approved articles past REVIEW_INTERVAL_DAYS, or flagged by a
retraction import or a reader report, are listed as due; "Start re-review"
sends a frozen copy of the approved revision back to the board while the
approved one stays public."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from reviewapp.accounts.models import User
from reviewapp.articles.models import Article, Revision
from reviewapp.audit.models import AuditEvent
from reviewapp.citations.services import report_of
from reviewapp.db import utcnow
from reviewapp.extensions import db
from reviewapp.mail.models import OutboxMessage
from reviewapp.reports import services as reports
from reviewapp.reports.models import ReaderReport
from reviewapp.reviews.models import Assignment
from reviewapp.workflow import review_commands
from reviewapp.workflow.rereview import flag_citing_articles
from tests.conftest import PASSWORD, audit_actions
from tests.integration.test_public_pages import Publisher, text_of


@pytest.fixture
def publisher(app, rows):
    return Publisher(app, rows)


@pytest.fixture
def editor(app, make_user):
    user = make_user(roles=["editor"], name="Eddie Editor")
    client = app.test_client()
    assert client.post("/login", data={"email": user.email,
                                       "password": PASSWORD}).status_code == 302
    client.user = user
    return client


def due_sections(client) -> tuple[str, str]:
    page = client.get("/desk/editor").get_data(as_text=True)

    def part(label):
        start = page.index(f'aria-label="{label}"')
        return text_of(page[start:page.index("</section>", start)])

    return part("Flagged for re-review"), part("Past the review interval")


def version_of(rows, slug) -> int:
    with rows() as session:
        return session.scalar(select(Article.version).where(Article.slug == slug))


def start(editor, rows, publisher, slug, **data):
    return editor.post(f"/desk/articles/{publisher.article_id(slug)}/rereview",
                       data={"version": version_of(rows, slug), **data})


def test_due_list_holds_past_interval_and_flagged_approved_articles(app, client, publisher,
                                                                    editor, rows):
    plain = {"body": "Ibuprofen helps [1].",
             "references": "1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1"}
    fresh = publisher.approved(title="Fresh article", **plain)
    old = publisher.approved(title="Old article", **plain)
    publisher.age(old, 366)
    publisher.age(fresh, 300)
    publisher.approved(title="Cites a retracted trial")  # cites 10.5555/retracted.1
    reported = publisher.approved(title="Reported by a reader", **plain)
    publisher.submitted(title="Never approved")
    with rows() as session:
        assert len(flag_citing_articles({"10.5555/retracted.1"}, set())) == 1
        session.commit()
    assert client.post(f"/articles/{reported}/report",
                       data={"message": "Outdated dose."}).status_code == 302

    flagged, interval = due_sections(editor)
    assert "Cites a retracted trial — Reference 3 (10.5555/retracted.1) has been retracted" \
        in flagged
    assert "Reported by a reader — 1 open reader report" in flagged
    # Oldest flag first: the retraction flagged its article before the reader wrote.
    assert flagged.index("Cites a retracted trial") < flagged.index("Reported by a reader")
    assert "Old article — approved" in interval
    for text in (flagged, interval):
        assert "Fresh article" not in text and "Never approved" not in text
    assert "Approved more than 365 days ago" in interval
    assert flagged.count("Start re-review") == 2 and interval.count("Start re-review") == 1
    app.config["REVIEW_INTERVAL_DAYS"] = 200
    flagged, interval = due_sections(editor)
    assert "Fresh article" in interval and "Approved more than 200 days ago" in interval


def test_start_re_review_sends_a_frozen_copy_to_the_reviewers(app, client, publisher, editor,
                                                               rows):
    slug = publisher.approved()
    publisher.age(slug, 400)
    with rows() as session:
        article = session.scalar(select(Article).where(Article.slug == slug))
        approved_id, approved_hash = article.approved_revision_id, \
            article.approved_revision.content_hash
        reviewer_ids = set(session.scalars(select(Assignment.reviewer_id).where(
            Assignment.article_id == article.id)))
    response = start(editor, rows, publisher, slug)
    assert response.status_code == 302
    assert "Re-review started" in editor.get(response.headers["Location"]).get_data(
        as_text=True)
    with rows() as session:
        article = session.scalar(select(Article).where(Article.slug == slug))
        assert article.state == "under_review"
        assert article.approved_revision_id == approved_id
        copy = article.current_revision
        approved = session.get(Revision, approved_id)
        assert copy.number == 2 and copy.id != approved_id
        assert (copy.title, copy.body, copy.reference_texts) == (
            approved.title, approved.body, approved.reference_texts)
        assert copy.content_hash == approved_hash and copy.frozen_at is not None
        assert copy.created_by_id == editor.user.id
        assert report_of(copy.id) is not None
        assignments = session.scalars(select(Assignment).where(
            Assignment.article_id == article.id)).all()
        assert {a.reviewer_id for a in assignments} == reviewer_ids
        for assignment in assignments:
            assert assignment.state == "accepted"
            assert assignment.due_at > utcnow() + timedelta(days=13)
        mails = session.scalars(select(OutboxMessage.subject)).all()
        assert mails.count("Re-review requested: Ibuprofen for back pain") == 2
        assert "Re-review started: Ibuprofen for back pain" in mails
        event_row = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "article.rereview_started")).one()
        assert event_row.reason == "The review interval has passed."
        assert event_row.details["before"] == {"state": "approved"}
        assert event_row.details["after"] == {"state": "under_review"}
        assert event_row.details["revision"] == 2
        assert event_row.details["approved_revision"] == 1
    # Public: the approved text, the update notice; the due list no longer has it.
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    assert "An update to this article is being reviewed" in page
    assert "Dr. Rita Reviewer" in page
    assert "Ibuprofen for back pain" not in " ".join(due_sections(editor))


def test_approving_the_re_review_updates_the_page_and_clears_the_flag(app, client, publisher,
                                                                      editor, rows):
    slug = publisher.approved()
    publisher.age(slug, 400)
    with rows() as session:
        article = session.scalar(select(Article).where(Article.slug == slug))
        article.rereview_reason, article.rereview_flagged_at = "Checked by hand.", utcnow()
        session.commit()
    assert start(editor, rows, publisher, slug, reason="Yearly check").status_code == 302
    with rows() as session:
        article = session.scalar(select(Article).where(Article.slug == slug))
        assert session.scalars(select(AuditEvent.reason).where(
            AuditEvent.action == "article.rereview_started")).one() == "Yearly check"
        for name in ("Dr. Rita Reviewer", "Dr. Sam Second"):
            reviewer = session.scalar(select(User).where(User.display_name == name))
            assert review_commands.approve_revision(article.id, reviewer, None, PASSWORD)
        session.commit()
    with rows() as session:
        article = session.scalar(select(Article).where(Article.slug == slug))
        assert article.state == "approved"
        assert article.approved_revision.number == 2
        assert article.rereview_reason is None
        approved_at = article.approved_revision.approved_at
    assert approved_at > utcnow() - timedelta(minutes=5)
    page = text_of(client.get(f"/articles/{slug}").get_data(as_text=True))
    due = (approved_at + timedelta(days=365)).date()
    assert f"Next review due {due.day} {due:%B %Y}" in page
    assert "being reviewed" not in page
    assert page.count("Dr. Rita Reviewer") == 1


def test_a_re_review_of_a_retracted_citation_is_blocked_until_fixed_or_waived(
        app, publisher, editor, rows):
    slug = publisher.approved()
    publisher.retraction("1", "Retraction", doi="10.5555/retracted.1")
    assert start(editor, rows, publisher, slug).status_code == 302
    with rows() as session:
        article = session.scalar(select(Article).where(Article.slug == slug))
        codes = [f.code for f in report_of(article.current_revision_id).findings]
        assert "reference-retracted" in codes
        for name in ("Dr. Rita Reviewer", "Dr. Sam Second"):
            reviewer = session.scalar(select(User).where(User.display_name == name))
            assert review_commands.approve_revision(article.id, reviewer, None, PASSWORD)
        session.commit()
        assert session.get(Article, article.id).state == "under_review"


def test_inactive_reviewers_are_not_asked_again(app, publisher, editor, rows):
    slug = publisher.approved()
    with rows() as session:
        gone = session.scalar(select(User).where(User.display_name == "Dr. Sam Second"))
        gone.active = False
        session.commit()
    assert start(editor, rows, publisher, slug).status_code == 302
    with rows() as session:
        states = dict(session.execute(select(User.display_name, Assignment.state).join(
            Assignment, Assignment.reviewer_id == User.id)).all())
        assert states == {"Dr. Rita Reviewer": "accepted", "Dr. Sam Second": "completed"}
        assert session.scalars(select(OutboxMessage.recipient).where(
            OutboxMessage.subject.like("Re-review requested%"))).all() == [
            session.scalar(select(User.email).where(User.display_name == "Dr. Rita Reviewer"))]


def test_start_re_review_refusals(app, client, publisher, editor, rows, make_user, login_as):
    slug = publisher.approved()
    stale = editor.post(f"/desk/articles/{publisher.article_id(slug)}/rereview",
                        data={"version": version_of(rows, slug) - 1})
    assert stale.status_code == 409
    assert "This article changed since you opened it" in stale.get_data(as_text=True)
    assert start(editor, rows, publisher, slug).status_code == 302
    again = start(editor, rows, publisher, slug)
    assert again.status_code == 409
    assert "This article is no longer Approved (now: Under Review)." in again.get_data(
        as_text=True)
    assert audit_actions(app).count("article.rereview_started") == 1
    # Only editors; a reviewer or author gets 403 and nothing changes.
    other = publisher.approved(title="Another one")
    login_as(make_user(roles=["author", "reviewer", "admin"]))
    assert client.post(f"/desk/articles/{publisher.article_id(other)}/rereview",
                       data={"version": version_of(rows, other)}).status_code == 403
    with rows() as session:
        assert session.scalar(select(Article.state).where(Article.slug == other)) == "approved"


def test_a_report_about_another_article_is_refused(app, client, publisher, editor, rows):
    first, second = publisher.approved(), publisher.approved(title="Second")
    client.post(f"/articles/{first}/report", data={"message": "x"})
    with rows() as session:
        report_id = session.scalar(select(ReaderReport.id))
    response = start(editor, rows, publisher, second, report_id=report_id)
    assert response.status_code == 400
    assert "This report is about another article." in response.get_data(as_text=True)
    with rows() as session:
        assert session.scalar(select(Article.state).where(Article.slug == second)) == "approved"


def test_dashboard_queries_stay_fixed_with_more_due_articles_and_reports(app, client, publisher,
                                                                         editor, rows):
    with app.app_context():
        engine = db.engine
    counts = []
    for n in (2, 8):
        for i in range(n):
            slug = publisher.approved(title=f"Due {n}-{i}")
            publisher.age(slug, 400)
            flagged = publisher.approved(title=f"Flagged {n}-{i}")
            client.post(f"/articles/{flagged}/report", data={"message": f"Report {i}"},
                        environ_base={"REMOTE_ADDR": f"10.0.{n}.{i}"})
        editor.get("/desk/editor")
        seen: list[str] = []

        def listener(conn, cursor, statement, *args, seen=seen):
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", listener)
        try:
            page = editor.get("/desk/editor").get_data(as_text=True)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert f"Due {n}-{n - 1}" in page and f"Report {n - 1}" in page
        counts.append([s for s in seen if not s.lstrip().upper().startswith("BEGIN")])
    assert len(counts[0]) == len(counts[1])


def test_reports_service_refuses_non_editors_resolving(app, publisher, rows, client):
    from reviewapp.errors import PermissionDenied

    slug = publisher.approved()
    client.post(f"/articles/{slug}/report", data={"message": "x"})
    with rows() as session:
        report_id = session.scalar(select(ReaderReport.id))
        author = session.scalar(select(User).where(User.display_name == "Alice Author"))
        with pytest.raises(PermissionDenied):
            reports.resolve_reader_report(report_id, author, "done")


def test_the_desk_article_page_starts_a_re_review_for_editors_only(app, publisher, editor,
                                                                   make_user, rows):
    """The editor can start a re-review from the article's own page (its form
    carries the page's version); the author's view of it has no such button."""
    slug = publisher.approved()
    article_id = publisher.article_id(slug)
    page = editor.get(f"/desk/articles/{article_id}").get_data(as_text=True)
    form = re.search(r'<form method="post" action="([^"]+)" id="start-rereview">(.*?)</form>',
                     page, re.S)
    assert form and form.group(1) == f"/desk/articles/{article_id}/rereview"
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form.group(2)).group(1)
    assert int(version) == version_of(rows, slug)
    response = editor.post(form.group(1), data={"version": version})
    assert response.status_code == 302
    with rows() as session:
        assert session.get(Article, article_id).state == "under_review"
    page = editor.get(f"/desk/articles/{article_id}").get_data(as_text=True)
    assert 'id="start-rereview"' not in page              # the machine no longer allows it
    other = publisher.approved(title="Another approved article")
    with rows() as session:
        author_email = session.get(Article, publisher.article_id(other)).author.email
    author = app.test_client()
    assert author.post("/login", data={"email": author_email,
                                       "password": PASSWORD}).status_code == 302
    page = author.get(f"/desk/articles/{publisher.article_id(other)}").get_data(as_text=True)
    assert "Approved" in page and 'id="start-rereview"' not in page
