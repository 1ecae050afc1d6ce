"""Scheduled publishing at the boundary, in Chromium (issue 17): an approved
article has an update in review; the editor sets "Publish at" on the desk, the
two reviewers approve it in their browsers, and the reader still sees the
previous version, one second before the time too; at the time, the reader's next
request shows the new version, and the audit log holds one "article.published".
The app's clock for publishing (public/publish_on_read.utcnow) is set by the test:
no waiting for the time to come."""

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from reviewapp.articles.models import Article
from reviewapp.audit.models import AuditEvent
from reviewapp.db import utcnow
from reviewapp.public import publish_on_read
from reviewapp.workflow import review_commands
from tests.conftest import PASSWORD
from tests.e2e.conftest import flash, open_review
from tests.e2e.test_accessibility import blocking_violations, stops_without_visible_focus
from tests.integration.test_public_pages import Publisher

pytestmark = pytest.mark.browser

OLD_TITLE, NEW_TITLE = "Ibuprofen for back pain", "Ibuprofen, updated"
SCREENSHOTS = Path("/tmp/reviewapp-scheduled-publishing")


def sign(page: Page) -> None:
    """A reviewer's approval: a "Supported" verdict on every claim, every open
    warning ticked, the password entered again."""
    claims = page.get_by_role("region", name="Claims")
    for claim in claims.locator("li.claim").all():
        claim.get_by_label("Supported", exact=True).check()
    if claims.locator("li.claim").count():
        claims.get_by_role("button", name="Save verdicts").click()
        expect(flash(page)).to_contain_text("Verdicts saved")
    form = page.locator("form").filter(
        has=page.get_by_role("heading", name="Approve with your signature"))
    for box in form.get_by_label("I have checked this", exact=True).all():
        box.check()
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_role("button", name="Approve").click()
    expect(flash(page)).to_have_text("Approved and signed.")


def test_an_update_scheduled_by_the_editor_goes_public_at_its_time(
        app, rows, browser, browsers, live_server, monkeypatch):
    publisher = Publisher(app, rows)
    slug = publisher.approved()
    article_id = publisher.new_version_in_review(slug)
    with rows() as session:  # the editor assigned two reviewers, who accepted
        editor = publisher.user("editor", "Eddie Scheduler")
        reviewers = [publisher.user("reviewer", name) for name in ("Dr. Una", "Dr. Dos")]
        for reviewer in reviewers:
            assignment = review_commands.assign_reviewer(
                article_id, editor, None, reviewer.id, utcnow() + timedelta(days=7))
            review_commands.accept_assignment(assignment.id, reviewer, "none")
        session.commit()
        for user in (editor, *reviewers):
            session.refresh(user)
        session.expunge_all()

    # The editor sets "Publish at" on the desk article page, in UTC.
    desk = browsers(editor)
    desk.goto(f"/desk/articles/{article_id}")
    publication = desk.get_by_role("region", name="Publication")
    expect(publication).to_contain_text("not your local time")
    publish_at = (utcnow() + timedelta(hours=3)).replace(second=0, microsecond=0)
    publication.get_by_label("Publish at (UTC)").fill(publish_at.strftime("%Y-%m-%dT%H:%M"))
    publication.get_by_role("button", name="Set publication time").click()
    when = f"{publish_at:%Y-%m-%d %H:%M} UTC"
    expect(flash(desk)).to_have_text(
        f"Publish at {when}: the revision approved next will be published then.")

    # Both reviewers approve the update in their own browsers.
    for reviewer in reviewers:
        page = browsers(reviewer)
        open_review(page, NEW_TITLE)
        sign(page)

    desk.goto(f"/desk/articles/{article_id}")
    expect(desk.locator("#scheduled-publication")).to_contain_text(
        f"Scheduled for publication at {when}.")
    expect(desk.locator("#scheduled-publication")).to_contain_text(
        "readers see the previous approved revision")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    desk.screenshot(path=str(SCREENSHOTS / "desk-scheduled.png"))
    assert blocking_violations(desk) == [] and stops_without_visible_focus(desk) == []
    desk.goto("/desk/editor")
    expect(desk.get_by_role("region", name="Scheduled for publication")).to_contain_text(
        f"{NEW_TITLE} — revision 2, scheduled for publication at {when}")
    assert blocking_violations(desk) == []

    # The reader: the old version until the time, one second before it too.
    clock = {"now": utcnow()}
    monkeypatch.setattr(publish_on_read, "utcnow", lambda: clock["now"])
    reader_context = browser.new_context(base_url=live_server,
                                         viewport={"width": 390, "height": 844})
    reader = reader_context.new_page()
    try:
        reader.goto(f"/articles/{slug}")
        expect(reader.get_by_role("heading", level=1)).to_have_text(OLD_TITLE)
        clock["now"] = publish_at - timedelta(seconds=1)
        reader.reload()
        expect(reader.get_by_role("heading", level=1)).to_have_text(OLD_TITLE)
        reader.goto("/articles")
        expect(reader.get_by_role("main")).to_contain_text(OLD_TITLE)
        expect(reader.get_by_role("main")).not_to_contain_text(NEW_TITLE)

        # The time comes: the reader's next request shows the new version.
        clock["now"] = publish_at
        reader.goto(f"/articles/{slug}")
        expect(reader.get_by_role("heading", level=1)).to_have_text(NEW_TITLE)
        expect(reader.get_by_text("A newer text under review")).to_be_visible()
        reader.screenshot(path=str(SCREENSHOTS / "published-390.png"), full_page=True)
        clock["now"] = publish_at + timedelta(minutes=5)
        reader.reload()
        expect(reader.get_by_role("heading", level=1)).to_have_text(NEW_TITLE)
        reader.goto("/articles")
        expect(reader.get_by_role("main")).to_contain_text(NEW_TITLE)
    finally:
        reader_context.close()

    with rows() as session:
        published = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "article.published")).all()
        assert [(e.article_id, e.details["revision"]) for e in published] == [(article_id, 2)]
        article = session.get(Article, article_id)
        assert article.scheduled_revision_id is None and article.publish_at is None
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "article.approved", AuditEvent.article_id == article_id)) == 2

    # The desk no longer shows a schedule.
    desk.goto(f"/desk/articles/{article_id}")
    expect(desk.locator("#scheduled-publication")).to_have_count(0)
