"""The desk's article page as its viewers read it: the status, what the article
waits for (said to each viewer) and the next action before anything else; the
history in its own section, in readable change lines with people's names and
never the stored JSON; the audit log's event page reading the same lines."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from reviewapp.accounts.models import User
from reviewapp.audit.models import AuditEvent
from reviewapp.db import utcnow
from reviewapp.workflow import review_commands
from reviewapp.workflow import services as workflow
from tests.conftest import PASSWORD


def page_of(app, user, url) -> str:
    client = app.test_client()
    assert client.post("/login", data={"email": user.email,
                                       "password": PASSWORD}).status_code == 302
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def section(page: str, section_id: str) -> str:
    start = page.index(f'id="{section_id}"')
    return page[start:page.index("</section>", start)]


def text_of(markup: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", markup).split())


@pytest.fixture
def people(make_user):
    return {
        "author": make_user(roles=["author"], name="Dr Ann Author"),
        "editor": make_user(roles=["editor"], name="Dr Ed Editor"),
        "admin": make_user(roles=["admin"], name="Ada Admin"),
        "rita": make_user(roles=["reviewer"], name="Dr Rita Reviewer"),
        "sam": make_user(roles=["reviewer"], name="Dr Sam Second"),
    }


def submitted_and_assigned(rows, article_id, people):
    """Submitted by its author, both reviewers assigned by the editor and accepted."""
    with rows() as session:
        get = lambda key: session.get(User, people[key].id)  # noqa: E731
        workflow.submit_article(article_id, get("author"), None)
        for key in ("rita", "sam"):
            assignment = review_commands.assign_reviewer(
                article_id, get("editor"), None, people[key].id, utcnow() + timedelta(days=7))
            review_commands.accept_assignment(assignment.id, get(key), "none")
        session.commit()


def approve(rows, article_id, people, *keys):
    with rows() as session:
        for key in keys:
            review_commands.approve_revision(article_id, session.get(User, people[key].id),
                                             None, PASSWORD)
        session.commit()


def test_history_reads_as_changes_with_names_after_submit_assign_and_two_approvals(
        app, rows, people, make_article):
    article_id = make_article(people["author"])
    submitted_and_assigned(rows, article_id, people)
    approve(rows, article_id, people, "rita", "sam")
    page = page_of(app, people["editor"], f"/desk/articles/{article_id}")

    history = text_of(section(page, "article-history"))
    assert "State: Draft → Submitted" in history
    assert "State: Submitted → Under Review" in history            # the first assignment
    assert "Reviewer: Dr Rita Reviewer" in history and "Reviewer: Dr Sam Second" in history
    assert "State: Invited → Accepted" in history
    assert "State: Under Review → Approved" in history
    assert "Approved by: Dr Rita Reviewer, Dr Sam Second" in history
    assert "Round 1 decision: — → Approved" in history
    # No stored names, ids or JSON: the words a person reads.
    with rows() as session:
        ids = {session.get(User, people[k].id).id for k in ("rita", "sam")}
    assert f"Approved by: {', '.join(map(str, sorted(ids)))}" not in history
    for raw in ("under_review", "article.approved", "{", "}", "approved_by"):
        assert raw not in history, raw
    status = text_of(section(page, "article-status"))
    assert "Approved by Dr Rita Reviewer, Dr Sam Second" in status and "{" not in status


def test_status_waiting_and_next_action_come_before_the_history(app, rows, people,
                                                                 make_article):
    article_id = make_article(people["author"])
    submitted_and_assigned(rows, article_id, people)
    approve(rows, article_id, people, "rita")
    page = page_of(app, people["editor"], f"/desk/articles/{article_id}")
    positions = [page.index(marker) for marker in (
        'id="article-status"', 'id="waiting-for"', 'id="next-actions"', 'id="still-needed"',
        'aria-label="Reviewers"', 'id="article-history"')]
    assert positions == sorted(positions)
    status = text_of(section(page, "article-status"))
    assert "Under Review" in status
    assert "Waiting for: The advisory board: review it" in status
    assert "Approvals on this revision: 1 of 2 (Dr Rita Reviewer)" in status


@pytest.mark.parametrize(("state", "viewer", "expected"), [
    ("draft", "author", "You: finish and submit it"),
    ("draft", "editor", "Author: finish and submit it"),
    ("draft", "admin", "Author: finish and submit it"),
    ("submitted", "author", "The editor: assign reviewers"),
    ("submitted", "editor", "You: assign reviewers"),
    ("submitted", "admin", "The editor: assign reviewers"),
    ("under_review", "author", "The advisory board: review it"),
    ("under_review", "editor", "The advisory board: review it"),
    ("under_review", "admin", "The advisory board: review it"),
    ("under_review", "rita", "You: review it"),            # accepted, yet to report
    ("under_review", "sam", "The advisory board: review it"),   # has approved already
    ("approved", "editor", "Nothing: published"),
])
def test_waiting_for_is_said_to_each_viewer(app, rows, people, make_article, state, viewer,
                                            expected):
    article_id = make_article(people["author"])
    if state == "submitted":
        with rows() as session:
            workflow.submit_article(article_id, session.get(User, people["author"].id), None)
            session.commit()
    elif state in ("under_review", "approved"):
        submitted_and_assigned(rows, article_id, people)
        approve(rows, article_id, people, *(("sam",) if state == "under_review"
                                            else ("rita", "sam")))
    page = page_of(app, people[viewer], f"/desk/articles/{article_id}")
    waiting = text_of(page[page.index('id="waiting-for"'):].split("</p>", 1)[0] + "</p>")
    assert waiting.endswith(f"Waiting for: {expected}"), waiting


def test_the_lists_say_what_a_draft_waits_for_to_its_author_and_to_an_editor(
        app, people, make_article):
    make_article(people["author"], title="Paracetamol dosing")
    assert "You: finish and submit it" in page_of(app, people["author"], "/desk/articles/")
    listed = page_of(app, people["editor"], "/desk/articles/all")
    assert "Author: finish and submit it" in listed and "You: finish" not in listed


def test_the_audit_event_page_reads_the_approval_with_names(app, rows, people, make_article):
    article_id = make_article(people["author"])
    submitted_and_assigned(rows, article_id, people)
    approve(rows, article_id, people, "rita", "sam")
    with rows() as session:
        seq = session.scalar(select(AuditEvent.seq).where(
            AuditEvent.action == "article.approved"))
    page = page_of(app, people["admin"], f"/admin/audit/{seq}")
    details = text_of(page[page.index(">Details<"):page.index('id="details-json"')])
    assert "State: Under Review → Approved" in details
    assert "Approved by: Dr Rita Reviewer, Dr Sam Second" in details
    log = text_of(page_of(app, people["admin"], f"/admin/audit?article={article_id}"))
    assert "Approved by: Dr Rita Reviewer, Dr Sam Second" in log
