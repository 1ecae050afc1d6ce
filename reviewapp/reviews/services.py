"""Assignments, reviews and e-signatures: each command locks the article,
asks the state machine, changes rows, records its audit event and flushes."""

from datetime import datetime

from flask import current_app
from sqlalchemy import exists, false, func, or_, select
from sqlalchemy.orm import joinedload

from reviewapp.accounts.models import User, UserRole, UserSpecialty
from reviewapp.accounts.services import confirm_password
from reviewapp.articles.models import Article
from reviewapp.articles.services import lock_article
from reviewapp.audit.services import record
from reviewapp.db import utcnow
from reviewapp.errors import (
    InvalidInput,
    NotFound,
    PermissionDenied,
    StaleVersion,
    TransitionRefused,
)
from reviewapp.extensions import db
from reviewapp.mail.services import enqueue
from reviewapp.reviews.models import (
    ACCEPTED,
    APPROVE,
    COMPLETED,
    DECLINED,
    INVITED,
    REQUEST_CHANGES,
    SIGNATURE_MEANING,
    WITHDRAWN,
    Assignment,
    Review,
    Signature,
)
from reviewapp.workflow import machine
from reviewapp.workflow.services import (
    actor_of,
    change_state,
    decide,
    load_facts,
    mark_approved,
    notify_author,
)
from reviewapp.workflow.states import APPROVED


def _assignment_of(article_id: int, reviewer_id: int) -> Assignment | None:
    return db.session.scalar(select(Assignment).where(Assignment.article_id == article_id,
                                                      Assignment.reviewer_id == reviewer_id))


def assign_reviewer(article_id: int, actor: User, version: int | None, reviewer_id: int,
                    due_at: datetime) -> Assignment:
    article = lock_article(article_id)
    reviewer = db.session.get(User, reviewer_id)
    if reviewer is None:
        raise InvalidInput("There is no such user.")
    if reviewer.id == article.author_id:
        raise TransitionRefused("The author of an article cannot review it.")
    if not reviewer.active:
        raise TransitionRefused(f"{reviewer.display_name} is deactivated.")
    if not reviewer.has_role("reviewer"):
        raise TransitionRefused(f"{reviewer.display_name} is not a member of the advisory "
                                "board (no reviewer role).")
    if due_at <= utcnow():
        raise InvalidInput("The due date must be in the future.")
    before = article.state
    after = decide(article, "assign", actor, version, subject_id=reviewer.id)
    assignment = _assignment_of(article.id, reviewer.id)
    if assignment is None:
        assignment = Assignment(article_id=article.id, reviewer_id=reviewer.id)
        db.session.add(assignment)
    assignment.state, assignment.due_at, assignment.assigned_by_id = INVITED, due_at, actor.id
    assignment.invited_at, assignment.responded_at = utcnow(), None
    assignment.competing_interests = assignment.decline_reason = None
    article.state = after
    article.version += 1
    db.session.flush()
    record("assignment.created", actor=actor, object_type="assignment",
           object_id=assignment.id, article_id=article.id,
           details={"reviewer": {"id": reviewer.id, "name": reviewer.display_name},
                    "due_at": due_at.isoformat(),
                    "before": {"state": before}, "after": {"state": after}})
    title = article.current_revision.title
    enqueue(reviewer.email, f"Invitation to review: {title}",
            f"Dear {reviewer.display_name},\n\nYou are invited to review \"{title}\" for the "
            f"Medical Advisory Board, due {due_at:%Y-%m-%d}.\nPlease accept or decline:\n"
            f"{current_app.config['SITE_URL']}/desk/reviews\n", article_id=article.id)
    return assignment


def unassign_reviewer(assignment_id: int, actor: User, version: int | None,
                      reason: str | None = None) -> Assignment:
    assignment = _get_assignment(assignment_id)
    article = lock_article(assignment.article_id)
    decide(article, "unassign", actor, version, subject_id=assignment.reviewer_id)
    before = assignment.state
    assignment.state = WITHDRAWN
    article.version += 1
    record("assignment.withdrawn", actor=actor, object_type="assignment",
           object_id=assignment.id, article_id=article.id, reason=reason,
           details={"reviewer_id": assignment.reviewer_id, "before": {"state": before},
                    "after": {"state": WITHDRAWN}})
    db.session.flush()
    return assignment


def _get_assignment(assignment_id: int) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound("There is no such assignment.")
    return assignment


def _own_assignment(assignment_id: int, actor: User) -> tuple[Assignment, Article]:
    assignment = _get_assignment(assignment_id)
    if assignment.reviewer_id != actor.id:
        raise PermissionDenied("This is not your assignment.")
    return assignment, lock_article(assignment.article_id)


def accept_assignment(assignment_id: int, actor: User, competing_interests: str) -> Assignment:
    assignment, article = _own_assignment(assignment_id, actor)
    machine.decide("accept", load_facts(article), actor_of(actor))
    declaration = (competing_interests or "").strip() or "none"
    assignment.state, assignment.responded_at = ACCEPTED, utcnow()
    assignment.competing_interests = declaration
    article.version += 1
    record("assignment.accepted", actor=actor, object_type="assignment",
           object_id=assignment.id, article_id=article.id,
           details={"competing_interests": declaration,
                    "before": {"state": INVITED}, "after": {"state": ACCEPTED}})
    db.session.flush()
    return assignment


