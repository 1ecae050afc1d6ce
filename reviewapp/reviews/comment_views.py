"""The screens of comments on passages: comment, Reply, Addressed, Resolve,
and the author's resubmission with an answer to each open comment. Each
validates its form, calls one service, commits once and goes back to the page
it came from; a refusal shows that page again with what was typed."""

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user, login_required

from reviewapp.accounts.access import role_required
from reviewapp.accounts.permissions import can_edit_draft
from reviewapp.articles.pages import article_context
from reviewapp.desk import REFUSALS, refused_page
from reviewapp.errors import InvalidInput, NotFound
from reviewapp.extensions import db
from reviewapp.lifecycle.events import EVENTS
from reviewapp.reviews import access, comment_forms, comments, pages
from reviewapp.reviews.comment_pages import bound_forms, comment_panel
from reviewapp.reviews.comment_text import render_comment
from reviewapp.reviews.models import ReviewComment
from reviewapp.workflow import services as workflow

bp = Blueprint("comments", __name__, url_prefix="/desk")
bp.add_app_template_global(comment_panel, "comment_panel")
bp.add_app_template_filter(render_comment, "comment_markdown")


def _refusal(form) -> InvalidInput:
    """A form that did not validate, with its messages (answers' own included)."""
    def flat(errors):
        for error in errors:
            if isinstance(error, dict):
                for nested in error.values():
                    yield from flat(nested)
            elif isinstance(error, list):
                yield from flat(error)
            else:
                yield error
    return InvalidInput(" ".join(flat(list(form.errors.values()))))


def _context(article_id: int, page: str) -> dict:
    article = access.get_article(article_id, current_user)
    if page == "review":
        return pages.review_context(article)
    return {**article_context(article), "can_edit": can_edit_draft(current_user, article)}


def _refused(article_id: int, page: str, error):
    template = "reviews/review.html" if page == "review" else "articles/show.html"
    return refused_page(error, template, _context, article_id, page)


def _back(article_id: int, page: str, message: str, anchor: str | None):
    """Commit once, then back to the page the form came from (Post/Redirect/Get)."""
    db.session.commit()
    flash(message, "success")
    endpoint = "reviews.review" if page == "review" else "articles.show"
    return redirect(url_for(endpoint, article_id=article_id, _anchor=anchor))


def _run(form, key, article_id: int, command, message: str):
    bound_forms()[key] = form
    page = form.page.data if form.page.data in comment_forms.PAGES else "article"
    if not form.validate_on_submit():
        return _refused(article_id, page, _refusal(form))
    try:
        result = command()
    except REFUSALS as error:
        return _refused(article_id, page, error)
    comment_id = result.id if isinstance(result, ReviewComment) else result.comment_id
    return _back(article_id, page, message, f"comment-{comment_id}")


@bp.route("/articles/<int:article_id>/comments", methods=["POST"])
@role_required("reviewer")
def add(article_id: int):
    access.get_article(article_id, current_user)  # 403 before the form is read
    form = comment_forms.CommentForm()
    passage = comments.Passage(quote=form.quote.data or "", prefix=form.prefix.data or "",
                               suffix=form.suffix.data or "", position=form.position.data,
                               paragraph=form.paragraph.data)
    return _run(form, "comment", article_id, lambda: comments.add_comment(
        article_id, current_user, form.revision_id.data, form.body.data,
        form.confidential.data, passage), "Comment added.")


def _thread_action(comment_id: int, command, message: str):
    article_id = db.session.scalar(db.select(ReviewComment.article_id)
                                   .where(ReviewComment.id == comment_id))
    if article_id is None:
        raise NotFound("There is no such comment.")
    access.get_article(article_id, current_user)  # 403 before the form is read
    form = comment_forms.ThreadForm(prefix=f"c{comment_id}")
    return _run(form, ("thread", comment_id), article_id, lambda: command(form), message)


@bp.route("/comments/<int:comment_id>/reply", methods=["POST"])
@login_required
def reply(comment_id: int):
    return _thread_action(comment_id, lambda form: comments.reply_to_comment(
        comment_id, current_user, form.reply.data), "Reply added.")


@bp.route("/comments/<int:comment_id>/addressed", methods=["POST"])
@login_required
def addressed(comment_id: int):
    return _thread_action(comment_id, lambda form: comments.mark_addressed(
        comment_id, current_user, form.thread_version.data, form.reply.data),
        "Marked as addressed.")


@bp.route("/comments/<int:comment_id>/resolve", methods=["POST"])
@login_required
def resolve(comment_id: int):
    return _thread_action(comment_id, lambda form: comments.resolve_comment(
        comment_id, current_user, form.thread_version.data, form.reply.data),
        "Comment resolved.")


@bp.route("/articles/<int:article_id>/resubmit-with-answers", methods=["POST"])
@login_required
def resubmit(article_id: int):
    """Resubmit, with the answers to open comments and the general response."""
    form = comment_forms.ResubmitForm()
    bound_forms()["resubmit"] = form
    if not form.validate_on_submit():
        return _refused(article_id, "article", _refusal(form))
    responses = comments.Responses(
        answers=tuple(comments.Answer(comment_id=entry.form.comment_id.data,
                                      reply=entry.form.reply.data or "",
                                      addressed=bool(entry.form.addressed.data))
                      for entry in form.answers),
        general=form.general_response.data or "")
    try:
        workflow.resubmit_article(article_id, current_user, form.version.data, responses)
    except REFUSALS as error:
        return _refused(article_id, "article", error)
    return _back(article_id, "article", EVENTS["resubmit"].notice, None)
