"""The reviewer's screens: the queue, an invitation read before answering it,
answering it, the review page, approving with a signature and asking for changes."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from reviewapp.accounts.access import role_required
from reviewapp.desk import REFUSALS, form_refusal, refused_page, run_form
from reviewapp.error_pages import roll_back
from reviewapp.extensions import db
from reviewapp.lifecycle.events import EVENTS
from reviewapp.reviews import access, forms, pages
from reviewapp.workflow import review_commands

bp = Blueprint("reviews", __name__, url_prefix="/desk")


@bp.route("/reviews")
@role_required("reviewer")
def queue():
    return render_template("reviews/queue.html", **pages.reviewer_queue(current_user))


@bp.route("/assignments/<int:assignment_id>")
@role_required("reviewer", "editor", "admin")
def invitation(assignment_id: int):
    """The invitation, read before answering it: the revision under review, its
    citation report, the due date and who invited."""
    return render_template("reviews/invitation.html",
                           **pages.invitation_context(assignment_id, current_user))


def _answer(assignment_id: int, kind: str, form, command, notice: str, then):
    """Accept or decline, from the queue or (?from=invitation) from the
    invitation page: a refusal shows that page again with what was typed."""
    if form.validate_on_submit():
        try:
            assignment = command()
        except REFUSALS as error:
            return _answer_refused(assignment_id, kind, form, error)
        db.session.commit()
        flash(notice, "success")
        return redirect(then(assignment))
    return _answer_refused(assignment_id, kind, form, form_refusal(form))


def _answer_refused(assignment_id: int, kind: str, form, error):
    bound = {(kind, assignment_id): form}
    if request.args.get("from") == "invitation":
        return refused_page(error, "reviews/invitation.html", pages.invitation_context,
                            assignment_id, current_user, bound)
    return refused_page(error, "reviews/queue.html", pages.reviewer_queue, current_user,
                        bound)


@bp.route("/assignments/<int:assignment_id>/accept", methods=["POST"])
@role_required("reviewer")
def accept(assignment_id: int):
    form = forms.AcceptForm(prefix=f"a{assignment_id}")
    return _answer(
        assignment_id, "accept", form,
        lambda: review_commands.accept_assignment(assignment_id, current_user, form.declared()),
        EVENTS["accept"].notice,
        lambda assignment: url_for("reviews.review", article_id=assignment.article_id))


@bp.route("/assignments/<int:assignment_id>/decline", methods=["POST"])
@role_required("reviewer")
def decline(assignment_id: int):
    form = forms.DeclineForm(prefix=f"a{assignment_id}")
    return _answer(
        assignment_id, "decline", form,
        lambda: review_commands.decline_assignment(assignment_id, current_user,
                                                   form.reason.data),
        EVENTS["decline"].notice, lambda assignment: url_for("reviews.queue"))


@bp.route("/articles/<int:article_id>/review")
@role_required("reviewer", "editor", "admin")
def review(article_id: int):
    article = access.get_article(article_id, current_user)
    return render_template("reviews/review.html", **pages.review_context(article))


def _review_context(article_id: int, **bound_forms) -> dict:
    return pages.review_context(access.get_article(article_id, current_user), **bound_forms)


def _review_page(article_id: int, error, **bound_forms):
    return refused_page(error, "reviews/review.html", _review_context, article_id,
                        **bound_forms)


@bp.route("/articles/<int:article_id>/approve", methods=["POST"])
@role_required("reviewer")
def approve(article_id: int):
    form = forms.ApproveForm()
    return run_form(
        form, lambda: review_commands.approve_revision(article_id, current_user,
                                               form.content_hash.data, form.password.data,
                                               acknowledged=form.acknowledged.data or ()),
        lambda error: _signing_refused(article_id, error, form),
        article_id, EVENTS["approve"].notice)


def _signing_refused(article_id: int, error, form):
    """A refused signature (wrong password, a claim or warning left open, a newer
    revision): the message at the top of the signature form, not of the page. The
    form posts to #sign-refusal, the message's id, so the browser opens the page
    there with the message focused and a screen reader reads it first."""
    roll_back(error)
    return render_template("reviews/review.html", signing_refusal=error.message,
                           **_review_context(article_id, approve_form=form)), error.status_code


@bp.route("/articles/<int:article_id>/request-changes", methods=["POST"])
@role_required("reviewer")
def request_changes(article_id: int):
    form = forms.RequestChangesForm()
    return run_form(
        form, lambda: review_commands.request_changes(article_id, current_user, form.version.data,
                                              form.comments.data),
        lambda error: _review_page(article_id, error, changes_form=form),
        # With CHANGES_DECISION=editor the article stays in review (issue 14).
        article_id, lambda review: EVENTS["request_changes"].notice_after(
            review.revision.article.state))
