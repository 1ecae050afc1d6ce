"""The one writer of an article's state. `transition()` locks the article,
loads the facts, lets the machine decide and checks the form's version; the
caller makes the event's own row changes inside the block; leaving the block
sets the state, bumps the version once, records the event's audit action with
the state before and after, queues the event's mail and, where the event may
complete an approval, approves the article. Services only flush: the request
(or CLI command) commits."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from reviewapp import publication_versions
from reviewapp.accounts.models import User
from reviewapp.articles import publication
from reviewapp.articles.change_notes import updates_approved
from reviewapp.articles.models import Article
from reviewapp.articles.services import lock_article
from reviewapp.audit.services import record
from reviewapp.audit.transparency import publish_head
from reviewapp.db import utcnow
from reviewapp.errors import StaleVersion
from reviewapp.extensions import db
from reviewapp.lifecycle import machine
from reviewapp.lifecycle.events import (
    APPROVAL_ACTION,
    APPROVAL_MAIL,
    EVENTS,
    IN_ROUND,
    Event,
    Mail,
)
from reviewapp.lifecycle.states import APPROVED, UNDER_REVIEW
from reviewapp.mail.compose import enqueue_mail
from reviewapp.questions.services import mail_askers_on_approval
from reviewapp.reviews import rounds
from reviewapp.reviews.models import (
    ACCEPTED,
    APPROVE,
    COMPLETED,
    INVITED,
    REQUEST_CHANGES,
    Assignment,
    Review,
    ReviewRound,
)


def actor_of(user: User) -> machine.Actor:
    return machine.Actor(id=user.id, roles=frozenset(user.role_names))


def load_facts(article: Article) -> machine.ArticleFacts:
    assignments = db.session.execute(
        select(Assignment.reviewer_id, Assignment.state)
        .where(Assignment.article_id == article.id)).all()
    reviews = db.session.execute(
        select(Review.reviewer_id, Review.decision)
        .where(Review.revision_id == article.current_revision_id)).all()
    revision = article.current_revision
    return machine.ArticleFacts(
        state=article.state, author_id=article.author_id,
        title=revision.title if revision else "", body=revision.body if revision else "",
        invited=frozenset(r for r, s in assignments if s == INVITED),
        accepted=frozenset(r for r, s in assignments if s in (ACCEPTED, COMPLETED)),
        approved_by=frozenset(r for r, d in reviews if d == APPROVE),
        changes_requested_by=frozenset(r for r, d in reviews if d == REQUEST_CHANGES),
        changes_decision=current_app.config["CHANGES_DECISION"],
        required_approvals=current_app.config["REQUIRED_APPROVALS"],
        unwaived_errors=article.citation_errors,
        updates_approved=updates_approved(article),
        change_note=(revision.change_note or "") if revision else "",
        scheduled=article.scheduled_revision_id is not None)


def check_version(article: Article, version: int | None) -> None:
    """Refuse a form made from an older version of the article. Checked after
    the state machine, so that an event the state no longer allows is named
    as such rather than as a stale form. None: the command is bound to
    something else (an assignment's state, a revision's content hash)."""
    if version is not None and article.version != version:
        raise StaleVersion()


@dataclass
class Change:
    """One event being applied. Inside the block the caller may fill in the
    audit record's object, reason and details, and who gets the event's mail."""

    article: Article
    event: Event
    actor: User
    facts: machine.ArticleFacts
    before: str
    after: str
    reason: str | None = None
    object_type: str = "article"
    object_id: int | None = None
    details: dict = field(default_factory=dict)
    recipients: dict[str, list[User]] = field(default_factory=dict)
    mail_context: dict = field(default_factory=dict)
    # The article's open review round when the event began (None: none open).
    round: ReviewRound | None = None


@contextmanager
def transition(article_id: int, event: str, actor: User, expected_version: int | None, *,
               reason: str | None = None, subject_id: int | None = None) -> Iterator[Change]:
    article = lock_article(article_id)
    facts = load_facts(article)
    after = machine.decide(event, facts, actor_of(actor), subject_id=subject_id, reason=reason)
    check_version(article, expected_version)
    change = Change(article=article, event=EVENTS[event], actor=actor, facts=facts,
                    before=article.state, after=after,
                    reason=reason.strip() if reason else None,
                    round=rounds.open_round_of(article.id))
    yield change
    _finish(change)


def apply_event(article_id: int, event: str, actor: User, expected_version: int | None, *,
                reason: str | None = None) -> Article:
    """An event that needs nothing but the state change (withdraw, reopen, reject…)."""
    with transition(article_id, event, actor, expected_version, reason=reason) as change:
        pass
    return change.article


def _finish(change: Change) -> None:
    article = change.article
    article.state = change.after
    article.version += 1
    db.session.flush()
    _follow_rounds(change)
    record(change.event.audit_action, actor=change.actor, object_type=change.object_type,
           object_id=article.id if change.object_id is None else change.object_id,
           article_id=article.id, reason=change.reason,
           details={"before": {"state": change.before}, "after": {"state": change.after},
                    "revision": article.current_revision.number, **change.details})
    for mail in change.event.mails:
        _send(mail, change)
    if change.event.completes_approval and article.state in (UNDER_REVIEW, APPROVED):
        _approve_if_rule_holds(change)
    # Readers see the state (the tracker, "an update is being reviewed") and, at an
    # approval, the new text in the article's page, its tags' related lists and the lists.
    publication_versions.bump(*publication_versions.article_scopes(article.id,
                                                                   article.tag_names))
    db.session.flush()


def _approve_if_rule_holds(change: Change) -> None:
    """The approval rule, asked with what the event changed: approvals on the
    current revision and citation errors left unwaived."""
    article = change.article
    facts = load_facts(article) if article.state == UNDER_REVIEW else None
    if facts is not None and not machine.approval_rule_holds(facts):
        return
    approvers = sorted(facts.approved_by if facts else
                       change.facts.approved_by | {change.actor.id})
    revision = article.current_revision
    before, article.state = article.state if facts else change.before, APPROVED
    # Public now, or at the article's "Publish at" (scheduled publishing).
    scheduled_for = publication.settle_approval(article, revision, utcnow())
    article.rereview_reason = article.rereview_flagged_at = None
    closed = _close_round(change)
    record(APPROVAL_ACTION, actor=change.actor, object_type="article", object_id=article.id,
           article_id=article.id,
           details={"before": {"state": before}, "after": {"state": APPROVED},
                    "revision": revision.number, "approved_by": approvers,
                    **({"round": closed} if closed else {}),
                    **({"scheduled_for": scheduled_for.isoformat()} if scheduled_for else {})})
    _send(APPROVAL_MAIL, change, approvals=len(approvers))
    # An article commissioned from reader questions: their askers are mailed (once).
    mail_askers_on_approval(article, change.actor)
    publish_head(actor=change.actor)  # the transparency log holds every approval


def _send(mail: Mail, change: Change, **context) -> None:
    article = change.article
    if mail.when is not None and article.state != mail.when:
        return
    recipients = ([article.author] if mail.to == "author"
                  else change.recipients.get(mail.to, []))
    for user in recipients:
        enqueue_mail(user.email, mail.template, article_id=article.id, to=user,
                     article=article, actor=change.actor, reason=change.reason,
                     **change.mail_context, **context)


# --- Review rounds (issue 14) ----------------------------------------------------------

def _follow_rounds(change: Change) -> None:
    """The rounds follow the state: a submission, resubmission or re-review
    opens the next round on the revision it froze; leaving review (Submitted,
    Under Review) closes the open one with the state reached as its decision
    and the event's reason as the letter. Recorded in the event's details."""
    if change.event.opens_round:
        opened = rounds.open_round(change.article)
        change.details = {**change.details,
                          "round": {"number": opened.number, "opened": True}}
        return
    closed = _close_round(change)
    if closed:
        change.details = {**change.details, "round": closed}


def _close_round(change: Change) -> dict | None:
    review_round = change.round
    if (review_round is None or not review_round.is_open
            or change.article.state in IN_ROUND):
        return None
    return rounds.close_round(review_round, change.article.state, change.actor,
                              change.reason)
