"""Editors' commands of scheduled publishing: set, change or clear an article's
"Publish at" time (UTC). Allowed while the article is in review, or while an
approved revision waits for its time; a time must lie in the future. Each is
one audited change of the article (its version bumps, like any change a form
makes); the approval itself decides public-now-or-scheduled
(articles.publication.settle_approval, called by workflow.transition)."""

from datetime import UTC, datetime

from reviewapp.accounts.models import User
from reviewapp.accounts.permissions import can_schedule_publication
from reviewapp.articles import publication
from reviewapp.articles.models import Article, Revision
from reviewapp.articles.services import lock_article
from reviewapp.audit.services import record
from reviewapp.db import utcnow
from reviewapp.errors import InvalidInput, PermissionDenied, TransitionRefused
from reviewapp.extensions import db
from reviewapp.lifecycle.events import OPEN
from reviewapp.lifecycle.states import state_label
from reviewapp.workflow.transition import check_version


def may_schedule(article: Article) -> bool:
    """In review (submitted, under review, changes requested), or approved and
    waiting for its time."""
    return article.state in OPEN or article.scheduled_revision_id is not None


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _locked(article_id: int, actor: User, version: int | None) -> Article:
    if not can_schedule_publication(actor):
        raise PermissionDenied("Only editors and admins schedule publication.")
    article = lock_article(article_id)
    if not may_schedule(article):
        raise TransitionRefused(
            "A publication time can be set only while the article is in review or "
            f"waiting for its publication time (it is {state_label(article.state)}).")
    check_version(article, version)
    return article


def set_publish_at(article_id: int, actor: User, version: int | None,
                   publish_at: datetime) -> Article:
    """Set or move the article's "Publish at" to a future time (aware, any zone;
    stored in UTC, to the minute the form gives)."""
    if publish_at.tzinfo is None:
        raise InvalidInput("The publication time needs a time zone (UTC).")
    article = _locked(article_id, actor, version)
    publish_at = publish_at.astimezone(UTC)
    now = utcnow()
    if publish_at <= now:
        raise InvalidInput(f"Publish at must be in the future: it is {utc_text(now)} now "
                           f"and {utc_text(publish_at)} has passed.")
    before = article.publish_at
    article.publish_at = publish_at
    article.version += 1
    db.session.flush()
    record("article.publish_at_set", actor=actor, object_type="article",
           object_id=article.id, article_id=article.id,
           details={"before": {"publish_at": _iso(before)},
                    "after": {"publish_at": _iso(publish_at)},
                    **_scheduled_details(article)})
    return article


def clear_publish_at(article_id: int, actor: User, version: int | None) -> Revision | None:
    """Clear the time. An approved revision waiting for it is published now (the
    approval's rule without a time: public on approval); returns it (None: none)."""
    article = _locked(article_id, actor, version)
    if article.publish_at is None:
        raise InvalidInput("No publication time is set.")
    before, scheduled = article.publish_at, article.scheduled_revision_id
    record("article.publish_at_cleared", actor=actor, object_type="article",
           object_id=article.id, article_id=article.id,
           details={"before": {"publish_at": _iso(before)}, "after": {"publish_at": None},
                    **_scheduled_details(article)})
    article.version += 1
    published = None
    if scheduled is None:
        article.publish_at = None
    else:
        now = utcnow()
        article.publish_at = now  # due now: published by the one conditional UPDATE
        db.session.flush()
        published = publication.publish_scheduled(article.id, scheduled, now, now,
                                                  publication.BY_EDITOR, actor)
    db.session.flush()
    return published


def _scheduled_details(article: Article) -> dict:
    revision = article.scheduled_revision
    return {"scheduled_revision": revision.number} if revision is not None else {}


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None
