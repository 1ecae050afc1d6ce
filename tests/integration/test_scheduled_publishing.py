"""Scheduled publishing (issue 17): editors give an article a "Publish at" time
(UTC); a revision approved before then waits, and readers keep seeing the
previous approved revision (or a 404); the first request at or after the time,
or `flask publish due`, publishes it exactly once, audited "article.published".
On SQLite and PostgreSQL, through the test client and the CLI as people and
cron would, asserting pages, rows and audit events."""

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from reviewapp.articles import publication
from reviewapp.articles.models import Article, Revision
from reviewapp.audit.models import AuditEvent
from reviewapp.db import utcnow
from reviewapp.extensions import db
from reviewapp.mail.models import OutboxMessage
from reviewapp.public import publish_on_read
from reviewapp.workflow import scheduling
from tests.conftest import PASSWORD
from tests.integration.test_public_pages import Publisher

OLD_TITLE, NEW_TITLE = "Ibuprofen for back pain", "Ibuprofen, updated"


class Desk(Publisher):
    """Publisher plus the editor who schedules, and the audit and row reads."""

    def editor(self):
        with self.rows() as session:
            editor = self.user("editor", "Sched Editor")
            session.commit()
            session.refresh(editor)
            session.expunge(editor)
            return editor

    def schedule(self, article_id, publish_at):
        with self.rows() as session:
            editor = self.user("editor")
            scheduling.set_publish_at(article_id, editor, None, publish_at)
            session.commit()

    def move_time(self, article_id, publish_at):
        """Time passes: the schedule's time moved (as the clock would bring it)."""
        with self.rows() as session:
            session.get(Article, article_id).publish_at = publish_at
            session.commit()

    def article(self, article_id) -> dict:
        with self.rows() as session:
            article = session.get(Article, article_id)
            return {"slug": article.slug, "state": article.state,
                    "approved": article.approved_revision_id and
                    session.get(Revision, article.approved_revision_id).number,
                    "scheduled": article.scheduled_revision_id and
                    session.get(Revision, article.scheduled_revision_id).number,
                    "publish_at": article.publish_at, "version": article.version,
                    "approved_at": article.approved_revision_id and
                    session.get(Revision, article.approved_revision_id).approved_at}

    def events(self, action) -> list[AuditEvent]:
        with self.rows() as session:
            found = list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                         .order_by(AuditEvent.seq)))
            session.expunge_all()
            return found


@pytest.fixture
def desk(app, rows):
    return Desk(app, rows)


def in_hours(hours: float) -> datetime:
    return (utcnow() + timedelta(hours=hours)).replace(second=0, microsecond=0)


def form_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def set_form(client, article_id, publish_at: str, version=None):
    page = client.get(f"/desk/articles/{article_id}").get_data(as_text=True)
    version = version or re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    return client.post(f"/desk/articles/{article_id}/publish-at",
                       data={"version": version, "publish_at": publish_at})


def clear_form(client, article_id):
    page = client.get(f"/desk/articles/{article_id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    return client.post(f"/desk/articles/{article_id}/publish-at/clear",
                       data={"version": version})


def first_approved_with_schedule(desk, hours=2) -> tuple[int, datetime]:
    article_id = desk.submitted()
    publish_at = in_hours(hours)
    desk.schedule(article_id, publish_at)
    desk.review(article_id)
    return article_id, publish_at


def update_approved_with_schedule(desk, hours=2) -> tuple[int, str, datetime]:
    slug = desk.approved()
    article_id = desk.new_version_in_review(slug)
    publish_at = in_hours(hours)
    desk.schedule(article_id, publish_at)
    desk.review(article_id, ("Dr. Third", "Dr. Fourth"))
    return article_id, slug, publish_at


# --- setting and clearing the time ------------------------------------------------------

