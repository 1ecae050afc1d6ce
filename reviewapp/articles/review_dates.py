"""When an approved article is due for its next review: REVIEW_INTERVAL_DAYS after
its last review, never more than three years (the PIF TICK's maximum), whatever
the setting says. The one place for the cap: the public page, the API, the
listing and the editors' due lists all ask here. Pure."""

from datetime import date, datetime, timedelta

# Three years of 365 days: never past the third anniversary, leap day or not.
MAX_REVIEW_INTERVAL_DAYS = 3 * 365


def review_interval_days(configured_days: int) -> int:
    """The interval in force: the setting, capped at three years."""
    return min(configured_days, MAX_REVIEW_INTERVAL_DAYS)


def next_review_due(last_reviewed_at: datetime, configured_days: int) -> date:
    return (last_reviewed_at + timedelta(days=review_interval_days(configured_days))).date()


def overdue_cutoff(now: datetime, configured_days: int) -> datetime:
    """Articles last reviewed at or before this moment are due for review."""
    return now - timedelta(days=review_interval_days(configured_days))


def content_updated_at(previous, approved, now: datetime) -> datetime:
    """"Last updated" for a revision being approved now: carried over from the
    revision readers saw until now (`previous`, None at the first approval) when
    its content is the same (a re-review approving unchanged text), else now.
    Both are objects with content_hash, approved_at and content_updated_at."""
    if previous is approved:
        return approved.content_updated_at or now
    if previous is not None and previous.content_hash == approved.content_hash:
        return previous.content_updated_at or previous.approved_at or now
    return now
