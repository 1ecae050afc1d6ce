"""Article life-cycle commands: each locks the article, checks its version,
asks the state machine, applies the change, records the audit event, flushes."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from reviewapp.accounts.models import User
from reviewapp.articles.content import content_hash
from reviewapp.articles.models import Article, Revision
from reviewapp.articles.services import lock_article, new_revision_from
from reviewapp.audit.services import record
from reviewapp.citations import services as citations
from reviewapp.db import utcnow
from reviewapp.errors import (
    InvalidInput,
    StaleVersion,
    TransitionRefused,
)
from reviewapp.extensions import db
from reviewapp.mail.services import enqueue
from reviewapp.reports.services import lock_open_report as _lock_open_report
from reviewapp.reports.services import (  # re-exported: workflow/views.py calls it here
    resolve_reader_report as resolve_reader_report,
)
from reviewapp.reports.services import resolve_report as _resolve
from reviewapp.reviews.models import ACCEPTED, APPROVE, COMPLETED, INVITED, Assignment, Review
from reviewapp.workflow import machine
from reviewapp.workflow.states import APPROVED, UNDER_REVIEW


def actor_of(user: User) -> machine.Actor:
    return machine.Actor(id=user.id, roles=frozenset(user.role_names))


def load_facts(article: Article) -> machine.ArticleFacts:
    assignments = db.session.execute(
        select(Assignment.reviewer_id, Assignment.state)
        .where(Assignment.article_id == article.id)).all()
    approved_by = frozenset(db.session.scalars(
        select(Review.reviewer_id).where(Review.revision_id == article.current_revision_id,
                                         Review.decision == APPROVE)))
    revision = article.current_revision
    return machine.ArticleFacts(
        state=article.state, author_id=article.author_id,
        title=revision.title if revision else "", body=revision.body if revision else "",
        invited=frozenset(r for r, s in assignments if s == INVITED),
        accepted=frozenset(r for r, s in assignments if s in (ACCEPTED, COMPLETED)),
        approved_by=approved_by,
        required_approvals=current_app.config["REQUIRED_APPROVALS"],
        unwaived_errors=len(citations.unwaived_errors(
            citations.report_of(article.current_revision_id), citations.waivers_of(article.id))))


def check_version(article: Article, version: int | None) -> None:
    """Refuse a form made from an older version of the article. Checked after
    the state machine, so that an event the state no longer allows is named
    as such rather than as a stale form."""
    if version is not None and article.version != version:
        raise StaleVersion()


def decide(article: Article, event: str, actor: User, version: int | None, **kwargs) -> str:
    """The machine's answer for this article now, then the version check."""
    after = machine.decide(event, load_facts(article), actor_of(actor), **kwargs)
    check_version(article, version)
    return after


def change_state(article: Article, event: str, actor: User, version: int | None, *,
                 reason: str | None = None, details: dict | None = None,
                 action: str | None = None) -> str:
    """Ask the machine, move the article, bump its version, record the event."""
    before = article.state
    after = decide(article, event, actor, version, reason=reason)
    article.state = after
    article.version += 1
    record(action or f"article.{_PAST[event]}", actor=actor, object_type="article",
           object_id=article.id, article_id=article.id, reason=reason,
           details={"before": {"state": before}, "after": {"state": after},
                    "revision": article.current_revision.number, **(details or {})})
    return after


_PAST = {"submit": "submitted", "resubmit": "resubmitted", "withdraw": "withdrawn",
         "reject": "rejected", "reopen": "reopened", "revise": "revision_started",
         "rereview": "rereview_started"}


def freeze_revision(revision: Revision) -> None:
    """The revision as submitted: checked against today's retraction list, then
    its content hash fixed; it never changes after this."""
    citations.check_revision(revision)
    revision.content_hash = content_hash(revision.title, revision.body,
                                         revision.reference_texts)
    revision.frozen_at = utcnow()
    db.session.flush()


def mark_approved(article: Article, actor: User, approvers: list[int]) -> None:
    """The approval rule holds: the current revision becomes the public one."""
    revision = article.current_revision
    before = article.state
    article.state = APPROVED
    article.approved_revision_id = revision.id
    article.rereview_reason = article.rereview_flagged_at = None
    revision.approved_at = utcnow()
    record("article.approved", actor=actor, object_type="article", object_id=article.id,
           article_id=article.id,
           details={"before": {"state": before}, "after": {"state": APPROVED},
                    "revision": revision.number, "approved_by": approvers})
    notify_author(article, f"Approved: {revision.title}",
                  "Your article was approved by the Medical Advisory Board "
                  f"({len(approvers)} approvals).")


def waive_finding(article_id: int, actor: User, version: int | None, finding_key: str,
                  reason: str) -> Article:
    """Waive one citation error; when that clears the way, the article is approved."""
    article = lock_article(article_id)
    check_version(article, version)
    citations.waive_finding(article, actor, finding_key, reason)
    article.version += 1
    facts = load_facts(article)
    if article.state == UNDER_REVIEW and machine.approval_rule_holds(facts):
        mark_approved(article, actor, sorted(facts.approved_by))
    db.session.flush()
    return article