def test_an_editor_sets_publish_at_in_utc_on_an_article_in_review(client, desk, login_as):
    article_id = desk.submitted()
    editor = desk.editor()
    login_as(editor)
    page = client.get(f"/desk/articles/{article_id}").get_data(as_text=True)
    assert "Publish at (UTC)" in page and "not your local time" in page
    version = desk.article(article_id)["version"]
    publish_at = in_hours(5)
    response = set_form(client, article_id, form_time(publish_at))
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert f"Publish at {publish_at:%Y-%m-%d %H:%M} UTC: the revision approved next" in page
    row = desk.article(article_id)
    assert row["publish_at"] == publish_at and row["version"] == version + 1
    [event] = desk.events("article.publish_at_set")
    assert event.actor_id == editor.id and event.article_id == article_id
    assert event.details == {"before": {"publish_at": None},
                             "after": {"publish_at": publish_at.isoformat()}}

    later = in_hours(9)  # changed: before and after recorded
    assert set_form(client, article_id, form_time(later)).status_code == 302
    assert desk.article(article_id)["publish_at"] == later
    assert desk.events("article.publish_at_set")[-1].details == {
        "before": {"publish_at": publish_at.isoformat()},
        "after": {"publish_at": later.isoformat()}}


def test_a_time_in_the_past_is_refused_keeps_what_was_typed_and_changes_nothing(
        client, desk, login_as):
    article_id = desk.submitted()
    login_as(desk.editor())
    before = desk.article(article_id)
    past = form_time(utcnow() - timedelta(minutes=1))
    response = set_form(client, article_id, past)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Publish at must be in the future" in page
    assert f'value="{past}"' in page  # the typed time is shown again
    assert desk.article(article_id) == before
    assert desk.events("article.publish_at_set") == []


@pytest.mark.parametrize("typed", ["", "tomorrow at noon", "2026-13-40T25:61"])
def test_a_missing_or_malformed_time_is_refused(client, desk, login_as, typed):
    article_id = desk.submitted()
    login_as(desk.editor())
    before = desk.article(article_id)
    response = set_form(client, article_id, typed)
    assert response.status_code == 400
    assert desk.article(article_id) == before
    assert desk.events("article.publish_at_set") == []


def test_authors_and_reviewers_cannot_schedule(client, desk, login_as, make_user, app):
    article_id = desk.submitted()
    with desk.rows() as session:
        author_email = session.get(Article, article_id).author.email
    before = desk.article(article_id)
    for user in (make_user(roles=["reviewer"]), make_user(roles=["author"])):
        login_as(user)
        response = client.post(f"/desk/articles/{article_id}/publish-at",
                               data={"version": before["version"],
                                     "publish_at": form_time(in_hours(3))})
        assert response.status_code == 403
        client.post("/logout")
    client.post("/login", data={"email": author_email, "password": PASSWORD})
    page = client.get(f"/desk/articles/{article_id}").get_data(as_text=True)
    assert 'id="publish-at-form"' not in page  # the author does not get the form
    assert desk.article(article_id) == before


def test_a_draft_or_a_published_article_cannot_be_scheduled(client, desk, login_as,
                                                            make_user, make_article):
    draft_id = make_article(make_user())
    slug = desk.approved()
    published_id = desk.article_id(slug)
    login_as(desk.editor())
    for article_id in (draft_id, published_id):
        before = desk.article(article_id)
        page = client.get(f"/desk/articles/{article_id}").get_data(as_text=True)
        assert 'id="publish-at-form"' not in page
        response = client.post(f"/desk/articles/{article_id}/publish-at",
                               data={"version": before["version"],
                                     "publish_at": form_time(in_hours(3))})
        assert response.status_code == 409
        assert "only while the article is in review" in response.get_data(as_text=True)
        assert desk.article(article_id) == before


def test_a_stale_form_is_refused(client, desk, login_as):
    article_id = desk.submitted()
    login_as(desk.editor())
    version = desk.article(article_id)["version"]
    assert set_form(client, article_id, form_time(in_hours(3)), version).status_code == 302
    response = set_form(client, article_id, form_time(in_hours(4)), version)
    assert response.status_code == 409
    assert len(desk.events("article.publish_at_set")) == 1


