"""Commands on comments anchored to passages: a reviewer comments, people
reply, the author marks a comment "Addressed", its reviewer resolves it; and,
inside the author's resubmission, the answers to open comments, the general
response to reviewers and the re-anchoring of every comment on the new
revision. Each checks who may do it, holds the article's row lock (so it
serialises with the life-cycle events), records its audit event and only
flushes; none changes the article's state or version."""

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from reviewapp.accounts.models import User
from reviewapp.articles.models import Article, Revision
from reviewapp.articles.services import lock_article
from reviewapp.audit.services import record
from reviewapp.errors import (
    InvalidInput,
    NotFound,
    PermissionDenied,
    StaleVersion,
    TransitionRefused,
)
from reviewapp.extensions import db
from reviewapp.lifecycle.states import UNDER_REVIEW, state_label
from reviewapp.reviews import anchoring
from reviewapp.reviews.comment_threads import Viewer, last_anchor, needs_answer, viewer_of
from reviewapp.reviews.models import (
    ADDRESSED,
    MARKED_ADDRESSED,
    MARKED_RESOLVED,
    OPEN,
    REPLY,
    RESOLVED,
    CommentMessage,
    ResponseToReviewers,
    ReviewComment,
)

MAX_COMMENT = 20_000
MAX_QUOTE = 5_000
THREAD_CHANGED = ("This comment has a new reply or changed since you opened it — nothing "
                  "was saved. Read the thread, then try again.")


@dataclass(frozen=True)
class Passage:
    """What the reviewer chose: a selected passage (with the rendered text just
    before and after it, and where it was, in thousandths of the text), or,
    without JavaScript, a whole paragraph (0-based)."""

    quote: str = ""
    prefix: str = ""
    suffix: str = ""
    position: int | None = None
    paragraph: int | None = None


@dataclass(frozen=True)
class Answer:
    comment_id: int
    reply: str = ""
    addressed: bool = False


@dataclass(frozen=True)
class Responses:
    """The author's answers given with a resubmission, and the general response."""

    answers: tuple[Answer, ...] = ()
    general: str = ""


def add_comment(article_id: int, actor: User, revision_id: int | None, text: str,
                confidential: bool, passage: Passage) -> ReviewComment:
    article = lock_article(article_id)
    viewer = viewer_of(actor, article)
    if not viewer.is_reviewer:
        raise PermissionDenied("Only a reviewer who accepted the invitation to review this "
                               "article can comment on its passages.")
    if article.state != UNDER_REVIEW:
        raise TransitionRefused("Passages are commented on while the article is under "
                                f"review; it is {state_label(article.state)}. Nothing was "
                                "saved.")
    revision = article.current_revision
    if revision_id != revision.id:
        raise StaleVersion(f"The revision you commented on is no longer the current one "
                           f"(revision {revision.number} is) — nothing was saved. Your comment "
                           "is kept below: read the new revision, then comment again.")
    text = _text(text, "Write a comment.")
    span = _chosen_span(revision, passage)
    comment = ReviewComment(
        article_id=article.id, revision_id=revision.id, author_id=actor.id, body=text,
        confidential=bool(confidential), quote=span.text(revision.body),
        passage_start=span.start, passage_end=span.end, anchor_revision_id=revision.id,
        anchor_start=span.start, anchor_end=span.end, state=OPEN, version=1)
    db.session.add(comment)
    db.session.flush()
    record("comment.created", actor=actor, object_type="review_comment", object_id=comment.id,
           article_id=article.id,
           details={"revision": revision.number, "confidential": comment.confidential,
                    "paragraph": anchoring.paragraph_at(revision.body, span.start) + 1,
                    "passage": {"start": span.start, "end": span.end},
                    "quote": comment.quote, **_said(comment, "comment", text),
                    "after": {"state": OPEN}})
    return comment


