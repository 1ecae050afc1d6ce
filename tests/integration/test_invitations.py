"""Reading an invitation before answering it, and declaring competing
interests explicitly: who may open the invitation page, accepting and
declining from it, where declared interests are shown, the invitation mail."""

import re

import pytest
from sqlalchemy import select

from reviewapp.articles.models import Article
from reviewapp.audit.models import AuditEvent
from reviewapp.mail.models import OutboxMessage
from reviewapp.reviews.models import Assignment
from tests.conftest import audit_actions
from tests.integration.test_workflow import Desk

BODY = ("## Key points\n\n- Ibuprofen eases acute low back pain [1].\n"
        "- Take it with food.\n\n## Background\n\nBack pain is common.")
INTERESTS = "Speaker fees from a metformin manufacturer"


@pytest.fixture
def desk(app, make_user, make_article):
    return Desk(app, make_user, make_article, body=BODY)


def invited(desk, reviewer=None):
    """Submitted, with `reviewer` (the first) invited; the invitation page's path."""
    reviewer = reviewer or desk.reviewers[0]
    if desk.state() == "draft":
        assert desk.submit().status_code == 302
    assert desk.assign(reviewer).status_code == 302
    return f"/desk/assignments/{desk.assignment_id(reviewer)}"


def answer(desk, reviewer, action, data, page=True):
    n = desk.assignment_id(reviewer)
    suffix = "?from=invitation" if page else ""
    return desk.client(reviewer).post(f"/desk/assignments/{n}/{action}{suffix}",
                                      data={f"a{n}-{k}": v for k, v in data.items()})


def assignment(app, n) -> Assignment:
    with app.app_context():
        from reviewapp.extensions import db

        row = db.session.get(Assignment, n)
        db.session.expunge(row)
        return row


def test_the_queue_links_each_invitation_to_its_page(desk):
    path = invited(desk)
    queue = desk.client(desk.reviewers[0]).get("/desk/reviews").get_data(as_text=True)
    assert f'<a href="{path}"><strong>Ibuprofen for back pain</strong></a>' in queue
    assert "No competing interests" in queue and "Accept" in queue and "Decline" in queue


def test_the_invitation_page_shows_the_revision_its_report_due_date_and_editor(desk):
    path = invited(desk)
    response = desk.client(desk.reviewers[0]).get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1 class=\"h3\">Invitation to review: Ibuprofen for back pain</h1>" in page
    assert "Ibuprofen eases acute low back pain" in page           # the rendered body
    assert 'aria-label="Citation check"' in page and "checked" in page
    assert "Eddie Editor" in page                                    # who invited
    with desk.app.app_context():
        from reviewapp.extensions import db

        due = db.session.get(Assignment, desk.assignment_id(desk.reviewers[0])).due_at
    assert f"{due:%Y-%m-%d %H:%M} UTC" in page
    assert 'name="a' in page and "I have competing interests to declare" in page
    # read-only: nothing to approve or waive here
    assert "Approve" not in page and "Waive" not in page


@pytest.mark.parametrize("who,status,message", [
    ("other_reviewer", 403, "This invitation is not yours."),
    ("author", 403, "or editor or admin role."),
    ("second_reviewer", 403, "This invitation is not yours."),
])
def test_only_the_invited_reviewer_and_editors_open_the_invitation(desk, make_user, app,
                                                                    who, status, message):
    path = invited(desk)
    invited(desk, desk.reviewers[1])
    user = {"other_reviewer": make_user(roles=["reviewer"]), "author": desk.author,
            "second_reviewer": desk.reviewers[1]}[who]
    response = desk.client(user).get(path)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert audit_actions(app)[-1] == "access.denied"
    editor_page = desk.client(desk.editor).get(path)
    assert editor_page.status_code == 200
    assert "I have competing interests to declare" not in editor_page.get_data(as_text=True)


def test_a_declined_or_withdrawn_invitation_is_refused_clearly(desk):
    path = invited(desk)
    assert answer(desk, desk.reviewers[0], "decline", {"reason": "On leave"}).status_code == 302
    response = desk.client(desk.reviewers[0]).get(path)
    assert response.status_code == 409
    assert "You declined this invitation on" in response.get_data(as_text=True)

    second = invited(desk, desk.reviewers[1])
    n = desk.assignment_id(desk.reviewers[1])
    assert desk.post(desk.editor, f"/desk/assignments/{n}/unassign").status_code == 302
    response = desk.client(desk.reviewers[1]).get(second)
    assert response.status_code == 409
    assert "The editor withdrew this invitation" in response.get_data(as_text=True)
    assert desk.client(desk.editor).get(second).status_code == 200


