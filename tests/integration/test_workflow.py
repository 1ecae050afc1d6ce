"""The review workflow through the web: submit, assign, accept, review, approve."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reviewapp.articles.models import Article, Revision
from reviewapp.audit.models import AuditEvent
from reviewapp.db import utcnow
from reviewapp.mail.models import OutboxMessage
from reviewapp.reviews.models import Assignment, Review, Signature
from tests.conftest import PASSWORD, audit_actions
from tests.review_steps import sign_data


class Desk:
    """The people of one workflow test, each with their own browser session."""

    def __init__(self, app, make_user, make_article, **article):
        """`article`: make_article's keywords (title, body, references, tags)."""
        self.app = app
        self.author = make_user(roles=["author"], name="Alice Author")
        self.editor = make_user(roles=["editor"], name="Eddie Editor")
        self.reviewers = [make_user(roles=["reviewer"], name=f"Dr. Reviewer {n}",
                                    specialties=["pain medicine"] if n == 2 else [])
                          for n in (1, 2)]
        self.article_id = make_article(self.author, **{"tags": ["pain medicine"], **article})
        self.clients = {}

    def client(self, user):
        if user.id not in self.clients:
            client = self.app.test_client()
            response = client.post("/login", data={"email": user.email, "password": PASSWORD})
            assert response.status_code == 302
            self.clients[user.id] = client
        return self.clients[user.id]

    def version(self, user):
        page_path = "review" if user in self.reviewers else ""
        page = self.client(user).get(f"/desk/articles/{self.article_id}/{page_path}".rstrip("/")
                                     ).get_data(as_text=True)
        match = re.search(r'name="version" type="hidden" value="(\d+)"', page)
        return match.group(1) if match else ""

    def post(self, user, path, data=None, version=True):
        data = dict(data or {})
        if version:
            data["version"] = self.version(user)
        return self.client(user).post(path.format(a=self.article_id), data=data)

    def submit(self):
        return self.post(self.author, "/desk/articles/{a}/submit")

    def assign(self, reviewer, days=7):
        due = (utcnow() + timedelta(days=days)).date().isoformat()
        return self.post(self.editor, "/desk/articles/{a}/assign",
                         {"reviewer": str(reviewer.id), "due_date": due})

    def assignment_id(self, reviewer):
        with self.app.app_context():
            from reviewapp.extensions import db

            return db.session.scalar(select(Assignment.id).where(
                Assignment.article_id == self.article_id,
                Assignment.reviewer_id == reviewer.id))

    def accept(self, reviewer, declaration="none"):
        n = self.assignment_id(reviewer)
        data = ({f"a{n}-declaration": "none"} if declaration == "none" else
                {f"a{n}-declaration": "declare", f"a{n}-competing_interests": declaration})
        return self.post(reviewer, f"/desk/assignments/{n}/accept", data, version=False)

    def content_hash(self, reviewer):
        page = self.client(reviewer).get(f"/desk/articles/{self.article_id}/review").get_data(
            as_text=True)
        return re.search(r'name="content_hash" type="hidden" value="([0-9a-f]{64})"',
                         page).group(1)

    def approve(self, reviewer, password=PASSWORD, verdicts=True, tick=True):
        """Sign as a reviewer does: a "Supported" verdict on every claim saved first and
        every open warning ticked, unless `verdicts` or `tick` is False."""
        data = sign_data(self.client(reviewer), self.article_id, password, verdicts, tick)
        return self.post(reviewer, "/desk/articles/{a}/approve", data, version=False)

    def request_changes(self, reviewer, comments="Please cite the dose."):
        return self.post(reviewer, "/desk/articles/{a}/request-changes",
                         {"comments": comments})

    def decision_page(self) -> str:
        response = self.client(self.editor).get(f"/desk/articles/{self.article_id}/decision")
        assert response.status_code == 200, response.status_code
        return response.get_data(as_text=True)

    def decide_changes(self, letter=None):
        """The editor's "Request changes" on the round (issue 14), with the
        letter the decision page offers unless another is given."""
        page = self.decision_page()
        if letter is None:
            letter = html.unescape(re.search(
                r'<textarea[^>]*name="letter"[^>]*>\n?(.*?)</textarea>', page, re.S).group(1))
        version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
        return self.client(self.editor).post(
            f"/desk/articles/{self.article_id}/decision/request-changes",
            data={"version": version, "letter": letter})

    def send_back(self, reviewer, comments="Please cite the dose."):
        """A reviewer asks for changes and the article goes back to its author:
        at once with CHANGES_DECISION=reviewer, else by the editor's decision."""
        assert self.request_changes(reviewer, comments).status_code == 302
        if self.app.config["CHANGES_DECISION"] == "editor":
            assert self.decide_changes().status_code == 302
        assert self.state() == "changes_requested"

    def state(self):
        with self.app.app_context():
            from reviewapp.extensions import db

            return db.session.get(Article, self.article_id).state

    def under_review(self):
        assert self.submit().status_code == 302
        for reviewer in self.reviewers:
            assert self.assign(reviewer).status_code == 302
            assert self.accept(reviewer).status_code == 302


