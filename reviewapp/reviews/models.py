"""Reviewer assignments, reviews of a revision, and electronic signatures."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from reviewapp.accounts.models import User
from reviewapp.db import Base, UTCDateTime, utcnow
from reviewapp.reviews.signing import VERDICTS, verdicts_digest

INVITED, ACCEPTED, DECLINED, COMPLETED, WITHDRAWN = (
    "invited", "accepted", "declined", "completed", "withdrawn")
ASSIGNMENT_STATES = (INVITED, ACCEPTED, DECLINED, COMPLETED, WITHDRAWN)
OPEN_ASSIGNMENT_STATES = (INVITED, ACCEPTED, COMPLETED)
# Awaiting the reviewer. Written out as SQL so that a query using these very
# words can use the partial index below (SQLite matches partial indexes by text).
AWAITING_REVIEWER = "assignment.state IN ('invited', 'accepted')"
# Accepted with competing interests declared (not "none"): the editor dashboard's
# list, walked newest first through the partial index below (text, as above).
DECLARED_INTERESTS = ("assignment.competing_interests IS NOT NULL"
                      " AND assignment.competing_interests <> 'none'"
                      " AND assignment.state IN ('accepted', 'completed')")
APPROVE, REQUEST_CHANGES = "approve", "request_changes"
SIGNATURE_MEANING = "I have reviewed this revision for medical accuracy and approve it."
# Assignment.competing_interests of a reviewer who declared none (else the interests).
NO_COMPETING_INTERESTS = "none"


_DECLARED_BARE = DECLARED_INTERESTS.replace("assignment.", "")


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Assignment(Base):
    """An advisory board member invited to review an article. One row per
    (article, reviewer); a declined or withdrawn one can be invited again."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("article_id", "reviewer_id"),
        CheckConstraint(_in("state", ASSIGNMENT_STATES), name="state"),
        # a reviewer's open assignments are counted for every suggestion
        Index("ix_assignment_reviewer_id_state", "reviewer_id", "state"),
        # overdue reviews, oldest due date first
        Index("ix_assignment_awaiting_due_at", "due_at", "id",
              sqlite_where=text("state IN ('invited', 'accepted')"),
              postgresql_where=text("state IN ('invited', 'accepted')")),
        # declared competing interests, newest first
        Index("ix_assignment_declared_responded_at", "responded_at", "id",
              sqlite_where=text(_DECLARED_BARE), postgresql_where=text(_DECLARED_BARE)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    state: Mapped[str] = mapped_column(String(20), default=INVITED)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    competing_interests: Mapped[str | None] = mapped_column(Text)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    last_reminded_on: Mapped[date | None] = mapped_column(Date)

    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    assigned_by: Mapped[User] = relationship(foreign_keys=[assigned_by_id])
    article = relationship("Article", foreign_keys=[article_id])

    @property
    def declared_interests(self) -> str | None:
        """The competing interests the reviewer declared on accepting; None when
        they declared none (or have not answered yet)."""
        declared = self.competing_interests
        return None if declared in (None, NO_COMPETING_INTERESTS) else declared

    @property
    def is_open(self) -> bool:
        return self.state in (INVITED, ACCEPTED)

    def is_overdue(self, now: datetime) -> bool:
        return self.is_open and self.due_at < now


# --- A reviewer's open reviews, stored (user.open_reviews) -----------------------------
# Counted again from the assignment rows, in the same flush, whenever an assignment
# is added, removed, or changes state or reviewer: whichever command does it (assign,
# accept, decline, withdraw, review, resubmit, re-review), the stored count is what
# the rows say. Reviewer suggestions rank the board by it (reviews/services.py).

OPEN_REVIEW_STATES = (INVITED, ACCEPTED)


def open_reviews_of(reviewer_id):
    """The count user.open_reviews stores, as SQL: `reviewer_id` a user id or column."""
    return (select(func.count()).select_from(Assignment)
            .where(Assignment.reviewer_id == reviewer_id,
                   Assignment.state.in_(OPEN_REVIEW_STATES))
            .scalar_subquery())


def recount_open_reviews(connection, reviewer_ids, session=None) -> None:
    """Store these users' open reviews as their assignment rows hold them now; a
    user already loaded in `session` gets the stored value too."""
    users = User.__table__
    rows = connection.execute(
        users.update().where(users.c.id.in_(sorted(reviewer_ids)))
        .values(open_reviews=open_reviews_of(users.c.id))
        .returning(users.c.id, users.c.open_reviews)).all()
    for user_id, count in rows if session is not None else ():
        user = session.identity_map.get(identity_key(User, user_id))
        if user is not None and "open_reviews" in inspect(user).dict:
            set_committed_value(user, "open_reviews", count)


@event.listens_for(Assignment, "after_insert")
@event.listens_for(Assignment, "after_delete")
def _assignment_added_or_removed(mapper, connection, target):
    recount_open_reviews(connection, {target.reviewer_id}, object_session(target))


@event.listens_for(Assignment, "after_update")
def _assignment_changed(mapper, connection, target):
    attrs = inspect(target).attrs
    moved = set()
    if attrs.state.history.has_changes() or attrs.reviewer_id.history.has_changes():
        moved.add(target.reviewer_id)
        moved.update(v for v in attrs.reviewer_id.history.deleted if v is not None)
    if moved:
        recount_open_reviews(connection, moved, object_session(target))


class Review(Base):
    """One reviewer's decision on one revision."""

    __tablename__ = "review"
    __table_args__ = (
        UniqueConstraint("revision_id", "reviewer_id"),
        CheckConstraint(_in("decision", (APPROVE, REQUEST_CHANGES)), name="decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    decision: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The review round it was given in: a report of that round (issue 14).
    round_id: Mapped[int] = mapped_column(ForeignKey("review_round.id"), index=True,
                                          default=lambda context: open_round_id(context))

    reviewer: Mapped[User] = relationship()
    revision = relationship("Revision")
    signature: Mapped["Signature | None"] = relationship(back_populates="review",
                                                        uselist=False)


class Signature(Base):
    """An electronic signature: who, printed name, when, what it means, and the
    content hash of the revision signed."""

    __tablename__ = "signature"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    printed_name: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    meaning: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    # What the reviewer signed besides the content (issue 14): each claim's verdict as
    # [{"claim", "sentence", "verdict", "note"}], the sha-256 of their canonical JSON
    # (reviews/signing.py), and the warnings ticked as [{"key", "code", "message"}].
    # NULL on signatures made before claims had verdicts.
    claim_verdicts: Mapped[list | None] = mapped_column(JSON)
    verdicts_hash: Mapped[str | None] = mapped_column(String(64))
    acknowledged_warnings: Mapped[list | None] = mapped_column(JSON)

    review: Mapped[Review] = relationship(back_populates="signature")


def signature_is_valid(signature: Signature, revision) -> bool:
    """The signed hash still matches the revision's content as stored now, and the
    signed verdicts still match their hash."""
    from reviewapp.articles.content import revision_content_hash

    if signature.verdicts_hash is not None and signature.verdicts_hash != verdicts_digest(
            signature.claim_verdicts or []):
        return False
    return signature.content_hash == revision_content_hash(revision)


# --- Claim verdicts and supporting passages (issue 14 §4) ---------------------------

class ClaimVerdict(Base):
    """One reviewer's verdict on one claim of one revision (reviews/claims.py). The
    claim key is stable across revisions (citations/engine/claim_list.py)."""

    __tablename__ = "claim_verdict"
    __table_args__ = (
        UniqueConstraint("revision_id", "reviewer_id", "claim_key"),
        CheckConstraint(_in("verdict", VERDICTS), name="verdict"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    claim_key: Mapped[str] = mapped_column(String(40))
    sentence: Mapped[str] = mapped_column(Text)  # as it stood when the verdict was given
    verdict: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClaimSupport(Base):
    """The passage of a cited source that the author says supports a claim, and where
    it is (page, section). One per article and claim key: it carries over to later
    revisions that keep the claim."""

    __tablename__ = "claim_support"
    __table_args__ = (UniqueConstraint("article_id", "claim_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id"))
    claim_key: Mapped[str] = mapped_column(String(40))
    sentence: Mapped[str] = mapped_column(Text)  # the claim when the passage was saved
    quote: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(300), default="")
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- Review rounds (issue 14) ----------------------------------------------------------

# A round's decision is the state its article reached when the round closed.
ROUND_DECISIONS = ("approved", "changes_requested", "rejected", "withdrawn")
# Open, with a reviewer's request for changes waiting on the editor. Written out
# as SQL so that a query with these very words can use the partial index below.
DECISION_NEEDED = "closed_at IS NULL AND decision_needed_at IS NOT NULL"


class ReviewRound(Base):
    """Round n of an article's review, on the revision a submission, a
    resubmission or a re-review froze. The reviews given while it is open are
    its reports; it closes with the decision that ends it: the state the
    article reached (approved, changes requested, rejected or withdrawn), who
    took it and, for changes requested or a rejection, the letter the author got."""

    __tablename__ = "review_round"
    __table_args__ = (
        UniqueConstraint("article_id", "number"),
        CheckConstraint(_in("decision", ROUND_DECISIONS), name="decision"),
        # At most one open round per article.
        Index("uq_review_round_open_article_id", "article_id", unique=True,
              sqlite_where=text("closed_at IS NULL"),
              postgresql_where=text("closed_at IS NULL")),
        # The editor's "Decision needed", oldest first.
        Index("ix_review_round_decision_needed_at", "decision_needed_at", "id",
              sqlite_where=text(DECISION_NEEDED), postgresql_where=text(DECISION_NEEDED)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id"))
    number: Mapped[int] = mapped_column(Integer)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(String(20))
    decision_letter: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # When a reviewer first asked for changes while the editor decides (kept
    # after the decision, as history).
    decision_needed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    revision = relationship("Revision", foreign_keys=[revision_id])
    article = relationship("Article", foreign_keys=[article_id])

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


def open_round_id(context) -> int | None:
    """Review.round_id when a command leaves it out: the round open on the
    review's article, which is the one the review was given in."""
    article_id = context.get_current_parameters()["article_id"]
    return context.connection.scalar(
        select(ReviewRound.id).where(ReviewRound.article_id == article_id,
                                     ReviewRound.closed_at.is_(None)))


# --- Comments anchored to passages, and the author's responses (issue 14, points 3 and 7) ---

OPEN, ADDRESSED, RESOLVED = "open", "addressed", "resolved"
COMMENT_STATES = (OPEN, ADDRESSED, RESOLVED)
REPLY, MARKED_ADDRESSED, MARKED_RESOLVED = "reply", "addressed", "resolved"
MESSAGE_KINDS = (REPLY, MARKED_ADDRESSED, MARKED_RESOLVED)


class ReviewComment(Base):
    """A reviewer's comment on a passage of one revision: the passage quoted
    and where it was (character offsets in that revision's Markdown body),
    and where it was found again in the latest revision it was re-anchored
    to (offsets null: no longer in the text). Confidential ones go to the
    editor only, never to the article's author."""

    __tablename__ = "review_comment"
    __table_args__ = (
        CheckConstraint(_in("state", COMMENT_STATES), name="state"),
        CheckConstraint("passage_start >= 0 AND passage_end > passage_start", name="passage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    confidential: Mapped[bool] = mapped_column(default=False)
    quote: Mapped[str] = mapped_column(Text)
    passage_start: Mapped[int] = mapped_column()
    passage_end: Mapped[int] = mapped_column()
    anchor_revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"))
    anchor_start: Mapped[int | None] = mapped_column()
    anchor_end: Mapped[int | None] = mapped_column()
    state: Mapped[str] = mapped_column(String(20), default=OPEN)
    # Bumped by every reply or change of state: a Resolve or Addressed form
    # made before a new reply is refused, so nobody closes a thread unread.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()
    messages: Mapped[list["CommentMessage"]] = relationship(
        order_by="CommentMessage.id", back_populates="comment")


class CommentMessage(Base):
    """A message in a comment's thread after the comment itself: a reply, or
    the author's "Addressed" or the reviewer's "Resolve" (text optional)."""

    __tablename__ = "comment_message"
    __table_args__ = (CheckConstraint(_in("kind", MESSAGE_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("review_comment.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # The article's current revision when it was written (a resubmission's answers:
    # the revision resubmitted).
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"))
    kind: Mapped[str] = mapped_column(String(20), default=REPLY)
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()
    comment: Mapped[ReviewComment] = relationship(back_populates="messages")


class ResponseToReviewers(Base):
    """The author's general response to reviewers, given with a resubmitted revision."""

    __tablename__ = "response_to_reviewers"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()
    revision = relationship("Revision")
