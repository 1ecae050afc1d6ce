"""`flask --app reviewapp publish due`: publish the scheduled revisions whose
"Publish at" has come (for cron). Each in a transaction of its own, exactly
once however many runs, servers or readers race it (articles.publication)."""

import click
from flask.cli import AppGroup

from reviewapp.extensions import db

publish_cli = AppGroup("publish", help="Scheduled publishing.")
BATCH = 100


@publish_cli.command("due")
def publish_due_command():
    """Publish every approved revision whose "Publish at" time has passed; print
    each, and how many. A second run publishes nothing. Always exits 0 when the
    database answers (a revision another process published first is not counted)."""
    from reviewapp.articles import publication
    from reviewapp.articles.models import Article
    from reviewapp.db import utcnow

    now, published, seen = utcnow(), 0, set()
    while True:
        due = [s for s in publication.due_schedules(now, BATCH) if s not in seen]
        db.session.rollback()  # the read ends: each publication is its own transaction
        if not due:
            break
        for schedule in due:
            seen.add(schedule)
            article_id, revision_id, publish_at = schedule
            revision = publication.publish_scheduled(article_id, revision_id, publish_at,
                                                     now, publication.BY_COMMAND)
            if revision is None:
                db.session.rollback()
                continue
            slug = db.session.get(Article, article_id).slug
            db.session.commit()
            published += 1
            click.echo(f"Published {slug}: revision {revision.number} "
                       f"(due {publish_at:%Y-%m-%d %H:%M:%S} UTC).")
    click.echo(f"Published {published} article{'' if published == 1 else 's'}."
               if published else "Nothing was due.")