def test_accepting_from_the_invitation_page_goes_to_the_review(desk, app):
    path = invited(desk)
    n = desk.assignment_id(desk.reviewers[0])
    response = answer(desk, desk.reviewers[0], "accept", {"declaration": "none"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/desk/articles/{desk.article_id}/review")
    assert assignment(app, n).competing_interests == "none"
    page = desk.client(desk.reviewers[0]).get(path).get_data(as_text=True)
    assert "no competing interests declared" in page and "Go to the review" in page


@pytest.mark.parametrize("data,message", [
    ({}, "Choose “No competing interests” or “I have competing interests to declare”."),
    ({"declaration": "declare"}, "You chose “I have competing interests to declare”: "
                                 "describe them."),
    ({"declaration": "declare", "competing_interests": " none "},
     "You chose “I have competing interests to declare”: describe them."),
    ({"declaration": "none", "competing_interests": INTERESTS},
     "You chose “No competing interests” but described some"),
    ({"declaration": "maybe"},
     "Choose “No competing interests” or “I have competing interests to declare”."),
])
@pytest.mark.parametrize("from_page", [True, False])
def test_accepting_needs_an_explicit_declaration_and_changes_nothing_without(
        desk, app, data, message, from_page):
    path = invited(desk)
    n = desk.assignment_id(desk.reviewers[0])
    desk.client(desk.reviewers[0])  # logged in before counting events
    before = audit_actions(app)
    response = answer(desk, desk.reviewers[0], "accept", data, page=from_page)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    # the page the form came from, with what was typed kept
    heading = "Invitation to review: Ibuprofen" if from_page else "My reviews"
    assert heading in page
    if data.get("competing_interests", "").strip():
        assert data["competing_interests"].strip() in page
    if data.get("declaration") in ("none", "declare"):
        assert re.search(rf'checked[^>]*value="{data["declaration"]}"'
                         rf'|value="{data["declaration"]}"[^>]*checked', page)
    assert assignment(app, n).state == "invited"
    assert audit_actions(app) == before
    assert desk.client(desk.reviewers[0]).get(path).status_code == 200


def test_declared_interests_are_stored_audited_and_flagged_to_the_editor(desk, app, make_user):
    make_user(roles=["reviewer"], name="Dr. Third")  # one more the editor could assign
    invited(desk)
    invited(desk, desk.reviewers[1])
    n = desk.assignment_id(desk.reviewers[0])
    response = answer(desk, desk.reviewers[0], "accept",
                      {"declaration": "declare", "competing_interests": f"  {INTERESTS}\n"})
    assert response.status_code == 302
    assert desk.accept(desk.reviewers[1]).status_code == 302
    assert assignment(app, n).competing_interests == INTERESTS
    with app.app_context():
        from reviewapp.extensions import db

        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "assignment.accepted").order_by(AuditEvent.seq)).all()
        assert [e.details["competing_interests"] for e in events] == [INTERESTS, "none"]

    article_page = desk.client(desk.editor).get(
        f"/desk/articles/{desk.article_id}").get_data(as_text=True)
    flag = article_page[article_page.index('id="declared-interests"'):]
    assert f"Dr. Reviewer 1: {INTERESTS}" in flag[:500]
    # before the form that assigns more reviewers
    assert article_page.index('id="declared-interests"') < article_page.index(
        "Assign reviewer</button>")
    assert "None declared" in article_page  # the other reviewer's row

    dashboard = desk.client(desk.editor).get("/desk/editor").get_data(as_text=True)
    section = dashboard[dashboard.index('aria-label="Competing interests declared"'):]
    section = section[:section.index("</section>")]
    assert "Ibuprofen for back pain" in section and "Dr. Reviewer 1" in section
    assert INTERESTS in section and "Dr. Reviewer 2" not in section


