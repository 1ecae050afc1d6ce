"""Realistic data at scale for benchmarks: `python -m benchmarks.scale`.

Rows are written with Core bulk inserts (executemany in batches) and ids
chosen here, so that 100,000 articles and 1,000,000 audit events take
minutes, not hours. The audit events continue the hash chain from the current
head, hashed by the app's own chain code, so `flask audit verify` passes.

Every state appears: articles in each workflow state (some approved ones with
an update under review), assignments invited, accepted, declined, completed
and withdrawn, reviews approving (with signatures) and requesting changes,
citation reports with findings, waivers, reader reports.

Benchmark data only: not part of the reviewapp package or its `flask` CLI.
"""

import random
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import func, select, text

from reviewapp.accounts.models import User
from reviewapp.articles.models import Article
from reviewapp.extensions import db
from reviewapp.reviews.models import open_reviews_of

from .articles import write_articles
from .events import write_events
from .users import SCALE_PASSWORD, write_users

__all__ = ["SCALE_PASSWORD", "DatabaseNotEmpty", "generate"]


class DatabaseNotEmpty(Exception):
    pass


def generate(articles: int, events: int, *, force: bool = False, seed: int = 8,
             progress: Callable[[int], None] | None = None) -> dict:
    """Write `articles` articles with everything around them and `events`
    audit events, committing each part (inside an app context).
    `progress(n)` is told of n more articles or events written."""
    if not force and db.session.scalar(select(func.count()).select_from(Article)):
        raise DatabaseNotEmpty("The database already has articles; use --force to add more.")
    advance = progress or (lambda n: None)
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    users = write_users(articles, rng, now)
    db.session.commit()
    ids = write_articles(articles, users, rng, now, advance)
    # Bulk inserts pass the ORM by: each user's open reviews stored as the app keeps them.
    table = User.__table__
    db.session.execute(table.update().values(open_reviews=open_reviews_of(table.c.id)))
    db.session.commit()
    write_events(events, users, ids, rng, now, advance)
    db.session.commit()
    # Planner statistics for the bulk-loaded tables, as a routine ANALYZE would give;
    # on PostgreSQL a VACUUM too, as autovacuum would give a live database (without
    # it, index-only scans visit the heap for every row: no page is marked all-visible).
    if db.engine.dialect.name == "postgresql":
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return {"users": sum(len(v) for v in users.values()), "articles": articles,
            "events": events}
