"""record(): the one way to write an audit event; verify_chain() reads it back."""

from contextlib import closing

from flask import current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from reviewapp.audit import chain
from reviewapp.audit.models import AuditEvent, AuditHead, chain_fields
from reviewapp.db import utcnow
from reviewapp.extensions import db

HEAD_ID = 1


def record(action: str, *, actor=None, object_type: str | None = None, object_id=None,
           article_id: int | None = None, reason: str | None = None,
           details: dict | None = None) -> AuditEvent:
    """Append one event to the chain in the current transaction (caller commits).

    The chain head row is locked first, so concurrent appends queue up and the
    sequence stays gap-free; on SQLite the write transaction already holds the
    database lock (BEGIN IMMEDIATE).
    """
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    head = db.session.execute(
        select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()
        .execution_options(populate_existing=True)).scalar_one()
    event = AuditEvent(
        seq=head.seq + 1,
        occurred_at=utcnow(),
        actor_id=actor.id if actor else None,
        actor_name=actor.display_name if actor else None,
        actor_email=actor.email if actor else None,
        ip=request.remote_addr if has_request_context() else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        article_id=article_id,
        reason=reason,
        details=details or {},
        prev_hash=head.hash,
    )
    event.canonical = chain.canonical_json(chain_fields(event))
    event.hash = chain.link_hash(head.hash, event.canonical, hmac_key())
    head.seq, head.hash = event.seq, event.hash
    db.session.add(event)
    db.session.flush()
    return event


def hmac_key() -> bytes | None:
    key = current_app.config.get("AUDIT_HMAC_KEY")
    return key.encode("utf-8") if key else None


def iter_stored_events(batch_size: int = 2000):
    """Stream the log in sequence order without loading it into memory."""
    table = AuditEvent.__table__
    result = db.session.execute(select(table).order_by(table.c.seq)
                                .execution_options(yield_per=batch_size))
    try:
        for row in result:
            yield chain.StoredEvent(seq=row.seq, fields=chain_fields(row),
                                    canonical=row.canonical, prev_hash=row.prev_hash,
                                    hash=row.hash)
    finally:
        result.close()  # verification may stop early, at the first broken event


def verify_chain(checkpoint: tuple[int, str] | None = None) -> chain.VerifyResult:
    """Head row and events read in one snapshot, so an append committed while
    verifying is not mistaken for tampering."""
    db.session.rollback()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    head = db.session.get(AuditHead, HEAD_ID)
    with closing(iter_stored_events()) as events:
        return chain.verify(events, hmac_key(), checkpoint=checkpoint,
                            head=(head.seq, head.hash) if head else None)
