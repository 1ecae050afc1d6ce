"""A reader's problem report on a public article, and what an editor did about it."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewapp.accounts.models import User
from reviewapp.db import Base, UTCDateTime, utcnow

OPEN, RESOLVED = "open", "resolved"


class ReaderReport(Base):
    """"Report a problem with this article": a reader's message for the editors."""

    __tablename__ = "reader_report"
    __table_args__ = (CheckConstraint(f"status IN ('{OPEN}', '{RESOLVED}')", name="status"),
                      # the open ones, oldest first, for the editor dashboard
                      Index("ix_reader_report_status_created_at", "status", "created_at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id"), index=True)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revision.id"))
    message: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(320))
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(20), default=OPEN)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)

    article = relationship("Article")
    revision = relationship("Revision")  # the one the reader saw
    resolved_by: Mapped[User | None] = relationship()
