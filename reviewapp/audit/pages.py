"""What the audit screens show beside events: the titles and names behind
their links, and each event's details as readable change lines. It reads
articles and users, so, like every page builder, it sits above the packages
whose records it names."""

from collections.abc import Mapping

from sqlalchemy import select

from reviewapp.accounts.models import User
from reviewapp.articles.models import Article, Revision
from reviewapp.audit.changes import Readable, readable, user_ids_in
from reviewapp.audit.models import AuditEvent
from reviewapp.extensions import db


def object_labels(events: list[AuditEvent], articles: bool = True
                  ) -> dict[tuple[str, int], str]:
    """Article titles and user names for a page's events — the users they are
    about and those their details name ("approved_by": [2, 3]): two queries
    (one without `articles`), whatever the page holds."""
    article_ids, user_ids = set(), set()
    for event in events:
        if event.article_id is not None:
            article_ids.add(event.article_id)
        if event.object_type == "user" and (event.object_id or "").isdigit():
            user_ids.add(int(event.object_id))
        user_ids |= user_ids_in(event.details)
    labels = {}
    if articles:
        labels.update({("article", article_id): title for article_id, title in db.session.execute(
            select(Article.id, Revision.title)
            .join(Revision, Revision.id == Article.current_revision_id)
            .where(Article.id.in_(sorted(article_ids))))})
    labels.update({("user", user_id): name for user_id, name in db.session.execute(
        select(User.id, User.display_name).where(User.id.in_(sorted(user_ids))))})
    return labels


def user_names(labels: Mapping[tuple[str, int], str]) -> dict[int, str]:
    return {key[1]: name for key, name in labels.items() if key[0] == "user"}


def event_changes(event: AuditEvent, labels: Mapping[tuple[str, int], str]) -> Readable:
    """The one way a screen turns an event's details into change lines and facts."""
    return readable(event.details, event.action, user_names(labels))
