"""Scheduled publishing on a reader's request: the first request after a
revision's "Publish at" publishes it (articles.publication), in a short
transaction of its own, so that the page, the list and the API show it from
that request on. The only writes a reader's request makes; `flask publish due`
(workflow/publish_cli.py) does the same for cron."""

from reviewapp.articles import publication
from reviewapp.articles.models import Article
from reviewapp.db import utcnow
from reviewapp.extensions import db

# Schedules one list request publishes at most (the rest: the next request, or cron).
LIST_BATCH = 50


def publish_if_due(article: Article) -> bool:
    """Publish the loaded article's scheduled revision if its time has come
    (no query when it has not). True when this request published it, or
    another did meanwhile: the caller loads the article again."""
    now = utcnow()
    if not publication.is_due(article, now):
        return False
    _publish((article.id, article.scheduled_revision_id, article.publish_at), now)
    return True


def publish_when_due(published) -> bool:
    """Before a cached page is served (page_cache.Published): publish the article's
    schedule, or with a list every schedule, whose time has come. True: published
    (or another request did), the version is to be read again."""
    now = utcnow()
    if published.article_id is not None:
        if not publication.is_due(published, now):
            return False
        _publish((published.article_id, published.scheduled_revision_id,
                  published.publish_at), now)
        return True
    if published.publish_at is None or published.publish_at > now:
        return False
    publish_due_now()
    return True


def publish_due_now() -> int:
    """Publish every schedule whose time has come (one query when none has),
    before a list is read; returns how many this request published."""
    now = utcnow()
    due = publication.due_schedules(now, LIST_BATCH)
    return sum(_publish(schedule, now) for schedule in due)


def _publish(schedule: tuple[int, int, object], now) -> bool:
    article_id, revision_id, publish_at = schedule
    db.session.rollback()  # end the read: the write is a transaction of its own
    try:
        published = publication.publish_scheduled(article_id, revision_id, publish_at, now,
                                                  publication.BY_REQUEST)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return published is not None
