"""Reader questions: the public "Have a follow-up question?" form under an
article, and the editors' "Reader questions" inbox with its three actions."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from reviewapp import security
from reviewapp.accounts.access import role_required
from reviewapp.accounts.permissions import can_handle_reader_questions
from reviewapp.desk import refused_page, run_form
from reviewapp.errors import InvalidInput
from reviewapp.extensions import csrf, db
from reviewapp.public import article_page
from reviewapp.public import views as public_views
from reviewapp.questions import pages, services
from reviewapp.questions.forms import (
    AnswerQuestionForm,
    AskQuestionForm,
    CommissionForm,
    DismissQuestionForm,
)

bp = Blueprint("questions", __name__)

THANKS = ("Thank you for your question. The editors read every question; if you left "
          "your email address, they may reply to it. Questions are never published.")


@bp.app_context_processor
def _open_questions_in_the_menu():
    """The desk menu's "Reader questions" count, asked only where it is shown."""
    def count():
        return (services.open_question_count()
                if can_handle_reader_questions(current_user) else 0)
    return {"open_reader_questions": count}


@bp.route("/articles/<slug>/ask", methods=["POST"])
@csrf.exempt  # the page is shared by every reader: the form's origin is checked instead
def ask(slug: str):
    security.refuse_cross_site_form()
    form = AskQuestionForm()
    if not form.validate_on_submit():
        db.session.rollback()
        return public_views._article_page(slug, status=400, question_form=form)
    if form.is_bot:  # a filled honeypot is answered as a success; nothing is stored
        article_page.public_article(slug)  # (a page that is not public stays a 404)
    else:
        try:
            services.ask_question(slug, form.question.data, form.email.data,
                                  form.consent.data, request.remote_addr)
        except (InvalidInput, services.TooManyQuestions) as error:
            db.session.rollback()
            return public_views._article_page(slug, status=error.status_code,
                                              question_form=form,
                                              question_error=error.message)
        db.session.commit()
    flash(THANKS, "success")
    return redirect(url_for("public.article", slug=slug))


@bp.route("/desk/questions")
@role_required("editor", "admin")
def inbox():
    return render_template("questions/inbox.html", **pages.inbox_context())


def _handle(question_id: int, kind: str, form, command, notice):
    """Validate, run the one service call, commit and go back to the inbox; a
    refusal shows the inbox again with what was typed in this question's form."""
    def refused(error):
        return refused_page(error, "questions/inbox.html", pages.inbox_context,
                            {question_id: {kind: form}})
    return run_form(form, command, refused, None, notice, back=url_for("questions.inbox"))


@bp.route("/desk/questions/<int:question_id>/answer", methods=["POST"])
@role_required("editor", "admin")
def answer(question_id: int):
    form = AnswerQuestionForm(prefix=f"q{question_id}")
    return _handle(question_id, "answer", form, lambda: services.answer_question(
        question_id, current_user, form.answer.data),
        lambda question: f"Your answer was queued for {question.email}.")


@bp.route("/desk/questions/<int:question_id>/dismiss", methods=["POST"])
@role_required("editor", "admin")
def dismiss(question_id: int):
    form = DismissQuestionForm(prefix=f"q{question_id}")
    return _handle(question_id, "dismiss", form, lambda: services.dismiss_question(
        question_id, current_user, form.reason.data), lambda _: "The question was dismissed.")


@bp.route("/desk/questions/<int:question_id>/commission", methods=["POST"])
@role_required("editor", "admin")
def commission(question_id: int):
    form = CommissionForm(prefix=f"q{question_id}")
    return _handle(question_id, "commission", form, lambda: services.commission_article(
        question_id, current_user, form.author.data),
        lambda article: f"A draft titled “{article.title}” was created for "
                        f"{article.author.display_name}, who was mailed about it.")
