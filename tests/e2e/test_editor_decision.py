"""Review rounds in Chromium (issue 14, point 6), each person in a browser of
their own. With CHANGES_DECISION=editor: a reviewer's "Request changes" leaves
the article Under Review, the editor sees "Decision needed", reads the reports
side by side, sends "Request changes" with a decision letter, and the author
reads the letter on the article page and the edit page. With "reviewer": the
reviewer's request sends the article back at once, as before. Screenshots go
to /tmp/reviewapp-editor-decision."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from reviewapp.db import utcnow
from tests.conftest import PASSWORD
from tests.e2e.conftest import approve_form, flash, nav, open_decision

pytestmark = pytest.mark.browser

TITLE = "Ibuprofen for back pain"  # make_article's default
COMMENT = "Please give the dose of ibuprofen.\nAnd how often to take it."
LETTER_LINE = "Please also add the 2021 guideline on dosing."
SCREENSHOTS = Path("/tmp/reviewapp-editor-decision")


@pytest.fixture
def people(app, make_user, make_article):
    """An article under review by two reviewers who accepted, set up through
    the services; what the test is about happens in the browsers."""
    from reviewapp.accounts.models import User
    from reviewapp.extensions import db
    from reviewapp.workflow import review_commands
    from reviewapp.workflow import services as workflow

    author = make_user(roles=["author"], name="Alice Author")
    editor = make_user(roles=["editor"], name="Eddie Editor")
    reviewers = [make_user(roles=["reviewer"], name=name)
                 for name in ("Dr. Rita Reviewer", "Dr. Sam Second")]
    article_id = make_article(author)
    with app.app_context():
        workflow.submit_article(article_id, db.session.get(User, author.id), None)
        for reviewer in reviewers:
            assignment = review_commands.assign_reviewer(
                article_id, db.session.get(User, editor.id), None, reviewer.id,
                utcnow() + timedelta(days=10))
            review_commands.accept_assignment(assignment.id,
                                              db.session.get(User, reviewer.id), "none")
        db.session.commit()
    return {"author": author, "editor": editor, "reviewers": reviewers,
            "article": f"/desk/articles/{article_id}"}


def request_changes(page: Page, article: str) -> None:
    page.goto(f"{article}/review")
    page.get_by_label("Comments", exact=True).fill(COMMENT)
    page.get_by_role("button", name="Request changes").click()


def test_the_editor_decides_and_the_author_reads_the_letter(app, people, browsers):
    assert app.config["CHANGES_DECISION"] == "editor"
    article = people["article"]
    first = browsers(people["reviewers"][0])
    request_changes(first, article)
    expect(flash(first)).to_contain_text("your recommendation is with the editor")
    expect(first.get_by_text("Under Review", exact=True)).to_be_visible()

    second = browsers(people["reviewers"][1])
    second.goto(f"{article}/review")
    form = approve_form(second)
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_role("button", name="Approve").click()
    expect(flash(second)).to_have_text("Approved and signed.")

    # The editor sees "Decision needed" and opens the decision page from it.
    editor = browsers(people["editor"], width=390)
    open_decision(editor, TITLE, 1)
    reports = editor.get_by_role("region", name="Reports of this round")
    expect(reports.get_by_role("article")).to_have_count(2)
    expect(reports.get_by_role("article", name="Report by Dr. Rita Reviewer")).to_contain_text(
        "Please give the dose of ibuprofen.")
    expect(reports.get_by_role("article", name="Report by Dr. Sam Second")).to_contain_text(
        "Signed by")
    # On a phone the whole page fits the screen, its menu folded (issue 16).
    assert editor.evaluate("document.documentElement.scrollWidth") <= 390
    letter = editor.get_by_label("Decision letter", exact=True)
    expect(letter).to_have_value(
        re.compile(r"Dr\. Rita Reviewer:\nPlease give the dose of ibuprofen\."))
    letter.fill(letter.input_value() + "\n\n" + LETTER_LINE)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    editor.screenshot(path=str(SCREENSHOTS / "decision-390.png"), full_page=True)
    editor.get_by_role("button", name="Request changes").click()
    expect(flash(editor)).to_have_text(
        "Changes requested: the decision letter was mailed to the author.")
    expect(editor.get_by_role("region", name="Status").get_by_text(
        "Changes Requested", exact=True)).to_be_visible()

    # The author reads the letter on the article page and on the edit page.
    author = browsers(people["author"])
    author.goto(article)
    letter_section = author.get_by_role("region", name="Decision letter")
    expect(letter_section).to_contain_text(LETTER_LINE)
    expect(letter_section).to_contain_text("Please give the dose of ibuprofen.")
    expect(letter_section).to_contain_text("changes requested by Eddie Editor")
    round_1 = author.get_by_role("region", name="Round 1")
    expect(round_1).to_contain_text("Changes Requested (Eddie Editor)")
    expect(round_1).to_contain_text("Please give the dose of ibuprofen.")
    author.screenshot(path=str(SCREENSHOTS / "author-letter.png"), full_page=True)
    author.get_by_role("link", name="Edit draft").click()
    expect(author.get_by_role("group", name="Decision letter")).to_contain_text(LETTER_LINE)


def test_with_reviewers_deciding_a_request_sends_the_article_back_as_before(
        app, people, browsers):
    app.config["CHANGES_DECISION"] = "reviewer"
    article = people["article"]
    first = browsers(people["reviewers"][0])
    request_changes(first, article)
    expect(flash(first)).to_have_text("Changes requested: the author has been told.")
    expect(first.get_by_text("Changes Requested", exact=True)).to_be_visible()

    editor = browsers(people["editor"])
    nav(editor, "Editor dashboard")
    expect(editor.get_by_role("heading", name="Editor dashboard")).to_be_visible()
    expect(editor.get_by_text("Decision needed")).to_have_count(0)
    editor.goto(article)
    expect(editor.get_by_role("link", name="Decide on round 1")).to_have_count(0)

    author = browsers(people["author"])
    author.goto(article)
    expect(author.get_by_text("Changes Requested", exact=True)).to_be_visible()
    expect(author.get_by_role("region", name="Decision letter")).to_contain_text(
        "Please give the dose of ibuprofen.")
    expect(author.get_by_role("region", name="Round 1")).to_contain_text(
        "Changes Requested (Dr. Rita Reviewer)")
