"""record(): the one way to write an audit event; verify_chain() reads it back."""

from collections.abc import Callable
from contextlib import closing

from flask import current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import DateTime, select, type_coerce

from reviewapp.audit import chain
from reviewapp.audit.actions import check_registered
from reviewapp.audit.models import (
    CHAIN_COLUMNS,
    AuditEvent,
    AuditHead,
    chain_fields,
)
from reviewapp.db import utcnow
from reviewapp.extensions import db

HEAD_ID = 1


def record(action: str, *, actor=None, object_type: str | None = None, object_id=None,
           article_id: int | None = None, reason: str | None = None,
           details: dict | None = None) -> AuditEvent:
    """Append one event to the chain in the current transaction (caller commits).

    The chain head row is locked first, so concurrent appends queue up and the
    sequence stays gap-free; on SQLite the write transaction already holds the
    database lock (BEGIN IMMEDIATE). An action missing from the registry
    (reviewapp/audit/actions.py) raises UnregisteredAction.
    """
    check_registered(action)
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


def iter_stored_events(batch_size: int = 2000, after: int = 0):
    """Stream the log in sequence order (the events after `after`) without loading
    it into memory."""
    table = AuditEvent.__table__
    # occurred_at read as the naive UTC the column stores: formatted directly,
    # it saves two conversions per event (verify's time goes mostly to such).
    columns = [type_coerce(table.c.occurred_at, DateTime()) if name == "occurred_at"
               else table.c[name] for name in CHAIN_COLUMNS]
    result = db.session.execute(
        select(*columns, table.c.canonical, table.c.prev_hash, table.c.hash)
        .where(table.c.seq > after)
        .order_by(table.c.seq).execution_options(yield_per=batch_size))
    width, when = len(columns), CHAIN_COLUMNS.index("occurred_at")
    try:
        for row in result:
            fields = dict(zip(CHAIN_COLUMNS, row[:width], strict=True))
            fields["occurred_at"] = row[when].isoformat(timespec="microseconds") + "Z"
            fields["details"] = fields["details"] or {}
            yield chain.StoredEvent(seq=row[0], fields=fields, canonical=row[width],
                                    prev_hash=row[width + 1], hash=row[width + 2])
    finally:
        result.close()  # verification may stop early, at the first broken event


def verify_chain(checkpoint: tuple[int, str] | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 published: dict[int, str] | None = None,
                 start: tuple[int, str] | None = None) -> chain.VerifyResult:
    """Head row and events read in one snapshot, so an append committed while
    verifying is not mistaken for tampering. `progress(events_read, head_seq)`
    is called every PROGRESS_EVERY events and at the end. `published`: heads the
    log must contain ({seq: hash}); `start`: a head verified before, trusted, so
    only the events after it are read (it must still be in the log)."""
    db.session.rollback()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    head = db.session.get(AuditHead, HEAD_ID)
    total = head.seq if head else 0
    if start and start[0] > 0:
        stored = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == start[0]))
        if stored != start[1]:
            problem = (f"the log has no event {start[0]} (events were removed)"
                       if stored is None else
                       f"event {start[0]} no longer has the trusted head's hash (the log "
                       "was rewritten at or before it)")
            return chain.VerifyResult(False, 0, start[0], start[1], start[0], problem)
    after = start[0] if start else 0
    with closing(iter_stored_events(after=after)) as events, \
            closing(_reporting(events, progress, total - after) if progress else events) \
            as stream:
        return chain.verify(stream, hmac_key(), checkpoint=checkpoint,
                            head=(head.seq, head.hash) if head else None,
                            published=published, start=start if after else None)


PROGRESS_EVERY = 5000


def _reporting(events, progress, total: int):
    n = 0
    for n, event in enumerate(events, start=1):
        if n % PROGRESS_EVERY == 0:
            progress(n, total)
        yield event
    progress(n, total)


def record_verification(result: chain.VerifyResult, checkpoint: tuple[int, str] | None,
                        actor=None) -> AuditEvent:
    """Record "audit.verified" with the outcome, in a transaction of its own
    after the verifying one (the event is not part of what it reports on)."""
    db.session.rollback()
    details = {"result": "intact" if result.ok else "broken", "events": result.checked,
               "head": f"{result.head_seq}:{result.head_hash}"}
    if checkpoint:
        details["expected_head"] = f"{checkpoint[0]}:{checkpoint[1]}"
    if not result.ok:
        details["broken_seq"] = result.broken_seq
    event = record("audit.verified", actor=actor, object_type="audit_log",
                   reason=None if result.ok else result.message, details=details)
    db.session.commit()
    return event


def current_head() -> tuple[int, str]:
    """The chain head (seq, hash) as the head row holds it now."""
    head = db.session.get(AuditHead, HEAD_ID, populate_existing=True)
    return (head.seq, head.hash) if head else (0, chain.GENESIS_HASH)


def link_problems(event: AuditEvent) -> list[str]:
    """What is wrong with one event's link in the chain (empty when it holds):
    its columns against its canonical text, its hash, its previous event."""
    previous = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == event.seq - 1))
    return _link_problems(event, previous)


def links_problems(events: list[AuditEvent]) -> dict[int, list[str]]:
    """link_problems of several events, by seq, in one query (an evidence bag's)."""
    wanted = sorted({event.seq - 1 for event in events if event.seq > 1})
    previous = dict(db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq.in_(wanted))).all()
        ) if wanted else {}
    return {event.seq: _link_problems(event, previous.get(event.seq - 1)) for event in events}


def _link_problems(event: AuditEvent, previous: str | None) -> list[str]:
    problems = []
    stored = chain.StoredEvent(seq=event.seq, fields=chain_fields(event),
                               canonical=event.canonical, prev_hash=event.prev_hash,
                               hash=event.hash)
    if problem := chain.content_problem(stored, hmac_key()):
        problems.append(problem)
    expected = chain.GENESIS_HASH if event.seq == 1 else previous
    if expected is None:
        problems.append(f"event {event.seq - 1} is missing")
    elif expected != event.prev_hash:
        problems.append("its link to the previous event does not match")
    return problems
