"""Review rounds and the editor's decision (issue 14, point 6), through the web
on SQLite and PostgreSQL: each submission opens a round, reviews are its
reports, a reviewer's "Request changes" is a recommendation the editor decides
on (CHANGES_DECISION=editor) or sends the article back at once ("reviewer")."""

import re

import pytest
from sqlalchemy import select

from reviewapp.audit.models import AuditEvent
from reviewapp.mail.models import OutboxMessage
from reviewapp.reviews.models import Review, ReviewRound
from tests.conftest import audit_actions
from tests.integration.test_workflow import Desk

COMMENT = "Please give the dose of ibuprofen.\nAnd cite the 2021 guideline."
LETTER = "Dear Alice,\n\nPlease give the dose and cite the guideline.\n\nEddie"
REVISED = {"title": "Ibuprofen for back pain", "body": "Ibuprofen 400 mg helps [1].",
           "references": "1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1",
           "save": "Save draft"}


@pytest.fixture
def desk(app, make_user, make_article):
    desk = Desk(app, make_user, make_article)
    desk.under_review()
    return desk


def rounds_of(rows, article_id) -> list[ReviewRound]:
    with rows() as session:
        found = list(session.scalars(select(ReviewRound).where(
            ReviewRound.article_id == article_id).order_by(ReviewRound.number)))
        session.expunge_all()
        return found


def page(desk, user, path="") -> str:
    response = desk.client(user).get(f"/desk/articles/{desk.article_id}{path}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def events(app, action) -> list[AuditEvent]:
    with app.app_context():
        from reviewapp.extensions import db

        found = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                        .order_by(AuditEvent.seq)))
        db.session.expunge_all()
        return found


def mails_to(app, email) -> list[OutboxMessage]:
    with app.app_context():
        from reviewapp.extensions import db

        found = list(db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient == email).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return found


# --- CHANGES_DECISION=editor (the default) ---------------------------------------------

def test_a_request_for_changes_waits_on_the_editor(app, desk, rows):
    assert app.config["CHANGES_DECISION"] == "editor"
    response = desk.request_changes(desk.reviewers[0], COMMENT)
    assert response.status_code == 302
    flashed = desk.client(desk.reviewers[0]).get(response.headers["Location"]).get_data(
        as_text=True)
    assert "your recommendation is with the editor" in flashed
    assert desk.state() == "under_review"
    (first,) = rounds_of(rows, desk.article_id)
    assert (first.number, first.closed_at, first.decision) == (1, None, None)
    assert first.decision_needed_at is not None
    with rows() as session:
        assert session.scalars(select(Review.round_id)).all() == [first.id]
    # No mail to the author: the editor has not decided.
    assert not [m for m in mails_to(app, desk.author.email)
                if m.subject.startswith("Changes requested")]
    (event,) = events(app, "review.changes_requested")
    assert event.details["before"] == event.details["after"] == {"state": "under_review"}
    assert event.details["round"] == {"number": 1, "before": {"decision_needed": False},
                                      "after": {"decision_needed": True}}

    dashboard = desk.client(desk.editor).get("/desk/editor").get_data(as_text=True)
    section = dashboard[dashboard.index('aria-label="Decision needed"'):]
    section = section[:section.index("</section>")]
    assert ">Decision needed <span" in section  # with its count
    assert "Ibuprofen for back pain" in section and "Round 1" in section
    assert "1 reviewer, since" in section
    assert f'href="/desk/articles/{desk.article_id}/decision"' in section

    article_page = page(desk, desk.editor)
    assert "Decision needed:" in article_page and "Decide on round 1" in article_page
    # The author does not see the recommendation before the editor decides.
    assert "Please give the dose of ibuprofen." not in page(desk, desk.author)
    assert "Please give the dose of ibuprofen." in article_page


def test_the_decision_page_shows_every_report_and_drafts_the_letter(desk):
    assert desk.approve(desk.reviewers[1]).status_code == 302
    assert desk.request_changes(desk.reviewers[0], COMMENT).status_code == 302
    decision = desk.decision_page()
    assert "Decision needed:" in decision and "1 reviewer asked for changes" in decision
    reports = re.findall(r'<article class="card h-100 round-report" aria-label="Report by '
                         r'([^"]+)"', decision)
    assert reports == ["Dr. Reviewer 2", "Dr. Reviewer 1"]
    assert "Signed by <strong>Dr. Reviewer 2</strong>" in decision
    letter = re.search(r'<textarea[^>]*name="letter"[^>]*>(.*?)</textarea>', decision,
                       re.S).group(1)
    assert "Dear Alice Author," in letter
    assert "Dr. Reviewer 1:\nPlease give the dose of ibuprofen.\nAnd cite the 2021 guideline." \
        in letter
    assert "Dr. Reviewer 2" not in letter  # an approval without comments adds nothing
    assert '<label class="form-label" for="letter">Decision letter</label>' in decision
    assert re.search(r'<button type="submit" class="btn btn-warning">Request changes</button>',
                     decision)
    assert '<button type="submit" class="btn btn-danger">Reject</button>' in decision


