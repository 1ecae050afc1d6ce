"""Reminders to reviewers whose review falls due soon or is overdue, and a daily
digest to the editors who assigned them: overdue reviews, and the review rounds
of their articles where a decision is needed (`reminders send`)."""

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.orm import contains_eager, joinedload

from reviewapp.accounts.models import User
from reviewapp.articles.models import Article
from reviewapp.audit.services import record
from reviewapp.extensions import db
from reviewapp.lifecycle.states import CHANGES_REQUESTED, SUBMITTED, UNDER_REVIEW
from reviewapp.mail.compose import enqueue_mail
from reviewapp.reviews import rounds
from reviewapp.reviews.models import ACCEPTED, INVITED, Assignment

REVIEWABLE_STATES = (SUBMITTED, UNDER_REVIEW, CHANGES_REQUESTED)
# Key of the PostgreSQL advisory lock held by one `reminders send` run at a time.
RUN_LOCK_KEY = 0x7265_6D69  # "remi"


def queue_reminders(now: datetime) -> tuple[int, int]:
    """Queue in the outbox a reminder for each open review due within
    REMINDER_HOURS_BEFORE_DUE of `now` or overdue, and one digest per editor
    with overdue reviews. The dedupe keys carry the UTC date of `now`, so a
    second run the same day queues nothing. Flushes, never commits.
    Returns (reminders queued, digests queued)."""
    now = now.astimezone(UTC)
    today = now.date()
    horizon = now + timedelta(hours=current_app.config["REMINDER_HOURS_BEFORE_DUE"])
    assignments = db.session.scalars(
        select(Assignment).join(Assignment.article)
        .where(Assignment.state.in_((INVITED, ACCEPTED)),
               Article.state.in_(REVIEWABLE_STATES), Assignment.due_at <= horizon)
        .options(joinedload(Assignment.reviewer),
                 contains_eager(Assignment.article).joinedload(Article.current_revision))
        .order_by(Assignment.due_at, Assignment.id)).all()

    reminders = 0
    overdue_by_editor: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in assignments:
        overdue = assignment.is_overdue(now)
        if overdue:
            overdue_by_editor[assignment.assigned_by_id].append(assignment)
        reviewer = assignment.reviewer
        if not reviewer.active:
            continue  # a deactivated account gets no mail; the editor's digest still lists it
        message = enqueue_mail(reviewer.email, "review_reminder.txt",
                               article_id=assignment.article_id,
                               dedupe_key=f"reminder:{assignment.id}:{today}",
                               to=reviewer, article=assignment.article, assignment=assignment,
                               overdue=overdue, invited=assignment.state == INVITED)
        if message is None:
            continue  # reminded today already
        if assignment.last_reminded_on is None or assignment.last_reminded_on < today:
            assignment.last_reminded_on = today
        record("reminder.sent", object_type="assignment", object_id=assignment.id,
               article_id=assignment.article_id,
               details={"reviewer_id": reviewer.id, "due_at": assignment.due_at.isoformat(),
                        "overdue": overdue, "outbox_message_id": message.id})
        reminders += 1

    digests = _queue_digests(overdue_by_editor, now)
    db.session.flush()
    return reminders, digests


def _queue_digests(overdue_by_editor: dict[int, list[Assignment]], now: datetime) -> int:
    """One digest per editor: the overdue reviews they assigned and, since
    issue 14, the rounds of their articles where a decision is needed."""
    decisions_by_editor = _decisions_by_editor()
    editors = db.session.scalars(select(User).where(
        User.id.in_(set(overdue_by_editor) | set(decisions_by_editor)))).all()
    digests = 0
    for editor in sorted(editors, key=lambda user: user.id):
        if not editor.active:
            continue
        days_late = [(assignment, (now - assignment.due_at).days)
                     for assignment in overdue_by_editor.get(editor.id, [])]
        if enqueue_mail(editor.email, "overdue_digest.txt",
                        dedupe_key=f"digest:{editor.id}:{now.date()}",
                        to=editor, overdue=days_late, now=now,
                        decisions=decisions_by_editor.get(editor.id, [])):
            digests += 1
    return digests


def _decisions_by_editor() -> dict[int, list]:
    """"Decision needed" rounds (round, reviewers who asked for changes) for
    each editor who assigned a reviewer to the round's article."""
    waiting = rounds.needing_decision()
    if not waiting:
        return {}
    editors_of = defaultdict(set)
    for article_id, editor_id in db.session.execute(
            select(Assignment.article_id, Assignment.assigned_by_id).distinct()
            .where(Assignment.article_id.in_({r.article_id for r, _ in waiting}))):
        editors_of[article_id].add(editor_id)
    by_editor: dict[int, list] = defaultdict(list)
    for review_round, asked in waiting:
        for editor_id in editors_of[review_round.article_id]:
            by_editor[editor_id].append((review_round, asked))
    return by_editor


@contextmanager
def exclusive_run() -> Iterator[bool]:
    """Yields whether this is the only `reminders send` running. On PostgreSQL
    an advisory lock keeps two overlapping runs from delivering the same queued
    message twice; on SQLite writers queue on the database lock anyway."""
    if db.engine.dialect.name != "postgresql":
        yield True
        return
    with db.engine.connect() as connection:
        acquired = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"),
                                     {"key": RUN_LOCK_KEY})
        connection.commit()  # a session-level lock: no transaction left open meanwhile
        try:
            yield acquired
        finally:
            if acquired:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                                   {"key": RUN_LOCK_KEY})
                connection.commit()
