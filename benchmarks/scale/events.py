"""Audit events continuing the hash chain from its current head.

Each event's canonical text and link hash come from the app's own chain code
(reviewapp.audit.chain, and chain_fields_of for the columns it covers), exactly
as record() computes them, so `flask audit verify` accepts the result. Only the
writing differs: batches of Core inserts instead of one ORM object per event.
"""

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update

from reviewapp.audit import chain
from reviewapp.audit.models import CHAIN_COLUMNS, AuditEvent, AuditHead, chain_fields_of
from reviewapp.audit.services import HEAD_ID, hmac_key
from reviewapp.extensions import db

from .bulk import BATCH

EVENT_ACTIONS = (("article.draft_saved", 20), ("user.login", 25), ("article.created", 6),
                 ("article.submitted", 6), ("assignment.created", 8),
                 ("assignment.accepted", 6), ("review.approved", 6),
                 ("review.changes_requested", 2), ("article.approved", 4),
                 ("access.denied", 3), ("user.login_failed", 3), ("assignment.declined", 1),
                 ("reader_report.created", 1), ("citation.waived", 1), ("user.logout", 8))


def write_events(count: int, users, article_ids: list[int], rng: random.Random,
                 now: datetime, advance) -> None:
    """`count` events after the chain head, which is locked, then moved to the last."""
    head = db.session.execute(select(AuditHead).where(AuditHead.id == HEAD_ID)
                              .with_for_update()).scalar_one()
    seq, prev_hash, key = head.seq, head.hash, hmac_key()
    batch = []
    for n, columns in enumerate(_event_columns(count, users, article_ids, rng, now)):
        seq += 1
        event = linked({"seq": seq, **columns}, prev_hash, key)
        prev_hash = event["hash"]
        batch.append(event)
        if len(batch) >= BATCH or n == count - 1:
            db.session.execute(insert(AuditEvent.__table__), batch)
            advance(len(batch))
            batch.clear()
    db.session.execute(update(AuditHead.__table__).where(AuditHead.__table__.c.id == HEAD_ID)
                       .values(seq=seq, hash=prev_hash))


def linked(event: dict, prev_hash: str, key: bytes | None) -> dict:
    """The event's row (every CHAIN_COLUMNS value) with its canonical text and
    its link hash from the previous event's hash."""
    canonical = chain.canonical_json(chain_fields_of([event[name] for name in CHAIN_COLUMNS]))
    return {**event, "canonical": canonical, "prev_hash": prev_hash,
            "hash": chain.link_hash(prev_hash, canonical, key)}


def _event_columns(count: int, users, article_ids: list[int], rng: random.Random,
                   now: datetime) -> Iterator[dict]:
    """Every action among the first events, then by weight; spread over the last
    two years, oldest first, never after now."""
    people = [u for role in ("author", "reviewer", "editor", "admin") for u in users[role]]
    actions = [a for a, _ in EVENT_ACTIONS]
    weights = [w for _, w in EVENT_ACTIONS]
    start = now - timedelta(days=730)
    step = timedelta(days=729) / max(count, 1)
    for n in range(count):
        action = actions[n] if n < len(actions) else rng.choices(actions, weights)[0]
        actor = rng.choice(people)
        yield {"occurred_at": start + step * n, "actor_id": actor[0], "actor_name": actor[1],
               "actor_email": actor[2], "ip": f"198.51.100.{n % 250 + 1}", "action": action,
               **_about(action, actor, users, article_ids, rng), "reason": None}


def _about(action: str, actor: tuple, users, article_ids: list[int],
           rng: random.Random) -> dict:
    """object_type, object_id, article_id and details of one event."""
    if action.startswith("user.") or action == "access.denied":
        details = ({"path": f"/desk/articles/{rng.choice(article_ids)}"}
                   if action == "access.denied" and article_ids else {})
        return {"object_type": "user", "object_id": str(actor[0]), "article_id": None,
                "details": details}
    if not article_ids:
        return {"object_type": None, "object_id": None, "article_id": None, "details": {}}
    article_id = rng.choice(article_ids)
    about = {"object_type": "article", "object_id": str(article_id),
             "article_id": article_id, "details": {"revision": rng.randint(1, 3)}}
    if action.startswith(("assignment.", "review.")):
        about["object_type"] = action.split(".", 1)[0]
        about["details"]["reviewer"] = rng.choice(users["reviewer"])[1]
    return about