def test_clearing_the_time_is_audited_and_a_second_clear_is_refused(client, desk, login_as):
    article_id = desk.submitted()
    publish_at = in_hours(3)
    desk.schedule(article_id, publish_at)
    login_as(desk.editor())
    response = clear_form(client, article_id)
    assert response.status_code == 302
    assert "Publication time cleared." in client.get(response.location).get_data(as_text=True)
    assert desk.article(article_id)["publish_at"] is None
    [event] = desk.events("article.publish_at_cleared")
    assert event.details == {"before": {"publish_at": publish_at.isoformat()},
                             "after": {"publish_at": None}}
    response = clear_form(client, article_id)
    assert response.status_code == 400 and "No publication time is set." in \
        response.get_data(as_text=True)
    assert len(desk.events("article.publish_at_cleared")) == 1


# --- approval with a time still to come ---------------------------------------------------

def test_a_first_approval_before_its_time_stays_hidden_from_readers(client, desk, login_as):
    article_id, publish_at = first_approved_with_schedule(desk)
    row = desk.article(article_id)
    assert row["state"] == "approved" and row["approved"] is None and row["scheduled"] == 1
    slug = row["slug"]
    assert client.get(f"/articles/{slug}").status_code == 404
    assert client.get(f"/api/v1/articles/{slug}").status_code == 404
    assert slug not in client.get("/articles").get_data(as_text=True)
    assert slug not in client.get("/api/v1/articles").get_data(as_text=True)
    [approved] = desk.events("article.approved")
    assert approved.details["scheduled_for"] == publish_at.isoformat()
    assert desk.events("article.published") == []
    # The approval's mail went at approval, saying when it will be published.
    with desk.rows() as session:
        [mail] = session.scalars(select(OutboxMessage).where(
            OutboxMessage.subject.startswith("Approved:"))).all()
        assert f"It will be published at {publish_at:%Y-%m-%d %H:%M} UTC." in mail.body
    # The desk says so, on the article page and the editor's dashboard.
    login_as(desk.editor())
    page = client.get(f"/desk/articles/{article_id}").get_data(as_text=True)
    assert f"Scheduled for publication at {publish_at:%Y-%m-%d %H:%M} UTC." in \
        re.sub(r"<[^>]+>", "", page)
    assert "readers see nothing (the article is not public yet)" in page
    dashboard = re.sub(r"<[^>]+>", "", client.get("/desk/editor").get_data(as_text=True))
    assert (f"revision 1, scheduled for publication at {publish_at:%Y-%m-%d %H:%M} UTC"
            in " ".join(dashboard.split()))


def test_an_approved_update_before_its_time_leaves_the_previous_revision_public(client, desk):
    article_id, slug, publish_at = update_approved_with_schedule(desk)
    row = desk.article(article_id)
    assert (row["approved"], row["scheduled"]) == (1, 2)
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    assert OLD_TITLE in page and NEW_TITLE not in page
    item = client.get(f"/api/v1/articles/{slug}").get_json()
    assert (item["title"], item["revision"]) == (OLD_TITLE, 1)
    [summary] = client.get("/api/v1/articles").get_json()["items"]
    assert summary["title"] == OLD_TITLE


# --- the boundary -----------------------------------------------------------------------

def test_one_second_before_the_time_hidden_at_the_time_published_once(
        client, desk, monkeypatch):
    article_id, publish_at = first_approved_with_schedule(desk)
    slug = desk.article(article_id)["slug"]
    clock = {"now": publish_at - timedelta(seconds=1)}
    monkeypatch.setattr(publish_on_read, "utcnow", lambda: clock["now"])
    assert client.get(f"/articles/{slug}").status_code == 404
    assert client.get(f"/api/v1/articles/{slug}").status_code == 404
    assert desk.article(article_id)["scheduled"] == 1

    clock["now"] = publish_at  # the very second
    page = client.get(f"/articles/{slug}")
    assert page.status_code == 200 and OLD_TITLE in page.get_data(as_text=True)
    row = desk.article(article_id)
    assert (row["approved"], row["scheduled"], row["publish_at"]) == (1, None, None)
    assert row["approved_at"] == publish_at  # published then: the review interval counts from it
    clock["now"] = publish_at + timedelta(seconds=1)
    assert client.get(f"/articles/{slug}").status_code == 200
    assert client.get(f"/api/v1/articles/{slug}").status_code == 200
    [event] = desk.events("article.published")
    assert event.details == {"revision": 1, "publish_at": publish_at.isoformat(),
                             "by": "first request after the time"}


