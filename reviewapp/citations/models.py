"""Citation reports per revision, editors' waivers, and the retraction list."""

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from reviewapp.accounts.models import User
from reviewapp.citations.engine import Finding
from reviewapp.db import Base, UTCDateTime, utcnow


class FindingList(TypeDecorator):
    """A list of engine Findings, stored as JSON in Finding.to_dict form."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        # Bulk writers (benchmarks/scale) may pass the stored form; it is read back the same.
        return [(Finding.from_dict(finding) if isinstance(finding, Mapping) else finding)
                .to_dict() for finding in value]

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return [Finding.from_dict(stored) for stored in value]


class CitationReport(Base):
    """The engine's report on one revision: re-run on every save of a draft,
    fixed once the revision is frozen."""

    __tablename__ = "citation_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"), unique=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    warning_count: Mapped[int] = mapped_column(Integer, default=0)
    info_count: Mapped[int] = mapped_column(Integer, default=0)
    findings: Mapped[list[Finding]] = mapped_column(FindingList, default=list)


class CitationWaiver(Base):
    """An editor's decision that one error finding does not block approval.
    Keyed by the finding's stable key, so it carries over to later revisions
    where the same finding appears again."""

    __tablename__ = "citation_waiver"
    __table_args__ = (UniqueConstraint("article_id", "finding_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id"), index=True)
    finding_key: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    waived_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    waived_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    waived_by: Mapped[User] = relationship()


class Retraction(Base):
    """One row of the Retraction Watch database (retractions, expressions of
    concern, corrections, reinstatements), matched by DOI or PMID."""

    __tablename__ = "retraction"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(String(40), unique=True)
    doi: Mapped[str | None] = mapped_column(String(300), index=True)
    pmid: Mapped[str | None] = mapped_column(String(20), index=True)
    nature: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    retraction_date: Mapped[str | None] = mapped_column(String(10))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow,
                                                  onupdate=utcnow)
