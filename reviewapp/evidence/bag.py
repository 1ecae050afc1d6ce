"""The facts of one article's evidence bag for assessors (PIF TICK's "job bag",
NHS England's standard for creating health content), as plain JSON-ready data.

Read-only and a fixed number of queries whatever the number of revisions,
reviews or events: each kind of row is loaded once for the whole article.
Reader reports and questions leave out the reader's email and address.
"""

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from reviewapp.accounts.models import User
from reviewapp.articles import review_dates
from reviewapp.articles.models import Article, Revision
from reviewapp.audit.chain import format_time
from reviewapp.audit.models import AuditEvent
from reviewapp.audit.services import current_head, links_problems
from reviewapp.citations.models import CitationReport, CitationWaiver
from reviewapp.errors import NotFound
from reviewapp.evidence import criteria
from reviewapp.extensions import db
from reviewapp.lifecycle.events import APPROVAL_ACTION
from reviewapp.public.provenance import provenance
from reviewapp.questions.models import ReaderQuestion
from reviewapp.reports.models import ReaderReport
from reviewapp.reviews.comment_threads import responses_of
from reviewapp.reviews.models import (
    Assignment,
    ClaimVerdict,
    ReviewComment,
    signature_is_valid,
)
from reviewapp.reviews.models import Review as ReviewRow
from reviewapp.reviews.rounds import rounds_of, with_reports

BAG_TYPE = "reviewapp.evidence-bag"


def _time(value):
    return format_time(value) if value is not None else None


def gather(article_id: int) -> dict:
    """Every fact of the bag for the article; NotFound when there is none."""
    article = db.session.scalar(
        select(Article).where(Article.id == article_id)
        .options(joinedload(Article.author).load_only(User.id, User.display_name)))
    if article is None:
        raise NotFound("There is no such article.")
    revisions = list(db.session.scalars(
        select(Revision).where(Revision.article_id == article.id)
        .options(selectinload(Revision.audience_versions), selectinload(Revision.references))
        .order_by(Revision.number)))
    by_id = {revision.id: revision for revision in revisions}
    reports = {report.revision_id: report for report in db.session.scalars(
        select(CitationReport).where(CitationReport.revision_id.in_(list(by_id))))}
    reviews = list(db.session.scalars(
        select(ReviewRow).where(ReviewRow.article_id == article.id)
        .options(joinedload(ReviewRow.reviewer).load_only(User.id, User.display_name),
                 joinedload(ReviewRow.signature))
        .order_by(ReviewRow.created_at, ReviewRow.id)))
    events = list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.article_id == article.id).order_by(AuditEvent.seq)))
    bag = {
        "type": BAG_TYPE,
        "article": {"id": article.id, "slug": article.slug, "title": article.title,
                    "state": article.state, "author": article.author.display_name,
                    "created_at": _time(article.created_at)},
        "revisions": [_revision(revision, reports.get(revision.id), article)
                      for revision in revisions],
        "waivers": _waivers(article.id),
        "review_rounds": _rounds(article.id, reviews, by_id),
        "signatures": _signatures(reviews, by_id),
        "competing_interests": _declarations(article.id),
        "approvals": [_event(event) for event in events if event.action == APPROVAL_ACTION],
        "review_dates": _review_dates(article),
        "reader_reports": _reader_reports(article.id),
        "reader_questions": _reader_questions(article.id),
        "audit": _audit(events),
        "provenance": _provenance(article),
    }
    bag["criteria"] = criteria.assess(bag)
    return bag


def _revision(revision: Revision, report: CitationReport | None, article: Article) -> dict:
    state = ("approved" if revision.approved_at else
             "frozen" if revision.frozen_at else "draft")
    return {"number": revision.number, "title": revision.title, "state": state,
            "public": revision.id == article.approved_revision_id,
            "content_hash": revision.content_hash, "frozen_at": _time(revision.frozen_at),
            "approved_at": _time(revision.approved_at), "change_note": revision.change_note,
            "references": len(revision.references),
            "audience_versions": [{"audience": version.audience, "title": version.title}
                                  for version in revision.audience_versions],
            "citation_report": None if report is None else {
                "checked_at": _time(report.checked_at), "errors": report.error_count,
                "warnings": report.warning_count, "info": report.info_count,
                "findings": [finding.to_dict() for finding in report.findings or []]}}


def _waivers(article_id: int) -> list[dict]:
    waivers = db.session.scalars(
        select(CitationWaiver).where(CitationWaiver.article_id == article_id)
        .options(joinedload(CitationWaiver.waived_by).load_only(User.id, User.display_name))
        .order_by(CitationWaiver.waived_at, CitationWaiver.id))
    return [{"finding": waiver.finding_key, "code": waiver.code, "message": waiver.message,
             "reason": waiver.reason, "waived_by": waiver.waived_by.display_name,
             "waived_at": _time(waiver.waived_at)} for waiver in waivers]