def test_the_public_page_and_api_show_each_reviewers_declaration(desk, app):
    invited(desk)
    invited(desk, desk.reviewers[1])
    assert answer(desk, desk.reviewers[0], "accept",
                  {"declaration": "declare", "competing_interests": INTERESTS}
                  ).status_code == 302
    assert desk.accept(desk.reviewers[1]).status_code == 302
    for reviewer in desk.reviewers:
        assert desk.approve(reviewer).status_code == 302
    assert desk.state() == "approved"
    with app.app_context():
        from reviewapp.extensions import db

        slug = db.session.get(Article, desk.article_id).slug
    client = app.test_client()
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    listing = page[page.index('class="reviewer-list"'):page.index("</ul>",
                                                                   page.index("reviewer-list"))]
    first, second = listing.split("</li>")[:2]
    assert "Dr. Reviewer 1" in first and f"Competing interests: {INTERESTS}" in first
    assert "Dr. Reviewer 2" in second and "Competing interests: none declared" in second
    reviewed_by = client.get(f"/api/v1/articles/{slug}").get_json()["review"]["reviewed_by"]
    assert [(r["name"], r["competing_interests"]) for r in reviewed_by] == [
        ("Dr. Reviewer 1", INTERESTS), ("Dr. Reviewer 2", None)]


def test_declining_from_the_invitation_page_keeps_the_page_on_error(desk, app):
    invited(desk)
    response = answer(desk, desk.reviewers[0], "decline", {"reason": "  "})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "A reason is required to decline." in page
    assert "Invitation to review: Ibuprofen" in page
    response = answer(desk, desk.reviewers[0], "decline", {"reason": "On leave until May"})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/desk/reviews")
    assert audit_actions(app)[-1] == "assignment.declined"


def test_an_invitation_to_a_rejected_article_cannot_be_answered(desk, app):
    path = invited(desk)
    assert desk.post(desk.editor, "/desk/articles/{a}/reject",
                     {"reason": "Out of scope."}).status_code == 302
    page = desk.client(desk.reviewers[0]).get(path).get_data(as_text=True)
    assert "the invitation can no longer be answered" in page
    assert "Accept</button>" not in page
    response = answer(desk, desk.reviewers[0], "accept", {"declaration": "none"})
    assert response.status_code == 409
    assert "Invitation to review: Ibuprofen" in response.get_data(as_text=True)


def test_the_invitation_page_shows_the_submitted_revision_while_the_author_edits(desk):
    path = invited(desk)
    assert desk.accept(desk.reviewers[0]).status_code == 302
    invited(desk, desk.reviewers[1])
    desk.send_back(desk.reviewers[0])
    assert desk.post(desk.author, "/desk/articles/{a}/edit", {
        "title": "Ibuprofen for back pain", "body": "A draft the board has not seen.",
        "references": "", "save": "Save draft"}).status_code == 302
    page = desk.client(desk.reviewers[1]).get(
        f"/desk/assignments/{desk.assignment_id(desk.reviewers[1])}").get_data(as_text=True)
    assert "Revision 1" in page and "Ibuprofen eases acute low back pain" in page
    assert "A draft the board has not seen." not in page
    assert desk.client(desk.reviewers[0]).get(path).status_code == 200


def test_the_invitation_mail_has_the_summary_due_date_and_the_invitation_link(desk, app):
    invited(desk)
    n = desk.assignment_id(desk.reviewers[0])
    with app.app_context():
        from reviewapp.extensions import db

        message = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient == desk.reviewers[0].email)).one()
        due = db.session.get(Assignment, n).due_at
    assert message.subject == "Invitation to review: Ibuprofen for back pain"
    body = message.body
    assert "Eddie Editor invites you to review" in body
    assert ("In short:\n- Ibuprofen eases acute low back pain.\n- Take it with food.\n"
            in body)
    assert "[1]" not in body and "##" not in body
    assert f"Review due: {due:%Y-%m-%d}" in body
    assert body.rstrip().endswith(f"http://localhost/desk/assignments/{n}") or re.search(
        rf"https?://\S+/desk/assignments/{n}$", body.rstrip())
    assert "/review" not in body


@pytest.mark.parametrize("declaration", ["", "   ", None])
def test_the_service_assumes_no_declaration(desk, app, declaration):
    """Whatever screen calls it, accepting without a declaration is refused."""
    from reviewapp.errors import InvalidInput
    from reviewapp.workflow.review_commands import accept_assignment

    invited(desk)
    n = desk.assignment_id(desk.reviewers[0])
    with app.app_context():
        from reviewapp.accounts.models import User
        from reviewapp.extensions import db

        with pytest.raises(InvalidInput, match="Declare your competing interests"):
            accept_assignment(n, db.session.get(User, desk.reviewers[0].id), declaration)
        db.session.rollback()
    assert assignment(app, n).state == "invited"
