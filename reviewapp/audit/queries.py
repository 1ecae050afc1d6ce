"""Reading the audit log: filters, keyset pages newest first, timelines, export rows.

Every page query walks one of the composite indexes (article_id, seq),
(actor_id, seq), (object_type, object_id, seq), (action, seq) or the primary
key backwards from `before`, and reads at most one page (plus one row to know
whether there is an older page): page 1 and page 10,000 cost the same. No OFFSET.
"""

import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Text, cast, false, func, or_, select, union_all
from sqlalchemy.orm import aliased

from reviewapp.audit.actions import ACTIONS, matching
from reviewapp.audit.models import AuditEvent
from reviewapp.extensions import db

# Events shown on an article's page and on a user's admin page.
TIMELINE_SIZE = 50


@dataclass(frozen=True)
class AuditFilter:
    """What an admin narrowed the log to; every part optional, all must hold."""

    actor_id: int | None = None
    action: str | None = None       # a registered action exactly, else a prefix ("article.")
    article_id: int | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: date | None = None       # UTC dates, both inclusive
    until: date | None = None
    text: str | None = None         # in reason, details, actor name or email; literal

    def as_details(self) -> dict:
        """The filters that are set, as JSON values (for the audit.exported event)."""
        return {name: value.isoformat() if isinstance(value, date) else value
                for name, value in asdict(self).items() if value not in (None, "")}

    @property
    def actions(self) -> list[str] | None:
        """The actions the action filter stands for; None when it is not set."""
        if not self.action:
            return None
        return [self.action] if self.action in ACTIONS else matching(self.action)


@dataclass(frozen=True)
class Page:
    events: list[AuditEvent]
    older_than: int | None          # the `before` of the next (older) page, if any


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def conditions(f: AuditFilter) -> list:
    """Every condition of the filter except the action (see page_of_events)."""
    where = []
    if f.actor_id is not None:
        where.append(AuditEvent.actor_id == f.actor_id)
    if f.article_id is not None:
        where.append(AuditEvent.article_id == f.article_id)
    if f.object_type:
        where.append(AuditEvent.object_type == f.object_type)
    if f.object_id:
        where.append(AuditEvent.object_id == f.object_id)
    if f.since:
        where.append(AuditEvent.occurred_at >= _start_of(f.since))
    if f.until and f.until < date.max:  # the last day of the calendar has no day after it
        where.append(AuditEvent.occurred_at < _start_of(f.until + timedelta(days=1)))
    if f.text:
        where.append(text_condition(f.text))
    return where


def text_condition(needle: str):
    """Case-insensitive substring, % and _ taken literally. Details are stored
    as JSON text, which escapes non-ASCII and quotes: both spellings are tried."""
    details = cast(AuditEvent.details, Text)
    spellings = dict.fromkeys([needle, json.dumps(needle)[1:-1]])
    return or_(AuditEvent.reason.icontains(needle, autoescape=True),
               AuditEvent.actor_name.icontains(needle, autoescape=True),
               AuditEvent.actor_email.icontains(needle, autoescape=True),
               *(details.icontains(s, autoescape=True) for s in spellings))


def page_of_events(f: AuditFilter, before: int | None, size: int) -> Page:
    """One page, newest first, of the events older than `before` (a seq).

    An action prefix standing for several actions is read as one branch per
    action (each walking (action, seq) backwards, at most size + 1 rows),
    merged by seq: the cost stays that of a page however rare the actions."""
    where = conditions(f)
    if before is not None:
        where.append(AuditEvent.seq < before)
    actions = f.actions
    if actions is not None and len(actions) > 1:
        statement = _newest_of_branches(
            [[*where, AuditEvent.action == action] for action in actions], size + 1)
    else:
        if actions is not None:  # one action, or a prefix that matches none
            where.append(AuditEvent.action == actions[0] if actions else false())
        statement = (select(AuditEvent).where(*where)
                     .order_by(AuditEvent.seq.desc()).limit(size + 1))
    events = list(db.session.scalars(statement))
    older = events[size - 1].seq if len(events) > size else None
    return Page(events[:size], older)


def _newest_of_branches(branches: list[list], limit: int):
    """The `limit` newest events matching any branch: each branch is read on
    its own (ORDER BY seq DESC LIMIT), then the few rows merged."""
    parts = [select(AuditEvent).where(*where).order_by(AuditEvent.seq.desc()).limit(limit)
             .subquery() for where in branches]
    merged = union_all(*(select(part) for part in parts)).subquery()
    event = aliased(AuditEvent, merged)
    return select(event).order_by(merged.c.seq.desc()).limit(limit)


def article_timeline(article_id: int, size: int = TIMELINE_SIZE) -> Page:
    return page_of_events(AuditFilter(article_id=article_id), None, size)


def user_history(user_id: int, size: int = TIMELINE_SIZE) -> Page:
    """What the user did and what was done to their account, newest first."""
    statement = _newest_of_branches([
        [AuditEvent.actor_id == user_id],
        [AuditEvent.object_type == "user", AuditEvent.object_id == str(user_id)],
    ], size + 1)
    unique = list({e.seq: e for e in db.session.scalars(statement)}.values())
    unique.sort(key=lambda e: e.seq, reverse=True)  # an event can be in both branches
    older = unique[size - 1].seq if len(unique) > size else None
    return Page(unique[:size], older)


def get_event(seq: int) -> AuditEvent | None:
    return db.session.get(AuditEvent, seq)


def previous_hash(seq: int) -> str | None:
    """The hash of the event before `seq`, as stored now."""
    return db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq - 1))


# --- export ---------------------------------------------------------------------

def _export_where(f: AuditFilter, through_seq: int) -> list:
    where = [*conditions(f), AuditEvent.seq <= through_seq]
    actions = f.actions
    if actions is not None:
        where.append(AuditEvent.action.in_(actions) if actions else false())
    return where


def count_events(f: AuditFilter, through_seq: int) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(*_export_where(f, through_seq)))


EXPORT_BATCH = 1000


def iter_export_rows(f: AuditFilter, through_seq: int):
    """The filtered events up to `through_seq`, oldest first, as plain rows
    streamed EXPORT_BATCH at a time (no ORM objects pile up in the session)."""
    table = AuditEvent.__table__
    statement = (select(table).where(*_export_where(f, through_seq))
                 .order_by(table.c.seq).execution_options(yield_per=EXPORT_BATCH))
    result = db.session.execute(statement)
    try:
        yield from result
    finally:
        result.close()