@pytest.fixture
def desk(app, make_user, make_article):
    return Desk(app, make_user, make_article)


def test_full_flow_reaches_approved_with_two_signatures(desk, rows, app):
    assert desk.submit().status_code == 302
    assert desk.state() == "submitted"
    with rows() as session:
        revision = session.scalars(select(Revision)).one()
        assert revision.content_hash and len(revision.content_hash) == 64
    for reviewer in desk.reviewers:
        assert desk.assign(reviewer).status_code == 302
    assert desk.state() == "under_review"
    for reviewer in desk.reviewers:
        assert desk.accept(reviewer).status_code == 302
    # The reviewer's request is a recommendation; the editor sends it back.
    assert desk.request_changes(desk.reviewers[0]).status_code == 302
    assert desk.state() == "under_review"
    assert desk.decide_changes().status_code == 302
    assert desk.state() == "changes_requested"
    page = desk.client(desk.author).get(f"/desk/articles/{desk.article_id}").get_data(
        as_text=True)
    assert "Please cite the dose." in page

    # Resubmitting without a change is refused; after an edit it works.
    refused = desk.post(desk.author, "/desk/articles/{a}/resubmit")
    assert refused.status_code == 409
    assert "Nothing has changed since revision 1" in refused.get_data(as_text=True)
    edit = desk.post(desk.author, "/desk/articles/{a}/edit", {
        "title": "Ibuprofen for back pain", "body": "Ibuprofen 400 mg helps [1].",
        "references": "1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1",
        "save": "Save draft"})
    assert edit.status_code == 302
    assert desk.post(desk.author, "/desk/articles/{a}/resubmit").status_code == 302
    assert desk.state() == "under_review"

    review_page = desk.client(desk.reviewers[0]).get(
        f"/desk/articles/{desk.article_id}/review").get_data(as_text=True)
    assert "Changes since the revision you last reviewed (revision 1)" in review_page
    assert "Ibuprofen 400 mg helps [1]." in review_page

    assert desk.approve(desk.reviewers[0]).status_code == 302
    assert desk.state() == "under_review"
    assert desk.approve(desk.reviewers[1]).status_code == 302
    assert desk.state() == "approved"

    with rows() as session:
        article = session.get(Article, desk.article_id)
        assert article.approved_revision.number == 2
        signatures = session.scalars(select(Signature)).all()
        assert sorted(s.printed_name for s in signatures) == ["Dr. Reviewer 1",
                                                               "Dr. Reviewer 2"]
        assert {s.content_hash for s in signatures} == {article.approved_revision.content_hash}
        mails = session.scalars(select(OutboxMessage.subject)).all()
        assert any(m.startswith("Approved:") for m in mails)
        assert any(m.startswith("Changes requested:") for m in mails)
        assert sum(m.startswith("Invitation to review:") for m in mails) == 2
    page = desk.client(desk.author).get(f"/desk/articles/{desk.article_id}").get_data(
        as_text=True)
    assert page.count("I have reviewed this revision for medical accuracy and approve it.") == 2
    assert "invalid" not in page
    actions = audit_actions(app)
    for action in ["article.submitted", "assignment.created", "assignment.accepted",
                   "review.changes_requested", "article.changes_requested",
                   "article.resubmitted", "review.approved", "article.approved"]:
        assert action in actions
    assert actions.count("article.approved") == 1


def test_wrong_password_signs_nothing_and_counts_as_failed_login(desk, rows, app):
    desk.under_review()
    before = audit_actions(app)
    response = desk.approve(desk.reviewers[0], password="not my password")
    assert response.status_code == 400
    assert "The password is not correct. Nothing was signed." in response.get_data(as_text=True)
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(Review)) == 0
    assert audit_actions(app) == before + ["user.login_failed"]


def test_reviewer_cannot_approve_own_article_whatever_roles(app, make_user, make_article,
                                                            rows):
    desk = Desk(app, make_user, make_article)
    author = make_user(roles=["author", "reviewer", "editor"], name="Multi Role")
    desk.author = author
    desk.article_id = make_article(author)
    desk.submit()
    response = desk.assign(author)
    assert response.status_code == 409
    assert "The author of an article cannot review it." in response.get_data(as_text=True)
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(Assignment)) == 0


@pytest.mark.parametrize("case,message", [
    ("inactive", "is deactivated"),
    ("not_reviewer", "is not a member of the advisory board"),
    ("twice", "already assigned"),
    ("past_due", "The due date must be in the future."),
])
def test_assignment_refusals_are_clear_and_change_nothing(desk, make_user, rows, case,
                                                          message):
    desk.submit()
    reviewer = desk.reviewers[0]
    if case == "inactive":
        with rows() as session:
            from reviewapp.accounts.models import User

            session.get(User, reviewer.id).active = False
            session.commit()
    elif case == "not_reviewer":
        reviewer = make_user(roles=["author"])
    elif case == "twice":
        desk.assign(reviewer)
    desk.client(desk.editor)  # logged in before counting events
    before = audit_actions(desk.app)
    response = desk.assign(reviewer, days=-1 if case == "past_due" else 7)
    assert response.status_code in (400, 409)
    assert message in response.get_data(as_text=True)
    assert audit_actions(desk.app) == before


