"""Queries over review assignments and reviews: who could review an article,
what a reviewer has on their desk, the reports of an article. The commands
that change them apply life-cycle events and live in
workflow/review_commands.py."""

from flask import current_app
from sqlalchemy import exists, false, or_, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from reviewapp.accounts.models import User, UserRole, UserSpecialty, listed_user
from reviewapp.articles.models import Article, Revision, listed_revision
from reviewapp.extensions import db
from reviewapp.reviews.models import ACCEPTED, COMPLETED, INVITED, Assignment, Review


def suggest_reviewers(article: Article, find: str = "") -> list[tuple[User, int, bool]]:
    """Active reviewers other than the author and those already assigned:
    specialty matching the article's tags first, then fewest open assignments;
    the first REVIEWER_SUGGESTIONS of them, or of those whose name or email
    contains `find`. Returns (user, open assignments, specialty matches). The open
    assignments are the count stored on each user (user.open_reviews), so ranking
    the board reads its rows once and counts nobody's assignments."""
    open_count = User.open_reviews
    tags = article.tag_names
    matches = (exists().where(UserSpecialty.user_id == User.id, UserSpecialty.name.in_(tags))
               if tags else false()).label("matches")
    taken = select(Assignment.reviewer_id).where(
        Assignment.article_id == article.id,
        Assignment.state.in_((INVITED, ACCEPTED, COMPLETED)))
    statement = (select(User, open_count, matches).options(lazyload(User.roles))
                 .join(UserRole, (UserRole.user_id == User.id) & (UserRole.role == "reviewer"))
                 .where(User.active.is_(True), User.id != article.author_id,
                        User.id.not_in(taken)))
    find = " ".join(find.split())[:200]
    if find:
        statement = statement.where(or_(User.display_name.icontains(find, autoescape=True),
                                        User.email.icontains(find, autoescape=True)))
    rows = db.session.execute(
        statement.order_by(matches.desc(), open_count, User.display_name, User.id)
        .limit(current_app.config["REVIEWER_SUGGESTIONS"])).all()
    return [(user, count, bool(match)) for user, count, match in rows]


def reviews_of(article_id: int) -> list[Review]:
    return list(db.session.scalars(
        select(Review).where(Review.article_id == article_id)
        .options(listed_user(joinedload(Review.reviewer)), joinedload(Review.signature),
                 joinedload(Review.revision))
        .order_by(Review.created_at, Review.id)))


def assignments_of(article_id: int) -> list[Assignment]:
    return list(db.session.scalars(
        select(Assignment).where(Assignment.article_id == article_id)
        .options(listed_user(joinedload(Assignment.reviewer)))
        .order_by(Assignment.invited_at)))


def listed_assignments(*conditions, order_by) -> list[Assignment]:
    """A page of assignments for a list, each with its reviewer and its
    article's author and current revision (title and number, not the body)."""
    return list(db.session.scalars(
        select(Assignment).where(*conditions)
        .options(listed_user(joinedload(Assignment.reviewer)),
                 listed_revision(joinedload(Assignment.article)
                                 .joinedload(Article.current_revision)),
                 listed_user(joinedload(Assignment.article).joinedload(Article.author)))
        .order_by(*order_by).limit(current_app.config["PAGE_SIZE"])))


def revision_under_review(article: Article) -> Revision:
    """What the board reviews: the current revision once submitted; while the
    author edits the next one (changes were requested), the last one submitted."""
    current = article.current_revision
    if current.is_frozen:
        return current
    return db.session.scalar(
        select(Revision).where(Revision.article_id == article.id,
                               Revision.content_hash.is_not(None))
        .options(selectinload(Revision.references))
        .order_by(Revision.number.desc()).limit(1)) or current