def test_an_update_is_published_by_the_first_api_request_after_its_time(client, desk):
    article_id, slug, publish_at = update_approved_with_schedule(desk)
    desk.move_time(article_id, utcnow() - timedelta(seconds=1))
    item = client.get(f"/api/v1/articles/{slug}").get_json()
    assert (item["title"], item["revision"]) == (NEW_TITLE, 2)
    assert NEW_TITLE in client.get(f"/articles/{slug}").get_data(as_text=True)
    assert desk.article(article_id)["approved"] == 2
    assert len(desk.events("article.published")) == 1


def test_the_public_list_and_api_agree_with_the_page_after_the_time(client, desk):
    article_id, slug, _ = update_approved_with_schedule(desk)
    first_id, _ = first_approved_with_schedule(desk)
    first_slug = desk.article(first_id)["slug"]
    for moved in (article_id, first_id):
        desk.move_time(moved, utcnow() - timedelta(seconds=1))
    # The list is the first request after the time: it publishes both before listing.
    index = client.get("/articles").get_data(as_text=True)
    assert NEW_TITLE in index and first_slug in index
    api_titles = {i["slug"]: i["title"] for i in client.get("/api/v1/articles").get_json()["items"]}
    assert api_titles[slug] == NEW_TITLE and first_slug in api_titles
    assert client.get(f"/api/v1/articles/{slug}").get_json()["title"] == NEW_TITLE
    assert client.get(f"/articles/{first_slug}").status_code == 200
    assert sorted(e.article_id for e in desk.events("article.published")) == sorted(
        [article_id, first_id])


def test_the_next_review_counts_from_the_publication(client, desk, app):
    article_id, slug, _ = update_approved_with_schedule(desk)
    desk.move_time(article_id, utcnow() - timedelta(seconds=1))
    client.get(f"/articles/{slug}")
    row = desk.article(article_id)
    due = (row["approved_at"] + timedelta(days=app.config["REVIEW_INTERVAL_DAYS"])).date()
    item = client.get(f"/api/v1/articles/{slug}").get_json()
    assert item["review"]["next_review_due"] == due.isoformat()
    with desk.rows() as session:
        [approval] = session.scalars(select(AuditEvent.occurred_at).where(
            AuditEvent.action == "article.approved", AuditEvent.article_id == article_id)
            .order_by(AuditEvent.seq.desc()).limit(1)).all()
    assert row["approved_at"] > approval  # the publication, not the approval


# --- `flask publish due` ----------------------------------------------------------------

def test_the_command_publishes_what_is_due_exactly_once(app, client, desk):
    due_id, slug, publish_at = update_approved_with_schedule(desk)
    later_id, _ = first_approved_with_schedule(desk, hours=24)
    desk.move_time(due_id, publish_at - timedelta(hours=3))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["publish", "due"])
    assert result.exit_code == 0, result.output
    moved = publish_at - timedelta(hours=3)
    assert result.output == (f"Published {slug}: revision 2 "
                             f"(due {moved:%Y-%m-%d %H:%M:%S} UTC).\nPublished 1 article.\n")
    assert desk.article(due_id)["approved"] == 2
    assert desk.article(later_id)["scheduled"] == 1  # not yet due: left alone
    [event] = desk.events("article.published")
    assert (event.article_id, event.details["by"]) == (due_id, "publish due")
    second = runner.invoke(args=["publish", "due"])
    assert (second.exit_code, second.output) == (0, "Nothing was due.\n")
    assert len(desk.events("article.published")) == 1
    assert NEW_TITLE in client.get(f"/articles/{slug}").get_data(as_text=True)


