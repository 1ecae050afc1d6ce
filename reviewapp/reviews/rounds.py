"""Review rounds (issue 14): each submission, resubmission or re-review opens
one on the revision it froze; the decision that moves the article out of review
closes it. The rows change here, called by workflow/transition.py, the one
writer of the state; the queries serve the article, decision and dashboard
pages and the editor's digest."""

from dataclasses import dataclass, field

from sqlalchemy import func, select, text
from sqlalchemy.orm import joinedload, load_only

from reviewapp.accounts.models import User, listed_user
from reviewapp.articles.models import Article, Revision, listed_revision
from reviewapp.db import utcnow
from reviewapp.extensions import db
from reviewapp.lifecycle.states import CHANGES_REQUESTED, REJECTED
from reviewapp.reviews.models import DECISION_NEEDED, REQUEST_CHANGES, Review, ReviewRound

# Decisions whose reason is a letter to the author, kept on the round.
LETTER_DECISIONS = (CHANGES_REQUESTED, REJECTED)


def open_round_of(article_id: int) -> ReviewRound | None:
    return db.session.scalar(select(ReviewRound).where(ReviewRound.article_id == article_id,
                                                       ReviewRound.closed_at.is_(None)))


def open_round(article: Article) -> ReviewRound:
    """The next round, on the article's current revision (just frozen)."""
    last = db.session.scalar(select(func.max(ReviewRound.number))
                             .where(ReviewRound.article_id == article.id)) or 0
    review_round = ReviewRound(article_id=article.id, number=last + 1,
                               revision_id=article.current_revision_id, opened_at=utcnow())
    db.session.add(review_round)
    db.session.flush()
    return review_round


def close_round(review_round: ReviewRound, decision: str, by: User,
                letter: str | None) -> dict:
    """Close the round with the state the article reached; returns the audit
    details of the change (the round's number, its decision before and after)."""
    review_round.closed_at = utcnow()
    review_round.decision, review_round.decided_by_id = decision, by.id
    review_round.decision_letter = letter if decision in LETTER_DECISIONS else None
    return {"number": review_round.number, "before": {"decision": None},
            "after": {"decision": decision}}


def mark_decision_needed(review_round: ReviewRound) -> dict:
    """A reviewer asked for changes: the round waits on the editor. Returns
    the audit details (whether it was waiting before)."""
    before = review_round.decision_needed_at is not None
    if not before:
        review_round.decision_needed_at = utcnow()
    return {"number": review_round.number, "before": {"decision_needed": before},
            "after": {"decision_needed": True}}


def comments_to_author(review: Review) -> str:
    """What a report says to the author: the only part of it a decision letter
    carries. (Confidential comments to the editor, when they come, stay out.)"""
    return (review.comment or "").strip()


@dataclass
class RoundReports:
    """A round with its reports, for a page."""

    round: ReviewRound
    reports: list[Review] = field(default_factory=list)


def rounds_of(article_id: int) -> list[ReviewRound]:
    """Every round of the article, first first, with the revision number and
    who decided: one query whatever their number."""
    return list(db.session.scalars(
        select(ReviewRound).where(ReviewRound.article_id == article_id)
        .options(listed_user(joinedload(ReviewRound.decided_by))
                 .load_only(User.id, User.display_name),
                 joinedload(ReviewRound.revision).load_only(Revision.id, Revision.number))
        .order_by(ReviewRound.number)))


def with_reports(rounds: list[ReviewRound], reviews: list[Review], *,
                 hide_recommendations: bool) -> list[RoundReports]:
    """Rounds with their reports, from reviews already loaded (no query).
    `hide_recommendations`: for the author, an open round's requests for
    changes are left out (the editor decides on them first)."""
    by_round = {r.id: RoundReports(r) for r in rounds}
    for review in reviews:
        shown = by_round.get(review.round_id)
        if shown is None:
            continue
        if not (hide_recommendations and shown.round.is_open
                and review.decision == REQUEST_CHANGES):
            shown.reports.append(review)
    return list(by_round.values())


def reports_of(review_round: ReviewRound) -> list[Review]:
    """The reports of one round, each with its reviewer and signature."""
    return list(db.session.scalars(
        select(Review).where(Review.round_id == review_round.id)
        .options(joinedload(Review.reviewer), joinedload(Review.signature),
                 joinedload(Review.revision))
        .order_by(Review.created_at, Review.id)))


def letter_round_of(article: Article) -> ReviewRound | None:
    """The round whose decision sent the article back, while it is back with
    its author (its decision letter is shown on the edit page)."""
    if article.state != CHANGES_REQUESTED:
        return None
    last = db.session.scalar(select(ReviewRound).where(ReviewRound.article_id == article.id)
                             .options(joinedload(ReviewRound.decided_by))
                             .order_by(ReviewRound.number.desc()).limit(1))
    return last if last is not None and last.decision == CHANGES_REQUESTED else None


def needing_decision(limit: int | None = None) -> list[tuple[ReviewRound, int]]:
    """Open rounds where a reviewer asked for changes and the editor has not
    decided, oldest request first, with how many reviewers asked; the round's
    article with its author and current revision's title. Walks the partial
    index of such rounds, so the cost follows their number, not the archive's."""
    asked = (select(func.count()).select_from(Review)
             .where(Review.round_id == ReviewRound.id, Review.decision == REQUEST_CHANGES)
             .correlate(ReviewRound).scalar_subquery())
    statement = (select(ReviewRound, asked).where(text(DECISION_NEEDED))
                 .options(listed_revision(joinedload(ReviewRound.article)
                                          .joinedload(Article.current_revision)),
                          listed_user(joinedload(ReviewRound.article)
                                      .joinedload(Article.author)),
                          load_only(ReviewRound.id, ReviewRound.article_id,
                                    ReviewRound.number, ReviewRound.decision_needed_at))
                 .order_by(ReviewRound.decision_needed_at, ReviewRound.id))
    if limit is not None:
        statement = statement.limit(limit)
    return [(r, n) for r, n in db.session.execute(statement).all()]

