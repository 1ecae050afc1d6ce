"""The editor's dashboard: a fixed number of queries whatever the number of rows,
each section with its count."""

from flask import current_app
from sqlalchemy import exists, func, literal, or_, select, text, union_all
from sqlalchemy.orm import aliased, joinedload, load_only

from reviewapp.accounts.models import listed_user
from reviewapp.articles import publication
from reviewapp.articles.models import BLOCKED, Article, Revision, listed_revision
from reviewapp.articles.review_dates import overdue_cutoff, review_interval_days
from reviewapp.db import utcnow
from reviewapp.extensions import db
from reviewapp.lifecycle.events import CHANGES_BY_EDITOR
from reviewapp.lifecycle.events import OPEN as IN_PROCESS
from reviewapp.lifecycle.states import APPROVED, SUBMITTED, UNDER_REVIEW
from reviewapp.reports.models import OPEN, ReaderReport
from reviewapp.reviews import rounds
from reviewapp.reviews.models import (
    APPROVE,
    AWAITING_REVIEWER,
    DECLARED_INTERESTS,
    Assignment,
    Review,
    ReviewRound,
)
from reviewapp.reviews.models import DECISION_NEEDED as ROUND_DECISION_NEEDED
from reviewapp.reviews.services import listed_assignments

# How the "Under review" list may be ordered (?sort=…): waiting longest first
# (the default, as every other section), or the next review due soonest first.
SORTS = {"age": "Waiting longest first", "due": "Next review due first"}
DEFAULT_SORT = "age"
# Counts stop here ("1000+"), so that they too cost what a page costs.
COUNT_CAP = 1000


def _oldest_first(statement, limit: int):
    return statement.order_by(Article.updated_at, Article.id).limit(limit)


def editor_dashboard(sort: str = DEFAULT_SORT) -> dict:
    """Each section walks an index in its own order (a state's articles, the
    blocked ones, open reports, awaited reviews) and stops at PAGE_SIZE rows, so
    its cost does not grow with the archive. `sort` orders "Under review" (SORTS)."""
    limit = current_app.config["PAGE_SIZE"]
    sort = sort if sort in SORTS else DEFAULT_SORT
    approvals = (select(func.count()).select_from(Review)
                 .where(Review.article_id == Article.id,
                        Review.revision_id == Article.current_revision_id,
                        Review.decision == APPROVE)
                 .correlate(Article).scalar_subquery())
    # The earliest due date of the reviews it still waits for (None: none awaited).
    next_due = (select(func.min(Assignment.due_at))
                .where(Assignment.article_id == Article.id, text(AWAITING_REVIEWER))
                .correlate(Article).scalar_subquery())
    article_options = (listed_revision(joinedload(Article.current_revision)),
                       listed_user(joinedload(Article.author)))
    in_review = (select(Article, approvals, next_due.label("next_due"))
                 .where(Article.state == UNDER_REVIEW).options(*article_options))
    under_review = db.session.execute(
        in_review.order_by(next_due.asc().nulls_last(), Article.updated_at, Article.id)
        .limit(limit) if sort == "due" else _oldest_first(in_review, limit)).all()
    blocked = [(article, article.citation_errors) for article in db.session.scalars(
        _oldest_first(select(Article).where(text(BLOCKED)).options(*article_options), limit))]
    reader_reports = list(db.session.scalars(
        select(ReaderReport).where(ReaderReport.status == OPEN)
        .options(joinedload(ReaderReport.article),
                 listed_revision(joinedload(ReaderReport.revision)))
        .order_by(ReaderReport.created_at, ReaderReport.id).limit(limit)))
    rereview = due_for_rereview(limit)
    return {
        "blocked": blocked,
        **rereview,
        # "Start re-review" is offered once per article: in its flagged row, which
        # resolves its oldest open report listed here; that report's card links there.
        "flagged_ids": {article.id for article, _, _ in rereview["rereview"]},
        "first_report": {r.article_id: r.id for r in reversed(reader_reports)},
        "reader_reports": reader_reports,
        "needing_reviewers": list(db.session.scalars(_oldest_first(
            select(Article).where(Article.state == SUBMITTED).options(*article_options),
            limit))),
        "under_review": under_review,
        "scheduled": publication.scheduled_articles(limit),  # scheduled publishing (issue 17)
        "declared_interests": declared_interests(),
        "overdue": listed_assignments(text(AWAITING_REVIEWER),
                                      Assignment.due_at < utcnow(),
                                      order_by=(Assignment.due_at, Assignment.id)),
        "required": current_app.config["REQUIRED_APPROVALS"],
        "now": utcnow(),
        **decision_needed(limit),
        "counts": section_counts(),
        "sort": sort, "sorts": SORTS, "default_sort": DEFAULT_SORT, "page_size": limit,
    }


