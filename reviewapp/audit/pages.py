"""What the audit screens show beside events: the titles and names behind
their links. It reads articles and users, so, like every page builder, it sits
above the packages whose records it names."""

from sqlalchemy import select

from reviewapp.accounts.models import User
from reviewapp.articles.models import Article, Revision
from reviewapp.audit.models import AuditEvent
from reviewapp.extensions import db


def object_labels(events: list[AuditEvent]) -> dict[tuple[str, int], str]:
    """Article titles and user names for the links of a page: two queries,
    whatever the page holds."""
    article_ids, user_ids = set(), set()
    for event in events:
        if event.article_id is not None:
            article_ids.add(event.article_id)
        if event.object_type == "user" and (event.object_id or "").isdigit():
            user_ids.add(int(event.object_id))
    labels = {("article", article_id): title for article_id, title in db.session.execute(
        select(Article.id, Revision.title)
        .join(Revision, Revision.id == Article.current_revision_id)
        .where(Article.id.in_(sorted(article_ids))))}
    labels.update({("user", user_id): name for user_id, name in db.session.execute(
        select(User.id, User.display_name).where(User.id.in_(sorted(user_ids))))})
    return labels
