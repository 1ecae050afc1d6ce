"""The public index (approved articles, newest approval first, paginated by
key) and the related articles an article page lists, each in a fixed number
of queries."""

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import current_app
from sqlalchemy import and_, func, or_, select, union_all
from sqlalchemy.orm import aliased, selectinload

from reviewapp.articles import review_dates
from reviewapp.articles.models import Article, ArticleTag, Revision
from reviewapp.errors import InvalidInput
from reviewapp.extensions import db
from reviewapp.routing import MAX_ID

MAX_SEARCH_LENGTH = 200


@dataclass(frozen=True)
class ArticleSummary:
    slug: str
    title: str
    tags: list[str]
    approved_at: datetime             # the last review
    updated_at: datetime
    review_interval_days: int
    content_updated_at: datetime | None = None  # the last change of content readers saw

    @property
    def last_updated(self) -> datetime:
        return self.content_updated_at or self.approved_at

    @property
    def next_review_due(self) -> date:
        return review_dates.next_review_due(self.approved_at, self.review_interval_days)


@dataclass(frozen=True)
class ArticlePage:
    items: list[ArticleSummary]
    next_cursor: str | None


@dataclass(frozen=True)
class RelatedArticle:
    slug: str
    title: str
    approved_at: datetime


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.casefold()}%"


def encode_cursor(approved_at: datetime, revision_id: int) -> str:
    raw = f"{approved_at.astimezone(UTC).isoformat()}|{revision_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """InvalidInput for anything that is not a cursor this site made."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, revision_id = raw.split("|")
        when = datetime.fromisoformat(moment)
        if when.tzinfo is None:
            raise ValueError("naive")
        when.astimezone(UTC)  # OverflowError: a moment outside the UTC calendar
        number = int(revision_id)
        if not 1 <= number <= MAX_ID:  # no revision has it, and the query would fail
            raise ValueError("out of range")
        return when, number
    except (ValueError, OverflowError, UnicodeDecodeError, binascii.Error):
        raise InvalidInput("The cursor is not valid; start again from the first page.") from None


def parse_updated_since(value: str) -> datetime:
    """An ISO 8601 date or date-time (UTC unless it says otherwise)."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00")
                                        if value.strip().endswith("Z") else value.strip())
    except ValueError:
        raise InvalidInput("updated_since must be an ISO 8601 date or date-time, e.g. "
                           "2026-01-31 or 2026-01-31T12:00:00Z.") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def list_public_articles(*, query: str = "", tag: str = "", updated_since: datetime | None = None,
                         cursor: str | None = None, limit: int | None = None) -> ArticlePage:
    """Approved articles, most recently approved first, one page at a time
    (keyset on approval time and the approved revision's id, which the index
    ix_revision_approved_at walks). `query` matches the title or a tag."""
    config = current_app.config
    limit = limit or config["PAGE_SIZE"]
    approved = aliased(Revision)
    statement = (select(Article, approved.id, approved.title, approved.approved_at,
                        approved.content_updated_at)
                 .join(approved, approved.id == Article.approved_revision_id)
                 .where(approved.approved_at.is_not(None))  # the partial index's rows
                 .options(selectinload(Article.tags)))
    query = (query or "").strip()[:MAX_SEARCH_LENGTH]
    if query:
        pattern = _like_pattern(query)
        statement = statement.where(or_(
            func.lower(approved.title).like(pattern, escape="\\"),
            Article.id.in_(select(ArticleTag.article_id).where(
                func.lower(ArticleTag.name).like(pattern, escape="\\")))))
    tag = (tag or "").strip().casefold()[:80]
    if tag:
        statement = statement.where(Article.id.in_(
            select(ArticleTag.article_id).where(ArticleTag.name == tag)))
    if updated_since is not None:
        statement = statement.where(approved.approved_at >= updated_since)
    if cursor:
        after_at, after_id = decode_cursor(cursor)
        statement = statement.where(or_(approved.approved_at < after_at,
                                        and_(approved.approved_at == after_at,
                                             approved.id < after_id)))
    rows = db.session.execute(statement.order_by(approved.approved_at.desc(),
                                                 approved.id.desc()).limit(limit + 1)).all()
    interval = config["REVIEW_INTERVAL_DAYS"]
    items = [ArticleSummary(slug=a.slug, title=title, tags=a.tag_names, approved_at=approved_at,
                            updated_at=a.updated_at, review_interval_days=interval,
                            content_updated_at=content_updated_at)
             for a, _, title, approved_at, content_updated_at in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        _, last_revision_id, _, last_at, _ = rows[limit - 1]
        next_cursor = encode_cursor(last_at, last_revision_id)
    return ArticlePage(items=items, next_cursor=next_cursor)


def related_articles(article: Article) -> list[RelatedArticle]:
    """Other approved articles sharing a tag: most shared tags first, then newest.
    Candidates are each tag's RELATED_CANDIDATES newest articles, so the cost
    stays the same however many articles a popular tag gathers."""
    tags = article.tag_names
    if not tags:
        return []
    per_tag = current_app.config["RELATED_CANDIDATES"]
    newest = [select(ArticleTag.article_id).where(ArticleTag.name == tag)
              .order_by(ArticleTag.article_id.desc()).limit(per_tag).subquery()
              for tag in tags]
    candidates = union_all(*(select(n.c.article_id) for n in newest)).subquery()
    shared = (select(candidates.c.article_id, func.count().label("shared"))
              .group_by(candidates.c.article_id).subquery())
    approved = aliased(Revision)
    rows = db.session.execute(
        select(Article.slug, approved.title, approved.approved_at)
        .join(shared, shared.c.article_id == Article.id)
        .join(approved, approved.id == Article.approved_revision_id)
        .where(Article.id != article.id)
        .order_by(shared.c.shared.desc(), approved.approved_at.desc(), Article.id.desc())
        .limit(current_app.config["RELATED_ARTICLES"])).all()
    return [RelatedArticle(slug, title, approved_at) for slug, title, approved_at in rows]
