"""The append-only audit log and the head of its hash chain."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reviewapp.db import Base, UTCDateTime


class AuditEvent(Base):
    __tablename__ = "audit_event"
    # Filters walk these newest first by seq (keyset pagination).
    __table_args__ = (
        Index("ix_audit_event_ip_occurred_at", "ip", "occurred_at"),
        Index("ix_audit_event_action_seq", "action", "seq"),
        Index("ix_audit_event_article_id_seq", "article_id", "seq"),
        Index("ix_audit_event_actor_id_seq", "actor_id", "seq"),
        Index("ix_audit_event_object_seq", "object_type", "object_id", "seq"),
        Index("ix_audit_event_occurred_at", "occurred_at"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    actor_name: Mapped[str | None] = mapped_column(String(200))
    actor_email: Mapped[str | None] = mapped_column(String(320))
    ip: Mapped[str | None] = mapped_column(String(45))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("article.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    canonical: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """One row (id 1): the last sequence number and hash. Appends lock it."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class PublishedHead(Base):
    """A chain head signed with the site key and published at /transparency/heads.
    Append-only: the app's database role may only insert (dbroles.py)."""

    __tablename__ = "published_head"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(100))  # Ed25519, base64url


CHAIN_COLUMNS = ("seq", "occurred_at", "actor_id", "actor_name", "actor_email", "ip",
                 "action", "object_type", "object_id", "article_id", "reason", "details")


def chain_fields(row) -> dict:
    """The columns that the canonical text covers, from an event or a row."""
    return chain_fields_of([getattr(row, name) for name in CHAIN_COLUMNS])


def chain_fields_of(values) -> dict:
    """The same from the values of CHAIN_COLUMNS, in that order."""
    from reviewapp.audit.chain import format_time

    fields = dict(zip(CHAIN_COLUMNS, values, strict=True))
    fields["occurred_at"] = format_time(fields["occurred_at"])
    fields["details"] = fields["details"] or {}
    return fields