def test_the_editor_sends_it_back_with_a_letter_the_author_reads_and_gets(app, desk, rows):
    assert desk.request_changes(desk.reviewers[0], COMMENT).status_code == 302
    response = desk.decide_changes(LETTER)
    assert response.status_code == 302
    assert desk.state() == "changes_requested"
    (first,) = rounds_of(rows, desk.article_id)
    assert (first.decision, first.decided_by_id, first.decision_letter) == (
        "changes_requested", desk.editor.id, LETTER)
    assert first.closed_at is not None

    (event,) = events(app, "article.changes_requested")
    assert (event.actor_id, event.reason) == (desk.editor.id, LETTER)
    assert event.details["before"] == {"state": "under_review"}
    assert event.details["after"] == {"state": "changes_requested"}
    assert event.details["round"] == {"number": 1, "before": {"decision": None},
                                      "after": {"decision": "changes_requested"}}

    (mail,) = [m for m in mails_to(app, desk.author.email)
               if m.subject == "Changes requested: Ibuprofen for back pain"]
    assert LETTER in mail.body and "Eddie Editor" in mail.body
    assert f"/desk/articles/{desk.article_id}" in mail.body

    for path in ("", "/edit"):  # the article page and the edit page
        seen = page(desk, desk.author, path)
        assert 'aria-label="Decision letter"' in seen
        assert "Dear Alice,\n\nPlease give the dose and cite the guideline.\n\nEddie" in seen
    # Now the reports of the decided round are the author's to read too.
    assert "Please give the dose of ibuprofen." in page(desk, desk.author)


def test_resubmitting_opens_round_2_and_reviews_belong_to_their_round(app, desk, rows):
    desk.send_back(desk.reviewers[0], COMMENT)
    assert desk.post(desk.author, "/desk/articles/{a}/edit", REVISED).status_code == 302
    assert desk.post(desk.author, "/desk/articles/{a}/resubmit").status_code == 302
    first, second = rounds_of(rows, desk.article_id)
    assert (second.number, second.closed_at, second.decision_needed_at) == (2, None, None)
    assert second.revision_id != first.revision_id
    (resubmitted,) = events(app, "article.resubmitted")
    assert resubmitted.details["round"] == {"number": 2, "opened": True}

    for reviewer in desk.reviewers:
        assert desk.approve(reviewer).status_code == 302
    assert desk.state() == "approved"
    first, second = rounds_of(rows, desk.article_id)
    assert (second.decision, second.decided_by_id, second.decision_letter) == (
        "approved", desk.reviewers[1].id, None)
    with rows() as session:
        by_round = sorted((r.round_id, r.decision) for r in session.scalars(select(Review)))
    assert by_round == [(first.id, "request_changes"), (second.id, "approve"),
                        (second.id, "approve")]

    shown = page(desk, desk.author)
    rounds = re.findall(r'<section class="mb-3 review-round" aria-label="(Round \d)">', shown)
    assert rounds == ["Round 1", "Round 2"]
    round_1 = shown[shown.index('aria-label="Round 1"'):shown.index('aria-label="Round 2"')]
    assert "Changes Requested (Eddie Editor)" in round_1 and COMMENT.split("\n")[0] in round_1
    round_2 = shown[shown.index('aria-label="Round 2"'):]
    round_2 = round_2[:round_2.index("</section>")]
    assert "Approved (Dr. Reviewer 2)" in round_2 and round_2.count("Signed by") == 2


def test_a_stale_decision_is_refused_and_keeps_the_letter(app, desk, rows):
    assert desk.request_changes(desk.reviewers[0], COMMENT).status_code == 302
    stale = re.search(r'name="version" type="hidden" value="(\d+)"',
                      desk.decision_page()).group(1)
    assert desk.approve(desk.reviewers[1]).status_code == 302  # the article moved on
    before = audit_actions(app)
    response = desk.client(desk.editor).post(
        f"/desk/articles/{desk.article_id}/decision/request-changes",
        data={"version": stale, "letter": "My careful letter"})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "This article changed since you opened it — nothing was saved." in body
    assert "My careful letter" in body
    assert audit_actions(app) == before
    assert desk.state() == "under_review"
    assert rounds_of(rows, desk.article_id)[0].closed_at is None


