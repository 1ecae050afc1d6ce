"""Reader questions: a reader asks one under a public article (limited per
address and hour; the text is never shown publicly); an editor or admin answers
it by mail, dismisses it with a reason, or commissions an article from it. When
a commissioned article is first approved (workflow.transition calls
`mail_askers_on_approval` in the approval's transaction) the asker is mailed."""

import hashlib
import hmac
from datetime import timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from reviewapp.accounts.models import User, UserRole
from reviewapp.accounts.permissions import can_handle_reader_questions
from reviewapp.articles.models import Article, Revision
from reviewapp.articles.services import DraftContent, create_article
from reviewapp.audit.services import record
from reviewapp.db import transaction_lock, utcnow
from reviewapp.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TransitionRefused,
)
from reviewapp.extensions import db
from reviewapp.mail.compose import enqueue_mail
from reviewapp.public.article_page import public_article
from reviewapp.questions.models import (
    ANSWERED,
    COMMISSIONED,
    DISMISSED,
    OPEN,
    ReaderQuestion,
)

# The handled questions the inbox shows, newest first.
HANDLED_SHOWN = 50
# At most this many "Readers also asked" links under an article.
ALSO_ASKED_SHOWN = 10


class TooManyQuestions(DomainError):
    status_code = 429


def client_hash(address: str | None) -> str | None:
    """A keyed hash of the client address: equal for one address, so the rate
    limit can count, without keeping the address in the question."""
    if not address:
        return None
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"reader-question:" + address.encode(), hashlib.sha256).hexdigest()


def ask_question(slug: str, question: str, email: str | None, consent: bool,
                 address: str | None) -> ReaderQuestion:
    """A reader's question on a public article, at most QUESTION_RATE_LIMIT an
    hour from one address. An email is kept only with the reader's consent."""
    config = current_app.config
    shown = public_article(slug)
    question = (question or "").strip()
    email = (email or "").strip() or None
    if not question:
        raise InvalidInput("Write your question.")
    if len(question) > config["QUESTION_MAX_LENGTH"]:
        raise InvalidInput(f"A question may hold at most {config['QUESTION_MAX_LENGTH']:,} "
                           "characters.")
    if email and not consent:
        raise InvalidInput("Tick the box to let us email you a reply, or leave the email "
                           "empty.")
    hashed = client_hash(address)
    if hashed:
        # Two questions from one address at once queue here, so both are counted.
        transaction_lock(db.session, f"reader_question:{hashed}")
        recent = db.session.scalar(
            select(func.count()).select_from(ReaderQuestion).where(
                ReaderQuestion.client_hash == hashed,
                ReaderQuestion.asked_at >= utcnow() - timedelta(hours=1)))
        if recent >= config["QUESTION_RATE_LIMIT"]:
            raise TooManyQuestions("Too many questions from your network in the last hour. "
                                   "Please try again later.")
    asked = ReaderQuestion(article_id=shown.article.id, question=question, email=email,
                           consent_given=bool(email and consent), client_hash=hashed,
                           status=OPEN)
    db.session.add(asked)
    db.session.flush()
    # The reader's words (and address) stay in the question row; the permanent
    # log records that a question came in, and under which article.
    record("reader_question.asked", object_type="reader_question", object_id=asked.id,
           article_id=shown.article.id,
           details={"question_chars": len(question), "email_given": email is not None})
    return asked


# --- the editors' inbox ----------------------------------------------------------------

def check_may_handle(actor: User) -> None:
    if not can_handle_reader_questions(actor):
        raise PermissionDenied("Only editors and admins handle reader questions.")


def _with_titles(query):
    return query.options(
        joinedload(ReaderQuestion.article).joinedload(Article.current_revision),
        joinedload(ReaderQuestion.commissioned_article).joinedload(Article.current_revision),
        joinedload(ReaderQuestion.handled_by))


def open_questions() -> list[ReaderQuestion]:
    """Every open question, oldest first, with its article (one query)."""
    return list(db.session.scalars(_with_titles(
        select(ReaderQuestion).where(ReaderQuestion.status == OPEN)
        .order_by(ReaderQuestion.asked_at, ReaderQuestion.id))))


def handled_questions() -> list[ReaderQuestion]:
    """The last HANDLED_SHOWN handled questions, newest first (one query)."""
    return list(db.session.scalars(_with_titles(
        select(ReaderQuestion).where(ReaderQuestion.status != OPEN)
        .order_by(ReaderQuestion.handled_at.desc(), ReaderQuestion.id.desc())
        .limit(HANDLED_SHOWN))))


def open_question_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ReaderQuestion)
                             .where(ReaderQuestion.status == OPEN))


def authors() -> list[User]:
    """Active users with the author role, by name: whom an article may be commissioned from."""
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "author", User.active.is_(True))
        .order_by(User.display_name, User.id)))