def submit_article(article_id: int, actor: User, version: int | None) -> Article:
    article = lock_article(article_id)
    change_state(article, "submit", actor, version)
    freeze_revision(article.current_revision)
    return article


def resubmit_article(article_id: int, actor: User, version: int | None) -> Article:
    """A new frozen revision goes back to the reviewers, whose assignments carry over."""
    article = lock_article(article_id)
    revision = article.current_revision
    decide(article, "resubmit", actor, version)
    if revision.is_frozen:
        raise TransitionRefused(f"Nothing has changed since revision {revision.number}: "
                                "edit the article before resubmitting it.")
    change_state(article, "resubmit", actor, version)
    freeze_revision(revision)
    for assignment in db.session.scalars(select(Assignment).where(
            Assignment.article_id == article.id, Assignment.state == COMPLETED)):
        assignment.state = ACCEPTED  # waits for a review of the new revision
    db.session.flush()
    return article


def withdraw_article(article_id: int, actor: User, version: int | None) -> Article:
    article = lock_article(article_id)
    change_state(article, "withdraw", actor, version)
    db.session.flush()
    return article


def reject_article(article_id: int, actor: User, version: int | None, reason: str) -> Article:
    article = lock_article(article_id)
    change_state(article, "reject", actor, version, reason=reason)
    notify_author(article, f"Not accepted: {article.current_revision.title}",
                  f"The editor has rejected the article.\n\nReason:\n{reason}\n")
    db.session.flush()
    return article


def reopen_article(article_id: int, actor: User, version: int | None) -> Article:
    article = lock_article(article_id)
    change_state(article, "reopen", actor, version)
    db.session.flush()
    return article


def revise_article(article_id: int, actor: User, version: int | None) -> Article:
    """An approved article goes back to draft; the approved revision stays public
    until a newer one is approved."""
    article = lock_article(article_id)
    change_state(article, "revise", actor, version)
    db.session.flush()
    return article


def notify_author(article: Article, subject: str, text: str) -> None:
    link = f"{current_app.config['SITE_URL']}/desk/articles/{article.id}"
    enqueue(article.author.email, subject,
            f"Dear {article.author.display_name},\n\n{text}\n{link}\n", article_id=article.id)


def start_rereview(article_id: int, actor: User, version: int | None, *,
                   reason: str | None = None, report_id: int | None = None) -> Article:
    """An editor sends an approved article back to the board: a frozen copy of
    the approved revision becomes the current one, the assignments of active
    reviewers reopen with a new due date, and the approved revision stays
    public until a newer one is approved. From a reader report, that report
    is resolved in the same transaction."""
    article = lock_article(article_id)
    report = _lock_open_report(report_id) if report_id is not None else None
    if report is not None and report.article_id != article.id:
        raise InvalidInput("This report is about another article.")
    before = article.state
    after = decide(article, "rereview", actor, version)
    approved = article.approved_revision
    reason = ((reason or "").strip() or article.rereview_reason
              or (f"Reader report #{report.id}." if report else None)
              or "The review interval has passed.")
    revision = new_revision_from(article, actor)  # in Approved, the current is the approved
    freeze_revision(revision)
    article.state = after
    article.version += 1
    record("article.rereview_started", actor=actor, object_type="article",
           object_id=article.id, article_id=article.id, reason=reason,
           details={"before": {"state": before}, "after": {"state": after},
                    "revision": revision.number, "approved_revision": approved.number,
                    **({"report": report.id} if report else {})})
    due_at = utcnow() + timedelta(days=current_app.config["DEFAULT_REVIEW_DAYS"])
    for assignment in db.session.scalars(
            select(Assignment).where(Assignment.article_id == article.id,
                                     Assignment.state.in_((ACCEPTED, COMPLETED)))
            .options(joinedload(Assignment.reviewer)).order_by(Assignment.id)):
        reviewer = assignment.reviewer
        if not reviewer.active or "reviewer" not in reviewer.role_names:
            continue  # the editor assigns someone else
        assignment.state, assignment.due_at = ACCEPTED, due_at
        assignment.last_reminded_on = None
        enqueue(reviewer.email, f"Re-review requested: {revision.title}",
                f"Dear {reviewer.display_name},\n\nThe editor has asked the Medical Advisory "
                f"Board to review this approved article again (revision {revision.number}, "
                f"a copy of the approved one).\n\nReason:\n{reason}\n\nPlease review it "
                f"by {due_at:%Y-%m-%d}:\n{current_app.config['SITE_URL']}/desk/articles/"
                f"{article.id}/review\n", article_id=article.id)
    notify_author(article, f"Re-review started: {revision.title}",
                  "The editor has sent your approved article back to the Medical Advisory "
                  f"Board for another review.\n\nReason:\n{reason}\n\nThe approved "
                  "version stays public meanwhile.")
    if report is not None:
        _resolve(report, actor, f"Re-review started (revision {revision.number}).")
    db.session.flush()
    return article
