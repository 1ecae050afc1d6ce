"""The reviewer commands — assign, unassign, accept, decline, approve with an
e-signature, request changes: each applies one life-cycle event through
transition(), with the rows the event changes. The records themselves and the
queries over them live in reviews/."""

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select

from reviewapp.accounts.models import User
from reviewapp.accounts.permissions import has_role
from reviewapp.accounts.services import (
    confirm_password,
    lock_countdown,
    lock_user,
    note_failed_password,
)
from reviewapp.articles.models import Article
from reviewapp.db import utcnow
from reviewapp.errors import (
    InvalidInput,
    NotFound,
    PermissionDenied,
    RefusalOnRecord,
    StaleVersion,
    TransitionRefused,
)
from reviewapp.extensions import db
from reviewapp.reviews import rounds
from reviewapp.reviews.claims import signing_record
from reviewapp.reviews.models import (
    ACCEPTED,
    APPROVE,
    COMPLETED,
    DECLINED,
    INVITED,
    NO_COMPETING_INTERESTS,
    REQUEST_CHANGES,
    SIGNATURE_MEANING,
    WITHDRAWN,
    Assignment,
    Review,
    Signature,
)
from reviewapp.workflow.transition import transition

# A wrong password at signing is a failed authentication, and says so (issue 16).
WRONG_SIGNATURE_PASSWORD = ("The password is not correct. Nothing was signed. Failed "
                            "signatures count towards locking your account, as wrong "
                            "passwords at login do: {countdown}.")


def _assignment_of(article_id: int, reviewer_id: int) -> Assignment | None:
    return db.session.scalar(select(Assignment).where(Assignment.article_id == article_id,
                                                      Assignment.reviewer_id == reviewer_id))


def _check_reviewer(reviewer: User | None, article: Article, due_at: datetime) -> None:
    if reviewer is None:
        raise InvalidInput("There is no such user.")
    if reviewer.id == article.author_id:
        raise TransitionRefused("The author of an article cannot review it.")
    if not reviewer.active:
        raise TransitionRefused(f"{reviewer.display_name} is deactivated.")
    if not has_role(reviewer, "reviewer"):
        raise TransitionRefused(f"{reviewer.display_name} is not a member of the advisory "
                                "board (no reviewer role).")
    if due_at <= utcnow():
        raise InvalidInput("The due date must be in the future.")


def assign_reviewer(article_id: int, actor: User, version: int | None, reviewer_id: int,
                    due_at: datetime) -> Assignment:
    with transition(article_id, "assign", actor, version, subject_id=reviewer_id) as change:
        reviewer = db.session.get(User, reviewer_id)
        _check_reviewer(reviewer, change.article, due_at)
        assignment = _assignment_of(change.article.id, reviewer.id)
        if assignment is None:
            assignment = Assignment(article_id=change.article.id, reviewer_id=reviewer.id)
            db.session.add(assignment)
        assignment.state, assignment.due_at = INVITED, due_at
        assignment.assigned_by_id = actor.id
        assignment.invited_at, assignment.responded_at = utcnow(), None
        assignment.competing_interests = assignment.decline_reason = None
        db.session.flush()
        change.object_type, change.object_id = "assignment", assignment.id
        change.details = {"reviewer": {"id": reviewer.id, "name": reviewer.display_name},
                          "due_at": due_at.isoformat()}
        change.recipients["reviewer"] = [reviewer]
        change.mail_context["assignment"] = assignment
    return assignment


def unassign_reviewer(assignment_id: int, actor: User, version: int | None,
                      reason: str | None = None) -> Assignment:
    assignment = _get_assignment(assignment_id)
    with transition(assignment.article_id, "unassign", actor, version, reason=reason,
                    subject_id=assignment.reviewer_id) as change:
        _assignment_moves(change, assignment, WITHDRAWN,
                          {"reviewer_id": assignment.reviewer_id})
    return assignment


def _get_assignment(assignment_id: int) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound("There is no such assignment.")
    return assignment


def _own_assignment(assignment_id: int, actor: User) -> Assignment:
    assignment = _get_assignment(assignment_id)
    if assignment.reviewer_id != actor.id:
        raise PermissionDenied("This is not your assignment.")
    return assignment


