"""The public "Update history" of an article (issue 17, "What changed"): each
approved revision readers have seen, newest first, with its approval date and
its author's note, loaded in one query whatever their number."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from reviewapp.articles.models import Revision
from reviewapp.extensions import db

FIRST_PUBLISHED = "First published"
NO_NOTE = "No note was recorded for this update."


@dataclass(frozen=True)
class HistoryEntry:
    revision: int           # the revision's number
    approved_at: datetime
    note: str | None        # the author's "What changed"; None on the first, or not recorded
    first: bool             # the first version published

    @property
    def statement(self) -> str:
        """What the page says of this entry."""
        if self.first:
            return FIRST_PUBLISHED
        return self.note or NO_NOTE


def history_of(article_id: int, shown: Revision) -> list[HistoryEntry]:
    """The approved revisions up to the one shown (later ones are not public),
    newest first. A re-review's approval of unchanged text is no update: such a
    revision is left out, and the earlier approval of that text stands."""
    rows = db.session.execute(
        select(Revision.number, Revision.approved_at, Revision.change_note,
               Revision.content_hash)
        .where(Revision.article_id == article_id, Revision.approved_at.is_not(None),
               Revision.number <= shown.number)
        .order_by(Revision.number)).all()
    return content_updates(rows)


def content_updates(rows) -> list[HistoryEntry]:
    """From (number, approved_at, note, content_hash) oldest first: the entries,
    newest first, each approval whose text differs from the one before it."""
    entries: list[HistoryEntry] = []
    previous_hash = None
    for number, approved_at, note, content_hash in rows:
        if entries and content_hash == previous_hash:
            continue
        entries.append(HistoryEntry(revision=number, approved_at=approved_at,
                                    note=None if not entries else note,
                                    first=not entries))
        previous_hash = content_hash
    return entries[::-1]
