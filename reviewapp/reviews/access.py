"""An article as a signed-in user may open it: its author, editors and admins,
and the reviewers assigned to it. It reads review assignments, so it lives
with them, above both articles and reviews' records."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from reviewapp.accounts.models import User, listed_user
from reviewapp.accounts.permissions import can_see_all_articles, can_view_article
from reviewapp.articles.models import Article, Revision
from reviewapp.articles.services import check_may_edit
from reviewapp.errors import NotFound, PermissionDenied, TransitionRefused
from reviewapp.extensions import db
from reviewapp.reviews.models import DECLINED, OPEN_ASSIGNMENT_STATES, WITHDRAWN, Assignment


def get_article(article_id: int, viewer: User) -> Article:
    article = load_article(article_id)
    if not can_view_article(viewer, article, reviewer_ids_of(article.id)):
        raise PermissionDenied("You do not have access to this article.")
    return article


def load_article(article_id: int) -> Article:
    """The article with what its pages show (current revision and references,
    author, tags); whoever asks has been checked already."""
    article = db.session.scalar(
        select(Article).where(Article.id == article_id)
        .options(joinedload(Article.current_revision).selectinload(Revision.references),
                 listed_user(joinedload(Article.author)), selectinload(Article.tags)))
    if article is None:
        raise NotFound("There is no such article.")
    return article


def get_invitation(assignment_id: int, viewer: User) -> Assignment:
    """An invitation as its reviewer, an editor or an admin may read it. The
    reviewer is refused one they declined or the editor withdrew (409: the
    invitation's state stands in the way), anyone else any (403)."""
    assignment = db.session.scalar(
        select(Assignment).where(Assignment.id == assignment_id)
        .options(joinedload(Assignment.reviewer), joinedload(Assignment.assigned_by)))
    if assignment is None:
        raise NotFound("There is no such invitation.")
    if can_see_all_articles(viewer):
        return assignment
    if assignment.reviewer_id != viewer.id:
        raise PermissionDenied("This invitation is not yours.")
    if assignment.state == DECLINED:
        raise TransitionRefused(
            f"You declined this invitation on {assignment.responded_at:%Y-%m-%d}; it is "
            "closed. Ask the editor if you would like to review this article after all.")
    if assignment.state == WITHDRAWN:
        raise TransitionRefused("The editor withdrew this invitation; the article is no "
                                "longer open to you.")
    return assignment


def reviewer_ids_of(article_id: int) -> frozenset[int]:
    """Reviewers who may open the article: invited, accepted or done, not declined."""
    return frozenset(db.session.scalars(select(Assignment.reviewer_id).where(
        Assignment.article_id == article_id, Assignment.state.in_(OPEN_ASSIGNMENT_STATES))))


def get_draft_for_edit(article_id: int, editor: User) -> Article:
    article = get_article(article_id, editor)
    check_may_edit(editor, article)
    return article
