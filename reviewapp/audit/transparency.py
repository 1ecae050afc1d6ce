"""The transparency log: chain heads signed with the site key and published, so that
a rewrite of the audit log before a published head can be shown by anyone who kept
(or can fetch) the heads. Service: flushes, the caller commits."""

from flask import current_app
from sqlalchemy import select

from reviewapp.audit import chain
from reviewapp.audit.heads import head_statement
from reviewapp.audit.models import PublishedHead
from reviewapp.audit.services import current_head, record
from reviewapp.db import utcnow
from reviewapp.extensions import db


def publish_head(actor=None) -> PublishedHead:
    """Record "audit.head_published", then sign and publish the head that includes it.
    record() holds the chain's head row locked until the transaction ends, so no event
    can come between the head read here and the one stored."""
    last = db.session.scalar(select(PublishedHead.seq).order_by(PublishedHead.seq.desc())
                             .limit(1))
    record("audit.head_published", actor=actor, object_type="audit_log",
           details={"previous_published_seq": last})
    seq, hash_ = current_head()
    keys = current_app.extensions["site_keys"]
    published_at = utcnow()
    stamp = chain.format_time(published_at)
    row = PublishedHead(seq=seq, hash=hash_, published_at=published_at, key_id=keys.kid,
                        signature=keys.sign(head_statement(seq, hash_, stamp, keys.kid)))
    db.session.add(row)
    db.session.flush()
    return row


def heads_after(after: int, limit: int) -> list[PublishedHead]:
    """Published heads after `after`, oldest first (keyset pagination)."""
    return list(db.session.scalars(select(PublishedHead).where(PublishedHead.seq > after)
                                   .order_by(PublishedHead.seq).limit(limit)))


def head_json(row: PublishedHead) -> dict:
    return {"seq": row.seq, "hash": row.hash,
            "published_at": chain.format_time(row.published_at),
            "kid": row.key_id, "signature": row.signature}
