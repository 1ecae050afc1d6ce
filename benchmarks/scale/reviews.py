"""Reviewer assignments in every state, reviews (approving ones signed), and reader
reports on approved articles."""

import random
from datetime import datetime, timedelta

from reviewapp.lifecycle import states as S
from reviewapp.reports.models import OPEN, RESOLVED, ReaderReport
from reviewapp.reviews import models as R  # assignment and review states, models

from .bulk import PendingRows


def _plan(state: str, serial: int, decision_needed: bool) -> list[tuple[str, str | None]]:
    """(assignment state, review decision or None) for each reviewer of an article."""
    if decision_needed:  # a request for changes waits on the editor (issue 14)
        return [(R.COMPLETED, R.REQUEST_CHANGES), (R.ACCEPTED, None), (R.INVITED, None)]
    return {
        S.APPROVED: [(R.COMPLETED, R.APPROVE), (R.COMPLETED, R.APPROVE), (R.DECLINED, None)],
        S.UNDER_REVIEW: [(R.ACCEPTED, None), (R.INVITED, None),
                         (R.COMPLETED, R.APPROVE) if serial % 2 else (R.DECLINED, None)],
        S.CHANGES_REQUESTED: [(R.COMPLETED, R.REQUEST_CHANGES), (R.COMPLETED, R.APPROVE),
                              (R.WITHDRAWN, None)],
        S.REJECTED: [(R.COMPLETED, R.REQUEST_CHANGES), (R.WITHDRAWN, None)],
    }[state]


def write_reviews(pending: PendingRows, article, users, rng: random.Random,
                  now: datetime) -> None:
    """Assignments of the current revision, with reviews and signatures where done."""
    reviewers = rng.sample(users["reviewer"], 3)
    editor = users["editor"][article.serial % len(users["editor"])]
    invited = article.created_at + timedelta(days=article.revisions * 3 + 1)
    # Some open reviews are overdue, the rest due in the coming weeks.
    due = (now - timedelta(days=2)) if article.serial % 4 == 0 else now + timedelta(days=14)
    plan = _plan(article.state, article.serial, article.decision_needed)
    for (state, decision), reviewer in zip(plan, reviewers, strict=False):
        assignment_id = pending.add(
            R.Assignment, article_id=article.id, reviewer_id=reviewer[0],
            assigned_by_id=editor[0], state=state, due_at=due, invited_at=invited,
            responded_at=None if state == R.INVITED else invited + timedelta(days=1),
            competing_interests="none" if state in (R.ACCEPTED, R.COMPLETED) else None,
            decline_reason="On leave" if state == R.DECLINED else None, last_reminded_on=None)
        if not decision:
            continue
        review_id = pending.add(
            R.Review, assignment_id=assignment_id, article_id=article.id,
            revision_id=article.current_revision_id, reviewer_id=reviewer[0],
            decision=decision, round_id=article.current_round_id,
            comment="Accurate and well referenced." if decision == R.APPROVE
            else "Please cite a source for the dose in paragraph 2.",
            created_at=invited + timedelta(days=2))
        if decision == R.APPROVE:
            pending.add(R.Signature, review_id=review_id, user_id=reviewer[0],
                        printed_name=reviewer[1], signed_at=invited + timedelta(days=2),
                        meaning=R.SIGNATURE_MEANING, content_hash=article.current_content_hash)


def write_reader_report(pending: PendingRows, article, approved_seen: int, editor: tuple,
                        now: datetime) -> None:
    """One approved article in ten gets a reader report; half of those are resolved."""
    if approved_seen % 20 not in (1, 2):
        return
    resolved = approved_seen % 20 == 2
    pending.add(ReaderReport, article_id=article.id,
                revision_id=article.approved_revision_id,
                message="The dose in paragraph 2 looks wrong.", email=None, ip="192.0.2.10",
                created_at=now - timedelta(days=5), status=RESOLVED if resolved else OPEN,
                resolved_by_id=editor[0] if resolved else None,
                resolved_at=now - timedelta(days=1) if resolved else None,
                resolution="Checked: the dose is right." if resolved else None)
