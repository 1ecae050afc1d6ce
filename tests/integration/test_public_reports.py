""""Report a problem with this article": the readers' form (CSRF, required
message, optional validated email, length and per-IP rate limits), the audit
event, the editors' inbox, resolving a report, and a re-review started from one."""


import pytest
from sqlalchemy import func, select

from reviewapp.articles.models import Article
from reviewapp.audit.models import AuditEvent
from reviewapp.reports.models import ReaderReport
from tests.conftest import audit_actions
from tests.integration.test_public_pages import Publisher, text_of


@pytest.fixture
def publisher(app, rows):
    return Publisher(app, rows)


def report(client, slug, message="Reference 2 is outdated.", email="", **kwargs):
    return client.post(f"/articles/{slug}/report", data={"message": message, "email": email},
                       **kwargs)


SAME_SITE = {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}


def post_from_the_page(client, slug, message, email=""):
    """As a browser does: the article page first (one copy for every reader: no
    session, no token), then the form, saying where it was sent from."""
    page = client.get(f"/articles/{slug}")
    assert "csrf_token" not in page.get_data(as_text=True)
    assert "Set-Cookie" not in page.headers and page.headers["Cache-Control"].startswith("public")
    return client.post(f"/articles/{slug}/report", csrf=False, headers=SAME_SITE,
                       data={"message": message, "email": email})


def reports(rows) -> list[ReaderReport]:
    with rows() as session:
        found = session.scalars(select(ReaderReport).order_by(ReaderReport.id)).all()
        for row in found:
            session.expunge(row)
        return found


def test_a_reader_reports_a_problem_without_logging_in(app, client, publisher, rows):
    slug = publisher.approved()
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    assert "Report a problem with this article" in page
    response = post_from_the_page(client, slug, "  Reference 2 is from 2014; newer trials "
                                                "exist.  ", "Reader@Example.org ")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/articles/{slug}"
    assert "Thank you: the editors will look at your report." in client.get(
        f"/articles/{slug}").get_data(as_text=True)
    (stored,) = reports(rows)
    assert stored.message == "Reference 2 is from 2014; newer trials exist."
    assert stored.email == "Reader@Example.org"
    assert stored.status == "open" and stored.ip == "127.0.0.1"
    with rows() as session:
        article = session.scalar(select(Article).where(Article.slug == slug))
        assert stored.article_id == article.id
        assert stored.revision_id == article.approved_revision_id
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "reader_report.created")).one()
        assert event.article_id == article.id and event.object_id == str(stored.id)
        assert event.actor_id is None and event.ip == "127.0.0.1"
        assert event.details == {"revision": 1, "message_chars": len(stored.message),
                                 "email_given": True}
        assert "newer trials" not in event.canonical  # the reader's text stays in the report


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site", "Origin": "https://elsewhere.example"},
    {"Sec-Fetch-Site": "same-site", "Origin": "https://cdn.localhost"},
    {"Origin": "https://elsewhere.example"}, {"Origin": "null"}],
    ids=["cross-site", "same-site", "other origin", "opaque origin"])
def test_a_report_another_site_sent_is_refused(client, publisher, rows, headers):
    """The form has no session token (its page is shared): the browser's word on
    where the post came from decides, and a refusal stores nothing."""
    slug = publisher.approved()
    response = report(client, slug, csrf=False, headers=headers)
    assert response.status_code == 403
    assert "can only be sent from its page on this site" in response.get_data(as_text=True)
    assert reports(rows) == []
    assert report(client, slug, csrf=False, headers=SAME_SITE).status_code == 302
    assert len(reports(rows)) == 1


@pytest.mark.parametrize(("message", "email", "error"), [
    ("", "", "Describe the problem."),
    ("   \n ", "", "Describe the problem."),
    ("Fine text", "not-an-email", "Enter a valid email address, or leave it empty."),
    ("Fine text", "a@b", "Enter a valid email address, or leave it empty."),
    ("x" * 5001, "", "Please keep the message under 5,000 characters (it has 5,001)."),
    ("Fine text", "a" * 310 + "@example.org", "Field cannot be longer than 320 characters."),
])
def test_invalid_reports_are_refused_with_the_text_kept(client, publisher, rows, message,
                                                        email, error):
    slug = publisher.approved()
    response = report(client, slug, message, email)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert error in text_of(page)
    assert "<details open>" in page
    if message.strip():
        assert message[:50] in page
    assert reports(rows) == []
    assert "reader_report.created" not in audit_actions(client.application)


def test_nul_bytes_are_refused(client, publisher, rows):
    slug = publisher.approved()
    assert report(client, slug, "Bad \x00 byte").status_code == 400
    assert reports(rows) == []


