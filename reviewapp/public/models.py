"""The editable text of site pages (reader reports live in reviewapp.reports)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reviewapp.db import Base, UTCDateTime, utcnow


class SitePage(Base):
    """Free text an admin adds to a generated page (e.g. the editorial policy)."""

    __tablename__ = "site_page"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
