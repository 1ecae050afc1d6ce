"""What the reader-question parts of pages show: the form and "Readers also
asked" under a public article, and the editors' inbox."""

from sqlalchemy import String, cast, literal, select

from reviewapp.questions import services
from reviewapp.questions.forms import (
    PRIVACY_NOTE,
    AnswerQuestionForm,
    AskQuestionForm,
    CommissionForm,
    DismissQuestionForm,
)
from reviewapp.questions.models import COMMISSIONED, OPEN, ReaderQuestion


def commissioned_scopes(article_id):
    """The publication scopes of the articles commissioned from questions asked
    under an article (a SELECT correlated with `article_id`): its "Readers also
    asked" changes when one of them is first approved (public/page_cache.py)."""
    return (select(literal("article:")
                   + cast(ReaderQuestion.commissioned_article_id, String))
            .where(ReaderQuestion.article_id == article_id,
                   ReaderQuestion.status == COMMISSIONED,
                   ReaderQuestion.commissioned_article_id.is_not(None)))


def article_part(shown, form: AskQuestionForm | None = None, error: str | None = None) -> dict:
    """The public article page's part (templates/questions/_reader_questions.html):
    the question form (bound when a sent one was refused) and "Readers also asked"
    (one query)."""
    return {"question_form": form or AskQuestionForm(formdata=None),
            "question_error": error, "question_privacy_note": PRIVACY_NOTE,
            "also_asked": services.readers_also_asked(shown.article.id)}


def inbox_context(bound: dict[int, dict] | None = None) -> dict:
    """The inbox: open questions oldest first, each with its three forms (the
    refused one bound, keeping what the editor typed), and the handled ones."""
    bound = bound or {}
    author_choices = [(0, "Choose an author…")] + [
        (user.id, user.display_name) for user in services.authors()]
    open_questions = services.open_questions()
    forms = {}
    for question in open_questions:
        kept, prefix = bound.get(question.id, {}), f"q{question.id}"
        commission = kept.get("commission") or CommissionForm(formdata=None, prefix=prefix)
        commission.author.choices = author_choices
        forms[question.id] = {
            "answer": kept.get("answer") or AnswerQuestionForm(formdata=None, prefix=prefix),
            "dismiss": kept.get("dismiss") or DismissQuestionForm(formdata=None, prefix=prefix),
            "commission": commission}
    return {"open_questions": open_questions, "handled_questions": services.handled_questions(),
            "handled_shown": services.HANDLED_SHOWN, "forms": forms, "open_status": OPEN}