def test_approving_a_rejected_article_is_refused_with_the_state_named(desk, app):
    desk.submit()
    desk.assign(desk.reviewers[0])
    desk.accept(desk.reviewers[0])
    captured = desk.content_hash(desk.reviewers[0])  # a form replayed after the rejection
    desk.post(desk.editor, "/desk/articles/{a}/reject", {"reason": "Out of scope."})
    response = desk.client(desk.reviewers[0]).post(
        f"/desk/articles/{desk.article_id}/approve",
        data={"content_hash": captured, "password": PASSWORD})
    assert response.status_code == 409
    assert "This article is no longer Under Review (now: Rejected)." in response.get_data(
        as_text=True)


def test_stale_version_is_refused_and_keeps_the_typed_comment(desk, rows):
    desk.under_review()
    stale = desk.version(desk.reviewers[0])
    desk.approve(desk.reviewers[1])
    response = desk.client(desk.reviewers[0]).post(
        f"/desk/articles/{desk.article_id}/request-changes",
        data={"version": stale, "comments": "My careful comment"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This article changed since you opened it — nothing was saved." in page
    assert "My careful comment" in page
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(Review)) == 1


def test_decline_records_reason_and_tells_the_editor(desk, rows, app):
    desk.submit()
    desk.assign(desk.reviewers[0])
    n = desk.assignment_id(desk.reviewers[0])
    response = desk.post(desk.reviewers[0], f"/desk/assignments/{n}/decline",
                         {f"a{n}-reason": "On leave"}, version=False)
    assert response.status_code == 302
    with rows() as session:
        assert session.get(Assignment, n).state == "declined"
        message = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        assert message.recipient == desk.editor.email and "On leave" in message.body
    assert audit_actions(app)[-1] == "assignment.declined"


def test_competing_interest_declaration_is_recorded_and_shown(desk, rows):
    desk.submit()
    desk.assign(desk.reviewers[0])
    desk.accept(desk.reviewers[0], "Speaker fees from a maker of ibuprofen")
    page = desk.client(desk.editor).get(f"/desk/articles/{desk.article_id}").get_data(
        as_text=True)
    assert "Speaker fees from a maker of ibuprofen" in page
    with rows() as session:
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "assignment.accepted")).one()
        assert event.details["competing_interests"] == "Speaker fees from a maker of ibuprofen"


def test_unassigned_reviewer_cannot_open_the_article(desk, make_user, app):
    desk.submit()
    outsider = make_user(roles=["reviewer"])
    response = desk.client(outsider).get(f"/desk/articles/{desk.article_id}/review")
    assert response.status_code == 403
    assert audit_actions(app)[-1] == "access.denied"


def test_reviewer_suggestions_put_matching_specialty_first(desk):
    desk.submit()
    page = desk.client(desk.editor).get(f"/desk/articles/{desk.article_id}").get_data(
        as_text=True)
    first, second = page.index("Dr. Reviewer 2"), page.index("Dr. Reviewer 1")
    assert first < second
    assert "specialty matches" in page


def test_approve_form_from_an_older_revision_is_refused(desk, rows):
    desk.under_review()
    old_hash = desk.content_hash(desk.reviewers[0])
    desk.send_back(desk.reviewers[1])
    desk.post(desk.author, "/desk/articles/{a}/edit", {
        "title": "Ibuprofen for back pain", "body": "Ibuprofen 400 mg helps [1].",
        "references": "1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1",
        "save": "Save draft"})
    desk.post(desk.author, "/desk/articles/{a}/resubmit")
    response = desk.client(desk.reviewers[0]).post(
        f"/desk/articles/{desk.article_id}/approve",
        data={"content_hash": old_hash, "password": PASSWORD})
    assert response.status_code == 409
    assert "Review the new revision before signing." in response.get_data(as_text=True)
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(Signature)) == 0


def test_signature_shows_invalid_when_the_signed_content_was_altered(desk, rows):
    desk.under_review()
    desk.approve(desk.reviewers[0])
    page = desk.client(desk.editor).get(f"/desk/articles/{desk.article_id}").get_data(
        as_text=True)
    assert ">valid</span>" in page and "invalid" not in page
    with rows() as session:  # someone edits the frozen revision behind the app's back
        session.get(Article, desk.article_id).current_revision.body = "Take 4000 mg [1]."
        session.commit()
    page = desk.client(desk.editor).get(f"/desk/articles/{desk.article_id}").get_data(
        as_text=True)
    assert "invalid: the content no longer matches what was signed" in page
