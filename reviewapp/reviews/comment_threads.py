"""Reading comment threads: who may see and answer which comment, the threads
a person may see on an article (in a fixed number of queries), and where each
commented passage lies in the revision shown."""

from dataclasses import dataclass

from sqlalchemy import false, or_, select
from sqlalchemy.orm import joinedload, selectinload

from reviewapp.accounts.models import User, listed_user
from reviewapp.accounts.permissions import can_see_all_articles, has_role
from reviewapp.articles.models import Article, Revision
from reviewapp.extensions import db
from reviewapp.lifecycle.states import UNDER_REVIEW
from reviewapp.reviews.anchoring import Span, paragraph_at, reanchor
from reviewapp.reviews.models import (
    ACCEPTED,
    COMPLETED,
    OPEN,
    OPEN_ASSIGNMENT_STATES,
    RESOLVED,
    Assignment,
    CommentMessage,
    ResponseToReviewers,
    ReviewComment,
)


@dataclass(frozen=True)
class Viewer:
    """A person looking at an article's comments, with what decides what they may do."""

    user_id: int
    is_author: bool          # the article's author: never a confidential comment
    sees_all: bool           # editors and admins read every comment
    is_editor: bool          # editors also answer
    assignment_state: str | None
    # While the board reviews a revision, the comments made on it wait for the
    # decision that sends it back before its author reads (or answers) them.
    in_review_revision_id: int | None = None

    @property
    def is_reviewer(self) -> bool:
        """Assigned and accepted (or done): may comment and reply."""
        return not self.is_author and self.assignment_state in (ACCEPTED, COMPLETED)

    def may_read(self, comment: ReviewComment) -> bool:
        if self.is_author:
            return (not comment.confidential
                    and comment.revision_id != self.in_review_revision_id)
        if self.sees_all:
            return True
        if self.assignment_state in OPEN_ASSIGNMENT_STATES:
            return not comment.confidential or comment.author_id == self.user_id
        return False

    def may_reply(self, comment: ReviewComment) -> bool:
        return (comment.state != RESOLVED and self.may_read(comment)
                and (self.is_author or self.is_editor or self.is_reviewer))

    def may_address(self, comment: ReviewComment) -> bool:
        return self.may_read(comment) and self.is_author and comment.state == OPEN

    def may_resolve(self, comment: ReviewComment) -> bool:
        return comment.author_id == self.user_id and comment.state != RESOLVED


def viewer_of(user: User, article: Article) -> Viewer:
    state = db.session.scalar(select(Assignment.state).where(
        Assignment.article_id == article.id, Assignment.reviewer_id == user.id))
    return Viewer(user_id=user.id, is_author=article.author_id == user.id,
                  sees_all=can_see_all_articles(user), is_editor=has_role(user, "editor"),
                  assignment_state=state,
                  in_review_revision_id=(article.current_revision_id
                                         if article.state == UNDER_REVIEW else None))


def visible_comments(article_id: int, viewer: Viewer) -> list[ReviewComment]:
    """The article's comments this viewer may read, oldest first, each with its
    author and its thread (two queries whatever their number)."""
    statement = (select(ReviewComment).where(ReviewComment.article_id == article_id)
                 .options(listed_user(joinedload(ReviewComment.author)),
                          listed_user(selectinload(ReviewComment.messages)
                                      .joinedload(CommentMessage.author)))
                 .order_by(ReviewComment.created_at, ReviewComment.id))
    if viewer.is_author:
        statement = statement.where(ReviewComment.confidential.is_(False))
        if viewer.in_review_revision_id is not None:
            statement = statement.where(
                ReviewComment.revision_id != viewer.in_review_revision_id)
    elif not viewer.sees_all:
        if viewer.assignment_state not in OPEN_ASSIGNMENT_STATES:
            statement = statement.where(false())
        statement = statement.where(or_(ReviewComment.confidential.is_(False),
                                        ReviewComment.author_id == viewer.user_id))
    return list(db.session.scalars(statement))


def needs_answer(comment: ReviewComment, article_author_id: int) -> bool:
    """Open, not confidential, and the author has not answered since the last
    word of anyone else in the thread."""
    if comment.state != OPEN or comment.confidential:
        return False
    return not comment.messages or comment.messages[-1].author_id != article_author_id


def responses_of(article_id: int) -> list[ResponseToReviewers]:
    """The author's general responses, newest revision first."""
    return list(db.session.scalars(
        select(ResponseToReviewers).where(ResponseToReviewers.article_id == article_id)
        .options(listed_user(joinedload(ResponseToReviewers.author)),
                 joinedload(ResponseToReviewers.revision).load_only(Revision.id,
                                                                    Revision.number))
        .order_by(ResponseToReviewers.revision_id.desc())))


@dataclass(frozen=True)
class Place:
    """Where a commented passage is in the revision shown."""

    revision_number: int        # of the revision the comment was made on
    paragraph: int | None       # 1-based, in the revision shown; None: no longer in the text
    text: str                   # the passage as it reads in the revision shown

    @property
    def is_lost(self) -> bool:
        return self.paragraph is None


def bodies_for(comments: list[ReviewComment], shown: Revision) -> dict[int, tuple[int, str]]:
    """Number and body of each revision the comments' places are computed from
    (one query)."""
    ids = {shown.id} | {c.anchor_revision_id for c in comments} | {
        c.revision_id for c in comments}
    return {id_: (number, body) for id_, number, body in db.session.execute(
        select(Revision.id, Revision.number, Revision.body).where(Revision.id.in_(ids)))}


def last_anchor(comment: ReviewComment) -> tuple[int, Span]:
    """The revision and span to find the passage from: where it was last
    anchored or, once lost, where it was first quoted (it may come back)."""
    if comment.anchor_start is not None:
        return comment.anchor_revision_id, Span(comment.anchor_start, comment.anchor_end)
    return comment.revision_id, Span(comment.passage_start, comment.passage_end)


def place_of(comment: ReviewComment, shown: Revision,
             bodies: dict[int, tuple[int, str]]) -> Place:
    """The passage in the revision shown: as anchored there, or found again."""
    if comment.anchor_revision_id == shown.id:
        span = (None if comment.anchor_start is None
                else Span(comment.anchor_start, comment.anchor_end))
    else:
        revision_id, last = last_anchor(comment)
        span = reanchor(bodies[revision_id][1], last, shown.body)
    number = bodies[comment.revision_id][0]
    if span is None:
        return Place(revision_number=number, paragraph=None, text="")
    return Place(revision_number=number, paragraph=paragraph_at(shown.body, span.start) + 1,
                 text=span.text(shown.body))


def open_count(comments: list[ReviewComment]) -> int:
    return sum(1 for c in comments if c.state == OPEN)