def test_two_publishers_at_once_publish_once(app, desk):
    """Two sessions (a reader's request and cron) publish the same schedule at the
    same moment: the second waits for the first's row lock and publishes nothing."""
    article_id, slug, _ = update_approved_with_schedule(desk)
    desk.move_time(article_id, utcnow() - timedelta(seconds=1))
    with desk.rows() as session:
        article = session.get(Article, article_id)
        schedule = (article.id, article.scheduled_revision_id, article.publish_at)
    first_updated, results = threading.Event(), {}

    def publish(name, hold):
        with app.app_context():
            try:
                now = utcnow()
                if not hold:
                    first_updated.wait(10)
                revision = publication.publish_scheduled(*schedule, now, name)
                if hold:
                    first_updated.set()
                    results["second waited"] = second_waits_for_a_lock()
                db.session.commit()
                results[name] = revision.number if revision else None
            except Exception as error:  # pragma: no cover - reported below
                results[name] = error
                first_updated.set()
            finally:
                db.session.remove()

    def second_waits_for_a_lock() -> bool:
        """PostgreSQL: another session of this database waits on a lock (the row's);
        SQLite: the second writer waits for the write lock, unseen from here."""
        with app.app_context():
            if db.engine.dialect.name != "postgresql":
                threading.Event().wait(0.5)
                return True
            with db.engine.connect() as conn:
                for _ in range(200):
                    waiting = conn.execute(text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                        "'Lock' AND datname = current_database()")).scalar()
                    conn.rollback()  # pg_stat_activity is read once per transaction
                    if waiting:
                        return True
                    threading.Event().wait(0.05)
            return False

    threads = [threading.Thread(target=publish, args=(name, hold))
               for name, hold in (("first", True), ("second", False))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == {"first": 2, "second": None, "second waited": True}
    assert len(desk.events("article.published")) == 1
    assert desk.article(article_id)["approved"] == 2


# --- the approval decides: public now or scheduled ------------------------------------------

def test_an_approval_after_the_time_publishes_at_once(client, desk):
    article_id = desk.submitted()
    desk.schedule(article_id, in_hours(1))
    desk.move_time(article_id, utcnow() - timedelta(minutes=1))  # review took longer
    desk.review(article_id)
    row = desk.article(article_id)
    assert (row["approved"], row["scheduled"], row["publish_at"]) == (1, None, None)
    assert client.get(f"/articles/{row['slug']}").status_code == 200
    assert "scheduled_for" not in desk.events("article.approved")[0].details
    assert desk.events("article.published") == []  # the approval published it


def test_clearing_a_waiting_schedule_publishes_now(client, desk, login_as):
    article_id, slug, _ = update_approved_with_schedule(desk)
    editor = desk.editor()
    login_as(editor)
    page = client.get(f"/desk/articles/{article_id}").get_data(as_text=True)
    assert "Clear the time and publish now" in page
    response = clear_form(client, article_id)
    assert response.status_code == 302
    assert "revision 2 is published now" in client.get(response.location).get_data(as_text=True)
    assert desk.article(article_id)["approved"] == 2
    [event] = desk.events("article.published")
    assert (event.actor_id, event.details["by"]) == (editor.id, "editor")
    assert NEW_TITLE in client.get(f"/articles/{slug}").get_data(as_text=True)


def test_moving_a_waiting_schedule_keeps_it_waiting(client, desk, login_as):
    article_id, slug, _ = update_approved_with_schedule(desk)
    login_as(desk.editor())
    later = in_hours(30)
    response = set_form(client, article_id, form_time(later))
    assert response.status_code == 302
    assert f"Revision 2 will be published at {later:%Y-%m-%d %H:%M} UTC." in \
        client.get(response.location).get_data(as_text=True)
    row = desk.article(article_id)
    assert (row["approved"], row["scheduled"], row["publish_at"]) == (1, 2, later)
    assert desk.events("article.publish_at_set")[-1].details["scheduled_revision"] == 2


def test_a_rereview_waits_for_the_scheduled_revision(client, desk, login_as):
    article_id, _, _ = update_approved_with_schedule(desk)
    login_as(desk.editor())
    page = client.get(f"/desk/articles/{article_id}").get_data(as_text=True)
    assert 'id="start-rereview"' not in page  # not offered while a revision waits
    before = desk.article(article_id)
    response = client.post(f"/desk/articles/{article_id}/rereview",
                           data={"version": before["version"], "reason": "Interval."})
    assert response.status_code == 409
    assert "waits for its publication time" in response.get_data(as_text=True)
    assert desk.article(article_id) == before
    assert desk.events("article.rereview_started") == []
