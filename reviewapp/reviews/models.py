"""Reviewer assignments, reviews of a revision, and electronic signatures."""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewapp.accounts.models import User
from reviewapp.db import Base, UTCDateTime, utcnow

INVITED, ACCEPTED, DECLINED, COMPLETED, WITHDRAWN = (
    "invited", "accepted", "declined", "completed", "withdrawn")
ASSIGNMENT_STATES = (INVITED, ACCEPTED, DECLINED, COMPLETED, WITHDRAWN)
OPEN_ASSIGNMENT_STATES = (INVITED, ACCEPTED, COMPLETED)
# Awaiting the reviewer. Written out as SQL so that a query using these very
# words can use the partial index below (SQLite matches partial indexes by text).
AWAITING_REVIEWER = "assignment.state IN ('invited', 'accepted')"
APPROVE, REQUEST_CHANGES = "approve", "request_changes"
SIGNATURE_MEANING = "I have reviewed this revision for medical accuracy and approve it."


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
    article = relationship("Article", foreign_keys=[article_id])

    @property
    def is_open(self) -> bool:
        return self.state in (INVITED, ACCEPTED)

    def is_overdue(self, now: datetime) -> bool:
        return self.is_open and self.due_at < now


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

    review: Mapped[Review] = relationship(back_populates="signature")


def signature_is_valid(signature: Signature, revision) -> bool:
    """The signed hash still matches the revision's content as stored now."""
    from reviewapp.articles.content import content_hash

    return signature.content_hash == content_hash(revision.title, revision.body,
                                                  revision.reference_texts)


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
