""""What changed" in Chromium (issue 17): the author of an approved article
edits it, is refused when submitting the update without "What changed", writes
it and submits; both reviewers read it on the review page and approve; the
public page's "Update history" shows both versions, newest first, with their
dates and the note."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from reviewapp.accounts.models import User
from reviewapp.articles.models import Article, Revision
from tests.e2e.conftest import approve, flash, give_verdicts, watch_problems
from tests.e2e.test_accessibility import blocking_violations
from tests.integration.test_public_pages import Publisher

pytestmark = pytest.mark.browser

BODY = "Ibuprofen reduces acute low back pain [1]."
REFERENCES = "1. Doe J. Ibuprofen trial. BMJ. 2020. doi:10.1136/bmj.m1"
UPDATED_BODY = "Ibuprofen 400 mg three times a day reduces acute low back pain [1]."
NOTE = "The dose and how often to take it were added."
REVIEWERS = ("Dr. Una Update", "Dr. Vic Verify")


def person(rows, **where) -> User:
    with rows() as session:
        user = session.scalar(select(User).filter_by(**where))
        session.expunge(user)
        return user


def long_date(moment) -> str:
    return f"{moment.day} {moment:%B %Y}"


def test_an_update_is_written_reviewed_and_listed_in_the_update_history(
        app, rows, browser, browsers, live_server):
    publisher = Publisher(app, rows)
    slug = publisher.approved(title="Ibuprofen for back pain", body=BODY,
                              references=REFERENCES)
    publisher.age(slug, 40)  # first published 40 days ago
    article_id = publisher.article_id(slug)
    with rows() as session:
        author_id = session.get(Article, article_id).author_id
    desk_url = f"/desk/articles/{article_id}"

    # The author revises the approved article and saves the new text, without a note.
    author = browsers(person(rows, id=author_id))
    author.goto(desk_url)
    author.get_by_role("button", name="Revise").click()
    expect(flash(author)).to_contain_text("A new draft revision was started")
    author.get_by_role("link", name="Edit draft").click()
    what_changed = author.get_by_label("What changed", exact=True)
    expect(what_changed).to_be_visible()
    expect(what_changed).to_have_accessible_description(
        "A sentence or two for readers: what is new or corrected in this update.")
    author.get_by_label("Body", exact=True).fill(UPDATED_BODY)
    author.get_by_role("button", name="Save draft").click()
    expect(flash(author)).to_have_text("Draft saved.")

    # Submitting the update without "What changed" is refused, and says why.
    author.get_by_role("button", name="Submit for review").click()
    expect(flash(author)).to_contain_text("write “What changed”")
    expect(author.get_by_role("region", name="Status")).to_contain_text("Draft")
    seen = browsers.problems["Alice Author"]
    assert len(seen) == 1 and "409" in seen[0] and "/submit" in seen[0], seen
    seen.clear()  # the refusal was the point

    author.get_by_role("link", name="Edit draft").click()
    expect(author.get_by_label("Body", exact=True)).to_have_value(UPDATED_BODY)  # kept
    author.get_by_label("What changed", exact=True).fill(NOTE)
    assert blocking_violations(author) == []  # axe: the edit form with the new field
    author.get_by_role("button", name="Save draft").click()
    expect(flash(author)).to_have_text("Draft saved.")
    expect(author.get_by_role("region", name="What changed")).to_contain_text(NOTE)
    author.get_by_role("button", name="Submit for review").click()
    expect(flash(author)).to_have_text("Submitted for review.")

    # Two board members are assigned and accept; each reads the note and signs.
    publisher.review(article_id, REVIEWERS, approve=False)
    for name in REVIEWERS:
        reviewer = browsers(person(rows, display_name=name))
        reviewer.goto(f"{desk_url}/review")
        expect(reviewer.get_by_role("region", name="What changed")).to_contain_text(NOTE)
        assert blocking_violations(reviewer) == []
        claims = reviewer.get_by_role("region", name="Claims").locator("li.claim")
        give_verdicts(reviewer, ["Supported"] * claims.count())
        approve(reviewer)
    with rows() as session:
        article = session.get(Article, article_id)
        assert article.state == "approved"
        first, second = session.scalars(select(Revision.approved_at).where(
            Revision.article_id == article_id, Revision.approved_at.is_not(None))
            .order_by(Revision.number)).all()
    assert second - first >= timedelta(days=40)

    # A reader sees both versions, newest first, with their dates and the note.
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    reader = context.new_page()
    problems = watch_problems(reader)
    try:
        reader.goto(f"/articles/{slug}")
        expect(reader.locator(".public-body")).to_contain_text("400 mg three times a day")
        history = reader.get_by_role("region", name="Update history")
        entries = history.get_by_role("listitem")
        expect(entries).to_have_count(2)
        expect(entries.nth(0)).to_have_text(f"{long_date(second)}: {NOTE}")
        expect(entries.nth(1)).to_have_text(f"{long_date(first)}: First published")
        expect(entries.nth(0).locator("time")).to_have_attribute(
            "datetime", second.date().isoformat())
        assert reader.evaluate(
            "document.documentElement.scrollWidth <= window.innerWidth")  # fits a phone
        assert blocking_violations(reader) == []
        assert problems == []
    finally:
        context.close()