@pytest.mark.parametrize(("letter", "status", "message"), [
    ("   ", 400, "Write the decision letter."),
    ("", 400, "Write the decision letter."),
])
def test_a_decision_needs_a_letter(app, desk, letter, status, message):
    assert desk.request_changes(desk.reviewers[0]).status_code == 302
    before = audit_actions(app)
    response = desk.decide_changes(letter)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert audit_actions(app) == before and desk.state() == "under_review"


def test_only_an_editor_may_open_or_send_a_decision(app, desk, rows):
    assert desk.request_changes(desk.reviewers[0]).status_code == 302
    version = re.search(r'name="version" type="hidden" value="(\d+)"',
                        desk.decision_page()).group(1)
    for user in (desk.author, desk.reviewers[0], desk.reviewers[1]):
        client = desk.client(user)
        assert client.get(f"/desk/articles/{desk.article_id}/decision").status_code == 403
        for form in ("request-changes", "reject"):
            response = client.post(f"/desk/articles/{desk.article_id}/decision/{form}",
                                   data={"version": version, "letter": "Hijack",
                                         "reason": "Hijack"})
            assert response.status_code == 403
    assert desk.state() == "under_review"
    assert "article.changes_requested" not in audit_actions(app)
    assert rounds_of(rows, desk.article_id)[0].closed_at is None


def test_the_service_refuses_a_decision_by_someone_not_an_editor(app, desk, rows):
    """Permission is the service's, not only the view's role check."""
    from reviewapp.accounts.models import User
    from reviewapp.errors import PermissionDenied
    from reviewapp.workflow.services import decide_changes

    with rows() as session:
        author = session.get(User, desk.author.id)
        with pytest.raises(PermissionDenied, match="Only editors"):
            decide_changes(desk.article_id, author, None, "A letter.")


def test_rejecting_from_the_decision_page_closes_the_round_with_the_reason(app, desk, rows):
    assert desk.request_changes(desk.reviewers[0], COMMENT).status_code == 302
    response = desk.post(desk.editor, "/desk/articles/{a}/decision/reject",
                         {"reason": "Out of scope for this site."})
    assert response.status_code == 302
    assert desk.state() == "rejected"
    (first,) = rounds_of(rows, desk.article_id)
    assert (first.decision, first.decided_by_id, first.decision_letter) == (
        "rejected", desk.editor.id, "Out of scope for this site.")
    (event,) = events(app, "article.rejected")
    assert event.details["round"]["after"] == {"decision": "rejected"}


def test_withdrawing_closes_the_round_and_reopening_then_submitting_opens_the_next(
        app, desk, rows):
    assert desk.post(desk.author, "/desk/articles/{a}/withdraw").status_code == 302
    (first,) = rounds_of(rows, desk.article_id)
    assert (first.decision, first.decided_by_id, first.decision_letter) == (
        "withdrawn", desk.author.id, None)
    assert desk.post(desk.editor, "/desk/articles/{a}/reopen").status_code == 302
    assert len(rounds_of(rows, desk.article_id)) == 1  # a draft has no round
    assert desk.submit().status_code == 302
    assert [(r.number, r.closed_at is None) for r in rounds_of(rows, desk.article_id)] == [
        (1, False), (2, True)]


def test_an_approval_still_approves_while_a_recommendation_waits(app, desk, rows):
    """Approval is unchanged: enough signatures and no unwaived error."""
    app.config["REQUIRED_APPROVALS"] = 1
    assert desk.request_changes(desk.reviewers[0], COMMENT).status_code == 302
    assert desk.approve(desk.reviewers[1]).status_code == 302
    assert desk.state() == "approved"
    (first,) = rounds_of(rows, desk.article_id)
    assert first.decision == "approved"
    dashboard = desk.client(desk.editor).get("/desk/editor").get_data(as_text=True)
    assert f'/desk/articles/{desk.article_id}/decision"' not in dashboard


def test_the_decision_page_without_a_round_to_decide(app, desk):
    desk.send_back(desk.reviewers[0])
    decision = desk.decision_page()
    assert "There is no round to decide on: the article is Changes Requested." in decision
    assert 'name="letter"' not in decision


# --- CHANGES_DECISION=reviewer -----------------------------------------------------------