def section_counts() -> dict[str, int]:
    """How many rows each section holds (a section shows PAGE_SIZE at most), in
    one statement; each count stops at COUNT_CAP + 1 (shown as "1000+")."""
    def capped(statement):
        return (select(func.count()).select_from(statement.limit(COUNT_CAP + 1).subquery())
                .scalar_subquery())

    approved_article = (Article.state == APPROVED)
    reported = exists().where(ReaderReport.article_id == Article.id,
                              ReaderReport.status == OPEN)
    cutoff = overdue_cutoff(utcnow(), current_app.config["REVIEW_INTERVAL_DAYS"])
    statements = {
        "decision_needed": select(ReviewRound.id).where(text(ROUND_DECISION_NEEDED)),
        "needing_reviewers": select(Article.id).where(Article.state == SUBMITTED),
        "under_review": select(Article.id).where(Article.state == UNDER_REVIEW),
        "declared_interests": select(Assignment.id).where(*_declared_conditions()),
        # In the list's order, so that SQLite too walks the partial index of the
        # blocked few (unordered, it took the state index: every article in review).
        "blocked": select(Article.id).where(text(BLOCKED)).order_by(Article.updated_at,
                                                                     Article.id),
        "rereview": select(Article.id).where(
            approved_article, or_(Article.rereview_reason.is_not(None), reported)),
        "rereview_overdue": select(Article.id)
        .join(Revision, Revision.id == Article.approved_revision_id)
        .where(approved_article, Article.rereview_reason.is_(None), ~reported,
               Revision.approved_at <= cutoff),
        "reader_reports": select(ReaderReport.id).where(ReaderReport.status == OPEN),
        "overdue": select(Assignment.id).where(text(AWAITING_REVIEWER),
                                               Assignment.due_at < utcnow()),
    }
    values = db.session.execute(select(*(capped(s).label(name)
                                         for name, s in statements.items()))).one()
    return dict(zip(statements, values, strict=True))


def declared_interests() -> list[Assignment]:
    """Reviewers of articles still in the editorial process who declared
    competing interests on accepting, newest declaration first (PAGE_SIZE of them)."""
    return listed_assignments(
        *_declared_conditions(),
        order_by=(Assignment.responded_at.desc(), Assignment.id.desc()))


def _declared_conditions() -> tuple:
    """Declarations (the partial index of them, newest first) on articles in process."""
    return (text(DECLARED_INTERESTS),
            exists().where(Article.id == Assignment.article_id,
                           Article.state.in_(IN_PROCESS)))


# --- Review rounds (issue 14) ----------------------------------------------------------

def decision_needed(limit: int) -> dict:
    """Rounds where a reviewer asked for changes and the editor has not
    decided: (round with its article, reviewers who asked), oldest first."""
    return {"decision_needed": rounds.needing_decision(limit),
            "editor_decides": current_app.config["CHANGES_DECISION"] == CHANGES_BY_EDITOR}


def due_for_rereview(limit: int) -> dict:
    """Approved articles due for another review: flagged (a cited work was
    retracted, or a reader's report is open) and, apart from those, approved
    longer ago than REVIEW_INTERVAL_DAYS. Rows: (article, approved revision,
    open reports); the flagged ones oldest flag first (the time a retraction
    flagged it, or its first open report). Both lists start from an index (the
    flagged few, the open reports, the oldest approvals), never from every
    approved article."""
    approved = aliased(Revision)
    reported = exists().where(ReaderReport.article_id == Article.id,
                              ReaderReport.status == OPEN)
    open_reports = (select(func.count()).select_from(ReaderReport)
                    .where(ReaderReport.article_id == Article.id, ReaderReport.status == OPEN)
                    .correlate(Article).scalar_subquery())

    def approved_articles(*columns):
        return (select(Article, approved, *columns)
                .join(approved, approved.id == Article.approved_revision_id)
                .where(Article.state == APPROVED))

    def listed(statement):
        return statement.options(
            listed_user(joinedload(Article.author)),
            load_only(approved.id, approved.number, approved.title, approved.approved_at))

    # Flagged ones by the time they were flagged (the partial index on the flagged
    # few), reported ones by their first open report (the open reports in order,
    # through ix_reader_report_status_created_at): each list stops at PAGE_SIZE.
    flagged = (select(Article.id, Article.rereview_flagged_at.label("due"))
               .where(Article.rereview_reason.is_not(None), Article.state == APPROVED)
               .order_by(Article.rereview_flagged_at, Article.id).limit(limit).subquery())
    earlier = aliased(ReaderReport)
    first_reports = (select(ReaderReport.article_id.label("id"),
                            ReaderReport.created_at.label("due"))
                     .join(Article, Article.id == ReaderReport.article_id)
                     .where(ReaderReport.status == OPEN, Article.state == APPROVED,
                            Article.rereview_reason.is_(None),
                            ~exists().where(earlier.article_id == ReaderReport.article_id,
                                            earlier.status == OPEN,
                                            earlier.id < ReaderReport.id))
                     .order_by(ReaderReport.created_at, ReaderReport.id).limit(limit).subquery())
    due = union_all(select(flagged.c.id, flagged.c.due),
                    select(first_reports.c.id, first_reports.c.due)).subquery()
    cutoff = overdue_cutoff(utcnow(), current_app.config["REVIEW_INTERVAL_DAYS"])
    return {
        "rereview": db.session.execute(listed(
            approved_articles(open_reports).join(due, due.c.id == Article.id)
            .order_by(due.c.due, Article.id).limit(limit))).all(),
        # From the oldest approval up (ix_revision_approved_at) to the first PAGE_SIZE.
        "rereview_overdue": db.session.execute(listed(
            approved_articles(literal(0))
            .where(Article.rereview_reason.is_(None), ~reported,
                   approved.approved_at <= cutoff)
            .order_by(approved.approved_at, approved.id).limit(limit))).all(),
        "review_interval_days": review_interval_days(current_app.config["REVIEW_INTERVAL_DAYS"]),
    }