def _chosen_span(revision: Revision, passage: Passage) -> anchoring.Span:
    body = revision.body
    if (passage.quote or "").strip():
        if len(passage.quote) > MAX_QUOTE:
            raise InvalidInput(f"The selected passage is too long: select at most "
                               f"{MAX_QUOTE:,} characters, or comment on its paragraph.")
        near = round(len(body) * min(max(passage.position or 0, 0), 1000) / 1000)
        span = anchoring.locate(body, passage.quote, passage.prefix, passage.suffix, near)
        if span is None:
            raise InvalidInput(f"The selected passage was not found in revision "
                               f"{revision.number}: select it again, or choose its paragraph.")
        return span
    paragraphs = anchoring.paragraphs(body)
    if passage.paragraph is None or not 0 <= passage.paragraph < len(paragraphs):
        raise InvalidInput("Select a passage of the revision, or choose a paragraph.")
    return paragraphs[passage.paragraph]


def _said(comment: ReviewComment, key: str, text: str) -> dict:
    """What was written, for the audit event's details; in a confidential
    comment's thread only its SHA-256, since the article's history is shown to
    editors and an editor may be the article's author."""
    if comment.confidential:
        return {f"{key}_sha256": hashlib.sha256(text.encode()).hexdigest()}
    return {key: text}