def lock_open_question(question_id: int) -> ReaderQuestion:
    """The question, locked for this transaction; NotFound, or TransitionRefused
    when it was handled already."""
    question = db.session.execute(
        select(ReaderQuestion).where(ReaderQuestion.id == question_id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one_or_none()
    if question is None:
        raise NotFound("There is no such question.")
    if question.status != OPEN:
        raise TransitionRefused(f"This question was handled already "
                                f"({question.status_label.lower()}).")
    return question


def _handled(question: ReaderQuestion, actor: User, status: str) -> None:
    question.status, question.handled_by_id, question.handled_at = status, actor.id, utcnow()


def answer_question(question_id: int, actor: User, answer: str) -> ReaderQuestion:
    """Mail the editor's answer to the reader (through the outbox)."""
    check_may_handle(actor)
    answer = (answer or "").strip()
    limit = current_app.config["QUESTION_ANSWER_MAX_LENGTH"]
    if not answer:
        raise InvalidInput("Write the answer to mail to the reader.")
    if len(answer) > limit:
        raise InvalidInput(f"An answer may hold at most {limit:,} characters.")
    question = lock_open_question(question_id)
    if question.email is None:
        raise TransitionRefused("This reader left no email address, so there is nobody to "
                                "mail. Dismiss the question or commission an article instead.")
    _handled(question, actor, ANSWERED)
    question.answer = answer
    message = enqueue_mail(question.email, "question_answer.txt",
                           article_id=question.article_id, question=question,
                           article=question.article, answer=answer)
    record("reader_question.answered", actor=actor, object_type="reader_question",
           object_id=question.id, article_id=question.article_id,
           details={"outbox_message_id": message.id, "answer_chars": len(answer)})
    return question


def dismiss_question(question_id: int, actor: User, reason: str) -> ReaderQuestion:
    check_may_handle(actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give the reason for dismissing the question.")
    question = lock_open_question(question_id)
    _handled(question, actor, DISMISSED)
    question.dismiss_reason = reason[:5000]
    record("reader_question.dismissed", actor=actor, object_type="reader_question",
           object_id=question.id, article_id=question.article_id,
           reason=question.dismiss_reason)
    return question


def question_title(text: str, limit: int) -> str:
    """The question on one line, cut at a word before `limit` characters (with …)."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[:limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"


def commission_article(question_id: int, actor: User, author_id: int | None) -> Article:
    """A draft for the chosen author, titled with the question and linked to it
    (articles.services.create_article); the author is mailed."""
    check_may_handle(actor)
    author = db.session.get(User, author_id) if author_id else None
    if author is None or not author.active or "author" not in author.role_names:
        raise InvalidInput("Choose an author (an active user with the author role).")
    question = lock_open_question(question_id)
    article = create_article(author, DraftContent(
        title=question_title(question.question, current_app.config["MAX_TITLE_LENGTH"]),
        body="", references_text="", tags=[]), commissioned_by=actor,
        # The slug (the public address, never changed) names no words of the
        # reader's; the title is the author's to rephrase before review.
        slug_base=f"reader question {question.id}")
    _handled(question, actor, COMMISSIONED)
    question.commissioned_article_id = article.id
    message = enqueue_mail(author.email, "question_commissioned.txt", article_id=article.id,
                           to=author, actor=actor, article=article, question=question)
    record("reader_question.commissioned", actor=actor, object_type="reader_question",
           object_id=question.id, article_id=question.article_id,
           details={"commissioned_article": article.id, "author": author.id,
                    "outbox_message_id": message.id})
    return article


# --- after review ----------------------------------------------------------------------

def mail_askers_on_approval(article: Article, actor: User) -> None:
    """The article was just approved: each reader whose question it was
    commissioned from, and who left an email, is mailed once (the first approval)."""
    waiting = db.session.scalars(
        select(ReaderQuestion).where(ReaderQuestion.commissioned_article_id == article.id,
                                     ReaderQuestion.email.is_not(None),
                                     ReaderQuestion.asker_notified_at.is_(None))
        .order_by(ReaderQuestion.id).with_for_update()).all()
    for question in waiting:
        message = enqueue_mail(question.email, "question_article_approved.txt",
                               article_id=article.id, article=article,
                               dedupe_key=f"reader_question:{question.id}:approved")
        question.asker_notified_at = utcnow()
        record("reader_question.asker_notified", actor=actor, object_type="reader_question",
               object_id=question.id, article_id=question.article_id,
               details={"commissioned_article": article.id,
                        "outbox_message_id": message.id if message else None})


class AlsoAsked(NamedTuple):
    slug: str
    title: str


def readers_also_asked(article_id: int) -> list[AlsoAsked]:
    """Approved articles commissioned from questions asked under this article,
    newest approval first (one query)."""
    commissioned = (select(ReaderQuestion.commissioned_article_id)
                    .where(ReaderQuestion.article_id == article_id,
                           ReaderQuestion.status == COMMISSIONED))
    rows = db.session.execute(
        select(Article.slug, Revision.title)
        .join(Revision, Revision.id == Article.approved_revision_id)
        .where(Article.id.in_(commissioned), Article.id != article_id)
        .order_by(Revision.approved_at.desc(), Article.id.desc())
        .limit(ALSO_ASKED_SHOWN)).all()
    return [AlsoAsked(slug, title) for slug, title in rows]