def test_with_reviewers_deciding_a_request_sends_the_article_back_as_before(app, desk, rows):
    app.config["CHANGES_DECISION"] = "reviewer"
    response = desk.request_changes(desk.reviewers[0], COMMENT)
    assert response.status_code == 302
    flashed = desk.client(desk.reviewers[0]).get(response.headers["Location"]).get_data(
        as_text=True)
    assert "Changes requested: the author has been told." in flashed
    assert desk.state() == "changes_requested"
    (first,) = rounds_of(rows, desk.article_id)
    assert (first.decision, first.decided_by_id, first.decision_letter) == (
        "changes_requested", desk.reviewers[0].id, COMMENT)
    assert first.decision_needed_at is None
    (mail,) = [m for m in mails_to(app, desk.author.email)
               if m.subject.startswith("Changes requested")]
    assert "Please give the dose of ibuprofen." in mail.body
    (event,) = events(app, "review.changes_requested")
    assert event.details["after"] == {"state": "changes_requested"}
    assert event.details["round"]["after"] == {"decision": "changes_requested"}
    # No "Decision needed" section, and no decision to take.
    dashboard = desk.client(desk.editor).get("/desk/editor").get_data(as_text=True)
    assert "Decision needed" not in dashboard
    assert "Decide on round" not in page(desk, desk.editor)
    assert "Please give the dose of ibuprofen." in page(desk, desk.author, "/edit")


def test_with_reviewers_deciding_the_editor_cannot_send_it_back(app, desk):
    app.config["CHANGES_DECISION"] = "reviewer"
    before = audit_actions(app)
    response = desk.decide_changes("A letter.")
    assert response.status_code == 409
    assert "CHANGES_DECISION=reviewer" in response.get_data(as_text=True)
    assert audit_actions(app) == before and desk.state() == "under_review"


def test_a_round_left_waiting_is_still_decided_after_switching_to_reviewers(app, desk):
    assert desk.request_changes(desk.reviewers[0], COMMENT).status_code == 302
    app.config["CHANGES_DECISION"] = "reviewer"
    dashboard = desk.client(desk.editor).get("/desk/editor").get_data(as_text=True)
    assert ">Decision needed <span" in dashboard  # with its count
    assert desk.decide_changes(LETTER).status_code == 302
    assert desk.state() == "changes_requested"


# --- other ways into and out of a round ----------------------------------------------

def test_a_waiver_that_completes_the_approval_closes_the_round(app, make_user, make_article,
                                                               rows):
    from tests.integration.test_citations_app import TWO_REFS, UNRESOLVED_BODY
    from tests.integration.test_citations_app import Desk as CitationDesk

    desk = CitationDesk(app, make_user, make_article, UNRESOLVED_BODY, TWO_REFS)
    assert desk.submit().status_code == 302
    desk.assign_and_accept()
    for reviewer in desk.reviewers:
        assert desk.approve(reviewer).status_code == 302
    assert desk.state() == "under_review"  # blocked by a citation error
    assert rounds_of(rows, desk.article_id)[0].closed_at is None
    ((key, (n, version)),) = desk.waive_forms().items()
    assert desk.waive(desk.editor, n, key, version, "In the printed edition.").status_code == 302
    assert desk.state() == "approved"
    (first,) = rounds_of(rows, desk.article_id)
    assert (first.decision, first.decided_by_id) == ("approved", desk.editor.id)
    (approved,) = events(app, "article.approved")
    assert approved.details["round"]["after"] == {"decision": "approved"}


def test_a_rereview_opens_a_round(app, desk, rows):
    for reviewer in desk.reviewers:
        assert desk.approve(reviewer).status_code == 302
    assert desk.post(desk.editor, "/desk/articles/{a}/rereview",
                     {"reason": "Two years have passed."}).status_code == 302
    first, second = rounds_of(rows, desk.article_id)
    assert (first.decision, second.number, second.closed_at) == ("approved", 2, None)
    assert second.revision_id != first.revision_id


def test_reviews_without_a_round_cannot_exist(app, desk, rows):
    """Every review names its round (NOT NULL); a review given through the
    approve command, which does not name it, gets the open round's."""
    assert desk.approve(desk.reviewers[0]).status_code == 302
    (first,) = rounds_of(rows, desk.article_id)
    with rows() as session:
        assert session.scalars(select(Review.round_id)).all() == [first.id]


def test_due_dates_are_kept_across_rounds(app, desk, rows):
    """Assignments carry over to the next round as before: they wait for a
    review of the new revision."""
    from reviewapp.reviews.models import Assignment

    desk.send_back(desk.reviewers[0])
    assert desk.post(desk.author, "/desk/articles/{a}/edit", REVISED).status_code == 302
    assert desk.post(desk.author, "/desk/articles/{a}/resubmit").status_code == 302
    with rows() as session:
        states = sorted(a.state for a in session.scalars(select(Assignment)))
    assert states == ["accepted", "accepted"]
