"""Dashboard queries: a fixed number of queries whatever the number of rows."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased, joinedload, load_only

from reviewapp.articles.models import Article, Revision, listed_revision
from reviewapp.citations.models import CitationReport, CitationWaiver
from reviewapp.db import utcnow
from reviewapp.extensions import db
from reviewapp.public.models import OPEN, ReaderReport
from reviewapp.reviews.models import ACCEPTED, APPROVE, INVITED, Assignment, Review
from reviewapp.workflow import forms
from reviewapp.workflow.states import APPROVED, SUBMITTED, UNDER_REVIEW


def _assignments(*conditions, order_by):
    limit = current_app.config["PAGE_SIZE"]
    return list(db.session.scalars(
        select(Assignment).where(*conditions)
        .options(joinedload(Assignment.reviewer),
                 listed_revision(joinedload(Assignment.article)
                                 .joinedload(Article.current_revision)),
                 joinedload(Assignment.article).joinedload(Article.author))
        .order_by(*order_by).limit(limit)))


def reviewer_queue(reviewer, bound_forms=None) -> dict:
    """Invitations to answer (each with its own accept and decline form), and
    accepted reviews by due date, overdue first."""
    invitations = _assignments(Assignment.reviewer_id == reviewer.id,
                               Assignment.state == INVITED,
                               order_by=(Assignment.due_at, Assignment.id))
    bound = bound_forms or {}

    def form(kind, assignment):
        cls = forms.AcceptForm if kind == "accept" else forms.DeclineForm
        return bound.get((kind, assignment.id)) or cls(formdata=None,
                                                       prefix=f"a{assignment.id}")

    return {
        "invitations": [(a, form("accept", a), form("decline", a)) for a in invitations],
        "accepted": _assignments(Assignment.reviewer_id == reviewer.id,
                                 Assignment.state == ACCEPTED,
                                 order_by=(Assignment.due_at, Assignment.id)),
        "now": utcnow(),
    }


def editor_dashboard() -> dict:
    limit = current_app.config["PAGE_SIZE"]
    approvals = (select(Review.article_id, func.count().label("n"))
                 .join(Article, (Article.id == Review.article_id)
                       & (Article.current_revision_id == Review.revision_id))
                 .where(Review.decision == APPROVE)
                 .group_by(Review.article_id).subquery())
    article_options = (listed_revision(joinedload(Article.current_revision)),
                       joinedload(Article.author))
    under_review = db.session.execute(
        select(Article, func.coalesce(approvals.c.n, 0))
        .outerjoin(approvals, approvals.c.article_id == Article.id)
        .where(Article.state == UNDER_REVIEW).options(*article_options)
        .order_by(Article.updated_at, Article.id).limit(limit)).all()
    blocked_rows = db.session.execute(
        select(Article, CitationReport)
        .join(CitationReport, CitationReport.revision_id == Article.current_revision_id)
        .where(Article.state.in_((SUBMITTED, UNDER_REVIEW)), CitationReport.error_count > 0)
        .options(*article_options).order_by(Article.updated_at, Article.id).limit(limit)).all()
    waived = set(db.session.execute(
        select(CitationWaiver.article_id, CitationWaiver.finding_key).where(
            CitationWaiver.article_id.in_([a.id for a, _ in blocked_rows])))) \
        if blocked_rows else set()
    blocked = []
    for article, report in blocked_rows:
        errors = [f for f in report.findings
                  if f["severity"] == "error" and (article.id, f["key"]) not in waived]
        if errors:
            blocked.append((article, len(errors)))
    return {
        "blocked": blocked,
        **due_for_rereview(limit),
        "reader_reports": list(db.session.scalars(
            select(ReaderReport).where(ReaderReport.status == OPEN)
            .options(joinedload(ReaderReport.article),
                     listed_revision(joinedload(ReaderReport.revision)))
            .order_by(ReaderReport.created_at, ReaderReport.id).limit(limit))),
        "needing_reviewers": list(db.session.scalars(
            select(Article).where(Article.state == SUBMITTED).options(*article_options)
            .order_by(Article.updated_at, Article.id).limit(limit))),
        "under_review": under_review,
        "overdue": _assignments(Assignment.state.in_((INVITED, ACCEPTED)),
                                Assignment.due_at < utcnow(),
                                order_by=(Assignment.due_at, Assignment.id)),
        "required": current_app.config["REQUIRED_APPROVALS"],
        "now": utcnow(),
    }


def due_for_rereview(limit: int) -> dict:
    """Approved articles due for another review: flagged (a cited work was
    retracted, or a reader's report is open) and, apart from those, approved
    longer ago than REVIEW_INTERVAL_DAYS. Rows: (article, approved revision,
    open reports)."""
    approved = aliased(Revision)
    reports = (select(ReaderReport.article_id, func.count().label("n"))
               .where(ReaderReport.status == OPEN)
               .group_by(ReaderReport.article_id).subquery())
    open_reports = func.coalesce(reports.c.n, 0)
    base = (select(Article, approved, open_reports)
            .join(approved, approved.id == Article.approved_revision_id)
            .outerjoin(reports, reports.c.article_id == Article.id)
            .where(Article.state == APPROVED)
            .options(joinedload(Article.author),
                     load_only(approved.id, approved.number, approved.title, approved.approved_at)))
    flagged = or_(Article.rereview_reason.is_not(None), open_reports > 0)
    cutoff = utcnow() - timedelta(days=current_app.config["REVIEW_INTERVAL_DAYS"])
    return {
        "rereview": db.session.execute(
            base.where(flagged)
            .order_by(func.coalesce(Article.rereview_flagged_at, approved.approved_at),
                      Article.id).limit(limit)).all(),
        "rereview_overdue": db.session.execute(
            base.where(~flagged, approved.approved_at <= cutoff)
            .order_by(approved.approved_at, Article.id).limit(limit)).all(),
        "review_interval_days": current_app.config["REVIEW_INTERVAL_DAYS"],
    }
