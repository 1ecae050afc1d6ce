"""Articles, their numbered revisions and reference lists."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewapp.accounts.models import User
from reviewapp.db import Base, UTCDateTime, utcnow
from reviewapp.lifecycle.states import DRAFT, STATES, state_label

# In review, with an error finding of the current revision that no editor waived.
# Written out as SQL so that a query with these very words can use the partial
# index below (SQLite matches partial indexes by their text).
BLOCKED = "citation_errors > 0 AND state IN ('submitted', 'under_review')"
# An approved revision waiting for its "Publish at" time (the due ones walk this index).
SCHEDULED = "scheduled_revision_id IS NOT NULL"


class Article(Base):
    __tablename__ = "article"
    __table_args__ = (
        CheckConstraint("state IN (" + ", ".join(f"'{s}'" for s in STATES) + ")",
                        name="state"),
        # Dashboards list one state oldest-change first; the public list joins the
        # approved revision; re-review lists the flagged few.
        Index("ix_article_state_updated_at", "state", "updated_at", "id"),
        Index("ix_article_approved_revision_id", "approved_revision_id"),
        Index("ix_article_rereview_flagged_at", "rereview_flagged_at",
              sqlite_where=text("rereview_reason IS NOT NULL"),
              postgresql_where=text("rereview_reason IS NOT NULL")),
        Index("ix_article_blocked_updated_at", "updated_at", "id",
              sqlite_where=text(BLOCKED), postgresql_where=text(BLOCKED)),
        # Scheduled publishing: a revision waits only for a time (articles/publication.py).
        CheckConstraint("scheduled_revision_id IS NULL OR publish_at IS NOT NULL",
                        name="scheduled_has_time"),
        Index("ix_article_publish_at", "publish_at", "id",
              sqlite_where=text(SCHEDULED), postgresql_where=text(SCHEDULED)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=DRAFT)
    # Bumped by every change; forms carry it so a stale form changes nothing.
    version: Mapped[int] = mapped_column(Integer, default=1)
    current_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("revision.id", use_alter=True))
    # The revision readers see: the last one approved (stays while a newer one is reviewed).
    approved_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("revision.id", use_alter=True))
    # Scheduled publishing: the editors' "Publish at" (UTC; None: on approval), and the
    # approved revision waiting for it, which readers do not see until then.
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scheduled_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("revision.id", use_alter=True))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    author: Mapped[User] = relationship()
    current_revision: Mapped["Revision | None"] = relationship(
        foreign_keys=[current_revision_id], post_update=True)
    approved_revision: Mapped["Revision | None"] = relationship(
        foreign_keys=[approved_revision_id], post_update=True)
    scheduled_revision: Mapped["Revision | None"] = relationship(
        foreign_keys=[scheduled_revision_id], post_update=True)
    # Set when the approved revision needs another look (a cited work was
    # retracted, a reader reported a problem, the review interval passed).
    rereview_reason: Mapped[str | None] = mapped_column(Text)
    rereview_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Unwaived error findings of the current revision (citations.services keeps it).
    citation_errors: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    tags: Mapped[list["ArticleTag"]] = relationship(
        cascade="all, delete-orphan", order_by="ArticleTag.name")

    @property
    def state_label(self) -> str:
        return state_label(self.state)

    @property
    def title(self) -> str:
        return self.current_revision.title if self.current_revision else ""

    @property
    def tag_names(self) -> list[str]:
        return [t.name for t in self.tags]


class ArticleTag(Base):
    __tablename__ = "article_tag"
    __table_args__ = (Index("ix_article_tag_name_article_id", "name", "article_id"),)

    article_id: Mapped[int] = mapped_column(ForeignKey("article.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), primary_key=True)


class Revision(Base):
    """Revision n of an article. Editable while a draft; frozen (content hash
    set) once submitted, and never changed after that."""

    __tablename__ = "revision"
    __table_args__ = (UniqueConstraint("article_id", "number"),
                      # newest approvals first, for the public list
                      Index("ix_revision_approved_at", "approved_at", "id",
                            sqlite_where=text("approved_at IS NOT NULL"),
                            postgresql_where=text("approved_at IS NOT NULL")))

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str | None] = mapped_column(String(64))
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last review: when this revision was approved (a re-review that approves
    # unchanged text approves a frozen copy, so it moves this too).
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "Last updated": when readers last saw the content change, i.e. the first
    # approval of this content, carried over by approvals of unchanged text
    # (articles/review_dates.py content_updated_at).
    content_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # "What changed", the author's note for readers on an update (articles/change_notes.py);
    # None on a first revision and on updates approved before notes were asked for.
    change_note: Mapped[str | None] = mapped_column(Text)

    article: Mapped[Article] = relationship(foreign_keys=[article_id])
    references: Mapped[list["Reference"]] = relationship(
        cascade="all, delete-orphan", order_by="Reference.position")
    # The versions written for one audience each (AUDIENCES); none: the main text only.
    audience_versions: Mapped[list["AudienceVersion"]] = relationship(
        cascade="all, delete-orphan", order_by="AudienceVersion.audience")

    @property
    def is_frozen(self) -> bool:
        return self.content_hash is not None

    @property
    def reference_texts(self) -> list[str]:
        return [r.raw_text for r in self.references]


class AudienceVersion(Base):
    """A revision's text for one audience ("Patient or carer"): its own title, key
    points and body, citing the revision's one reference list. Part of the
    revision: frozen, hashed, checked and signed with it."""

    __tablename__ = "audience_version"
    __table_args__ = (UniqueConstraint("revision_id", "audience"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"), index=True)
    audience: Mapped[str] = mapped_column(String(40))  # an AUDIENCES key
    title: Mapped[str] = mapped_column(String(300))
    key_points: Mapped[str] = mapped_column(Text, default="")  # Markdown, usually a list
    body: Mapped[str] = mapped_column(Text, default="")

    @property
    def texts(self) -> dict[str, str]:
        """The canonical form content.py hashes."""
        return {"audience": self.audience, "title": self.title,
                "key_points": self.key_points, "body": self.body}


class Reference(Base):
    __tablename__ = "reference"
    __table_args__ = (UniqueConstraint("revision_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1-based, the number markers cite
    raw_text: Mapped[str] = mapped_column(Text)
    # Identifiers parsed from raw_text (normalised), for links and retraction matching.
    doi: Mapped[str | None] = mapped_column(String(300), index=True)
    pmid: Mapped[str | None] = mapped_column(String(20), index=True)
    pmcid: Mapped[str | None] = mapped_column(String(20))
    isbn: Mapped[str | None] = mapped_column(String(20))
    url: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)


def listed_revision(path):
    """Load a joined revision for a list: the title and number, not the body."""
    return path.load_only(Revision.id, Revision.number, Revision.title)


class KeptDraft(Base):
    """An edit form sent after its author's session had ended: kept, unsaved,
    until they log in again (at most KEPT_DRAFT_HOURS), to be shown to them
    in the form. Only the hash of its token is stored."""

    __tablename__ = "kept_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id"))
    version: Mapped[int] = mapped_column(Integer)  # the form's: a save checks it as usual
    texts: Mapped[dict] = mapped_column(JSON)      # the typed texts and those opened on
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
