"""Comments on passages in Chromium: a reviewer selects a passage of the
rendered revision and comments on it (and, confidentially, on a paragraph);
the author answers it — a reply and "Addressed" — when resubmitting, with a
general response; the reviewer sees the answers beside the changes and
resolves the comment."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from reviewapp.accounts.models import User
from reviewapp.db import utcnow
from reviewapp.workflow import review_commands
from reviewapp.workflow import services as workflow
from tests.e2e.conftest import (
    TIMEOUT_MS,
    flash,
    log_in,
    select_passage,
    thread,
    watch_problems,
)

pytestmark = pytest.mark.browser

TITLE = "Metformin for type 2 diabetes"
BODY = """Metformin is the **first-line** treatment for type 2 diabetes [1].

Start with 500 mg once daily with meals, then increase slowly [1].

Lactic acidosis is rare but serious [1]."""
REVISED = BODY.replace("Start with 500 mg once daily with meals",
                       "Start with 500 mg once daily with a meal")
REFERENCES = "1. Doe J. Metformin trial. BMJ. 2020. doi:10.1136/bmj.m1"
PASSAGE = "500 mg once daily with meals"
COMMENT = "Which guideline gives this dose?\nPlease cite it:\n- the source\n- its year"
SECRET = "For the editor only: the dose table looks copied."
ANSWER = "Cited the ADA guideline [1]."
GENERAL = "Thank you for the careful review."
SCREENSHOTS = "/tmp/reviewapp-comments-flow"


@pytest.fixture
def app_config(app_config):
    """The reviewer's request sends the article back at once
    (CHANGES_DECISION=reviewer), so that this flow is about the comments;
    tests/integration/test_comments.py drives the editor's decision, the default."""
    return {**app_config, "CHANGES_DECISION": "reviewer"}


def test_a_comment_on_a_selected_passage_is_answered_and_resolved(
        app, page, browser, live_server, make_user, make_article, browser_problems):
    author = make_user(roles=["author"], name="Alice Author")
    editor = make_user(roles=["editor"], name="Eddie Editor")
    reviewer = make_user(roles=["reviewer"], name="Dr. Rita Reviewer")
    article_id = make_article(author, title=TITLE, body=BODY, references=REFERENCES)
    with app.app_context():
        from reviewapp.extensions import db

        workflow.submit_article(article_id, db.session.get(User, author.id), None)
        assignment = review_commands.assign_reviewer(
            article_id, db.session.get(User, editor.id), None, reviewer.id,
            utcnow() + timedelta(days=7))
        review_commands.accept_assignment(assignment.id, db.session.get(User, reviewer.id),
                                          "none")
        db.session.commit()
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        rita = context.new_page()
        rita_problems = watch_problems(rita)
        log_in(rita, reviewer.email)
        review_url = f"/desk/articles/{article_id}/review"

        # The reviewer selects a passage and comments on it.
        rita.goto(review_url)
        select_passage(rita, PASSAGE)
        expect(rita.get_by_label("Paragraph", exact=True)).to_be_hidden()
        rita.get_by_label("Comment", exact=True).fill(COMMENT)
        rita.get_by_role("button", name="Comment", exact=True).click()
        expect(flash(rita)).to_have_text("Comment added.")
        mine = thread(rita, "Which guideline gives this dose?")
        expect(mine.locator("blockquote")).to_have_text(PASSAGE)
        expect(mine).to_contain_text("Paragraph 2 of revision 1")
        expect(mine.get_by_role("listitem")).to_have_text(["the source", "its year"])

        # Then, without selecting anything, a confidential comment on a paragraph.
        rita.get_by_label("Paragraph", exact=True).select_option(label="¶3: Lactic acidosis "
                                                                  "is rare but serious [1].")
        rita.get_by_label("Comment", exact=True).fill(SECRET)
        rita.get_by_label("Confidential comments to the editor").check()
        rita.get_by_role("button", name="Comment", exact=True).click()
        expect(flash(rita)).to_have_text("Comment added.")
        expect(thread(rita, SECRET)).to_contain_text("Confidential comments to the editor")
        rita.screenshot(path=f"{SCREENSHOTS}-1-commented.png", full_page=True)
        rita.get_by_label("Comments", exact=True).fill("See my comments on the passages.")
        rita.get_by_role("button", name="Request changes").click()
        expect(flash(rita)).to_have_text("Changes requested: the author has been told.")

        # The author sees the comment (not the confidential one), revises, and
        # answers it — a reply and "Addressed" — when resubmitting.
        log_in(page, author.email)
        page.goto(f"/desk/articles/{article_id}")
        expect(thread(page, "Which guideline gives this dose?")).to_be_visible()
        expect(page.get_by_text(SECRET)).to_have_count(0)
        page.get_by_role("link", name="Edit draft").click()
        page.get_by_label("Body", exact=True).fill(REVISED)
        page.get_by_role("button", name="Save draft").click()
        expect(flash(page)).to_have_text("Draft saved.")
        answer = page.get_by_role("region", name="Answer the reviewers")
        mine = thread(answer, "Which guideline gives this dose?")
        mine.get_by_label("Reply", exact=True).fill(ANSWER)
        mine.get_by_label("Addressed", exact=True).check()
        answer.get_by_label("General response to reviewers").fill(GENERAL)
        page.screenshot(path=f"{SCREENSHOTS}-2-author-answers.png", full_page=True)
        answer.get_by_role("button", name="Resubmit").click()
        expect(flash(page)).to_contain_text("Resubmitted")
        expect(page.get_by_text(SECRET)).to_have_count(0)

        # The reviewer sees the answers beside the changes, then resolves the comment.
        rita.goto(review_url)
        response = rita.get_by_role("region", name="The author's response")
        expect(response).to_contain_text(GENERAL)
        expect(response).to_contain_text("Addressed")
        expect(response).to_contain_text(ANSWER)
        mine = thread(rita, "Which guideline gives this dose?")
        expect(mine).to_contain_text("Alice Author marked it addressed")
        expect(mine).to_contain_text("Now reads:")
        expect(mine.locator("q")).to_have_text("500 mg once daily with a meal")
        rita.screenshot(path=f"{SCREENSHOTS}-3-reviewer-sees-answers.png", full_page=True)
        mine.get_by_role("button", name="Resolve").click()
        expect(flash(rita)).to_have_text("Comment resolved.")
        mine = thread(rita, "Which guideline gives this dose?")
        expect(mine).to_contain_text("Dr. Rita Reviewer resolved it")
        expect(mine.locator(".comment-state")).to_have_text("Resolved")
        expect(mine.get_by_role("button", name="Resolve")).to_have_count(0)
    finally:
        context.close()
    assert browser_problems == []
    assert rita_problems == []