def _rounds(article_id: int, reviews: list, by_id: dict) -> list[dict]:
    """Each round with its reports, verdicts, comment threads and the author's responses."""
    rounds = with_reports(rounds_of(article_id), reviews, hide_recommendations=False)
    verdicts = db.session.execute(
        select(ClaimVerdict, User.display_name).join(User, User.id == ClaimVerdict.reviewer_id)
        .where(ClaimVerdict.revision_id.in_(list(by_id)))
        .order_by(ClaimVerdict.revision_id, ClaimVerdict.id)).all()
    comments = list(db.session.scalars(
        select(ReviewComment).where(ReviewComment.article_id == article_id)
        .options(joinedload(ReviewComment.author).load_only(User.id, User.display_name),
                 selectinload(ReviewComment.messages))
        .order_by(ReviewComment.created_at, ReviewComment.id)))
    names = dict(db.session.execute(
        select(User.id, User.display_name).where(User.id.in_(
            {m.author_id for c in comments for m in c.messages} | {0}))).all())
    responses = {response.revision_id: response for response in responses_of(article_id)}
    shown = []
    for entry in rounds:
        revision_id = entry.round.revision_id
        response = responses.get(revision_id)
        shown.append({
            "number": entry.round.number, "revision": by_id[revision_id].number,
            "opened_at": _time(entry.round.opened_at), "closed_at": _time(entry.round.closed_at),
            "decision": entry.round.decision,
            "decided_by": entry.round.decided_by.display_name if entry.round.decided_by else None,
            "decision_letter": entry.round.decision_letter,
            "reports": [{"reviewer": review.reviewer.display_name, "decision": review.decision,
                         "comment": review.comment, "created_at": _time(review.created_at)}
                        for review in entry.reports],
            "claim_verdicts": [{"reviewer": name, "claim": verdict.sentence,
                                "verdict": verdict.verdict, "note": verdict.note}
                               for verdict, name in verdicts
                               if verdict.revision_id == revision_id],
            "comments": [_comment(comment, names) for comment in comments
                         if comment.revision_id == revision_id],
            "author_response": None if response is None else {
                "body": response.body, "created_at": _time(response.created_at)},
        })
    return shown


def _comment(comment: ReviewComment, names: dict) -> dict:
    return {"by": comment.author.display_name, "quote": comment.quote, "body": comment.body,
            "confidential": comment.confidential, "state": comment.state,
            "created_at": _time(comment.created_at),
            "messages": [{"by": names.get(message.author_id), "kind": message.kind,
                          "body": message.body, "created_at": _time(message.created_at)}
                         for message in comment.messages]}


def _signatures(reviews: list, by_id: dict) -> list[dict]:
    return [{"revision": by_id[review.revision_id].number,
             "printed_name": review.signature.printed_name, "meaning": review.signature.meaning,
             "signed_at": _time(review.signature.signed_at),
             "content_hash": review.signature.content_hash,
             "verdicts_hash": review.signature.verdicts_hash,
             "valid": signature_is_valid(review.signature, by_id[review.revision_id])}
            for review in reviews if review.signature is not None]


def _declarations(article_id: int) -> list[dict]:
    assignments = db.session.scalars(
        select(Assignment).where(Assignment.article_id == article_id)
        .options(joinedload(Assignment.reviewer).load_only(User.id, User.display_name))
        .order_by(Assignment.invited_at, Assignment.id))
    return [{"reviewer": assignment.reviewer.display_name, "state": assignment.state,
             "responded_at": _time(assignment.responded_at),
             "competing_interests": assignment.competing_interests}
            for assignment in assignments]


def _review_dates(article: Article) -> dict:
    approved = article.approved_revision
    if approved is None or approved.approved_at is None:
        return {"last_reviewed": None, "last_updated": None, "next_review_due": None}
    due = review_dates.next_review_due(approved.approved_at,
                                       current_app.config["REVIEW_INTERVAL_DAYS"])
    return {"last_reviewed": _time(approved.approved_at),
            "last_updated": _time(approved.content_updated_at or approved.approved_at),
            "next_review_due": due.isoformat(),
            "interval_days": review_dates.review_interval_days(
                current_app.config["REVIEW_INTERVAL_DAYS"])}


def _reader_reports(article_id: int) -> list[dict]:
    reports = db.session.scalars(
        select(ReaderReport).where(ReaderReport.article_id == article_id)
        .order_by(ReaderReport.created_at, ReaderReport.id))
    return [{"created_at": _time(report.created_at), "message": report.message,
             "status": report.status, "resolved_at": _time(report.resolved_at),
             "resolution": report.resolution} for report in reports]


def _reader_questions(article_id: int) -> list[dict]:
    questions = db.session.scalars(
        select(ReaderQuestion).where(ReaderQuestion.article_id == article_id)
        .order_by(ReaderQuestion.asked_at, ReaderQuestion.id))
    return [{"asked_at": _time(question.asked_at), "question": question.question,
             "status": question.status, "outcome": question.status_label,
             "handled_at": _time(question.handled_at), "answer": question.answer,
             "dismiss_reason": question.dismiss_reason,
             "commissioned_article_id": question.commissioned_article_id}
            for question in questions]


def _event(event: AuditEvent) -> dict:
    return {"seq": event.seq, "occurred_at": _time(event.occurred_at),
            "actor": event.actor_name, "action": event.action, "details": event.details or {},
            "hash": event.hash}


def _audit(events: list[AuditEvent]) -> dict:
    """The article's events, each with whether its link in the chain holds, and the
    chain's head (the whole chain is not verified here: `audit verify` does that)."""
    problems = links_problems(events)
    seq, digest = current_head()
    return {"head": {"seq": seq, "hash": digest},
            "all_links_hold": not any(problems.values()),
            "events": [{**_event(event), "link_problems": problems[event.seq]}
                       for event in events]}


def _provenance(article: Article) -> dict:
    if article.approved_revision_id is None:
        return {"available": False,
                "reason": "The article has no approved revision, so no public page and no "
                          "signed provenance."}
    try:
        return {"available": True, "manifest": provenance(article.slug)}
    except NotFound as refused:
        return {"available": False, "reason": str(refused)}
