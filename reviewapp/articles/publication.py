"""Scheduled publishing: what an approval makes public, and when.

An article may carry a "Publish at" time (Article.publish_at, UTC). A revision
approved before that time becomes the article's scheduled revision and readers
keep seeing the previous approved one (or nothing: the public page is 404);
at the time it becomes the approved revision. `settle_approval` is the one
place that decides "public now or scheduled" (workflow.transition calls it on
every approval); `publish_scheduled` makes a scheduled revision public exactly
once, whoever asks first (a reader's request, `publish due`, an editor), with
a conditional UPDATE that a second, concurrent caller finds already done.
Services only flush: the caller commits."""

from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import joinedload

from reviewapp import publication_versions
from reviewapp.articles.models import SCHEDULED, Article, Revision, listed_revision
from reviewapp.articles.review_dates import content_updated_at
from reviewapp.audit.services import record
from reviewapp.extensions import db

PUBLISHED_ACTION = "article.published"
# Who published a scheduled revision, as the audit event's details say.
BY_REQUEST, BY_COMMAND, BY_EDITOR = "first request after the time", "publish due", "editor"


def is_due(article: Article, now: datetime) -> bool:
    """A scheduled revision whose time has come (at the second itself, too).
    Reads only the loaded article's columns: no query."""
    return (article.scheduled_revision_id is not None and article.publish_at is not None
            and article.publish_at <= now)


def settle_approval(article: Article, revision: Revision, now: datetime) -> datetime | None:
    """The revision was just approved: make it public now, or, when the article's
    Publish at is still to come, schedule it for then (replacing any revision
    scheduled before it). Returns the time it is scheduled for (None: public now)."""
    shown = article.approved_revision  # what readers saw until now (None: nothing)
    if article.publish_at is not None and article.publish_at > now:
        article.scheduled_revision_id = revision.id
        # "Last updated" carried over for unchanged text; else set at publication.
        revision.content_updated_at = (
            content_updated_at(shown, revision, now)
            if shown is not None and shown.content_hash == revision.content_hash else None)
        return article.publish_at
    article.approved_revision_id = revision.id
    revision.approved_at = now  # when it became public: the review interval counts from it
    revision.content_updated_at = content_updated_at(shown, revision, now)
    article.publish_at = article.scheduled_revision_id = None
    return None


def publish_scheduled(article_id: int, revision_id: int, publish_at: datetime,
                      now: datetime, by: str, actor=None) -> Revision | None:
    """Make the article's scheduled revision public, if it is still scheduled
    for `publish_at` (as the caller read it) and that time has come (`now`):
    it becomes the approved revision, approved_at = now, the schedule is
    cleared and "article.published" recorded. None when another caller
    published it first, or the schedule changed meanwhile.

    The UPDATE comes first and its WHERE is the guard: of two callers at once,
    the second waits for the first's row lock and then matches no row
    (PostgreSQL re-reads the row; SQLite writers run one at a time, and a read
    before the write could not take the write lock in a reader's request)."""
    published = db.session.scalar(
        update(Article)
        .where(Article.id == article_id, Article.scheduled_revision_id == revision_id,
               Article.publish_at == publish_at, Article.publish_at <= now)
        .values(approved_revision_id=revision_id, scheduled_revision_id=None,
                publish_at=None, updated_at=now)
        .returning(Article.id).execution_options(synchronize_session=False))
    if published is None:
        return None
    db.session.execute(update(Revision).where(Revision.id == revision_id)
                       .values(approved_at=now,
                               content_updated_at=func.coalesce(Revision.content_updated_at,
                                                                now))
                       .execution_options(synchronize_session=False))
    revision = db.session.get(Revision, revision_id, populate_existing=True)
    article = db.session.get(Article, article_id, populate_existing=True)
    publication_versions.bump(*publication_versions.article_scopes(article_id,
                                                                   article.tag_names))
    record(PUBLISHED_ACTION, actor=actor, object_type="article", object_id=article_id,
           article_id=article_id,
           details={"revision": revision.number, "publish_at": publish_at.isoformat(),
                    "by": by})
    db.session.flush()
    return revision


def due_schedules(now: datetime, limit: int) -> list[tuple[int, int, datetime]]:
    """(article id, scheduled revision id, publish at) of the schedules whose time
    has come, the oldest first (ix_article_publish_at), at most `limit`."""
    return [tuple(row) for row in db.session.execute(
        select(Article.id, Article.scheduled_revision_id, Article.publish_at)
        .where(text(SCHEDULED), Article.publish_at <= now)
        .order_by(Article.publish_at, Article.id).limit(limit))]


def scheduled_articles(limit: int) -> list[Article]:
    """Articles whose approved revision waits for its time, the soonest first
    (ix_article_publish_at), with that revision's number and title: one query."""
    return list(db.session.scalars(
        select(Article).where(text(SCHEDULED))
        .options(listed_revision(joinedload(Article.scheduled_revision)))
        .order_by(Article.publish_at, Article.id).limit(limit)))