def _text(text: str | None, missing: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(missing)
    if len(text) > MAX_COMMENT:
        raise InvalidInput(f"A comment can be at most {MAX_COMMENT:,} characters.")
    return text


def _locked_comment(comment_id: int, actor: User) -> tuple[ReviewComment, Article, Viewer]:
    """The comment, under its article's row lock, and what the actor may do with it.
    An article the actor may not open is 403; a comment they may not read, 404."""
    article_id = db.session.scalar(select(ReviewComment.article_id)
                                   .where(ReviewComment.id == comment_id))
    if article_id is None:
        raise NotFound("There is no such comment.")
    article = lock_article(article_id)
    comment = db.session.get(ReviewComment, comment_id, populate_existing=True)
    viewer = viewer_of(actor, article)
    if not viewer.may_read(comment):
        if viewer.is_author or viewer.sees_all or viewer.assignment_state:
            raise NotFound("There is no such comment.")
        raise PermissionDenied("You do not have access to this article.")
    return comment, article, viewer


def _check_version(comment: ReviewComment, version: int | None) -> None:
    if version is not None and version != comment.version:
        raise StaleVersion(THREAD_CHANGED)


def _add_message(comment: ReviewComment, article: Article, actor: User, kind: str,
                 text: str, state: str | None = None, *, action: str) -> CommentMessage:
    """A message in the thread, the state it moves the comment to, and its audit event."""
    message = CommentMessage(comment_id=comment.id, author_id=actor.id, kind=kind, body=text,
                             revision_id=article.current_revision_id)
    db.session.add(message)
    before = comment.state
    comment.state = state or comment.state
    comment.version += 1
    db.session.flush()
    record(action, actor=actor, object_type="review_comment", object_id=comment.id,
           article_id=article.id,
           details={"message_id": message.id, **_said(comment, "reply", text),
                    "before": {"state": before}, "after": {"state": comment.state}})
    return message


def reply_to_comment(comment_id: int, actor: User, text: str) -> CommentMessage:
    comment, article, viewer = _locked_comment(comment_id, actor)
    if comment.state == RESOLVED:
        raise TransitionRefused("This comment is resolved; nothing was saved.")
    if not viewer.may_reply(comment):
        raise PermissionDenied("Only the article's author, its editors and the reviewers "
                               "who accepted can reply to its comments.")
    return _add_message(comment, article, actor, REPLY, _text(text, "Write a reply."),
                        action="comment.replied")


def mark_addressed(comment_id: int, actor: User, version: int | None,
                   text: str) -> CommentMessage:
    comment, article, viewer = _locked_comment(comment_id, actor)
    if not viewer.is_author:
        raise PermissionDenied("Only the article's author marks a comment addressed.")
    if comment.state != OPEN:
        raise TransitionRefused(f"This comment is {comment.state} already; nothing was saved.")
    _check_version(comment, version)
    return _add_message(comment, article, actor, MARKED_ADDRESSED, _optional(text), ADDRESSED,
                        action="comment.addressed")


def resolve_comment(comment_id: int, actor: User, version: int | None,
                    text: str = "") -> CommentMessage:
    comment, article, viewer = _locked_comment(comment_id, actor)
    if comment.author_id != actor.id:
        raise PermissionDenied("Only the reviewer who wrote this comment can resolve it.")
    if comment.state == RESOLVED:
        raise TransitionRefused("This comment is resolved already; nothing was saved.")
    _check_version(comment, version)
    return _add_message(comment, article, actor, MARKED_RESOLVED, _optional(text), RESOLVED,
                        action="comment.resolved")


def _optional(text: str | None) -> str:
    text = (text or "").strip()
    if len(text) > MAX_COMMENT:
        raise InvalidInput(f"A reply can be at most {MAX_COMMENT:,} characters.")
    return text


def answer_on_resubmit(article: Article, actor: User, revision: Revision,
                       responses: Responses | None) -> None:
    """Inside the author's resubmission (the article already locked by it, the
    new revision frozen): every open comment answered (a reply, or
    "Addressed" with an optional reply) or the whole resubmission is refused,
    naming how many wait; the general response stored with the revision; every
    comment re-anchored on it."""
    responses = responses or Responses()
    comments = list(db.session.scalars(
        select(ReviewComment).where(ReviewComment.article_id == article.id)
        .options(selectinload(ReviewComment.messages)).order_by(ReviewComment.id)))
    answerable = {c.id: c for c in comments if not c.confidential}
    answers = {}
    for answer in responses.answers:
        if answer.comment_id not in answerable:
            raise InvalidInput("An answer is about a comment that is not on this article.")
        if answer.addressed or (answer.reply or "").strip():
            answers[answer.comment_id] = answer
    waiting = sum(1 for c in answerable.values()
                  if c.id not in answers and needs_answer(c, article.author_id))
    if waiting:
        raise InvalidInput(
            f"{waiting} open comment{'s' if waiting > 1 else ''} "
            f"{'have' if waiting > 1 else 'has'} no answer: reply to each, or mark it "
            "Addressed. Nothing was saved.")
    for comment_id, answer in answers.items():
        comment = answerable[comment_id]
        if answer.addressed and comment.state == OPEN:
            _add_message(comment, article, actor, MARKED_ADDRESSED, _optional(answer.reply),
                         ADDRESSED, action="comment.addressed")
        elif (answer.reply or "").strip():
            _add_message(comment, article, actor, REPLY, _text(answer.reply, ""),
                         action="comment.replied")
    general = _optional(responses.general)
    if general:
        response = ResponseToReviewers(article_id=article.id, revision_id=revision.id,
                                       author_id=actor.id, body=general)
        db.session.add(response)
        db.session.flush()
        record("comment.general_response", actor=actor, object_type="response_to_reviewers",
               object_id=response.id, article_id=article.id,
               details={"revision": revision.number, "response": general})
    reanchor_comments(article, actor, revision, comments)


def reanchor_comments(article: Article, actor: User, revision: Revision,
                      comments: list[ReviewComment]) -> None:
    """Find each comment's passage in `revision`: where it is now, or that it is
    no longer in the text (kept, and shown as such)."""
    moving = [c for c in comments if c.anchor_revision_id != revision.id]
    if not moving:
        return
    ids = {last_anchor(c)[0] for c in moving}
    bodies = dict(db.session.execute(select(Revision.id, Revision.body)
                                     .where(Revision.id.in_(ids))).all())
    found, lost = [], []
    for comment in moving:
        revision_id, span = last_anchor(comment)
        new = anchoring.reanchor(bodies[revision_id], span, revision.body)
        comment.anchor_revision_id = revision.id
        comment.anchor_start, comment.anchor_end = (new.start, new.end) if new else (None, None)
        (found if new else lost).append(comment.id)
    db.session.flush()
    record("comment.reanchored", actor=actor, object_type="revision", object_id=revision.id,
           article_id=article.id,
           details={"revision": revision.number, "found": found, "lost": lost})
