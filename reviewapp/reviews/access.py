"""An article as a signed-in user may open it: its author, editors and admins,
and the reviewers assigned to it. It reads review assignments, so it lives
with them, above both articles and reviews' records."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from reviewapp.accounts.models import User
from reviewapp.accounts.permissions import can_view_article
from reviewapp.articles.models import Article, Revision
from reviewapp.articles.services import check_may_edit
from reviewapp.errors import NotFound, PermissionDenied
from reviewapp.extensions import db
from reviewapp.reviews.models import OPEN_ASSIGNMENT_STATES, Assignment


def get_article(article_id: int, viewer: User) -> Article:
    article = db.session.scalar(
        select(Article).where(Article.id == article_id)
        .options(joinedload(Article.current_revision).selectinload(Revision.references),
                 joinedload(Article.author), selectinload(Article.tags)))
    if article is None:
        raise NotFound("There is no such article.")
    if not can_view_article(viewer, article, reviewer_ids_of(article.id)):
        raise PermissionDenied("You do not have access to this article.")
    return article


def reviewer_ids_of(article_id: int) -> frozenset[int]:
    """Reviewers who may open the article: invited, accepted or done, not declined."""
    return frozenset(db.session.scalars(select(Assignment.reviewer_id).where(
        Assignment.article_id == article_id, Assignment.state.in_(OPEN_ASSIGNMENT_STATES))))


def get_draft_for_edit(article_id: int, editor: User) -> Article:
    article = get_article(article_id, editor)
    check_may_edit(editor, article)
    return article
