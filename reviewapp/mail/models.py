"""The outbox: every message is written here in the transaction that causes
it, and sent afterwards, so nothing is lost when the mail server is down and
nothing is sent twice."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reviewapp.db import Base, UTCDateTime, utcnow


class OutboxMessage(Base):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # Same key, same message: reminders use it to mail once per assignment per day.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("article.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