def _assignment_moves(change, assignment: Assignment, state: str, details: dict) -> None:
    """The event is about the assignment: its record names the assignment and
    its state before and after (the article's state does not change)."""
    before, assignment.state = assignment.state, state
    change.object_type, change.object_id = "assignment", assignment.id
    change.details = {**details, "before": {"state": before}, "after": {"state": state}}


def accept_assignment(assignment_id: int, actor: User, competing_interests: str) -> Assignment:
    """Accept with the competing interests declared: NO_COMPETING_INTERESTS
    ("none"), or the interests described. Nothing is assumed when it is empty."""
    assignment = _own_assignment(assignment_id, actor)
    with transition(assignment.article_id, "accept", actor, None) as change:
        declaration = (competing_interests or "").strip()
        if not declaration:
            raise InvalidInput("Declare your competing interests, or say that you have none "
                               "(“No competing interests”). Nothing was saved.")
        if declaration.lower() == NO_COMPETING_INTERESTS:
            declaration = NO_COMPETING_INTERESTS
        assignment.responded_at, assignment.competing_interests = utcnow(), declaration
        _assignment_moves(change, assignment, ACCEPTED, {"competing_interests": declaration})
    return assignment


def decline_assignment(assignment_id: int, actor: User, reason: str) -> Assignment:
    assignment = _own_assignment(assignment_id, actor)
    with transition(assignment.article_id, "decline", actor, None, reason=reason) as change:
        assignment.responded_at, assignment.decline_reason = utcnow(), change.reason
        _assignment_moves(change, assignment, DECLINED, {})
        change.recipients["editor"] = [db.session.get(User, assignment.assigned_by_id)]
    return assignment


def approve_revision(article_id: int, actor: User, content_hash: str | None,
                     password: str, acknowledged: Collection[str] = ()) -> Signature:
    """Sign and approve the current revision, the one whose content hash the
    reviewer saw, with their "Supported" verdict on every claim and each open
    citation warning in `acknowledged` (finding keys). Decided under the row
    lock before the password is checked. A wrong password changes nothing but
    counts as a failed authentication: RefusalOnRecord, whose record is
    written again after the rollback."""
    with transition(article_id, "approve", actor, None) as change:
        revision = change.article.current_revision
        if content_hash is not None and content_hash != revision.content_hash:
            raise StaleVersion("This article changed since you opened it — nothing was "
                               "saved. Review the new revision before signing.")
        signing = signing_record(change.article, actor, acknowledged)
        if not confirm_password(actor, password):
            raise RefusalOnRecord(
                WRONG_SIGNATURE_PASSWORD.format(countdown=lock_countdown(actor)),
                keep=lambda: _count_wrong_password(actor.id))
        assignment = _assignment_of(article_id, actor.id)
        review = Review(assignment_id=assignment.id, article_id=article_id,
                        revision_id=revision.id, reviewer_id=actor.id, decision=APPROVE)
        signature = Signature(review=review, user_id=actor.id, printed_name=actor.display_name,
                              meaning=SIGNATURE_MEANING, content_hash=revision.content_hash,
                              claim_verdicts=signing.verdicts, verdicts_hash=signing.digest,
                              acknowledged_warnings=signing.acknowledged)
        db.session.add_all([review, signature])
        assignment.state = COMPLETED
        db.session.flush()
        change.object_type, change.object_id = "review", review.id
        change.details = {"signature_id": signature.id,
                          "content_hash": revision.content_hash, "meaning": SIGNATURE_MEANING,
                          **signing.audit_details()}
    return signature


def _count_wrong_password(user_id: int) -> None:
    user = db.session.get(User, user_id)
    lock_user(user)
    note_failed_password(user)


def request_changes(article_id: int, actor: User, version: int | None,
                    comment: str) -> Review:
    """A report asking for changes, in the open round. With CHANGES_DECISION=
    editor the machine keeps the article Under Review and the round waits on
    the editor's decision; with "reviewer" the article goes back to its author."""
    with transition(article_id, "request_changes", actor, version, reason=comment) as change:
        revision = change.article.current_revision
        assignment = _assignment_of(article_id, actor.id)
        review = Review(assignment_id=assignment.id, article_id=article_id,
                        revision_id=revision.id, reviewer_id=actor.id,
                        decision=REQUEST_CHANGES, comment=change.reason,
                        round_id=change.round.id)
        db.session.add(review)
        assignment.state = COMPLETED
        if change.after == change.before:  # a recommendation: the editor decides
            change.details = {"round": rounds.mark_decision_needed(change.round)}
    return review