def test_reports_are_rate_limited_per_address(app, client, publisher, rows):
    app.config["REPORT_RATE_LIMIT"] = 3
    slug = publisher.approved()
    for n in range(3):
        assert report(client, slug, f"Problem {n}").status_code == 302
    refused = report(client, slug, "One too many")
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Too many reports from your network in the last hour." in page
    assert "One too many" in page  # kept in the form
    # Another address may still report.
    other = report(client, slug, "From elsewhere", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 302
    assert [r.message for r in reports(rows)] == ["Problem 0", "Problem 1", "Problem 2",
                                                   "From elsewhere"]
    # An hour later the address may report again.
    with rows() as session:
        for row in session.scalars(select(ReaderReport)):
            row.created_at = row.created_at.replace(year=row.created_at.year - 1)
        session.commit()
    assert report(client, slug, "Next day").status_code == 302


def test_only_public_articles_can_be_reported(client, publisher, rows):
    article_id = publisher.submitted()
    with rows() as session:
        slug = session.get(Article, article_id).slug
    assert report(client, slug).status_code == 404
    assert report(client, "no-such-article").status_code == 404
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(ReaderReport)) == 0


# -- the editors' inbox -----------------------------------------------------------------------

def editor_client(app, make_user, login_as=None):
    from tests.conftest import PASSWORD

    editor = make_user(roles=["editor"], name="Eddie Editor")
    client = app.test_client()
    assert client.post("/login", data={"email": editor.email,
                                       "password": PASSWORD}).status_code == 302
    return client


def inbox(client) -> str:
    page = client.get("/desk/editor").get_data(as_text=True)
    start = page.index('aria-label="Reader reports"')
    return page[start:page.index("</section>", start)]


def test_reports_appear_in_the_editor_inbox_and_can_be_resolved(app, client, publisher, rows,
                                                                make_user):
    slug = publisher.approved()
    assert report(client, slug, "Dose in paragraph 2 is wrong.",
                  "reader@example.org").status_code == 302
    editor = editor_client(app, make_user)
    box = inbox(editor)
    assert "Dose in paragraph 2 is wrong." in box
    assert 'href="mailto:reader@example.org"' in box
    # Its re-review is offered once, in the flagged row the report's card links to.
    assert "Ibuprofen for back pain" in box and "Start its re-review" in box
    (stored,) = reports(rows)

    refused = editor.post(f"/desk/reader-reports/{stored.id}/resolve", data={"resolution": " "})
    assert refused.status_code == 400
    assert "Say what was done about the report." in refused.get_data(as_text=True)

    done = editor.post(f"/desk/reader-reports/{stored.id}/resolve",
                       data={"resolution": "Checked: the dose is right."})
    assert done.status_code == 302
    (stored,) = reports(rows)
    assert stored.status == "resolved" and stored.resolution == "Checked: the dose is right."
    assert stored.resolved_by_id is not None and stored.resolved_at is not None
    assert "None." in inbox(editor)
    again = editor.post(f"/desk/reader-reports/{stored.id}/resolve",
                        data={"resolution": "Twice"})
    assert again.status_code == 409
    assert "This report was resolved already." in again.get_data(as_text=True)
    with rows() as session:
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "reader_report.resolved")).one()
        assert event.reason == "Checked: the dose is right."
        assert event.object_id == str(stored.id)


def test_only_editors_see_the_inbox_and_resolve(app, client, publisher, rows, make_user,
                                                login_as):
    slug = publisher.approved()
    report(client, slug)
    (stored,) = reports(rows)
    author = make_user(roles=["author", "reviewer", "admin"])
    login_as(author)
    assert client.get("/desk/editor").status_code == 403
    assert client.post(f"/desk/reader-reports/{stored.id}/resolve",
                       data={"resolution": "x"}).status_code == 403
    assert reports(rows)[0].status == "open"


def test_an_editor_starts_a_re_review_from_a_report(app, client, publisher, rows, make_user):
    slug = publisher.approved()
    report(client, slug, "Reference 3 was retracted last month.")
    (stored,) = reports(rows)
    editor = editor_client(app, make_user)
    with rows() as session:
        article = session.scalar(select(Article).where(Article.slug == slug))
        version = article.version
    response = editor.post(f"/desk/articles/{stored.article_id}/rereview",
                           data={"version": version, "report_id": stored.id})
    assert response.status_code == 302, response.get_data(as_text=True)
    (stored,) = reports(rows)
    assert stored.status == "resolved"
    assert stored.resolution == "Re-review started (revision 2)."
    with rows() as session:
        article = session.scalar(select(Article).where(Article.slug == slug))
        assert article.state == "under_review"
        assert article.current_revision.number == 2
        started = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "article.rereview_started")).one()
        assert started.reason == f"Reader report #{stored.id}."
        assert started.details["report"] == stored.id
    actions = audit_actions(app)
    assert actions.index("article.rereview_started") < actions.index("reader_report.resolved")
    assert "None." in inbox(editor)
    # The public page keeps the approved text and says an update is under review.
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    assert "An update to this article is being reviewed" in page


def test_reader_reports_flag_the_article_as_due_for_re_review(app, client, publisher,
                                                              make_user):
    slug = publisher.approved()
    editor = editor_client(app, make_user)

    def flagged():
        page = editor.get("/desk/editor").get_data(as_text=True)
        start = page.index('aria-label="Flagged for re-review"')
        return text_of(page[start:page.index("</section>", start)])

    assert "None." in flagged()
    report(client, slug)
    report(client, slug, "Second report")
    assert "Ibuprofen for back pain — 2 open reader reports" in flagged()