def decline_assignment(assignment_id: int, actor: User, reason: str) -> Assignment:
    assignment, article = _own_assignment(assignment_id, actor)
    machine.decide("decline", load_facts(article), actor_of(actor), reason=reason)
    assignment.state, assignment.responded_at = DECLINED, utcnow()
    assignment.decline_reason = reason.strip()
    article.version += 1
    record("assignment.declined", actor=actor, object_type="assignment",
           object_id=assignment.id, article_id=article.id, reason=reason.strip(),
           details={"before": {"state": INVITED}, "after": {"state": DECLINED}})
    editor = db.session.get(User, assignment.assigned_by_id)
    enqueue(editor.email, f"Invitation declined: {article.current_revision.title}",
            f"{actor.display_name} declined to review \"{article.current_revision.title}\"."
            f"\n\nReason: {reason.strip()}\n\n"
            f"{current_app.config['SITE_URL']}/desk/articles/{article.id}\n",
            article_id=article.id)
    db.session.flush()
    return assignment


def approve_revision(article_id: int, actor: User, content_hash: str | None,
                     password: str) -> Signature | None:
    """Sign and approve the current revision, the one whose content hash the
    reviewer saw. A wrong password changes nothing but counts as a failed
    authentication (None is returned, and the caller commits that record)."""
    article = lock_article(article_id)
    facts = load_facts(article)
    # Decided under the row lock, before the password is even checked.
    target = machine.decide("approve", facts, actor_of(actor))
    if content_hash is not None and content_hash != article.current_revision.content_hash:
        raise StaleVersion("This article changed since you opened it — nothing was saved. "
                           "Review the new revision before signing.")
    if not confirm_password(actor, password):
        return None
    revision = article.current_revision
    assignment = _assignment_of(article.id, actor.id)
    review = Review(assignment_id=assignment.id, article_id=article.id,
                    revision_id=revision.id, reviewer_id=actor.id, decision=APPROVE)
    signature = Signature(review=review, user_id=actor.id, printed_name=actor.display_name,
                          meaning=SIGNATURE_MEANING, content_hash=revision.content_hash)
    db.session.add_all([review, signature])
    assignment.state = COMPLETED
    db.session.flush()
    record("review.approved", actor=actor, object_type="review", object_id=review.id,
           article_id=article.id,
           details={"revision": revision.number, "signature_id": signature.id,
                    "content_hash": revision.content_hash, "meaning": SIGNATURE_MEANING})
    article.version += 1
    if target == APPROVED:
        mark_approved(article, actor, sorted(facts.approved_by | {actor.id}))
    db.session.flush()
    return signature


def request_changes(article_id: int, actor: User, version: int | None,
                    comment: str) -> Review:
    article = lock_article(article_id)
    revision = article.current_revision
    assignment = _assignment_of(article.id, actor.id)
    change_state(article, "request_changes", actor, version, reason=comment,
                 action="review.changes_requested")
    review = Review(assignment_id=assignment.id, article_id=article.id,
                    revision_id=revision.id, reviewer_id=actor.id, decision=REQUEST_CHANGES,
                    comment=comment.strip())
    db.session.add(review)
    assignment.state = COMPLETED
    notify_author(article, f"Changes requested: {revision.title}",
                  f"{actor.display_name} asked for changes:\n\n{comment.strip()}\n")
    db.session.flush()
    return review


def suggest_reviewers(article: Article, find: str = "") -> list[tuple[User, int, bool]]:
    """Active reviewers other than the author and those already assigned:
    specialty matching the article's tags first, then fewest open assignments;
    the first REVIEWER_SUGGESTIONS of them, or of those whose name or email
    contains `find`. Returns (user, open assignments, specialty matches)."""
    open_count = (select(func.count()).select_from(Assignment)
                  .where(Assignment.reviewer_id == User.id,
                         Assignment.state.in_((INVITED, ACCEPTED)))
                  .correlate(User).scalar_subquery().label("open_count"))
    tags = article.tag_names
    matches = (exists().where(UserSpecialty.user_id == User.id, UserSpecialty.name.in_(tags))
               if tags else false()).label("matches")
    taken = select(Assignment.reviewer_id).where(
        Assignment.article_id == article.id,
        Assignment.state.in_((INVITED, ACCEPTED, COMPLETED)))
    statement = (select(User, open_count, matches)
                 .join(UserRole, (UserRole.user_id == User.id) & (UserRole.role == "reviewer"))
                 .where(User.active.is_(True), User.id != article.author_id,
                        User.id.not_in(taken)))
    find = " ".join(find.split())[:200]
    if find:
        statement = statement.where(or_(User.display_name.icontains(find, autoescape=True),
                                        User.email.icontains(find, autoescape=True)))
    rows = db.session.execute(
        statement.order_by(matches.desc(), open_count, User.display_name, User.id)
        .limit(current_app.config["REVIEWER_SUGGESTIONS"])).all()
    return [(user, count, bool(match)) for user, count, match in rows]


def reviews_of(article_id: int) -> list[Review]:
    return list(db.session.scalars(
        select(Review).where(Review.article_id == article_id)
        .options(joinedload(Review.reviewer), joinedload(Review.signature),
                 joinedload(Review.revision))
        .order_by(Review.created_at, Review.id)))


def assignments_of(article_id: int) -> list[Assignment]:
    return list(db.session.scalars(
        select(Assignment).where(Assignment.article_id == article_id)
        .options(joinedload(Assignment.reviewer)).order_by(Assignment.invited_at)))

