"""A reader's follow-up question on a public article, and what an editor did with it."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewapp.accounts.models import User
from reviewapp.db import Base, UTCDateTime, utcnow

OPEN, ANSWERED, DISMISSED, COMMISSIONED = "open", "answered", "dismissed", "commissioned"
STATUSES = (OPEN, ANSWERED, DISMISSED, COMMISSIONED)
STATUS_LABELS = {OPEN: "Open", ANSWERED: "Answered by mail", DISMISSED: "Dismissed",
                 COMMISSIONED: "Article commissioned"}


class ReaderQuestion(Base):
    """"Have a follow-up question?": a reader's question for the editors. Its text
    and email are seen by editors only, never on a public page or the API."""

    __tablename__ = "reader_question"
    __table_args__ = (
        CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")",
                        name="status"),
        # An email is kept only with the reader's consent to be mailed a reply.
        CheckConstraint("email IS NULL OR consent_given", name="email_consent"),
        # The open ones, oldest first, for the inbox; the handled ones, newest first.
        Index("ix_reader_question_status_asked_at", "status", "asked_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id"), index=True)
    question: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(320))
    consent_given: Mapped[bool] = mapped_column(Boolean, default=False)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # HMAC-SHA-256 of the client address under the secret key: enough to count
    # one address's questions for the rate limit, not the address itself.
    client_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20), default=OPEN)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    dismiss_reason: Mapped[str | None] = mapped_column(Text)
    commissioned_article_id: Mapped[int | None] = mapped_column(ForeignKey("article.id"),
                                                                index=True)
    # When the asker was mailed that the commissioned article is approved (once).
    asker_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    article = relationship("Article", foreign_keys=[article_id])
    commissioned_article = relationship("Article", foreign_keys=[commissioned_article_id])
    handled_by: Mapped[User | None] = relationship()

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]
