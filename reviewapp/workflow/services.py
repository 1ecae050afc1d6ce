"""Article commands of the life cycle (submit, resubmit, withdraw, reject,
reopen, revise, re-review, waive): each is one event applied through
workflow.transition.transition, with what the event changes besides the state."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from reviewapp.accounts.models import User
from reviewapp.accounts.permissions import has_role
from reviewapp.articles.content import revision_content_hash
from reviewapp.articles.models import Article, Revision
from reviewapp.articles.services import new_revision_from
from reviewapp.citations import services as citations
from reviewapp.db import utcnow
from reviewapp.errors import InvalidInput, TransitionRefused
from reviewapp.extensions import db
from reviewapp.reports.services import lock_open_report, resolve_report
from reviewapp.reviews import comments
from reviewapp.reviews.models import ACCEPTED, COMPLETED, Assignment
from reviewapp.workflow.transition import apply_event, transition


def freeze_revision(revision: Revision) -> None:
    """The revision as submitted: checked against today's retraction list, then
    its content hash fixed; it never changes after this."""
    citations.check_revision(revision)
    revision.content_hash = revision_content_hash(revision)
    revision.frozen_at = utcnow()
    db.session.flush()


def submit_article(article_id: int, actor: User, version: int | None) -> Article:
    with transition(article_id, "submit", actor, version) as change:
        freeze_revision(change.article.current_revision)
    return change.article


def resubmit_article(article_id: int, actor: User, version: int | None,
                     responses: comments.Responses | None = None) -> Article:
    """A new frozen revision goes back to the reviewers, whose assignments carry
    over, with the author's answers to open comments (refused while one waits)."""
    with transition(article_id, "resubmit", actor, version) as change:
        revision = change.article.current_revision
        if revision.is_frozen:
            raise TransitionRefused(f"Nothing has changed since revision {revision.number}: "
                                    "edit the article before resubmitting it.")
        freeze_revision(revision)
        comments.answer_on_resubmit(change.article, actor, revision, responses)
        for assignment in db.session.scalars(select(Assignment).where(
                Assignment.article_id == change.article.id, Assignment.state == COMPLETED)):
            assignment.state = ACCEPTED  # waits for a review of the new revision
    return change.article


def withdraw_article(article_id: int, actor: User, version: int | None) -> Article:
    return apply_event(article_id, "withdraw", actor, version)


def reject_article(article_id: int, actor: User, version: int | None, reason: str) -> Article:
    return apply_event(article_id, "reject", actor, version, reason=reason)


def decide_changes(article_id: int, actor: User, version: int | None, letter: str) -> Article:
    """The editor's decision on the open review round: the article goes back to
    its author for changes. The decision letter is kept on the round (closed by
    workflow.transition) and mailed to the author."""
    return apply_event(article_id, "decide_changes", actor, version, reason=letter)


def reopen_article(article_id: int, actor: User, version: int | None) -> Article:
    return apply_event(article_id, "reopen", actor, version)


def revise_article(article_id: int, actor: User, version: int | None) -> Article:
    """An approved article goes back to draft; the approved revision stays public
    until a newer one is approved."""
    return apply_event(article_id, "revise", actor, version)


def waive_finding(article_id: int, actor: User, version: int | None, finding_key: str,
                  reason: str) -> Article:
    """Waive one citation error; when that clears the way, the article is approved."""
    with transition(article_id, "waive", actor, version) as change:
        waiver = citations.waive_finding(change.article, actor, finding_key, reason)
        change.reason = waiver.reason
        change.object_type, change.object_id = "citation_waiver", waiver.id
        change.details = {"code": waiver.code, "message": waiver.message,
                          "finding_key": finding_key}
    return change.article


def start_rereview(article_id: int, actor: User, version: int | None, *,
                   reason: str | None = None, report_id: int | None = None) -> Article:
    """An editor sends an approved article back to the board: a frozen copy of
    the approved revision becomes the current one, the assignments of active
    reviewers reopen with a new due date, and the approved revision stays
    public until a newer one is approved. From a reader report, that report
    is resolved in the same transaction."""
    with transition(article_id, "rereview", actor, version) as change:
        article = change.article
        report = lock_open_report(report_id) if report_id is not None else None
        if report is not None and report.article_id != article.id:
            raise InvalidInput("This report is about another article.")
        approved = article.approved_revision
        change.reason = ((reason or "").strip() or article.rereview_reason
                         or (f"Reader report #{report.id}." if report else None)
                         or "The review interval has passed.")
        revision = new_revision_from(article, actor)  # in Approved, the current is the approved
        freeze_revision(revision)
        due_at = utcnow() + timedelta(days=current_app.config["DEFAULT_REVIEW_DAYS"])
        change.recipients["reviewers"] = _reopen_assignments(article, due_at)
        change.mail_context["due_at"] = due_at
        change.details = {"approved_revision": approved.number,
                          **({"report": report.id} if report else {})}
    if report is not None:  # after the re-review is on record, in the same transaction
        resolve_report(report, actor, f"Re-review started (revision {revision.number}).")
        db.session.flush()
    return change.article


def _reopen_assignments(article: Article, due_at) -> list[User]:
    """The accepted or done assignments of reviewers still on the board open
    again, due `due_at`; returns those reviewers (the editor assigns others)."""
    reopened = []
    for assignment in db.session.scalars(
            select(Assignment).where(Assignment.article_id == article.id,
                                     Assignment.state.in_((ACCEPTED, COMPLETED)))
            .options(joinedload(Assignment.reviewer)).order_by(Assignment.id)):
        reviewer = assignment.reviewer
        if not reviewer.active or not has_role(reviewer, "reviewer"):
            continue
        assignment.state, assignment.due_at = ACCEPTED, due_at
        assignment.last_reminded_on = None
        reopened.append(reviewer)
    return reopened
