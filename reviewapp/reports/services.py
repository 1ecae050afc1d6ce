"""Readers' problem reports: a reader sends one on a public article (limited
per address and hour); an editor resolves it, alone or by starting a re-review
(workflow.services.start_rereview locks and resolves it with these helpers)."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from reviewapp.accounts.models import User
from reviewapp.accounts.permissions import has_role
from reviewapp.audit.services import record
from reviewapp.db import transaction_lock, utcnow
from reviewapp.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TransitionRefused,
)
from reviewapp.extensions import db
from reviewapp.public.article_page import public_article
from reviewapp.reports.models import OPEN, RESOLVED, ReaderReport


class TooManyReports(DomainError):
    status_code = 429


def create_reader_report(slug: str, message: str, email: str | None,
                         ip: str | None) -> ReaderReport:
    """A reader's report on a public article, at most REPORT_RATE_LIMIT an hour
    from one address (counted from the stored reports)."""
    config = current_app.config
    shown = public_article(slug)
    message = (message or "").strip()
    if not message:
        raise InvalidInput("Describe the problem.")
    if len(message) > config["REPORT_MAX_LENGTH"]:
        raise InvalidInput(f"The message may hold at most {config['REPORT_MAX_LENGTH']:,} "
                           "characters.")
    if ip:
        # Two reports from one address at once queue here, so both are counted.
        transaction_lock(db.session, f"reader_report:{ip}")
        recent = db.session.scalar(
            select(func.count()).select_from(ReaderReport).where(
                ReaderReport.ip == ip,
                ReaderReport.created_at >= utcnow() - timedelta(hours=1)))
        if recent >= config["REPORT_RATE_LIMIT"]:
            raise TooManyReports("Too many reports from your network in the last hour. "
                                 "Please try again later.")
    report = ReaderReport(article_id=shown.article.id, revision_id=shown.revision.id,
                          message=message, email=(email or "").strip() or None,
                          ip=(ip or None) and ip[:45])
    db.session.add(report)
    db.session.flush()
    # The reader's text (which may hold personal details) stays in the report
    # row; the permanent log records that a report came in, and where.
    record("reader_report.created", object_type="reader_report", object_id=report.id,
           article_id=shown.article.id,
           details={"revision": shown.revision.number, "message_chars": len(message),
                    "email_given": report.email is not None})
    return report


def resolve_reader_report(report_id: int, actor: User, resolution: str) -> ReaderReport:
    """An editor closes a reader's report with what was done about it."""
    if not has_role(actor, "editor"):
        raise PermissionDenied("Only editors can resolve reader reports.")
    resolution = (resolution or "").strip()
    if not resolution:
        raise InvalidInput("Say what was done about the report.")
    report = lock_open_report(report_id)
    resolve_report(report, actor, resolution)
    db.session.flush()
    return report


def lock_open_report(report_id: int) -> ReaderReport:
    """The report, locked for this transaction; NotFound, or TransitionRefused
    when it was resolved already."""
    report = db.session.execute(
        select(ReaderReport).where(ReaderReport.id == report_id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one_or_none()
    if report is None:
        raise NotFound("There is no such report.")
    if report.status != OPEN:
        raise TransitionRefused("This report was resolved already.")
    return report


def resolve_report(report: ReaderReport, actor: User, resolution: str) -> None:
    """Close a locked open report (the caller checked the actor may) and audit it."""
    report.status, report.resolution = RESOLVED, resolution[:5000]
    report.resolved_by_id, report.resolved_at = actor.id, utcnow()
    record("reader_report.resolved", actor=actor, object_type="reader_report",
           object_id=report.id, article_id=report.article_id, reason=report.resolution)
